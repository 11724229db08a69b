//! `nova_server`'s arguments given by name, and its access addresses:
//!
//! - `image_name`, found through the image API (`GET /v2/images?name=`);
//! - `network.name`, found through the network API (`GET
//!   /v2.0/networks?name=`);
//! - `access_ip_v4`/`access_ip_v6` when Nova has none of its own: the
//!   fixed address of the `network` block marked `access_network`, else of
//!   the first block with one (terraform-provider-openstack's rule).
//!
//! A name is looked up at plan time when it is new or changed, and at
//! apply when it was unknown at plan time; a configuration that gives IDs
//! only never calls these APIs while planning.

use serde_json::Value as J;

use crate::client::{documents, wire, ApiError, Call, Service};
use crate::configured::NovaData;
use crate::framework::{Attr, AttrPath, Diagnostic, Diagnostics};

use super::model::{same_ip, AddressModel, NetworkModel, ServerModel};
use super::{api_error, path_segment};

/// What a name found: the IDs of the items whose name is exactly it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    One(String),
    Nothing,
    Several(Vec<String>),
}

/// The IDs of the `items` named exactly `name` (a cloud may match more
/// loosely, or ignore the filter).
pub fn found(items: &[J], name: &str) -> Found {
    let mut ids: Vec<String> = items
        .iter()
        .filter(|i| i["name"].as_str() == Some(name))
        .filter_map(|i| wire::string(&i["id"]))
        .collect();
    ids.sort();
    ids.dedup();
    match ids.len() {
        0 => Found::Nothing,
        1 => Found::One(ids.remove(0)),
        _ => Found::Several(ids),
    }
}

/// The one ID `f` found for `name`, or the error at `at`: `what` is the
/// kind of item, `instead` the argument that takes an ID.
fn one(
    f: Found,
    what: &str,
    name: &str,
    at: AttrPath,
    instead: &str,
) -> Result<String, Diagnostic> {
    match f {
        Found::One(id) => Ok(id),
        Found::Nothing => Err(Diagnostic::error(
            format!("No {what} found"),
            format!("{at}: no {what} is named \"{name}\"."),
        )
        .at(at)),
        Found::Several(ids) => Err(Diagnostic::error(
            format!("Several {what}s found"),
            format!(
                "{at}: {} {what}s are named \"{name}\": {}. Give {instead} instead.",
                ids.len(),
                ids.join(", ")
            ),
        )
        .at(at)),
    }
}

/// Pages the image API follows, at most (Glance links the next as `next`).
const MAX_IMAGE_PAGES: usize = 1000;

/// Every image the image API lists under `name`.
async fn images_named(data: &NovaData, name: &str) -> Result<Vec<J>, ApiError> {
    let mut out = Vec::new();
    let mut next = Some(format!("/v2/images?name={}", path_segment(name)));
    let mut pages = 0;
    while let Some(path) = next.take() {
        let r = data
            .cloud
            .session
            .call(Call::new(Service::Image, reqwest::Method::GET, &path))
            .await?;
        let items = r.body["images"].as_array().cloned().unwrap_or_default();
        pages += 1;
        next = r.body["next"]
            .as_str()
            .filter(|_| !items.is_empty() && pages < MAX_IMAGE_PAGES)
            .map(str::to_string);
        out.extend(items);
    }
    Ok(out)
}

/// The ID of the one image named `name`; the error is at `image_name`.
pub async fn image_id_for(data: &NovaData, name: &str) -> Result<String, Diagnostic> {
    let at = AttrPath::attr("image_name");
    let items = images_named(data, name)
        .await
        .map_err(|e| api_error("Cannot look up image_name", &e).at(at.clone()))?;
    one(found(&items, name), "image", name, at, "image_id")
}

/// The ID of the one network named `name`; the error is at `at`
/// (`network[i].name`).
pub async fn network_id_for(
    data: &NovaData,
    name: &str,
    at: AttrPath,
) -> Result<String, Diagnostic> {
    let path = format!("/v2.0/networks?name={}", path_segment(name));
    let items = crate::client::batch::list_all(&data.cloud, Service::Network, &path, "networks")
        .await
        .map_err(|e| api_error("Cannot look up network.name", &e).at(at.clone()))?;
    one(found(&items, name), "network", name, at, "uuid")
}

/// The name of image `id`, when the image API shows it (`None`, logged,
/// when it cannot: no image endpoint, an image deleted or not visible).
pub async fn image_name_of(data: &NovaData, id: &str) -> Option<String> {
    let known = |d: &NovaData| d.image_names.lock().ok()?.get(id).cloned();
    if let Some(name) = known(data) {
        return Some(name);
    }
    let path = format!("/v2/images/{}", path_segment(id));
    let call = Call::new(Service::Image, reqwest::Method::GET, &path);
    match data.cloud.session.call(call).await {
        Ok(r) => {
            let name = documents::parse::<documents::Image>("image", &r.body)
                .ok()
                .and_then(|i| i.name);
            if let (Some(n), Ok(mut names)) = (&name, data.image_names.lock()) {
                names.insert(id.to_string(), n.clone());
            }
            name
        }
        Err(e) => {
            tracing::debug!(image = %id, error = %e, "image name not readable");
            None
        }
    }
}

/// `image_name` of a server read back: filled from the image API at
/// import, and again when the image changed under a name in state (a
/// rebuild outside Terraform); otherwise as it was, without a call.
pub async fn read_image_name(data: &NovaData, prior: &ServerModel, m: &mut ServerModel) {
    let importing = prior.name.is_null();
    let changed = prior.image_name.if_known().is_some()
        && prior.image_id.if_known().is_some()
        && m.image_id != prior.image_id;
    if !importing && !changed {
        if m.image_name.is_unknown() {
            m.image_name = Attr::Null;
        }
        return;
    }
    m.image_name = match m.image_id.if_known() {
        Some(id) => Attr::from_option(image_name_of(data, id).await),
        None => Attr::Null,
    };
}

/// Whether the plan should look `name` up: it is known and differs from
/// the name in state (or nothing is in state), or the state has no ID.
fn needs_lookup(
    name: &Attr<String>,
    prior_name: Option<&Attr<String>>,
    prior_id: Option<&Attr<String>>,
) -> bool {
    name.if_known().is_some()
        && match (prior_name, prior_id) {
            (Some(n), Some(id)) => n != name || id.if_known().is_none(),
            _ => true,
        }
}

/// The plan of the image: `image_id` from `image_name` (looked up when the
/// name is new or changed; unknown while the name is, or without a
/// configured provider), and `image_name` left null, or cleared, when the
/// image is given by ID.
pub async fn plan_image(
    data: Option<&NovaData>,
    config: &ServerModel,
    prior: Option<&ServerModel>,
    planned: &mut ServerModel,
    diags: &mut Diagnostics,
) {
    match &config.image_name {
        // the name in state (imported, or written before) stays while the
        // image does
        Attr::Null => {
            // a new server whose first block device copies an image to the
            // local disk boots that image (sent as imageRef): the plan says so
            if prior.is_none() && config.image_id.is_null() && planned.image_id.is_unknown() {
                if let Some(Attr::Known(img)) =
                    super::model::boot_device_image(config.block_devices())
                {
                    planned.image_id = Attr::Known(img.clone());
                }
            }
            planned.image_name = match prior {
                Some(p) if planned.image_id == p.image_id => p.image_name.clone(),
                _ => Attr::Null,
            }
        }
        Attr::Unknown => planned.image_id = Attr::Unknown,
        Attr::Known(name) => {
            let lookup = needs_lookup(
                &config.image_name,
                prior.map(|p| &p.image_name),
                prior.map(|p| &p.image_id),
            );
            if !lookup {
                if let Some(p) = prior {
                    planned.image_id = p.image_id.clone();
                }
                return;
            }
            match data {
                None => planned.image_id = Attr::Unknown,
                Some(data) => match image_id_for(data, name).await {
                    Ok(id) => planned.image_id = Attr::Known(id),
                    Err(d) => diags.push(d),
                },
            }
        }
    }
}

/// The plan of the `network` blocks given by name: `uuid` from `name`
/// (looked up when the block is new or its name changed), and `name` left
/// null, or cleared, where the block gives `uuid`.
pub async fn plan_network_names(
    data: Option<&NovaData>,
    config: &ServerModel,
    prior: Option<&ServerModel>,
    planned: &mut ServerModel,
    diags: &mut Diagnostics,
) {
    let prior_nets = prior.map_or(&[][..], |p| p.networks());
    let Attr::Known(nets) = &mut planned.network else {
        return;
    };
    for (i, (n, c)) in nets.iter_mut().zip(config.networks()).enumerate() {
        let before = prior_nets.get(i);
        match &c.name {
            Attr::Null => {
                let moved = before.is_none_or(|b| b.uuid != n.uuid);
                if moved || n.name.is_unknown() {
                    n.name = Attr::Null;
                }
            }
            Attr::Unknown => n.uuid = Attr::Unknown,
            Attr::Known(name) => {
                if !needs_lookup(&c.name, before.map(|b| &b.name), before.map(|b| &b.uuid)) {
                    if let Some(b) = before {
                        n.uuid = b.uuid.clone();
                    }
                    continue;
                }
                let at = AttrPath::attr("network").then_index(i).then_attr("name");
                match data {
                    None => n.uuid = Attr::Unknown,
                    Some(data) => match network_id_for(data, name, at).await {
                        Ok(id) => n.uuid = Attr::Known(id),
                        Err(d) => diags.push(d),
                    },
                }
            }
        }
    }
}

/// A `network` block as far as the cloud is concerned: without its name
/// (the uuid says which network), its `access_network` flag, and its MAC
/// (the cloud's; planned unknown whenever anything in the block changes).
fn as_sent(n: &NetworkModel) -> NetworkModel {
    NetworkModel {
        name: Attr::Null,
        access_network: Attr::Null,
        mac: Attr::Null,
        ..n.clone()
    }
}

/// The planned block as the configuration asks for it (`c`): a part the
/// configuration leaves to the cloud, planned unknown only because
/// something else in the block changed, is taken as it was (`o`).
fn as_asked(o: &NetworkModel, c: Option<&NetworkModel>, n: &NetworkModel) -> NetworkModel {
    let mut out = n.clone();
    let Some(c) = c else {
        return out;
    };
    for (part, written, was) in [
        (&mut out.port, &c.port, &o.port),
        (&mut out.fixed_ip_v4, &c.fixed_ip_v4, &o.fixed_ip_v4),
        (&mut out.fixed_ip_v6, &c.fixed_ip_v6, &o.fixed_ip_v6),
    ] {
        if written.is_null() && part.is_unknown() {
            *part = was.clone();
        }
    }
    if c.uuid.is_null() && c.name.is_null() && out.uuid.is_unknown() {
        out.uuid = o.uuid.clone();
    }
    out
}

/// Whether the planned `network` blocks differ from the prior ones in
/// more than names that find the same network, `access_network` flags,
/// and what the cloud is left to derive again: only then is the server
/// replaced.
pub fn networks_need_replacement(
    prior: &ServerModel,
    config: &ServerModel,
    planned: &ServerModel,
) -> bool {
    match (&prior.network, &planned.network) {
        (Attr::Known(old), Attr::Known(new)) => {
            old.len() != new.len()
                || old.iter().zip(new).enumerate().any(|(i, (o, n))| {
                    as_sent(o) != as_sent(&as_asked(o, config.networks().get(i), n))
                })
        }
        (old, new) => old != new,
    }
}

/// The replacement the `network` blocks need, after the look-ups: added
/// when a name now finds another network, dropped when only names (of the
/// same networks) and `access_network` flags change; then the blocks keep
/// what the cloud reported for them.
pub fn plan_network_replacement(
    prior: &ServerModel,
    config: &ServerModel,
    planned: &mut ServerModel,
    replace: &mut Vec<AttrPath>,
) {
    let at = AttrPath::attr("network");
    let listed = replace.contains(&at);
    if networks_need_replacement(prior, config, planned) {
        if !listed {
            replace.push(at);
        }
        return;
    }
    replace.retain(|p| *p != at);
    if let (Attr::Known(old), Attr::Known(new)) = (&prior.network, &mut planned.network) {
        for (o, n) in old.iter().zip(new.iter_mut()) {
            *n = NetworkModel {
                name: n.name.clone(),
                access_network: n.access_network.clone(),
                ..o.clone()
            };
        }
    }
}

/// The blocks the configuration keeps of those recovered at import (one
/// per interface, some of which `nova_interface_attachment` or others
/// manage): each configured block adopts a distinct recovered block it
/// describes (its port when given, else its network, and its fixed
/// addresses when given), in the configuration's order, with what the cloud
/// reported. `None` when a configured block matches none, or what it names
/// is not known yet: then the blocks differ, as for any server.
pub fn adopt_recovered_networks(
    prior: &ServerModel,
    planned: &ServerModel,
) -> Option<Vec<NetworkModel>> {
    let (Attr::Known(recovered), Attr::Known(wanted)) = (&prior.network, &planned.network) else {
        return None;
    };
    let mut used = vec![false; recovered.len()];
    let mut out = Vec::with_capacity(wanted.len());
    for w in wanted {
        let fits = |r: &NetworkModel| -> Option<bool> {
            let same = |a: &Attr<String>, b: &Attr<String>| match a {
                Attr::Null => Some(true),
                Attr::Unknown => None,
                Attr::Known(x) => Some(b.as_deref() == Some(x.as_str())),
            };
            if !w.port.is_null() {
                return same(&w.port, &r.port);
            }
            let uuid = same(&w.uuid, &r.uuid)?;
            Some(
                !w.uuid.is_null()
                    && uuid
                    && same(&w.fixed_ip_v4, &r.fixed_ip_v4)?
                    && same(&w.fixed_ip_v6, &r.fixed_ip_v6)?,
            )
        };
        let mut found = None;
        for (j, r) in recovered.iter().enumerate() {
            if !used[j] && fits(r)? {
                found = Some(j);
                break;
            }
        }
        let j = found?;
        used[j] = true;
        out.push(NetworkModel {
            name: w.name.clone(),
            access_network: w.access_network.clone(),
            ..recovered[j].clone()
        });
    }
    Some(out)
}

/// Whether the choice of access network changes between the state and the
/// plan (so the derived access addresses may).
pub fn access_choice_changes(prior: &ServerModel, planned: &ServerModel) -> bool {
    let flags = |m: &ServerModel| -> Option<Vec<bool>> {
        match &m.network {
            Attr::Known(n) => Some(
                n.iter()
                    .map(|b| b.access_network.if_known() == Some(&true))
                    .collect(),
            ),
            _ => None,
        }
    };
    let unknown = planned
        .networks()
        .iter()
        .any(|b| b.access_network.is_unknown());
    unknown || flags(prior) != flags(planned)
}

/// The access address of one IP version (`v6`): Nova's own (`nova`) when
/// it has one, kept as `written` when that is the same address; else the
/// fixed address of the last `network` block marked `access_network` that
/// has one, else of the first block that has one; with no blocks, the
/// server's first fixed address of that version; null when there is none.
pub fn access_address(
    nova: Option<&str>,
    written: &Attr<String>,
    networks: &[NetworkModel],
    addresses: &[AddressModel],
    v6: bool,
) -> Attr<String> {
    if let Some(ip) = nova.filter(|s| !s.is_empty()) {
        return written.as_written(Some(ip.to_string()), same_ip);
    }
    let mut chosen: Option<&String> = None;
    for n in networks {
        let fixed = if v6 { &n.fixed_ip_v6 } else { &n.fixed_ip_v4 };
        let Some(ip) = fixed.if_known().filter(|s| !s.is_empty()) else {
            continue;
        };
        if chosen.is_none() || n.access_network.if_known() == Some(&true) {
            chosen = Some(ip);
        }
    }
    if networks.is_empty() {
        let version = if v6 { 6 } else { 4 };
        chosen = addresses
            .iter()
            .filter(|a| a.r#type.as_deref() != Some("floating"))
            .filter(|a| a.version.if_known() == Some(&version))
            .find_map(|a| a.addr.if_known().filter(|s| !s.is_empty()));
    }
    Attr::from_option(chosen.cloned())
}

/// `access_ip_v4` and `access_ip_v6` of a server document, by
/// [`access_address`], from the blocks and addresses `m` holds now.
pub fn fill_access_addresses(s: &documents::Server, m: &mut ServerModel) {
    let addresses = m.addresses.if_known().cloned().unwrap_or_default();
    let v4 = access_address(
        s.access_ip_v4.as_deref(),
        &m.access_ip_v4,
        m.networks(),
        &addresses,
        false,
    );
    let v6 = access_address(
        s.access_ip_v6.as_deref(),
        &m.access_ip_v6,
        m.networks(),
        &addresses,
        true,
    );
    m.access_ip_v4 = v4;
    m.access_ip_v6 = v6;
}

/// At apply, the IDs of names that were unknown at plan time.
pub async fn resolve_at_apply(data: &NovaData, p: &mut ServerModel) -> Result<(), Diagnostic> {
    if p.image_id.is_unknown() {
        if let Some(name) = p.image_name.if_known().cloned() {
            p.image_id = Attr::Known(image_id_for(data, &name).await?);
        }
    }
    if let Attr::Known(nets) = &mut p.network {
        for (i, n) in nets.iter_mut().enumerate() {
            if let (true, Some(name)) = (n.uuid.is_unknown(), n.name.if_known().cloned()) {
                let at = AttrPath::attr("network").then_index(i).then_attr("name");
                n.uuid = Attr::Known(network_id_for(data, &name, at).await?);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::model::Model;
    use crate::framework::Value;
    use serde_json::json;

    /// Configured blocks adopt the recovered (import) blocks they describe,
    /// in the configuration's order; the rest leave the state. Unknown or
    /// unmatched descriptions adopt nothing.
    #[test]
    fn configured_blocks_adopt_the_interfaces_recovered_at_import() {
        let rec = |uuid: &str, port: &str, v4: &str| NetworkModel {
            uuid: k(uuid),
            port: k(port),
            fixed_ip_v4: k(v4),
            mac: k(&format!("mac-{port}")),
            ..Default::default()
        };
        let want = |uuid: Attr<String>, port: Attr<String>, v4: Attr<String>| NetworkModel {
            uuid,
            port,
            fixed_ip_v4: v4,
            ..Default::default()
        };
        let recovered = vec![
            rec("net-a", "p1", "10.0.0.5"),
            rec("net-b", "p2", "10.1.0.5"),
            rec("net-a", "p3", "10.0.0.9"),
        ];
        let n = Attr::Null;
        // (case, configured blocks, adopted ports or None)
        let cases: Vec<(&str, Vec<NetworkModel>, Option<Vec<&str>>)> = vec![
            (
                "one by network",
                vec![want(k("net-b"), n.clone(), n.clone())],
                Some(vec!["p2"]),
            ),
            (
                "first of a network",
                vec![want(k("net-a"), n.clone(), n.clone())],
                Some(vec!["p1"]),
            ),
            (
                "by fixed address",
                vec![want(k("net-a"), n.clone(), k("10.0.0.9"))],
                Some(vec!["p3"]),
            ),
            (
                "by port",
                vec![want(n.clone(), k("p3"), n.clone())],
                Some(vec!["p3"]),
            ),
            (
                "configuration order",
                vec![
                    want(k("net-b"), n.clone(), n.clone()),
                    want(k("net-a"), n.clone(), n.clone()),
                ],
                Some(vec!["p2", "p1"]),
            ),
            (
                "two of one network",
                vec![
                    want(k("net-a"), n.clone(), n.clone()),
                    want(k("net-a"), n.clone(), n.clone()),
                ],
                Some(vec!["p1", "p3"]),
            ),
            ("none configured", vec![], Some(vec![])),
            (
                "unmatched network",
                vec![want(k("net-c"), n.clone(), n.clone())],
                None,
            ),
            (
                "unmatched address",
                vec![want(k("net-b"), n.clone(), k("10.1.0.6"))],
                None,
            ),
            (
                "more blocks than interfaces",
                vec![
                    want(k("net-b"), n.clone(), n.clone()),
                    want(k("net-b"), n.clone(), n.clone()),
                ],
                None,
            ),
            (
                "unknown network",
                vec![want(Attr::Unknown, n.clone(), n.clone())],
                None,
            ),
            (
                "unknown port",
                vec![want(n.clone(), Attr::Unknown, n.clone())],
                None,
            ),
            (
                "neither network nor port",
                vec![want(n.clone(), n.clone(), n.clone())],
                None,
            ),
        ];
        let prior = ServerModel {
            network: Attr::Known(recovered.clone()),
            ..Default::default()
        };
        for (case, configured, ports) in cases {
            let planned = ServerModel {
                network: Attr::Known(configured),
                ..Default::default()
            };
            let got = adopt_recovered_networks(&prior, &planned);
            let got_ports = got.as_ref().map(|b| {
                b.iter()
                    .map(|x| x.port.as_deref().unwrap_or(""))
                    .collect::<Vec<_>>()
            });
            assert_eq!(got_ports, ports, "{case}");
            if let Some(blocks) = got {
                for b in blocks {
                    let r = recovered.iter().find(|r| r.port == b.port).unwrap();
                    assert_eq!(b.mac, r.mac, "{case}: what the cloud reported is kept");
                }
            }
        }
        let unknown = ServerModel {
            network: Attr::Unknown,
            ..Default::default()
        };
        assert_eq!(
            adopt_recovered_networks(&prior, &unknown),
            None,
            "unknown blocks"
        );
    }

    fn k(s: &str) -> Attr<String> {
        Attr::Known(s.to_string())
    }

    fn net(v4: Attr<String>, v6: Attr<String>, access: Attr<bool>) -> NetworkModel {
        NetworkModel {
            fixed_ip_v4: v4,
            fixed_ip_v6: v6,
            access_network: access,
            ..Default::default()
        }
    }

    fn addr(a: &str, version: i64, ty: Option<&str>) -> AddressModel {
        AddressModel {
            addr: k(a),
            version: Attr::Known(version),
            r#type: ty.map_or(Attr::Null, k),
            ..Default::default()
        }
    }

    #[test]
    fn names_find_exactly_one() {
        let items = vec![
            json!({"id": "b", "name": "cirros"}),
            json!({"id": "a", "name": "cirros"}),
            json!({"id": "c", "name": "Cirros"}),
            json!({"id": "d", "name": null}),
            json!({"name": "cirros"}),
        ];
        assert_eq!(
            found(&items, "cirros"),
            Found::Several(vec!["a".into(), "b".into()])
        );
        assert_eq!(found(&items, "Cirros"), Found::One("c".into()));
        assert_eq!(found(&items, "cirro"), Found::Nothing);
        assert_eq!(found(&[], "cirros"), Found::Nothing);
        // a listing that repeats an item (paging) finds it once
        let twice = vec![
            json!({"id": "a", "name": "x"}),
            json!({"id": "a", "name": "x"}),
        ];
        assert_eq!(found(&twice, "x"), Found::One("a".into()));
    }

    #[test]
    fn errors_name_the_attribute_and_list_the_ids() {
        let at = AttrPath::attr("network").then_index(1).then_attr("name");
        let none = one(Found::Nothing, "network", "priv", at.clone(), "uuid").unwrap_err();
        assert_eq!(
            none.path.as_ref().map(|p| p.to_string()),
            Some("network[1].name".into())
        );
        assert_eq!(none.summary, "No network found");
        assert!(
            none.detail
                .contains("network[1].name: no network is named \"priv\""),
            "{}",
            none.detail
        );
        let several = one(
            Found::Several(vec!["i1".into(), "i2".into()]),
            "image",
            "cirros",
            AttrPath::attr("image_name"),
            "image_id",
        )
        .unwrap_err();
        assert_eq!(
            several.path.as_ref().map(|p| p.to_string()),
            Some("image_name".into())
        );
        assert!(
            several
                .detail
                .contains("2 images are named \"cirros\": i1, i2. Give image_id instead."),
            "{}",
            several.detail
        );
        assert_eq!(
            one(
                Found::One("x".into()),
                "image",
                "n",
                AttrPath::attr("image_name"),
                "image_id"
            ),
            Ok("x".into())
        );
    }

    /// Nova's own address first (as written when the same); else the last
    /// access network's, else the first block's; with no blocks, the first
    /// fixed address; null and unknown parts are skipped, never read.
    #[test]
    fn access_addresses_table() {
        let t = Attr::Known(true);
        let f = Attr::Known(false);
        let blocks = vec![
            net(k("10.0.0.5"), Attr::Null, Attr::Null),
            net(k("10.20.0.7"), k("fd00::7"), t.clone()),
            net(k("10.30.0.9"), k("fd00::9"), f.clone()),
        ];
        let addrs = vec![
            addr("172.24.4.2", 4, Some("floating")),
            addr("10.0.0.5", 4, Some("fixed")),
            addr("fd00::5", 6, None),
        ];
        type Row<'a> = (
            &'a str,
            Option<&'a str>,
            Attr<String>,
            Vec<NetworkModel>,
            Vec<AddressModel>,
            bool,
            Attr<String>,
        );
        let table: Vec<Row> = vec![
            (
                "Nova's own wins",
                Some("192.0.2.1"),
                Attr::Unknown,
                blocks.clone(),
                addrs.clone(),
                false,
                k("192.0.2.1"),
            ),
            (
                "user-set kept as written",
                Some("2001:db8::1"),
                k("2001:DB8:0::1"),
                blocks.clone(),
                vec![],
                true,
                k("2001:DB8:0::1"),
            ),
            (
                "user-set, Nova reports another",
                Some("192.0.2.9"),
                k("192.0.2.1"),
                blocks.clone(),
                vec![],
                false,
                k("192.0.2.9"),
            ),
            (
                "empty Nova value is none",
                Some(""),
                Attr::Null,
                blocks.clone(),
                vec![],
                false,
                k("10.20.0.7"),
            ),
            (
                "access network, v4",
                None,
                Attr::Unknown,
                blocks.clone(),
                addrs.clone(),
                false,
                k("10.20.0.7"),
            ),
            (
                "access network, v6",
                None,
                Attr::Unknown,
                blocks.clone(),
                addrs.clone(),
                true,
                k("fd00::7"),
            ),
            (
                "first block without access network",
                None,
                Attr::Null,
                vec![
                    net(k("10.0.0.5"), Attr::Null, Attr::Null),
                    net(k("10.20.0.7"), Attr::Null, f.clone()),
                ],
                vec![],
                false,
                k("10.0.0.5"),
            ),
            (
                "the last access network",
                None,
                Attr::Null,
                vec![
                    net(k("10.0.0.5"), Attr::Null, t.clone()),
                    net(k("10.20.0.7"), Attr::Null, t.clone()),
                ],
                vec![],
                false,
                k("10.20.0.7"),
            ),
            (
                "access network without that version",
                None,
                Attr::Null,
                vec![
                    net(k("10.0.0.5"), k("fd00::5"), Attr::Null),
                    net(k("10.20.0.7"), Attr::Null, t.clone()),
                ],
                vec![],
                true,
                k("fd00::5"),
            ),
            (
                "unknown address and flag skipped",
                None,
                Attr::Unknown,
                vec![
                    net(Attr::Unknown, Attr::Null, t.clone()),
                    net(k("10.20.0.7"), Attr::Null, Attr::Unknown),
                ],
                vec![],
                false,
                k("10.20.0.7"),
            ),
            (
                "no blocks: first fixed address",
                None,
                Attr::Unknown,
                vec![],
                addrs.clone(),
                false,
                k("10.0.0.5"),
            ),
            (
                "no blocks, v6 without a type",
                None,
                Attr::Unknown,
                vec![],
                addrs.clone(),
                true,
                k("fd00::5"),
            ),
            (
                "no blocks, no addresses",
                None,
                Attr::Unknown,
                vec![],
                vec![],
                false,
                Attr::Null,
            ),
            (
                "blocks without addresses",
                None,
                k("10.0.0.5"),
                vec![net(Attr::Null, Attr::Null, t.clone())],
                addrs.clone(),
                false,
                Attr::Null,
            ),
            (
                "only a floating address",
                None,
                Attr::Null,
                vec![],
                vec![addr("172.24.4.2", 4, Some("floating"))],
                false,
                Attr::Null,
            ),
        ];
        for (what, nova, written, nets, addrs, v6, want) in table {
            assert_eq!(
                access_address(nova, &written, &nets, &addrs, v6),
                want,
                "{what}"
            );
        }
    }

    /// Through `flatten`: a user-set access address is never replaced by a
    /// derived one; an unset one is filled from the addresses.
    #[test]
    fn flatten_fills_access_addresses() {
        let doc = |access: &str| -> documents::Server {
            documents::parse("server", &json!({"id": "s", "status": "ACTIVE", "accessIPv4": access, "accessIPv6": "",
                "addresses": {"private": [{"addr": "10.0.0.5", "version": 4, "OS-EXT-IPS:type": "fixed"},
                                          {"addr": "fd00::5", "version": 6, "OS-EXT-IPS:type": "fixed"}]}})).unwrap()
        };
        let prior = ServerModel {
            name: k("web"),
            access_ip_v4: k("192.0.2.1"),
            ..Default::default()
        };
        let mut m = prior.clone();
        super::super::model::flatten(&doc("192.0.2.1"), Some(&prior), &mut m);
        assert_eq!(m.access_ip_v4, k("192.0.2.1"));
        assert_eq!(m.access_ip_v6, k("fd00::5"));
        let planned = ServerModel {
            name: k("web"),
            access_ip_v4: Attr::Unknown,
            access_ip_v6: Attr::Unknown,
            ..Default::default()
        };
        let mut m = planned.clone();
        super::super::model::flatten(&doc(""), Some(&planned), &mut m);
        assert_eq!(m.access_ip_v4, k("10.0.0.5"));
    }

    fn run<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    /// (config image_name, prior, planned image_id before the hook,
    /// image_id after, image_name after)
    type ImageRow<'a> = (
        Attr<String>,
        Option<&'a ServerModel>,
        Attr<String>,
        Attr<String>,
        Attr<String>,
    );

    /// Without a configured provider (no cloud to ask), image_id is
    /// unknown exactly when the name is new, changed or unknown; a name
    /// left out keeps the name in state while the image stays.
    #[test]
    fn image_plan_table() {
        let state = ServerModel {
            image_id: k("i1"),
            image_name: k("cirros"),
            ..Default::default()
        };
        let by_id = ServerModel {
            image_id: k("i1"),
            ..Default::default()
        };
        let table: Vec<ImageRow> = vec![
            (k("cirros"), None, Attr::Unknown, Attr::Unknown, k("cirros")),
            (k("cirros"), Some(&state), k("i1"), k("i1"), k("cirros")),
            (k("other"), Some(&state), k("i1"), Attr::Unknown, k("other")),
            (
                k("cirros"),
                Some(&by_id),
                k("i1"),
                Attr::Unknown,
                k("cirros"),
            ),
            (
                Attr::Unknown,
                Some(&state),
                k("i1"),
                Attr::Unknown,
                Attr::Unknown,
            ),
            (
                Attr::Unknown,
                None,
                Attr::Unknown,
                Attr::Unknown,
                Attr::Unknown,
            ),
            (Attr::Null, None, k("i1"), k("i1"), Attr::Null),
            (Attr::Null, Some(&state), k("i1"), k("i1"), k("cirros")),
            (Attr::Null, Some(&state), k("i2"), k("i2"), Attr::Null),
            (
                Attr::Null,
                Some(&state),
                Attr::Unknown,
                Attr::Unknown,
                Attr::Null,
            ),
            (Attr::Null, Some(&by_id), k("i1"), k("i1"), Attr::Null),
        ];
        for (i, (name, prior, id_before, id_after, name_after)) in table.into_iter().enumerate() {
            let config = ServerModel {
                image_name: name.clone(),
                ..Default::default()
            };
            let mut planned = ServerModel {
                image_id: id_before,
                image_name: match &name {
                    Attr::Null => Attr::Unknown,
                    n => n.clone(),
                },
                ..Default::default()
            };
            let mut diags = Diagnostics::default();
            run(plan_image(None, &config, prior, &mut planned, &mut diags));
            assert!(diags.0.is_empty(), "row {i}");
            assert_eq!(planned.image_id, id_after, "row {i}: image_id");
            assert_eq!(planned.image_name, name_after, "row {i}: image_name");
        }
    }

    /// A new server with no image_id or image_name whose first block device
    /// copies an image to the local disk plans that image as image_id; an
    /// unknown device image, another boot device, an existing server (its
    /// image is read from the cloud) or a given image_id plan nothing here.
    #[test]
    fn image_of_the_boot_device_is_planned_for_a_new_server() {
        const IMG: &str = "155d900f-4e14-4e4c-a73d-069cbf4541e6";
        let dev = |index: i64, src: &str, dest: &str, uuid: Attr<String>| {
            super::super::model::BlockDeviceModel {
                boot_index: Attr::Known(index),
                source_type: k(src),
                destination_type: k(dest),
                uuid,
                ..Default::default()
            }
        };
        let state = ServerModel {
            image_id: k("i-old"),
            ..Default::default()
        };
        let table: Vec<(
            &str,
            Vec<super::super::model::BlockDeviceModel>,
            Attr<String>,
            Option<&ServerModel>,
            Attr<String>,
        )> = vec![
            (
                "image to local",
                vec![dev(0, "image", "local", k(IMG))],
                Attr::Null,
                None,
                k(IMG),
            ),
            (
                "image unknown",
                vec![dev(0, "image", "local", Attr::Unknown)],
                Attr::Null,
                None,
                Attr::Unknown,
            ),
            (
                "not first",
                vec![dev(1, "image", "local", k(IMG))],
                Attr::Null,
                None,
                Attr::Unknown,
            ),
            (
                "image to volume",
                vec![dev(0, "image", "volume", k(IMG))],
                Attr::Null,
                None,
                Attr::Unknown,
            ),
            (
                "existing server",
                vec![dev(0, "image", "local", k(IMG))],
                Attr::Null,
                Some(&state),
                Attr::Unknown,
            ),
            (
                "image_id unknown",
                vec![dev(0, "image", "local", k(IMG))],
                Attr::Unknown,
                None,
                Attr::Unknown,
            ),
        ];
        for (row, devices, image_id, prior, want) in table {
            let config = ServerModel {
                image_id: image_id.clone(),
                block_device: Attr::Known(devices),
                ..Default::default()
            };
            let mut planned = ServerModel {
                image_id: Attr::Unknown,
                image_name: Attr::Unknown,
                ..config.clone()
            };
            let mut diags = Diagnostics::default();
            run(plan_image(None, &config, prior, &mut planned, &mut diags));
            assert!(diags.0.is_empty(), "{row}");
            assert_eq!(planned.image_id, want, "{row}: image_id");
        }
    }

    #[test]
    fn network_name_plan_table() {
        let n = |uuid: Attr<String>, name: Attr<String>| NetworkModel {
            uuid,
            name,
            ..Default::default()
        };
        let with = |nets: Vec<NetworkModel>| ServerModel {
            network: Attr::Known(nets),
            ..Default::default()
        };
        let state = with(vec![n(k("u1"), k("private")), n(k("u2"), Attr::Null)]);
        // config blocks, planned blocks before, planned after
        let table = vec![
            // unchanged name: the uuid in state, no look-up
            (
                vec![n(Attr::Null, k("private")), n(k("u2"), Attr::Null)],
                vec![n(k("u1"), k("private")), n(k("u2"), Attr::Null)],
                vec![n(k("u1"), k("private")), n(k("u2"), Attr::Null)],
            ),
            // changed or unknown name: unknown uuid
            (
                vec![n(Attr::Null, k("data")), n(Attr::Null, Attr::Unknown)],
                vec![n(k("u1"), k("data")), n(k("u2"), Attr::Unknown)],
                vec![n(Attr::Unknown, k("data")), n(Attr::Unknown, Attr::Unknown)],
            ),
            // a uuid given instead: the name in state stays with the same network, else is cleared
            (
                vec![n(k("u1"), Attr::Null), n(k("u3"), Attr::Null)],
                vec![n(k("u1"), k("private")), n(k("u3"), Attr::Unknown)],
                vec![n(k("u1"), k("private")), n(k("u3"), Attr::Null)],
            ),
        ];
        for (i, (config, before, after)) in table.into_iter().enumerate() {
            let mut planned = with(before);
            let mut diags = Diagnostics::default();
            run(plan_network_names(
                None,
                &with(config),
                Some(&state),
                &mut planned,
                &mut diags,
            ));
            assert!(diags.0.is_empty(), "row {i}");
            assert_eq!(planned.network, Attr::Known(after), "row {i}");
        }
        // a new server: every name is looked up, blocks by uuid have none
        let mut planned = with(vec![
            n(Attr::Unknown, k("private")),
            n(k("u2"), Attr::Unknown),
        ]);
        let config = with(vec![n(Attr::Null, k("private")), n(k("u2"), Attr::Null)]);
        run(plan_network_names(
            None,
            &config,
            None,
            &mut planned,
            &mut Diagnostics::default(),
        ));
        assert_eq!(
            planned.network,
            Attr::Known(vec![n(Attr::Unknown, k("private")), n(k("u2"), Attr::Null)])
        );
    }

    #[test]
    fn names_and_access_flags_alone_replace_nothing() {
        let n = |uuid: &str, name: Attr<String>, access: Attr<bool>| NetworkModel {
            uuid: k(uuid),
            name,
            access_network: access,
            port: k(&format!("p-{uuid}")),
            mac: k("fa:16:3e:00:00:01"),
            ..Default::default()
        };
        let prior = ServerModel {
            network: Attr::Known(vec![n("u1", Attr::Null, Attr::Null)]),
            ..Default::default()
        };
        // written: the network by name, marked the access network; port
        // and addresses left to the cloud
        let config = ServerModel {
            network: Attr::Known(vec![NetworkModel {
                name: k("private"),
                access_network: Attr::Known(true),
                ..Default::default()
            }]),
            ..Default::default()
        };
        // the framework has the block replaced, the parts it derives again
        // unknown (a part that was null cannot be kept)
        let mut planned = ServerModel {
            network: Attr::Known(vec![NetworkModel {
                mac: Attr::Unknown,
                fixed_ip_v6: Attr::Unknown,
                ..n("u1", k("private"), Attr::Known(true))
            }]),
            ..Default::default()
        };
        assert!(access_choice_changes(&prior, &planned));
        let mut replace = vec![AttrPath::attr("network"), AttrPath::attr("key_name")];
        plan_network_replacement(&prior, &config, &mut planned, &mut replace);
        // the same network: the block changes in place, its MAC as it was
        assert_eq!(replace, vec![AttrPath::attr("key_name")]);
        assert_eq!(planned.networks()[0].name, k("private"));
        assert_eq!(planned.networks()[0].access_network, Attr::Known(true));
        assert_eq!(planned.networks()[0].mac, k("fa:16:3e:00:00:01"));
        assert_eq!(planned.networks()[0].fixed_ip_v6, Attr::Null);
        // a port not known yet, as written (another resource's), is another
        // interface: replaced
        let config = ServerModel {
            network: Attr::Known(vec![NetworkModel {
                port: Attr::Unknown,
                ..Default::default()
            }]),
            ..Default::default()
        };
        let mut planned = ServerModel {
            network: Attr::Known(vec![NetworkModel {
                port: Attr::Unknown,
                ..n("u1", Attr::Null, Attr::Null)
            }]),
            ..Default::default()
        };
        let mut replace = vec![AttrPath::attr("network")];
        plan_network_replacement(&prior, &config, &mut planned, &mut replace);
        assert_eq!(replace, vec![AttrPath::attr("network")]);
        // another network found by the name: replaced, even when the framework saw no change
        let mut planned = ServerModel {
            network: Attr::Known(vec![n("u9", k("private"), Attr::Null)]),
            ..Default::default()
        };
        let mut replace = vec![];
        plan_network_replacement(&prior, &config, &mut planned, &mut replace);
        assert_eq!(replace, vec![AttrPath::attr("network")]);
        assert!(!access_choice_changes(&prior, &planned));
        // an unknown flag may change the choice
        let planned = ServerModel {
            network: Attr::Known(vec![n("u1", Attr::Null, Attr::Unknown)]),
            ..Default::default()
        };
        assert!(access_choice_changes(&prior, &planned));
    }

    /// The plan-time rules: one of image_id and image_name, one of a
    /// network's uuid and name; each alone is a boot source or a network.
    #[test]
    fn conflicts_and_alternatives() {
        let ty = super::super::schema::ty();
        let cfg = |image_id: Option<&str>,
                   image_name: Option<&str>,
                   net: Option<(Option<&str>, Option<&str>)>| {
            let mut m = ServerModel {
                name: k("web"),
                flavor_id: k("1"),
                image_id: image_id.map_or(Attr::Null, k),
                image_name: image_name.map_or(Attr::Null, k),
                network: Attr::Known(vec![]),
                block_device: Attr::Known(vec![]),
                ..Default::default()
            };
            if let Some((uuid, name)) = net {
                m.network = Attr::Known(vec![NetworkModel {
                    uuid: uuid.map_or(Attr::Null, k),
                    name: name.map_or(Attr::Null, k),
                    ..Default::default()
                }]);
            }
            m.to_value(&ty)
        };
        let errors = |v: Value| {
            let mut d = Diagnostics::default();
            super::super::schema::validate(&v, &mut d);
            d.0.iter()
                .map(|d| d.path.as_ref().map(|p| p.to_string()).unwrap_or_default())
                .collect::<Vec<_>>()
        };
        let id = "155d900f-4e14-4e4c-a73d-069cbf4541e6";
        assert_eq!(errors(cfg(Some(id), None, None)), Vec::<String>::new());
        assert_eq!(
            errors(cfg(None, Some("cirros"), None)),
            Vec::<String>::new()
        );
        assert_eq!(
            errors(cfg(Some(id), Some("cirros"), None)),
            vec!["image_name"]
        );
        assert_eq!(errors(cfg(None, None, None)), vec!["image_id"]);
        assert_eq!(
            errors(cfg(Some(id), None, Some((None, Some("private"))))),
            Vec::<String>::new()
        );
        assert_eq!(
            errors(cfg(Some(id), None, Some((Some(id), Some("private"))))),
            vec!["network[0].name"]
        );
        assert_eq!(
            errors(cfg(Some(id), None, Some((None, None)))),
            vec!["network[0].uuid"]
        );
        // an unknown name is a name (checked once known)
        let mut v = cfg(None, None, None);
        v.set("image_name", Value::Unknown);
        assert_eq!(errors(v), Vec::<String>::new());
    }
}
