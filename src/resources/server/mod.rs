//! `nova_server`: a server, created from an image or booted from a volume,
//! with its networks, block devices, metadata, tags and power state.
//!
//! - [`model`]: the model and its mapping to and from compute documents;
//! - [`schema`]: the schema and its plan-time rules;
//! - here: reading a server (with its interfaces, and its volumes at
//!   import), planning, and create, update and delete with their waits.

pub mod actions;
pub mod day2;
pub mod evacuate;
pub mod lookups;
pub mod model;
pub mod networks;
pub mod schema;
#[cfg(test)]
mod seed_fixtures;
pub mod vendor_rules;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value as J};

use crate::client::documents::{self, Flavor, InterfaceAttachment, VolumeAttachment};
use crate::client::waiter::{wait_server, Observed, Wait, WaitError, GONE_STATUSES};
use crate::client::{wire, ApiError};
use crate::configured::NovaData;
use crate::framework::model::{decode, Model};
use crate::framework::*;

use super::{api_error, path_segment, require_feature_at};
use crate::client::microversion as mv;
use model::{
    BlockDeviceModel, BootVolumeImageRef, ChangeBy, CreateOptions, NetworkModel, ServerModel,
};

pub struct Server;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

fn deadline(v: &Value, op: &str) -> Instant {
    deadline_after(timeout_for(v, op, DEFAULT_TIMEOUT))
}

fn wait_error(summary: &str, e: WaitError) -> Diagnostic {
    match e {
        WaitError::Fault { message, code, .. } => Diagnostic::error(
            summary,
            format!(
                "Nova reported a fault{}: {message}",
                code.map(|c| format!(" (code {c})")).unwrap_or_default()
            ),
        ),
        other => Diagnostic::error(summary, other.to_string()),
    }
}

/// Reads a server document.
fn server_doc(j: &J) -> Result<documents::Server, ApiError> {
    documents::parse("server", j)
}

/// Reads every item of a listing as document `what`.
fn docs<T: serde::de::DeserializeOwned>(what: &str, items: &[J]) -> Result<Vec<T>, ApiError> {
    items.iter().map(|j| documents::parse(what, j)).collect()
}

/// Flavors of the cloud, fetched once per process (again when a name or
/// ID is not found, as flavors may be created during the run).
async fn flavors(data: &NovaData, refresh: bool) -> Result<Vec<Flavor>, ApiError> {
    let mut cache = data.flavors.lock().await;
    if refresh || cache.is_none() {
        let body = data
            .cloud
            .get_all("/flavors/detail?is_public=None", "flavors")
            .await?;
        let items = body["flavors"].as_array().cloned().unwrap_or_default();
        *cache = Some(docs("flavor", &items)?);
    }
    Ok(cache.clone().unwrap_or_default())
}

/// The first flavor that `matches`, looked for in the cached list, then
/// in a fresh one.
async fn find_flavor(
    data: &NovaData,
    matches: impl Fn(&Flavor) -> bool,
) -> Result<Option<Flavor>, ApiError> {
    for refresh in [false, true] {
        if let Some(f) = flavors(data, refresh).await?.into_iter().find(&matches) {
            return Ok(Some(f));
        }
    }
    Ok(None)
}

/// The flavor ID to send for the plan: `flavor_id`, or the ID of the
/// flavor named `flavor_name`.
async fn flavor_ref(data: &NovaData, p: &ServerModel) -> Result<String, Diagnostic> {
    if let Some(id) = p.flavor_id.if_known() {
        return Ok(id.clone());
    }
    let Some(name) = p.flavor_name.if_known() else {
        return Err(Diagnostic::error(
            "Missing flavor",
            "Give flavor_id or flavor_name.",
        ));
    };
    match find_flavor(data, |f| f.name.as_deref() == Some(name)).await {
        Ok(Some(Flavor { id: Some(id), .. })) => Ok(id),
        Ok(_) => Err(Diagnostic::error(
            "Unknown flavor",
            format!("No flavor is named \"{name}\"."),
        )
        .at(AttrPath::attr("flavor_name"))),
        Err(e) => Err(api_error("Cannot list flavors", &e)),
    }
}

/// Posts a server action; the request ID Nova gave it (its instance action
/// is found by it).
async fn action(
    data: &NovaData,
    id: &str,
    body: &J,
    dl: Instant,
) -> Result<Option<String>, ApiError> {
    data.cloud
        .compute(
            Method::POST,
            &format!("/servers/{id}/action"),
            Some(body),
            Some(dl),
        )
        .await
        .map(|r| r.request_id())
}

/// Waits for one of `targets`; `rid` is the request ID of the action the
/// wait follows, whose instance action ends the wait when it failed.
async fn wait_for(
    data: &NovaData,
    id: &str,
    targets: &[&str],
    dl: Instant,
    stop: &StopSignal,
    rid: Option<&str>,
) -> Result<Observed, WaitError> {
    let stopped = || stop.is_stopped();
    wait_server(
        &data.cloud,
        Wait {
            server_id: id,
            targets,
            gone_ok: false,
            gone: &[],
            deadline: dl,
            stopped: &stopped,
            request_id: rid,
        },
    )
    .await
}

/// The statuses that hold power state `power`.
fn status_for(power: &str) -> &'static [&'static str] {
    match power {
        "shutoff" => &["SHUTOFF"],
        "paused" => &["PAUSED"],
        "suspended" => &["SUSPENDED"],
        "shelved" => &["SHELVED", "SHELVED_OFFLOADED"],
        "shelved_offloaded" => &["SHELVED_OFFLOADED"],
        _ => &["ACTIVE"],
    }
}

/// Whether power state `p` is one of the shelved ones (a server in it
/// takes no metadata, resize or rebuild while offloaded).
fn is_shelved(p: &str) -> bool {
    matches!(p, "shelved" | "shelved_offloaded")
}

/// The power state the server is in while an update attaches and detaches
/// its interfaces: the new one when the power change comes first (see
/// [`Update::changes`]), else the old one. `None` when either is unknown.
fn power_during_interface_changes(from: &Attr<String>, to: &Attr<String>) -> Option<String> {
    let known = |p: &Attr<String>| match p {
        Attr::Unknown => None,
        Attr::Null => Some("active".to_string()),
        Attr::Known(p) => Some(p.clone()),
    };
    let (from, to) = (known(from)?, known(to)?);
    let power_first = from != to && (is_shelved(&from) || to == "active");
    Some(if power_first { to } else { from })
}

/// Nova attaches and detaches interfaces only on an ACTIVE, PAUSED or
/// STOPPED server (a 409 otherwise): `network` blocks added or removed
/// while the server stays suspended or shelved are refused at plan time,
/// naming `network`, instead of failing at apply.
fn interface_change_refusal(prior: &ServerModel, planned: &ServerModel) -> Option<Diagnostic> {
    let during = power_during_interface_changes(&prior.power_state, &planned.power_state)?;
    if matches!(during.as_str(), "active" | "shutoff" | "paused") {
        return None;
    }
    Some(
        Diagnostic::error(
            "Interfaces cannot change in this power state",
            format!(
                "network: a block added or removed attaches or detaches an interface, which Nova does only on a server that is active, shutoff or paused; this server would be {during} then (power_state). Set power_state to \"active\" in the same apply (the server is resumed or unshelved before its interfaces change), or leave the network blocks as they are."
            ),
        )
        .at(AttrPath::attr("network")),
    )
}

/// One step of a power transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PowerStep {
    /// Post server action `verb` (no arguments), then wait for the
    /// statuses of power state `reaches`.
    Action {
        verb: &'static str,
        reaches: &'static str,
    },
    /// `shelveOffload`, unless the cloud has offloaded the shelved server
    /// by itself; then wait for SHELVED_OFFLOADED.
    Offload,
}

/// The steps from power state `from` to `to`, through `active` where
/// Nova has no direct action. A power state this table does not know
/// (none passes the validator) has no steps.
fn power_steps(from: &str, to: &str) -> Vec<PowerStep> {
    use PowerStep::*;
    let act = |verb, reaches| Action { verb, reaches };
    match (from, to) {
        (f, t) if f == t => vec![],
        // both are shelved: an offloaded server is shelved already
        ("shelved_offloaded", "shelved") => vec![],
        ("shelved", "shelved_offloaded") => vec![Offload],
        ("active", "shutoff") => vec![act("os-stop", "shutoff")],
        ("active", "paused") => vec![act("pause", "paused")],
        ("active", "suspended") => vec![act("suspend", "suspended")],
        ("active", "shelved") => vec![act("shelve", "shelved")],
        ("active", "shelved_offloaded") => vec![act("shelve", "shelved"), Offload],
        ("shutoff", "active") => vec![act("os-start", "active")],
        ("paused", "active") => vec![act("unpause", "active")],
        ("suspended", "active") => vec![act("resume", "active")],
        ("shelved" | "shelved_offloaded", "active") => vec![act("unshelve", "active")],
        (_, "active") | ("active", _) => vec![],
        (f, t) => {
            let mut via = power_steps(f, "active");
            via.extend(power_steps("active", t));
            via
        }
    }
}

/// The steps of a planned change of `power_state` from `old` to `new`
/// (null is the default, `active`); `None` while either is unknown.
fn planned_power_steps(old: &Attr<String>, new: &Attr<String>) -> Option<Vec<PowerStep>> {
    let power = |a: &Attr<String>| match a {
        Attr::Unknown => None,
        Attr::Null => Some("active".to_string()),
        Attr::Known(s) => Some(s.clone()),
    };
    Some(power_steps(&power(old)?, &power(new)?))
}

/// Moves a server between power states (see [`power_steps`]); waits end
/// with Nova's reason (the instance action) when an action fails.
async fn set_power_state(
    data: &NovaData,
    id: &str,
    from: &str,
    to: &str,
    dl: Instant,
    stop: &StopSignal,
) -> Result<(), Diagnostic> {
    for step in power_steps(from, to) {
        match step {
            PowerStep::Action { verb, reaches } => {
                let rid = action(data, id, &json!({ verb: null }), dl)
                    .await
                    .map_err(|e| {
                        api_error(&format!("Cannot change the power state ({verb})"), &e)
                    })?;
                wait_for(data, id, status_for(reaches), dl, stop, rid.as_deref())
                    .await
                    .map_err(|e| {
                        wait_error(&format!("Server did not reach power state {reaches}"), e)
                    })?;
            }
            PowerStep::Offload => offload(data, id, dl, stop).await?,
        }
    }
    Ok(())
}

/// Offloads a shelved server: once the shelve has settled, nothing more
/// when the cloud offloaded it by itself (`shelved_offload_time = 0`),
/// else `shelveOffload` and a wait for SHELVED_OFFLOADED.
async fn offload(
    data: &NovaData,
    id: &str,
    dl: Instant,
    stop: &StopSignal,
) -> Result<(), Diagnostic> {
    let target = "shelved_offloaded";
    let failed = |e| wait_error(&format!("Server did not reach power state {target}"), e);
    let now = match wait_for(data, id, status_for("shelved"), dl, stop, None).await {
        Ok(Observed::Settled(s)) => wire::string(&s["status"]),
        Ok(Observed::Gone) => None,
        Err(e) => return Err(failed(e)),
    };
    if now.as_deref() == Some("SHELVED_OFFLOADED") {
        return Ok(());
    }
    let rid = action(data, id, &json!({"shelveOffload": null}), dl)
        .await
        .map_err(|e| api_error("Cannot change the power state (shelveOffload)", &e))?;
    wait_for(data, id, status_for(target), dl, stop, rid.as_deref())
        .await
        .map(|_| ())
        .map_err(failed)
}

/// Reads the server into `m`; `false` when it is gone. Reads that run
/// together share one listing (see `client::batch`).
async fn refresh(
    data: &NovaData,
    id: &str,
    prior: &ServerModel,
    m: &mut ServerModel,
) -> Result<bool, ApiError> {
    let Some(s) = data.cloud.server(id).await? else {
        return Ok(false);
    };
    fill(data, id, &server_doc(&s)?, prior, m, false).await
}

/// Security groups written as IDs stay IDs while those groups are on the
/// server (one network API look-up, only when IDs were written).
async fn security_groups_as_written(data: &NovaData, prior: &ServerModel, m: &mut ServerModel) {
    let (Ok(written), Ok(reported)) = (
        prior.security_groups.known_elements(),
        m.security_groups.known_elements(),
    ) else {
        return;
    };
    let ids: Vec<&String> = written
        .iter()
        .filter(|w| crate::framework::validators::is_uuid(w))
        .collect();
    let mut names = std::collections::HashMap::new();
    if !ids.is_empty() {
        let q: Vec<String> = ids
            .iter()
            .map(|i| format!("id={}", path_segment(i)))
            .collect();
        let path = format!("/v2.0/security-groups?{}", q.join("&"));
        let network = crate::client::Service::Network;
        match crate::client::batch::list_all(&data.cloud, network, &path, "security_groups").await {
            Ok(groups) => {
                for g in groups {
                    if let (Some(id), Some(n)) = (wire::string(&g["id"]), wire::string(&g["name"]))
                    {
                        names.insert(id, n);
                    }
                }
            }
            Err(e) => tracing::debug!(error = %e, "security groups not resolved"),
        }
    }
    let reported = reported.into_iter().collect();
    let out = model::security_groups_as_written(&written, &reported, &names);
    m.security_groups = Attr::from_known(out);
}

/// Writes a server document into `m`. `settled`: the document comes from
/// a wait that has just ended, so its interfaces are looked up fresh.
/// `false` when the server is gone (a deleted status).
async fn fill(
    data: &NovaData,
    id: &str,
    s: &documents::Server,
    prior: &ServerModel,
    m: &mut ServerModel,
    settled: bool,
) -> Result<bool, ApiError> {
    if GONE_STATUSES.contains(&s.status().as_str()) {
        return Ok(false);
    }
    model::flatten(s, Some(prior), m);
    resolve_flavor(data, s, prior, m).await?;
    security_groups_as_written(data, prior, m).await;
    let importing = prior.name.is_null();
    if importing || !m.networks().is_empty() {
        let list = if settled {
            data.cloud.fresh_interfaces(id).await?
        } else {
            data.cloud.interfaces(id, s.has_addresses()).await?
        };
        let list: Vec<InterfaceAttachment> = docs("interface", &list)?;
        if importing && m.networks().is_empty() && !list.is_empty() {
            // import: one block per interface, filled below
            m.network = Attr::Known(vec![NetworkModel::default(); list.len()]);
        }
        model::flatten_networks(&list, m);
        lookups::fill_access_addresses(s, m);
    }
    lookups::read_image_name(data, prior, m).await;
    if importing && m.block_devices().is_empty() {
        let recovered = recover_block_devices(data, id, s).await?;
        if !recovered.is_empty() {
            m.block_device = Attr::Known(recovered);
        }
    }
    Ok(true)
}

/// A block storage API record, or `None` (logged) when that API cannot
/// be read: a cloud without it, or a user without access.
async fn volume_api(data: &NovaData, path: String) -> Option<J> {
    let call = crate::client::Call::new(crate::client::Service::Volume, Method::GET, &path);
    match data.cloud.session.call(call).await {
        Ok(r) => Some(r.body),
        Err(e) => {
            tracing::debug!(path = %path, error = %e, "block storage record not readable at import");
            None
        }
    }
}

/// Import: the `block_device` entries the server's volumes show (see
/// `model::recovered_block_devices`). The block storage record of each
/// volume is read when the cloud offers that API; without it, only a root
/// volume is recovered, as a `volume` source.
async fn recover_block_devices(
    data: &NovaData,
    id: &str,
    s: &documents::Server,
) -> Result<Vec<BlockDeviceModel>, ApiError> {
    if s.volumes_attached.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = s
        .volumes_attached
        .iter()
        .filter_map(|v| v.id.clone())
        .collect();
    let atts: Vec<VolumeAttachment> = docs(
        "volume attachment",
        &data.cloud.volume_attachments(id, &ids).await?,
    )?;
    let mut volumes = Vec::with_capacity(atts.len());
    for a in &atts {
        let vid = a.volume_id.clone().unwrap_or_default();
        let body = volume_api(data, format!("/volumes/{}", path_segment(&vid))).await;
        volumes.push(
            body.and_then(|b| documents::parse::<documents::Volume>("volume", &b["volume"]).ok()),
        );
    }
    let default_type = volume_api(data, "/types/default".to_string())
        .await
        .and_then(|b| wire::string(&b["volume_type"]["name"]));
    let seen: Vec<model::SeenVolume> = atts
        .iter()
        .zip(&volumes)
        .map(|(a, v)| model::SeenVolume {
            attachment: a,
            delete_on_termination: s
                .volumes_attached
                .iter()
                .find(|x| x.id.is_some() && x.id == a.volume_id)
                .and_then(|x| x.delete_on_termination)
                .or(a.delete_on_termination),
            volume: v.as_ref(),
        })
        .collect();
    // the root device: reported to administrators; else, for a server with
    // no image, its first device
    let root = s.root_device_name.clone().or_else(|| {
        s.image
            .is_none()
            .then(|| atts.iter().filter_map(|a| a.device.clone()).min())
            .flatten()
    });
    Ok(model::recovered_block_devices(
        id,
        root.as_deref(),
        default_type.as_deref(),
        &seen,
    ))
}

/// From 2.47 the server's flavor has a name but no ID: keep the known ID
/// when the name still matches, else look it up.
async fn resolve_flavor(
    data: &NovaData,
    s: &documents::Server,
    prior: &ServerModel,
    m: &mut ServerModel,
) -> Result<(), ApiError> {
    if let Some(fid) = &s.flavor.id {
        if let Some(f) = find_flavor(data, |f| f.id.as_ref() == Some(fid)).await? {
            m.flavor_name = Attr::from_option(f.name);
        }
        return Ok(());
    }
    let name = s.flavor.original_name.clone().unwrap_or_default();
    if prior.flavor_name.as_deref() == Some(name.as_str()) && prior.flavor_id.if_known().is_some() {
        m.flavor_id = prior.flavor_id.clone();
        return Ok(());
    }
    let found = find_flavor(data, |f| f.name.as_deref() == Some(name.as_str())).await?;
    m.flavor_id = Attr::from_option(found.and_then(|f| f.id));
    Ok(())
}

/// Finds the server a lost create request made, by its create token. Were
/// there two (a request repeated while the first was still being carried
/// out), the oldest is kept and the other deleted.
async fn adopt(data: &NovaData, name: &str, token: &str) -> Result<Option<String>, ApiError> {
    let q = format!(
        "/servers/detail?name={}",
        path_segment(&format!("^{}$", regex::escape(name)))
    );
    let body = data.cloud.get_all(&q, "servers").await?;
    let listed: Vec<documents::Server> = docs(
        "server",
        body["servers"].as_array().map_or(&[], Vec::as_slice),
    )?;
    let mut mine: Vec<&documents::Server> = listed
        .iter()
        .filter(|s| s.metadata.get(model::CREATE_TOKEN_KEY).map(String::as_str) == Some(token))
        .collect();
    mine.sort_by_key(|s| s.created.clone().unwrap_or_default());
    for extra in mine.iter().skip(1) {
        if let Some(id) = &extra.id {
            tracing::warn!(server = %id, "deleting a duplicate made by a repeated create");
            let _ = data
                .cloud
                .compute(Method::DELETE, &format!("/servers/{id}"), None, None)
                .await;
        }
    }
    Ok(mine.first().and_then(|s| s.id.clone()))
}

/// An attribute to act on at apply: it differs from the prior state and is
/// known (an unknown planned value is the cloud's to decide).
fn changed<T: PartialEq>(old: &Attr<T>, new: &Attr<T>) -> bool {
    old != new && !new.is_unknown()
}

/// One in-place update of a server: the prior state, the plan and the
/// configuration (for write-only arguments), and what the steps share.
struct Update<'a> {
    data: &'a NovaData,
    id: &'a str,
    old: &'a ServerModel,
    new: &'a ServerModel,
    config: &'a ServerModel,
    dl: Instant,
    stop: &'a StopSignal,
    /// The state's `network` blocks were recovered at import: those the
    /// plan leaves out are forgotten, not detached.
    forget_networks: bool,
}

impl Update<'_> {
    async fn compute(&self, method: Method, path: &str, body: Option<&J>) -> Result<(), ApiError> {
        self.data
            .cloud
            .compute(method, path, body, Some(self.dl))
            .await
            .map(|_| ())
    }

    async fn action(&self, body: &J) -> Result<Option<String>, ApiError> {
        action(self.data, self.id, body, self.dl).await
    }

    async fn wait(&self, targets: &[&str], rid: Option<&str>) -> Result<Observed, WaitError> {
        wait_for(self.data, self.id, targets, self.dl, self.stop, rid).await
    }

    /// The interfaces of `network` blocks added (attached) and removed
    /// (detached), see [`networks::interface_changes`].
    fn interface_changes(&self) -> (Vec<usize>, Vec<&NetworkModel>) {
        match (&self.old.network, &self.new.network) {
            (Attr::Known(old), Attr::Known(new)) => {
                networks::interface_changes(old, new, self.forget_networks)
            }
            _ => (Vec::new(), Vec::new()),
        }
    }

    /// Detaches the interfaces of removed `network` blocks, then attaches
    /// those of new ones, each waited for (a failed instance action ends
    /// the wait with Nova's reason). `progress.network` follows: the
    /// blocks detached leave it, those attached join it with their port.
    async fn networks(&self, progress: &mut ServerModel) -> Result<(), Diagnostic> {
        let (attach, detach) = self.interface_changes();
        if attach.is_empty() && detach.is_empty() {
            return Ok(());
        }
        let mut now = self.old.networks().to_vec();
        for d in detach {
            let port = d.port.as_deref().unwrap_or_default();
            let path = format!(
                "/servers/{}/os-interface/{}",
                path_segment(self.id),
                path_segment(port)
            );
            let what = format!("interface {port}");
            super::attachment::detach_and_wait(
                self.data,
                (self.id, &path),
                &what,
                self.dl,
                self.stop,
            )
            .await?;
            now.retain(|n| n.port.as_deref() != Some(port));
            progress.network = Attr::Known(now.clone());
        }
        let mut done = self.new.networks().to_vec();
        for i in attach {
            let block = attach_interface(self, &done[i], i).await?;
            now.push(block.clone());
            progress.network = Attr::Known(now.clone());
            done[i] = block;
        }
        // the blocks in the plan's order, the new ones with their ports
        progress.network = Attr::Known(done);
        Ok(())
    }

    /// Name, description, access addresses and hostname: one `PUT`.
    async fn fields(&self) -> Result<(), Diagnostic> {
        let (o, n) = (self.old, self.new);
        let mut put = serde_json::Map::new();
        for (key, old, new) in [
            ("name", &o.name, &n.name),
            ("description", &o.description, &n.description),
            ("accessIPv4", &o.access_ip_v4, &n.access_ip_v4),
            ("accessIPv6", &o.access_ip_v6, &n.access_ip_v6),
            ("hostname", &o.hostname, &n.hostname),
        ] {
            if changed(old, new) {
                put.insert(
                    key.into(),
                    new.if_known().map_or(J::Null, |s| J::from(s.as_str())),
                );
            }
        }
        if put.is_empty() {
            return Ok(());
        }
        let path = format!("/servers/{}", self.id);
        self.compute(Method::PUT, &path, Some(&json!({ "server": put })))
            .await
            .map_err(|e| api_error("Cannot update server", &e))
    }

    /// Metadata: Terraform's keys are set, the ones it dropped deleted.
    async fn metadata(&self) -> Result<(), Diagnostic> {
        if !changed(&self.old.metadata, &self.new.metadata) {
            return Ok(());
        }
        let not_known = |_| Diagnostic::not_known("metadata");
        let want = self.new.metadata.known_entries().map_err(not_known)?;
        let have = self.old.metadata.known_entries().map_err(not_known)?;
        let set: serde_json::Map<String, J> = want
            .iter()
            .filter(|(k, v)| have.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), J::String(v.clone())))
            .collect();
        if !set.is_empty() {
            let path = format!("/servers/{}/metadata", self.id);
            self.compute(Method::POST, &path, Some(&json!({ "metadata": set })))
                .await
                .map_err(|e| api_error("Cannot set server metadata", &e))?;
        }
        for k in have.keys().filter(|k| !want.contains_key(*k)) {
            let path = format!("/servers/{}/metadata/{}", self.id, path_segment(k));
            match self.compute(Method::DELETE, &path, None).await {
                Err(e) if !e.is_not_found() => {
                    return Err(api_error(
                        &format!("Cannot delete server metadata key {k}"),
                        &e,
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Tags: Terraform's own are added and removed, one request each.
    async fn tags(&self) -> Result<(), Diagnostic> {
        if !changed(&self.old.tags, &self.new.tags) {
            return Ok(());
        }
        let not_known = |_| Diagnostic::not_known("tags");
        let want: BTreeSet<String> = self
            .new
            .tags
            .known_elements()
            .map_err(not_known)?
            .into_iter()
            .collect();
        let have: BTreeSet<String> = self
            .old
            .tags
            .known_elements()
            .map_err(not_known)?
            .into_iter()
            .collect();
        for t in want.difference(&have) {
            let path = format!("/servers/{}/tags/{}", self.id, path_segment(t));
            self.compute(Method::PUT, &path, None)
                .await
                .map_err(|e| api_error(&format!("Cannot add tag {t}"), &e))?;
        }
        for t in have.difference(&want) {
            let path = format!("/servers/{}/tags/{}", self.id, path_segment(t));
            match self.compute(Method::DELETE, &path, None).await {
                Err(e) if !e.is_not_found() => {
                    return Err(api_error(&format!("Cannot remove tag {t}"), &e))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Security groups: added and removed by name (or ID, as written).
    async fn security_groups(&self) -> Result<(), Diagnostic> {
        let (old, new) = (&self.old.security_groups, &self.new.security_groups);
        if !changed(old, new) {
            return Ok(());
        }
        let not_known = |_| Diagnostic::not_known("security_groups");
        let want: BTreeSet<String> = new
            .known_elements()
            .map_err(not_known)?
            .into_iter()
            .collect();
        let have: BTreeSet<String> = old
            .known_elements()
            .map_err(not_known)?
            .into_iter()
            .collect();
        let steps = [
            (
                want.difference(&have).collect::<Vec<_>>(),
                "addSecurityGroup",
            ),
            (have.difference(&want).collect(), "removeSecurityGroup"),
        ];
        for (names, verb) in steps {
            for n in names {
                if let Err(e) = self.action(&json!({verb: {"name": n}})).await {
                    return Err(api_error(
                        &format!("Cannot change security group {n} ({verb})"),
                        &e,
                    ));
                }
            }
        }
        Ok(())
    }

    /// Resize to the planned flavor, and confirm it. `settled`: the
    /// statuses of the server's power state when done.
    async fn resize(&self, settled: &[&str]) -> Result<(), Diagnostic> {
        let (o, n) = (self.old, self.new);
        let by_id = changed(&o.flavor_id, &n.flavor_id) && !n.flavor_id.is_null();
        let by_name = changed(&o.flavor_name, &n.flavor_name) && !n.flavor_name.is_null();
        if !by_id && !by_name {
            return Ok(());
        }
        let target = flavor_ref(self.data, n).await?;
        let rid = self
            .action(&json!({"resize": {"flavorRef": target}}))
            .await
            .map_err(|e| api_error("Cannot resize server", &e))?;
        // VERIFY_RESIZE, or back where it was: a cloud that confirms
        // resizes itself, or a resize that failed (its instance action
        // tells which). With `ignore_resize_confirmation` the cloud is
        // known to confirm: only back where it was ends the wait.
        let mut targets = match n.ignores_resize_confirmation() {
            true => vec![],
            false => vec!["VERIFY_RESIZE"],
        };
        targets.extend_from_slice(settled);
        let s = match self.wait(&targets, rid.as_deref()).await {
            Ok(Observed::Settled(s)) => s,
            Ok(Observed::Gone) => Box::new(J::Null),
            Err(e) => return Err(wait_error("Resize did not finish", e)),
        };
        if wire::string(&s["status"]).as_deref() == Some("VERIFY_RESIZE") {
            return self.confirm_resize(settled).await;
        }
        if let Some(rid) = rid.as_deref() {
            let cloud = &self.data.cloud;
            if let Some(a) = crate::client::waiter::read_action(cloud, self.id, rid, self.dl).await
            {
                if let Some(e) = crate::client::waiter::failed_action(&a, &s) {
                    return Err(wait_error("Resize failed", e));
                }
            }
        }
        Ok(())
    }

    /// Confirms a resize in VERIFY_RESIZE. A 400/409 answer may mean the
    /// cloud is confirming it itself (`resize_confirm_window`): the wait
    /// that follows tells, within two minutes.
    async fn confirm_resize(&self, settled: &[&str]) -> Result<(), Diagnostic> {
        let refused = match self.action(&json!({"confirmResize": null})).await {
            Ok(_) => None,
            Err(e) if matches!(e.status(), Some(400 | 409)) => Some(e),
            Err(e) => return Err(api_error("Cannot confirm the resize", &e)),
        };
        let settle_by = match refused {
            Some(_) => self.dl.min(deadline_after(Duration::from_secs(120))),
            None => self.dl,
        };
        let stop = self.stop;
        match wait_for(self.data, self.id, settled, settle_by, stop, None).await {
            Ok(_) => Ok(()),
            Err(e) => Err(match refused {
                Some(r) => api_error("Cannot confirm the resize", &r),
                None => wait_error("Server did not settle after the resize", e),
            }),
        }
    }

    /// Rebuild: from the planned image when it changes (image-backed
    /// servers only), and with the new `user_data` or `key_name` when the
    /// configuration opts in (see [`model::rebuild_request`]).
    async fn rebuild(&self, settled: &[&str]) -> Result<(), Diagnostic> {
        let Some(body) = model::rebuild_request(self.old, self.new, self.config) else {
            return Ok(());
        };
        let rid = self
            .action(&body)
            .await
            .map_err(|e| api_error("Cannot rebuild server", &e))?;
        self.wait(settled, rid.as_deref())
            .await
            .map(|_| ())
            .map_err(|e| wait_error("Rebuild did not finish", e))
    }

    /// The administrator password: the write-only one when its version
    /// changed, else the stored one when it changed.
    async fn password(&self) -> Result<(), Diagnostic> {
        let (o, n) = (self.old, self.new);
        let write_only = changed(&o.admin_pass_wo_version, &n.admin_pass_wo_version)
            .then(|| self.config.admin_pass_wo.as_deref())
            .flatten();
        let stored = changed(&o.admin_pass, &n.admin_pass)
            .then(|| n.admin_pass.as_deref())
            .flatten();
        let Some(pw) = write_only.or(stored) else {
            return Ok(());
        };
        self.action(&json!({"changePassword": {"adminPass": pw}}))
            .await
            .map(|_| ())
            .map_err(|e| api_error("Cannot change the administrator password", &e))
    }

    /// Every step, in the order the server's state allows: power
    /// transitions first when they unlock the other changes (a
    /// shelved-offloaded server takes no metadata, resize or rebuild),
    /// last when they lock them (shelve, pause, suspend, stop).
    /// `progress` records what is done, for the state kept on failure.
    async fn run(&self, progress: &mut ServerModel) -> Result<(), Diagnostic> {
        let (attach, detach) = self.interface_changes();
        let others = others_change(self.old, self.new) || !attach.is_empty() || !detach.is_empty();
        let lock = model::lock_steps(self.old, self.new, others);
        if lock.unlock_first {
            set_lock(self.data, self.id, None, self.dl).await?;
            progress.locked = Attr::Known(false);
            progress.locked_reason = Attr::Null;
        }
        self.changes(progress).await?;
        if let Some(reason) = &lock.lock_last {
            set_lock(self.data, self.id, Some(reason.as_deref()), self.dl).await?;
        }
        Ok(())
    }

    /// The changes other than the lock (see [`Update::run`]).
    async fn changes(&self, progress: &mut ServerModel) -> Result<(), Diagnostic> {
        let (from, to) = (self.old.power(), self.new.power());
        let power_first = from != to && (is_shelved(from) || to == "active");
        let mut now = from;
        if power_first {
            set_power_state(self.data, self.id, from, to, self.dl, self.stop).await?;
            progress.power_state = Attr::Known(to.to_string());
            now = to;
        }
        self.fields().await?;
        self.metadata().await?;
        self.tags().await?;
        self.security_groups().await?;
        self.networks(progress).await?;
        let settled = status_for(now);
        self.resize(settled).await?;
        self.rebuild(settled).await?;
        self.password().await?;
        set_power_state(self.data, self.id, now, to, self.dl, self.stop).await
    }
}

/// Attaches the interface of the new `network` block `n` (index `i`) and
/// waits until the server lists it; the block as attached (its port,
/// network, MAC and addresses).
async fn attach_interface(
    u: &Update<'_>,
    n: &NetworkModel,
    i: usize,
) -> Result<NetworkModel, Diagnostic> {
    let what = format!("the interface of network[{i}]");
    let at = AttrPath::attr("network").then_index(i);
    let path = format!("/servers/{}/os-interface", path_segment(u.id));
    let body = networks::attach_body(n);
    let reply = u
        .data
        .cloud
        .compute(Method::POST, &path, Some(&body), Some(u.dl))
        .await
        .map_err(|e| api_error(&format!("Cannot attach {what}"), &e).at(at.clone()))?;
    let a: InterfaceAttachment =
        documents::parse("interface attachment", &reply.body["interfaceAttachment"])
            .map_err(|e| api_error(&format!("Attached {what}, but cannot read the answer"), &e))?;
    let Some(port) = a.port_id.clone() else {
        return Err(Diagnostic::error(
            format!("Attached {what}, but the answer names no port"),
            format!(
                "The cloud answered the attach to server {} without a port_id: {}",
                u.id, reply.body
            ),
        ));
    };
    let mut block = n.clone();
    block.port = Attr::Known(port.clone());
    if let Some(net) = &a.net_id {
        block.uuid = Attr::Known(net.clone());
    }
    block.mac = Attr::from_option(a.mac_addr.clone());
    block.fixed_ip_v4 = n
        .fixed_ip_v4
        .as_written(model::first_ip::<std::net::Ipv4Addr>(&a), model::same_ip);
    block.fixed_ip_v6 = n
        .fixed_ip_v6
        .as_written(model::first_ip::<std::net::Ipv6Addr>(&a), model::same_ip);
    let rid = reply.request_id();
    let listed = format!("{path}/{}", path_segment(&port));
    super::attachment::wait_presence(
        u.data,
        &listed,
        true,
        u.dl,
        u.stop,
        rid.as_deref().map(|r| (u.id, r)),
    )
    .await
    .map_err(|e| {
        api_error(
            &format!("Attaching {what} (port {port}) did not complete"),
            &e,
        )
        .at(at)
    })?;
    Ok(block)
}

/// Whether an update from `old` to `new` changes anything a locked server
/// refuses: every change [`Update::run`] makes besides the lock.
fn others_change(old: &ServerModel, new: &ServerModel) -> bool {
    changed(&old.name, &new.name)
        || changed(&old.description, &new.description)
        || changed(&old.access_ip_v4, &new.access_ip_v4)
        || changed(&old.access_ip_v6, &new.access_ip_v6)
        || changed(&old.hostname, &new.hostname)
        || changed(&old.metadata, &new.metadata)
        || changed(&old.tags, &new.tags)
        || changed(&old.security_groups, &new.security_groups)
        || changed(&old.flavor_id, &new.flavor_id)
        || changed(&old.flavor_name, &new.flavor_name)
        || changed(&old.image_id, &new.image_id)
        || model::rebuilt_fields(old, new) != (false, false)
        || changed(&old.admin_pass, &new.admin_pass)
        || changed(&old.admin_pass_wo_version, &new.admin_pass_wo_version)
        || old.power() != new.power()
}

/// Locks the server (`Some(reason)`, the reason sent when given) or
/// unlocks it (`None`), with the request `nova_server_lock` sends.
async fn set_lock(
    data: &NovaData,
    id: &str,
    lock: Option<Option<&str>>,
    dl: Instant,
) -> Result<(), Diagnostic> {
    let what = if lock.is_some() { "lock" } else { "unlock" };
    let body = day2::lock_request(Some(lock.is_some()), lock.flatten());
    action(data, id, &body, dl)
        .await
        .map(|_| ())
        .map_err(|e| api_error(&format!("Cannot {what} the server"), &e))
}

/// The hash of the configured user data (unknown while the data is); only
/// the hash is kept.
fn planned_user_data_hash(config: &ServerModel) -> Attr<String> {
    match &config.user_data {
        Attr::Known(s) => Attr::Known(model::user_data_hash(s)),
        Attr::Unknown => Attr::Unknown,
        Attr::Null => Attr::Null,
    }
}

/// The arguments whose microversion the cloud must speak (at least, or at
/// most), checked when they are set or changed.
async fn check_versions(
    data: &NovaData,
    config: &ServerModel,
    prior: Option<&ServerModel>,
    diags: &mut Diagnostics,
) {
    let reqs = model::version_requirements(config, prior);
    // a nested argument (`block_device.multiattach`) is shown at its block
    let at = |attr: &str| AttrPath::attr(attr.split('.').next().unwrap_or(attr));
    let lock = model::lock_requirements(config, prior);
    for &(attr, version, at_least) in reqs.iter().chain(&lock) {
        if at_least {
            require_feature_at(data, version, attr, at(attr), diags).await;
        }
    }
    let Ok(v) = data.cloud.session.compute_version().await else {
        return;
    };
    let pinned = data.cloud.session.compute_version_pinned();
    if let Some(d) = create_version_diagnostic(model::create_version(&reqs, v, pinned), v) {
        diags.push(d);
    }
}

/// What the plan says of the microversion a create goes out at (see
/// [`model::create_version`]); `v` is the negotiated one.
fn create_version_diagnostic(
    choice: Result<model::CreateVersion, model::VersionConflict>,
    v: crate::client::Microversion,
) -> Option<Diagnostic> {
    let at = |attr: &str| AttrPath::attr(attr.split('.').next().unwrap_or(attr));
    Some(match choice {
        Ok(model::CreateVersion::Negotiated) => return None,
        Ok(model::CreateVersion::Lowered { version, because }) => Diagnostic::warning(
            "Create request sent at an older microversion",
            format!("{because} is accepted up to compute microversion {version}; the provider speaks {v} with this cloud, so the server's create request is sent at compute microversion {version}, and its other requests at {v}. Pin compute_microversion in the provider block to send every request at one microversion."),
        )
        .at(at(because)),
        Err(model::VersionConflict::Pinned { attr, at_most, pinned }) => Diagnostic::error(
            "Not supported at this microversion",
            format!("{attr} is accepted up to compute microversion {at_most}; the provider is pinned to {pinned} (compute_microversion). Pin {at_most} or older, or leave compute_microversion unset to have the create request sent at {at_most}."),
        )
        .at(at(attr)),
        Err(model::VersionConflict::Both { old_attr, at_most, new_attr, at_least }) => Diagnostic::error(
            "Arguments need different microversions",
            format!("{old_attr} is accepted up to compute microversion {at_most}, and {new_attr} needs {at_least} or later: no microversion takes both in one create request. Leave out one of them."),
        )
        .at(at(old_attr)),
    })
}

/// The plan of a change of `user_data` or `key_name`: a replacement, or,
/// with `on_user_data_change` / `on_key_name_change` set to `rebuild`, an
/// in-place rebuild the plan warns of (refused at plan time below the
/// microversion it needs, or for a server without an image).
async fn plan_rebuild(
    data: Option<&NovaData>,
    prior: &ServerModel,
    config: &ServerModel,
    planned: &ServerModel,
    resp: &mut PlanResponse,
) {
    let steps = [
        (
            "user_data",
            "on_user_data_change",
            model::change_by(
                model::user_data_changes(prior, planned),
                &config.on_user_data_change,
            ),
            mv::REBUILD_USER_DATA,
        ),
        (
            "key_name",
            "on_key_name_change",
            model::change_by(
                model::key_name_changes(prior, planned),
                &config.on_key_name_change,
            ),
            mv::REBUILD_KEY_NAME,
        ),
    ];
    let mut rebuilt = Vec::new();
    for (attr, choice, by, version) in steps {
        match by {
            ChangeBy::Nothing => {}
            ChangeBy::Replace => {
                resp.requires_replace.push(AttrPath::attr(attr));
                if attr == "user_data" {
                    // write-only, so not shown in the plan: its hash is,
                    // marked as the change that forces the replacement
                    resp.requires_replace.push(AttrPath::attr("user_data_hash"));
                }
            }
            ChangeBy::Undecided => resp.diags.error_at(
                AttrPath::attr(choice),
                "Unknown choice for a change",
                format!("{attr} changes, and {choice} is not known at plan time: whether the server is replaced or rebuilt in place must be known. Give {choice} a value known at plan time."),
            ),
            ChangeBy::Rebuild => {
                if let Some(data) = data {
                    let what = format!("{attr} rebuilt in place ({choice} = \"rebuild\")");
                    require_feature_at(data, version, &what, AttrPath::attr(attr), &mut resp.diags)
                        .await;
                }
                rebuilt.push(attr);
            }
        }
    }
    let Some(&first) = rebuilt.first() else {
        return;
    };
    if planned.image_id.is_null() {
        return resp.diags.error_at(
            AttrPath::attr(first),
            "Cannot rebuild a server without an image",
            format!("{} would be changed by rebuilding the server in place, but the server has no image_id (it boots from a volume): only an image-backed server is rebuilt. Set the on_*_change argument to \"replace\" or leave it unset.", rebuilt.join(" and ")),
        );
    }
    let id = prior.id.as_deref().unwrap_or("(unknown)");
    resp.diags.push(
        Diagnostic::warning(
            "Server will be rebuilt in place",
            format!("A change of {} rebuilds server {id} in place: its disk is re-imaged from its image, so whatever was written on it is lost; its ID, addresses and attached volumes are kept.", rebuilt.join(" and ")),
        )
        .at(AttrPath::attr(first)),
    );
}

/// The plan of an update, beyond what the schema plans: a resize may move
/// a server whose zone was not asked for to another zone, and the flavor
/// named by ID or by name has the other side derived (known while the
/// flavor stays, unknown when it changes).
fn plan_flavor(config: &ServerModel, prior: &ServerModel, planned: &mut ServerModel) {
    let by_id = !config.flavor_id.is_null() && config.flavor_id != prior.flavor_id;
    let by_name = !config.flavor_name.is_null() && config.flavor_name != prior.flavor_name;
    if (by_id || by_name) && config.availability_zone.is_null() {
        planned.availability_zone = Attr::Unknown;
    }
    if config.flavor_name.is_null() && !config.flavor_id.is_null() {
        planned.flavor_name = match config.flavor_id == prior.flavor_id {
            true => prior.flavor_name.clone(),
            false => Attr::Unknown,
        };
    }
    if config.flavor_id.is_null() && !config.flavor_name.is_null() {
        planned.flavor_id = match config.flavor_name == prior.flavor_name {
            true => prior.flavor_id.clone(),
            false => Attr::Unknown,
        };
    }
}

/// An in-place update plans the computed attributes it cannot change as
/// they are, so that nothing that depends on them is planned anew: the
/// flavor and host change only with a resize or a power transition,
/// `all_metadata` and `all_tags` only with metadata and tags. `updated`
/// changes with every call; `addresses` and `volumes_attached` may change
/// through the attachments applied beside the server, so they stay
/// unknown. A value the configuration gives (known or not) is never
/// touched.
fn keep_what_cannot_change(prior: &ServerModel, config: &ServerModel, planned: &mut ServerModel) {
    let power = planned_power_steps(&prior.power_state, &planned.power_state)
        .is_none_or(|steps| !steps.is_empty());
    let resize = planned.flavor_id != prior.flavor_id || planned.flavor_name != prior.flavor_name;
    let rebuild = planned.image_id != prior.image_id
        || model::rebuilt_fields(prior, planned) != (false, false);
    // an unshelve may place the server anew (an offload to the other
    // shelved state does not)
    let unshelve = power && is_shelved(prior.power()) && !is_shelved(planned.power());
    let metadata = planned.metadata != prior.metadata;
    let tags = planned.tags != prior.tags;
    // the prior value of `$attr`, when the plan left it unknown, the
    // configuration does not set it, and the change cannot alter it
    macro_rules! keep {
        ($attr:ident, $affected:expr) => {
            if planned.$attr.is_unknown() && config.$attr.is_null() && !$affected {
                planned.$attr = prior.$attr.clone();
            }
        };
    }
    keep!(status, power || resize || rebuild);
    keep!(fault, power || resize || rebuild);
    keep!(flavor, resize);
    keep!(host_id, power || resize);
    keep!(availability_zone, resize || unshelve);
    keep!(all_metadata, metadata);
    keep!(all_tags, tags);
    keep!(image_id, !config.image_name.is_null());
    let access = lookups::access_choice_changes(prior, planned);
    keep!(access_ip_v4, access);
    keep!(access_ip_v6, access);
    keep!(hostname, false);
    keep!(disk_config, false);
    keep!(security_groups, false);
    keep!(created, false);
}

/// The group of a `scheduler_hints` block written for a server whose
/// state has none (an imported server, or hints written down afterwards),
/// when the block names a group and nothing else. If the server is already
/// in that group ([`in_group`]) the block changes nothing on the cloud: it
/// is recorded in place, not by replacing the server.
fn hinted_group<'a>(prior: &ServerModel, config: &'a ServerModel) -> Option<&'a str> {
    let (Attr::Null, Some(h)) = (&prior.scheduler_hints, config.scheduler_hints.if_known()) else {
        return None;
    };
    let only_group = model::SchedulerHintsModel {
        group: h.group.clone(),
        ..Default::default()
    } == *h;
    h.group.as_deref().filter(|_| only_group)
}

/// Whether server `id` is a member of server group `group` (`GET
/// /os-server-groups/{id}`); `false` when the group cannot be read.
async fn in_group(data: &NovaData, group: &str, id: &str) -> bool {
    let path = format!("/os-server-groups/{}", path_segment(group));
    match data.cloud.get(&path).await {
        Ok(b) => documents::parse::<documents::ServerGroup>("server group", &b["server_group"])
            .is_ok_and(|g| g.members.iter().any(|m| m == id)),
        Err(e) => {
            tracing::debug!(group = %group, error = %e, "server group not read");
            false
        }
    }
}

/// Private-state key: the `network` blocks were recovered from every
/// interface at import (see [`lookups::adopt_recovered_networks`]); it
/// goes with the next update.
const RECOVERED_NETWORKS: &str = "recovered_networks";

fn recovered_networks(private: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(private)
        .is_ok_and(|j| j[RECOVERED_NETWORKS] == json!(true))
}

/// `private` with the recovered-networks mark set or removed (other keys,
/// such as the framework's ownership record, are kept).
fn with_recovered_networks(private: &[u8], on: bool) -> Vec<u8> {
    let mut j = serde_json::from_slice::<serde_json::Value>(private)
        .ok()
        .filter(serde_json::Value::is_object)
        .unwrap_or_else(|| json!({}));
    if let Some(m) = j.as_object_mut() {
        match on {
            true => m.insert(RECOVERED_NETWORKS.into(), json!(true)),
            false => m.remove(RECOVERED_NETWORKS),
        };
        if m.is_empty() {
            return Vec::new();
        }
    }
    serde_json::to_vec(&j).unwrap_or_default()
}

/// `network_mode = "none"` written for a server that has no interface
/// (an imported one, whose request Nova does not report) changes nothing:
/// it is recorded in place.
fn no_network_already_holds(prior: &ServerModel, config: &ServerModel) -> bool {
    prior.network_mode.is_null()
        && config.network_mode.as_deref() == Some("none")
        && prior.network.if_known().is_some_and(Vec::is_empty)
        && prior.addresses.if_known().is_some_and(Vec::is_empty)
}

/// Sends the create request; the new server's ID. A lost answer is
/// recovered by the create token: the server is adopted, or the request
/// (same token) sent again; sent more than once, the oldest server with
/// the token is kept and the others deleted.
async fn create_server(
    data: &NovaData,
    p: &ServerModel,
    config: &ServerModel,
    dl: Instant,
) -> Result<String, Diagnostic> {
    let flavor_ref = flavor_ref(data, p).await?;
    let negotiated = data
        .cloud
        .session
        .compute_version()
        .await
        .map_err(|e| api_error("Cannot reach the compute API", &e))?;
    // the configuration's arguments (computed ones are the cloud's to fill)
    let reqs = model::version_requirements(config, None);
    let pinned = data.cloud.session.compute_version_pinned();
    let choice = model::create_version(&reqs, negotiated, pinned);
    let sent_at = match choice {
        Ok(model::CreateVersion::Negotiated) => None,
        Ok(model::CreateVersion::Lowered { version, .. }) => Some(version),
        Err(_) => {
            let d = create_version_diagnostic(choice, negotiated);
            return Err(d.unwrap_or_else(|| Diagnostic::error("Cannot create server", "")));
        }
    };
    let token = hex::encode(rand::random::<[u8; 12]>());
    let opts = CreateOptions {
        microversion: sent_at.unwrap_or(negotiated),
        flavor_ref: &flavor_ref,
        boot_volume_image_ref: BootVolumeImageRef::parse(&data.boot_volume_image_ref),
        create_token: Some(&token),
    };
    let body = model::create_body(p, config, &opts);
    let name = p.name.as_deref().unwrap_or_default();
    let find = || async {
        Ok(adopt(data, name, &token)
            .await?
            .map(|id| json!({"server": {"id": id}})))
    };
    let created = data
        .cloud
        .create_tracked_at("/servers", &body, Some(dl), find, sent_at)
        .await;
    let id = match created {
        Ok((r, true)) => match adopt(data, name, &token).await {
            Ok(Some(first)) => Some(first),
            _ => wire::string(&r["server"]["id"]),
        },
        Ok((r, false)) => wire::string(&r["server"]["id"]),
        Err(e) => return Err(api_error("Cannot create server", &e)),
    };
    id.ok_or_else(|| {
        Diagnostic::error(
            "Cannot create server",
            "The compute API accepted the request but returned no server ID.",
        )
    })
}

#[async_trait]
impl Resource<NovaData> for Server {
    fn type_name(&self) -> &'static str {
        "nova_server"
    }

    fn list_schema(&self) -> Option<Schema> {
        Some(Schema::new(
            0,
            crate::data_sources::servers::filters(Block::new(
                "Lists the servers of the project that match the filters, sorted by name.",
            )),
        ))
    }

    async fn list(
        &self,
        data: &NovaData,
        config: &Value,
        limit: Option<usize>,
        diags: &mut Diagnostics,
    ) -> Vec<Listed> {
        use crate::data_sources::servers::{matching_up_to, ServerFilters};
        let Some(filters) = decode::<ServerFilters>("list configuration", config, diags) else {
            return Vec::new();
        };
        match matching_up_to(data, &filters, limit).await {
            Ok(found) => found
                .into_iter()
                .filter_map(|s| {
                    Some(Listed {
                        id: s.id?,
                        display_name: s.name.unwrap_or_default(),
                    })
                })
                .collect(),
            Err(d) => {
                diags.push(d);
                Vec::new()
            }
        }
    }

    /// Generated configuration: the flavor by ID, the image when there is
    /// one, each network by its ID (ports and addresses are the cloud's).
    /// `user_data` is never read back, so it is left out; added by hand, the
    /// next apply records it in place.
    fn generated_config(&self, state: &Value, config: Value) -> Value {
        let (Ok(st), Ok(mut c)) = (
            ServerModel::from_value(state),
            ServerModel::from_value(&config),
        ) else {
            return config;
        };
        c.flavor_id = st.flavor_id.clone();
        c.image_id = st.image_id.clone();
        c.image_name = Attr::Null;
        if let Attr::Known(nets) = &mut c.network {
            for (n, from) in nets.iter_mut().zip(st.networks()) {
                n.uuid = from.uuid.clone();
                n.name = Attr::Null;
            }
        }
        c.to_value(schema::ty())
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema::id_only("The server ID."))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        schema::validate(config, diags);
    }

    async fn plan(&self, data: Option<&NovaData>, req: &PlanRequest<'_>, resp: &mut PlanResponse) {
        let diags = &mut resp.diags;
        let Some(config) = decode::<ServerModel>("configuration", req.config, diags) else {
            return;
        };
        let prior = match req.prior.is_null() {
            true => None,
            false => match decode::<ServerModel>("prior state", req.prior, diags) {
                Some(p) => Some(p),
                None => return,
            },
        };
        if let Some(prior) = &prior {
            // user data rebuilt in place: `user_data` is write-only, so
            // the core saw no change; plan it as the update it is
            let hash = ServerModel {
                user_data_hash: planned_user_data_hash(&config),
                ..ServerModel::default()
            };
            let ud = model::user_data_changes(prior, &hash);
            if model::change_by(ud, &config.on_user_data_change) == ChangeBy::Rebuild {
                let block = &schema::schema().block;
                crate::framework::plan::plan_as_changing(
                    block,
                    req.config,
                    req.prior,
                    &mut resp.planned,
                );
            }
        }
        let Some(mut planned) = decode::<ServerModel>("plan", &resp.planned, diags) else {
            return;
        };
        // judged again here: values unknown at validation are known by now
        if let Some(d) = schema::lock_reason_diagnostic(&config) {
            diags.push(d);
        }
        if let Some(data) = data {
            check_versions(data, &config, prior.as_ref(), diags).await;
            if prior.is_none() {
                if let Some(profile) = data.cloud_profile {
                    for d in vendor_rules::refusals(profile, &config) {
                        diags.push(d);
                    }
                }
            }
        }
        // user data: only its hash is kept; a change replaces the server,
        // or rebuilds it in place (see `plan_rebuild`)
        planned.user_data_hash = planned_user_data_hash(&config);
        model::plan_locked_reason(&config, prior.as_ref(), &mut planned);
        lookups::plan_image(data, &config, prior.as_ref(), &mut planned, diags).await;
        lookups::plan_network_names(data, &config, prior.as_ref(), &mut planned, diags).await;
        if let Some(prior) = &prior {
            lookups::plan_network_replacement(
                prior,
                &config,
                &mut planned,
                &mut resp.requires_replace,
            );
            let at = AttrPath::attr("network");
            let recovered = recovered_networks(req.prior_private);
            if recovered && resp.requires_replace.contains(&at) {
                // blocks recovered at import that the configuration does
                // not describe leave the state; their interfaces stay
                if let Some(kept) = lookups::adopt_recovered_networks(prior, &planned) {
                    planned.network = Attr::Known(kept);
                    resp.requires_replace.retain(|p| *p != at);
                }
            }
            let mut interfaces_change = false;
            if resp.requires_replace.contains(&at) {
                // blocks added or removed: interfaces attached or detached
                // in place (see `networks`)
                if let (Attr::Known(old), Attr::Known(written), Attr::Known(wanted)) =
                    (&prior.network, &config.network, &planned.network)
                {
                    let plan = networks::plan_networks(old, written, wanted, recovered);
                    if let networks::NetworkPlan::InPlace {
                        blocks,
                        attach,
                        detach,
                    } = plan
                    {
                        if !attach.is_empty() || !detach.is_empty() {
                            if let Some(d) = interface_change_refusal(prior, &planned) {
                                diags.push(d);
                            }
                        }
                        if let Some(data) = data {
                            for &i in &attach {
                                if !blocks[i].tag.is_null() {
                                    let tag = at.then_index(i).then_attr("tag");
                                    let (v, what) = (
                                        mv::INTERFACE_ATTACH_TAG,
                                        "network.tag on an interface attached to a running server",
                                    );
                                    require_feature_at(data, v, what, tag, diags).await;
                                }
                            }
                        }
                        planned.network = Attr::Known(blocks);
                        resp.requires_replace.retain(|p| *p != at);
                        interfaces_change = true;
                    }
                }
            }
            if interfaces_change || lookups::access_choice_changes(prior, &planned) {
                for (ip, written) in [
                    (&mut planned.access_ip_v4, &config.access_ip_v4),
                    (&mut planned.access_ip_v6, &config.access_ip_v6),
                ] {
                    if written.is_null() {
                        *ip = Attr::Unknown;
                    }
                }
            }
            plan_rebuild(data, prior, &config, &planned, resp).await;
            plan_flavor(&config, prior, &mut planned);
            keep_what_cannot_change(prior, &config, &mut planned);
            let mut holding = Vec::new();
            let group = hinted_group(prior, &config);
            if let (Some(g), Some(data), Some(id)) = (group, data, prior.id.if_known()) {
                if in_group(data, g, id).await {
                    holding.push(AttrPath::attr("scheduler_hints"));
                }
            }
            if no_network_already_holds(prior, &config) {
                holding.push(AttrPath::attr("network_mode"));
            }
            // a zone the configuration leaves to the cloud is the cloud's
            // to tell: one learnt only at an unshelve (a server created
            // shelved reports none) replaces nothing
            if config.availability_zone.is_null() {
                holding.push(AttrPath::attr("availability_zone"));
            }
            resp.requires_replace
                .retain(|p| !holding.iter().any(|h| p.0.first() == h.0.first()));
        }
        resp.planned = planned.to_value(schema::ty());
    }

    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let dl = deadline(&req.config, "create");
        let ty = schema::ty();
        let (Some(mut p), Some(config)) = (
            decode::<ServerModel>("plan", &req.planned, &mut resp.diags),
            decode::<ServerModel>("configuration", &req.config, &mut resp.diags),
        ) else {
            return;
        };
        // what the plan could not judge (values, or the profile, unknown
        // then) is judged now, before the create request
        let refused = vendor_rules::refusals(data.cloud_profile.unwrap_or_default(), &config);
        if !refused.is_empty() {
            return refused.into_iter().for_each(|d| resp.diags.push(d));
        }
        if let Err(d) = lookups::resolve_at_apply(data, &mut p).await {
            return resp.diags.push(d);
        }
        let id = match create_server(data, &p, &config, dl).await {
            Ok(id) => id,
            Err(d) => return resp.diags.push(d),
        };
        // From here on the server exists: its ID stays in state whatever happens.
        let mut st = p.clone();
        st.id = Attr::Known(id.clone());
        resp.state = st.to_value(&ty);
        let settled = match wait_for(data, &id, &["ACTIVE"], dl, &req.stop, None).await {
            Ok(Observed::Settled(s)) => Some(s),
            Ok(Observed::Gone) => None,
            Err(e) => {
                if let WaitError::Fault { server, .. } = &e {
                    if let Ok(doc) = server_doc(server) {
                        model::flatten(&doc, Some(&p), &mut st);
                        resp.state = st.to_value(&ty);
                    }
                }
                return resp
                    .diags
                    .push(wait_error("Server did not become ACTIVE", e));
            }
        };
        forget_create_token(data, &id, dl).await;
        let target = p.power();
        if let Err(d) = set_power_state(data, &id, "active", target, dl, &req.stop).await {
            resp.diags.push(d);
        }
        // Nova has no lock at create: the server is locked once it is up
        let locking = p.locked.if_known() == Some(&true);
        if locking {
            let reason = p.locked_reason.if_known().map(String::as_str);
            if let Err(d) = set_lock(data, &id, Some(reason), dl).await {
                resp.diags.push(d);
            }
        }
        let read = match settled.filter(|_| target == "active" && !locking) {
            // the wait's last look is the server as it is now (unless it
            // was locked since)
            Some(s) => match server_doc(&s) {
                Ok(doc) => fill(data, &id, &doc, &p, &mut st, true).await,
                Err(e) => Err(e),
            },
            None => refresh(data, &id, &p, &mut st).await,
        };
        match read {
            Ok(_) => resp.state = st.to_value(&ty),
            Err(e) => resp
                .diags
                .push(api_error("Server created, but reading it failed", &e)),
        }
    }

    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let Some(prior) = decode::<ServerModel>("state", &req.state, &mut resp.diags) else {
            return;
        };
        let id = prior.id.as_deref().unwrap_or_default().to_string();
        // a server in a cell that is down comes as a partial record
        // (microversion 2.69+): the state stays as it was
        let company = req.company.clone();
        let s = match data.cloud.server_among(&id, &move || company.now()).await {
            Ok(Some(s)) => server_doc(&s),
            Ok(None) => {
                resp.state = Value::Null;
                return;
            }
            Err(e) => Err(e),
        };
        let s = match s {
            Ok(s) => s,
            Err(e) => return resp.diags.push(api_error("Cannot read server", &e)),
        };
        if s.is_partial() {
            resp.state = req.state.clone();
            return resp.diags.push(Diagnostic::warning(
                "Server partly unavailable",
                format!("The cloud returned a partial record for server {id} (status {}): its cell is unreachable. The state is kept as it was; refresh again later.", s.status()),
            ));
        }
        let mut m = prior.clone();
        match fill(data, &id, &s, &prior, &mut m, false).await {
            Ok(true) => {
                if prior.name.is_null() && !m.networks().is_empty() {
                    // an import: the blocks are every interface's
                    resp.private = with_recovered_networks(&resp.private, true);
                }
                resp.state = m.to_value(schema::ty());
            }
            Ok(false) => resp.state = Value::Null,
            Err(e) => resp.diags.push(api_error("Cannot read server", &e)),
        }
    }

    async fn update(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let ty = schema::ty();
        resp.state = req.prior.clone();
        resp.private = with_recovered_networks(&resp.private, false);
        let (Some(old), Some(mut new), Some(config)) = (
            decode::<ServerModel>("prior state", &req.prior, &mut resp.diags),
            decode::<ServerModel>("plan", &req.planned, &mut resp.diags),
            decode::<ServerModel>("configuration", &req.config, &mut resp.diags),
        ) else {
            return;
        };
        if let Err(d) = lookups::resolve_at_apply(data, &mut new).await {
            return resp.diags.push(d);
        }
        let id = old.id.as_deref().unwrap_or_default().to_string();
        let u = Update {
            data,
            id: &id,
            old: &old,
            new: &new,
            config: &config,
            dl: deadline(&req.config, "update"),
            stop: &req.stop,
            forget_networks: recovered_networks(&req.private),
        };
        let mut progress = old.clone();
        if let Err(d) = u.run(&mut progress).await {
            resp.state = progress.to_value(&ty);
            return resp.diags.push(d);
        }
        let mut st = new.clone();
        let (attach, detach) = u.interface_changes();
        if !attach.is_empty() || !detach.is_empty() {
            // the interfaces attached, by their ports
            st.network = progress.network.clone();
        }
        match refresh(data, &id, &new, &mut st).await {
            Ok(true) => resp.state = st.to_value(&ty),
            Ok(false) => resp.diags.error(
                "Server disappeared",
                "The server was deleted while it was being updated.",
            ),
            Err(e) => resp
                .diags
                .push(api_error("Server updated, but reading it failed", &e)),
        }
    }

    async fn delete(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let dl = deadline(&req.prior, "delete");
        let Some(prior) = decode::<ServerModel>("state", &req.prior, &mut resp.diags) else {
            return;
        };
        let id = prior.id.as_deref().unwrap_or_default().to_string();
        // a server the state shows locked is unlocked for the destroy; a
        // lock this user may not lift (an administrator's) is refused with
        // 409, and the delete then reports Nova's own refusal
        if prior.locked.if_known() == Some(&true) {
            let unlock = day2::lock_request(Some(false), None);
            match action(data, &id, &unlock, dl).await {
                Ok(_) => {}
                Err(e) if e.is_not_found() => return,
                Err(e) if e.is_conflict() => {}
                Err(e) => {
                    return resp
                        .diags
                        .push(api_error("Cannot unlock server before deleting it", &e))
                }
            }
        }
        let stop_first = prior.stop_before_destroy.if_known() == Some(&true)
            && prior.status.as_deref() == Some("ACTIVE");
        if stop_first {
            match action(data, &id, &json!({"os-stop": null}), dl).await {
                Ok(rid) => {
                    let _ = wait_for(data, &id, &["SHUTOFF"], dl, &req.stop, rid.as_deref()).await;
                }
                Err(e) if e.is_not_found() => return,
                Err(e) if e.is_conflict() => {}
                Err(e) => {
                    return resp
                        .diags
                        .push(api_error("Cannot stop server before deleting it", &e))
                }
            }
        }
        if prior.detaches_ports_before_destroy() {
            match detach_interfaces(data, &id, dl, &req.stop).await {
                Ok(true) => {}
                Ok(false) => return,
                Err(d) => return resp.diags.push(d),
            }
        }
        match data
            .cloud
            .compute(Method::DELETE, &format!("/servers/{id}"), None, Some(dl))
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return,
            Err(e) if e.is_conflict() => {
                return resp.diags.push(Diagnostic::error(
                    "Cannot delete server",
                    format!("The cloud refused to delete the server (409): {}. A locked server must be unlocked first.", e.message()),
                ));
            }
            Err(e) => return resp.diags.push(api_error("Cannot delete server", &e)),
        }
        let observed = match wait_gone(data, &id, GONE_STATUSES, dl, &req.stop).await {
            Ok(o) => o,
            Err(e) => return resp.diags.push(wait_error("Server was not deleted", e)),
        };
        if prior.force_delete.if_known() == Some(&true) && observed == Observed::Gone {
            if let Err(d) = purge(data, &id, dl, &req.stop).await {
                resp.diags.push(d);
            }
        }
    }
}

/// Removes the create token from a server that is ACTIVE (Nova takes
/// metadata changes from then on): it only serves to find the server
/// while the answer to the create may be lost, and must not hold one of
/// the project's metadata items, or show to the guest, for good. A
/// failure leaves the key (it is never in state) and is only logged.
async fn forget_create_token(data: &NovaData, id: &str, dl: Instant) {
    let key = path_segment(model::CREATE_TOKEN_KEY);
    let path = format!("/servers/{id}/metadata/{key}");
    if let Err(e) = data
        .cloud
        .compute(Method::DELETE, &path, None, Some(dl))
        .await
    {
        tracing::debug!(server = %id, error = %e, "create token not removed");
    }
}

/// `vendor_options.detach_ports_before_destroy`: detaches each interface
/// of the server (as `os-interface` lists them now) and waits until it is
/// gone, so that a port given in `network.port` outlives the server.
/// `false` when the server is gone already.
async fn detach_interfaces(
    data: &NovaData,
    id: &str,
    dl: Instant,
    stop: &StopSignal,
) -> Result<bool, Diagnostic> {
    let list = match data.cloud.get(&format!("/servers/{id}/os-interface")).await {
        Ok(b) => b["interfaceAttachments"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
        Err(e) if e.is_not_found() => return Ok(false),
        Err(e) => {
            return Err(api_error(
                "Cannot list the server's interfaces to detach them",
                &e,
            ))
        }
    };
    let list: Vec<InterfaceAttachment> = docs("interface", &list)
        .map_err(|e| api_error("Cannot read the server's interfaces", &e))?;
    for port in list.iter().filter_map(|i| i.port_id.as_deref()) {
        let path = format!("/servers/{id}/os-interface/{}", path_segment(port));
        let what = format!("interface {port}");
        super::attachment::detach_and_wait(data, (id, &path), &what, dl, stop).await?;
    }
    Ok(true)
}

/// Waits until the server is gone: 404, or one of `statuses`.
async fn wait_gone(
    data: &NovaData,
    id: &str,
    statuses: &[&str],
    dl: Instant,
    stop: &StopSignal,
) -> Result<Observed, WaitError> {
    let stopped = || stop.is_stopped();
    let w = Wait {
        server_id: id,
        targets: &[],
        gone_ok: true,
        gone: statuses,
        deadline: dl,
        stopped: &stopped,
        request_id: None,
    };
    wait_server(&data.cloud, w).await
}

/// Purges a deleted server the cloud keeps (Nova's deferred delete shows
/// it as SOFT_DELETED, a recycle bin as DELETED) with `forceDelete`, and
/// waits until it is gone: until the recycle bin no longer shows it, or
/// Nova marks it DELETED. Nothing to do when the cloud deleted it outright
/// (404).
async fn purge(
    data: &NovaData,
    id: &str,
    dl: Instant,
    stop: &StopSignal,
) -> Result<(), Diagnostic> {
    let status = match data.cloud.get(&format!("/servers/{id}")).await {
        Ok(b) => server_doc(&b["server"])
            .map(|s| s.status())
            .unwrap_or_default(),
        Err(_) => return Ok(()),
    };
    if !matches!(status.as_str(), "SOFT_DELETED" | "DELETED") {
        return Ok(());
    }
    match action(data, id, &json!({"forceDelete": null}), dl).await {
        Ok(_) if status == "SOFT_DELETED" => wait_gone(data, id, &["DELETED"], dl, stop)
            .await
            .map(|_| ())
            .map_err(|e| wait_error("The deleted server was not purged", e)),
        // listings show a recycled server as DELETED before and after the
        // purge: only its own record answering 404 tells
        Ok(_) => until_not_found(data, id, dl, stop).await,
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(api_error("Cannot purge the deleted server", &e)),
    }
}

/// Reads the server until it answers 404, once a second, within `dl`.
async fn until_not_found(
    data: &NovaData,
    id: &str,
    dl: Instant,
    stop: &StopSignal,
) -> Result<(), Diagnostic> {
    loop {
        match data.cloud.get(&format!("/servers/{id}")).await {
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(api_error("Cannot read the server being purged", &e)),
            Ok(_) if Instant::now() >= dl || stop.is_stopped() => {
                return Err(Diagnostic::error(
                    "The deleted server was not purged",
                    format!("Server {id} is still in the recycle bin after forceDelete."),
                ))
            }
            Ok(_) => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::model::{FlavorModel, SchedulerHintsModel};
    use super::*;

    /// Interfaces change only while the server is active, shutoff or
    /// paused (Nova's rule): the power state then is the new one when the
    /// power change comes first, else the old one; unknown is not judged,
    /// null is the default `active`.
    #[test]
    fn interface_changes_refused_while_suspended_or_shelved() {
        let k = |s: &str| Attr::Known(s.to_string());
        let (n, u) = (Attr::<String>::Null, Attr::<String>::Unknown);
        // (from, to, refused)
        let cases: Vec<(Attr<String>, Attr<String>, Option<bool>)> = vec![
            (k("active"), k("active"), Some(false)),
            (n.clone(), n.clone(), Some(false)),
            (k("shutoff"), k("shutoff"), Some(false)),
            (k("paused"), k("paused"), Some(false)),
            (k("suspended"), k("suspended"), Some(true)),
            (k("shelved"), k("shelved"), Some(true)),
            (k("shelved_offloaded"), k("shelved_offloaded"), Some(true)),
            (k("shelved"), k("shelved_offloaded"), Some(true)),
            // unshelved first, then the interfaces change
            (k("shelved_offloaded"), k("active"), Some(false)),
            (k("shelved_offloaded"), k("shutoff"), Some(false)),
            (k("suspended"), n.clone(), Some(false)),
            // the interfaces change first, then the server is put away
            (k("active"), k("shelved_offloaded"), Some(false)),
            (k("shutoff"), k("suspended"), Some(false)),
            // resumed only after the interfaces: refused
            (k("suspended"), k("shutoff"), Some(true)),
            (u.clone(), k("suspended"), None),
            (k("suspended"), u.clone(), None),
        ];
        for (from, to, refused) in cases {
            let prior = ServerModel {
                power_state: from.clone(),
                ..Default::default()
            };
            let planned = ServerModel {
                power_state: to.clone(),
                ..Default::default()
            };
            let got = interface_change_refusal(&prior, &planned);
            match refused {
                None => assert!(
                    power_during_interface_changes(&from, &to).is_none() && got.is_none(),
                    "{from:?} -> {to:?}: unknown is not judged"
                ),
                Some(r) => {
                    assert_eq!(got.is_some(), r, "{from:?} -> {to:?}");
                    if let Some(d) = got {
                        assert_eq!(
                            d.path,
                            Some(AttrPath::attr("network")),
                            "{from:?} -> {to:?}"
                        );
                        assert!(d.detail.starts_with("network: "), "{}", d.detail);
                    }
                }
            }
        }
    }

    fn k(x: &str) -> Attr<String> {
        Attr::Known(x.to_string())
    }

    /// The planned hash is of `user_data` as written: base64 given as such
    /// is hashed as that text, not decoded; null and unknown stay so.
    #[test]
    fn planned_user_data_hash_is_of_the_text_as_written() {
        let sha = |t: &str| {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(t.as_bytes()))
        };
        let table = [
            (k("#cloud-config\n"), Attr::Known(sha("#cloud-config\n"))),
            (
                k("I2Nsb3VkLWNvbmZpZwo="),
                Attr::Known(sha("I2Nsb3VkLWNvbmZpZwo=")),
            ),
            (k("abcd"), Attr::Known(sha("abcd"))),
            (Attr::Null, Attr::Null),
            (Attr::Unknown, Attr::Unknown),
        ];
        for (ud, want) in table {
            let config = ServerModel {
                user_data: ud.clone(),
                ..Default::default()
            };
            assert_eq!(planned_user_data_hash(&config), want, "{ud:?}");
        }
    }

    fn running() -> ServerModel {
        ServerModel {
            name: k("web"),
            flavor_id: k("1"),
            flavor_name: k("m1.tiny"),
            power_state: k("active"),
            status: k("ACTIVE"),
            host_id: k("h1"),
            flavor: Attr::Known(FlavorModel {
                name: k("m1.tiny"),
                ..Default::default()
            }),
            all_metadata: Attr::Known([("role".to_string(), "web".to_string())].into()),
            metadata: Attr::from_known_entries([("role".to_string(), "web".to_string())]),
            access_ip_v4: Attr::Null,
            addresses: Attr::Known(vec![]),
            ..Default::default()
        }
    }

    /// What the framework plans for an update before the server's hook:
    /// purely computed attributes unknown, and optional+computed ones the
    /// configuration leaves null unknown when they were null.
    fn framework_plan(prior: &ServerModel) -> ServerModel {
        ServerModel {
            status: Attr::Unknown,
            host_id: Attr::Unknown,
            flavor: Attr::Unknown,
            all_metadata: Attr::Unknown,
            addresses: Attr::Unknown,
            updated: Attr::Unknown,
            access_ip_v4: Attr::Unknown,
            ..prior.clone()
        }
    }

    #[test]
    fn an_update_keeps_what_it_cannot_change() {
        let prior = running();
        // a metadata change: the flavor, host and status stay known
        let mut p = framework_plan(&prior);
        p.metadata = Attr::from_known_entries([("role".to_string(), "db".to_string())]);
        keep_what_cannot_change(&prior, &ServerModel::default(), &mut p);
        assert_eq!(p.flavor, prior.flavor);
        assert_eq!(p.host_id, k("h1"));
        assert_eq!(p.status, k("ACTIVE"));
        assert_eq!(p.access_ip_v4, Attr::Null, "null stays null, not unknown");
        assert!(p.all_metadata.is_unknown(), "metadata changes all_metadata");
        assert!(p.updated.is_unknown());
        assert!(
            p.addresses.is_unknown(),
            "attachments beside the server may change it"
        );
        // a resize: the flavor and host are the cloud's to say
        let mut p = framework_plan(&prior);
        p.flavor_id = Attr::Unknown;
        p.flavor_name = k("m1.small");
        keep_what_cannot_change(&prior, &ServerModel::default(), &mut p);
        assert!(p.flavor.is_unknown() && p.host_id.is_unknown() && p.status.is_unknown());
        assert_eq!(p.all_metadata, prior.all_metadata);
        // a power transition: status and host
        let mut p = framework_plan(&prior);
        p.power_state = k("shelved");
        keep_what_cannot_change(&prior, &ServerModel::default(), &mut p);
        assert!(p.status.is_unknown() && p.host_id.is_unknown());
        assert_eq!(p.flavor, prior.flavor);
    }

    /// The power transitions: direct actions where Nova has them, through
    /// `active` otherwise; `shelved_offloaded` by shelve then offload (the
    /// offload skipped when the cloud did it), and back by unshelve.
    #[test]
    fn power_transition_table() {
        use PowerStep::*;
        let act = |verb, reaches| Action { verb, reaches };
        let table: Vec<(&str, &str, Vec<PowerStep>)> = vec![
            ("active", "active", vec![]),
            ("shelved", "shelved", vec![]),
            ("active", "shutoff", vec![act("os-stop", "shutoff")]),
            ("active", "shelved", vec![act("shelve", "shelved")]),
            (
                "active",
                "shelved_offloaded",
                vec![act("shelve", "shelved"), Offload],
            ),
            ("shelved", "shelved_offloaded", vec![Offload]),
            ("shelved_offloaded", "shelved", vec![]),
            (
                "shelved_offloaded",
                "active",
                vec![act("unshelve", "active")],
            ),
            ("shelved", "active", vec![act("unshelve", "active")]),
            (
                "shelved_offloaded",
                "shutoff",
                vec![act("unshelve", "active"), act("os-stop", "shutoff")],
            ),
            (
                "shutoff",
                "shelved_offloaded",
                vec![act("os-start", "active"), act("shelve", "shelved"), Offload],
            ),
            (
                "paused",
                "suspended",
                vec![act("unpause", "active"), act("suspend", "suspended")],
            ),
            ("suspended", "active", vec![act("resume", "active")]),
            // not in the validator's list: no step of its own, and no loop
            ("rebooting", "shutoff", vec![act("os-stop", "shutoff")]),
            ("rebooting", "active", vec![]),
            ("active", "rebooting", vec![]),
        ];
        for (from, to, want) in table {
            assert_eq!(power_steps(from, to), want, "{from} -> {to}");
        }
        // null is the default (active); unknown decides nothing
        let null = Attr::<String>::Null;
        assert_eq!(planned_power_steps(&null, &null), Some(vec![]));
        assert_eq!(
            planned_power_steps(&null, &k("shelved_offloaded")),
            Some(vec![act("shelve", "shelved"), Offload])
        );
        assert_eq!(
            planned_power_steps(&k("shelved_offloaded"), &null),
            Some(vec![act("unshelve", "active")])
        );
        assert_eq!(planned_power_steps(&Attr::Unknown, &k("active")), None);
        assert_eq!(planned_power_steps(&k("active"), &Attr::Unknown), None);
        // what each power state settles in
        assert_eq!(status_for("shelved"), &["SHELVED", "SHELVED_OFFLOADED"]);
        assert_eq!(status_for("shelved_offloaded"), &["SHELVED_OFFLOADED"]);
    }

    /// An unknown planned power state may change the status; a change
    /// between the two shelved states that calls nothing keeps it.
    #[test]
    fn power_plans_keep_status_only_when_nothing_moves() {
        let mut prior = running();
        prior.power_state = k("shelved_offloaded");
        prior.status = k("SHELVED_OFFLOADED");
        let mut p = framework_plan(&prior);
        p.power_state = k("shelved");
        keep_what_cannot_change(&prior, &ServerModel::default(), &mut p);
        assert_eq!(p.status, k("SHELVED_OFFLOADED"));
        let mut p = framework_plan(&prior);
        p.power_state = Attr::Unknown;
        keep_what_cannot_change(&prior, &ServerModel::default(), &mut p);
        assert!(p.status.is_unknown() && p.host_id.is_unknown());
        // shelved -> shelved_offloaded: an offload, no unshelve; a zone
        // never learnt (created shelved) stays as it was
        let mut shelved = prior.clone();
        shelved.power_state = k("shelved");
        shelved.availability_zone = Attr::Null;
        let mut p = framework_plan(&shelved);
        p.power_state = k("shelved_offloaded");
        p.availability_zone = Attr::Unknown;
        keep_what_cannot_change(&shelved, &ServerModel::default(), &mut p);
        assert_eq!(p.availability_zone, Attr::Null);
        assert!(p.status.is_unknown());
        let mut p = framework_plan(&prior);
        p.power_state = k("active");
        p.availability_zone = Attr::Unknown;
        keep_what_cannot_change(&prior, &ServerModel::default(), &mut p);
        assert!(p.status.is_unknown());
        assert!(
            p.availability_zone.is_unknown(),
            "an unshelve may place it anew"
        );
    }

    /// The plan's word on the create microversion: a warning naming
    /// `personality` and the microversion it goes out at; errors naming
    /// both arguments, or the pin.
    #[test]
    fn create_version_diagnostics_name_the_arguments() {
        use crate::client::Microversion as V;
        use model::{CreateVersion, VersionConflict};
        let v = V(2, 100);
        assert!(create_version_diagnostic(Ok(CreateVersion::Negotiated), v).is_none());
        let table = [
            (
                Ok(CreateVersion::Lowered {
                    version: V(2, 56),
                    because: "personality",
                }),
                Severity::Warning,
                vec!["personality", "2.56", "2.100"],
            ),
            (
                Err(VersionConflict::Both {
                    old_attr: "personality",
                    at_most: V(2, 56),
                    new_attr: "hostname",
                    at_least: V(2, 90),
                }),
                Severity::Error,
                vec!["personality", "hostname", "2.56", "2.90"],
            ),
            (
                Err(VersionConflict::Pinned {
                    attr: "personality",
                    at_most: V(2, 56),
                    pinned: V(2, 90),
                }),
                Severity::Error,
                vec!["personality", "2.56", "2.90", "compute_microversion"],
            ),
        ];
        for (choice, severity, words) in table {
            let d = create_version_diagnostic(choice, v).expect("a diagnostic");
            assert_eq!(d.severity, severity, "{choice:?}");
            assert_eq!(d.path, Some(AttrPath::attr("personality")), "{choice:?}");
            for w in words {
                assert!(d.detail.contains(w), "{w} not in {}", d.detail);
            }
        }
    }

    /// `vendor_options`: its switches are on only when known to be true,
    /// and a change of the block alone is applied by the framework, with
    /// no call to the cloud.
    #[test]
    fn vendor_options_are_local_and_true_only_when_known() {
        use super::model::VendorOptionsModel;
        let vo = |irc: Attr<bool>, dpd: Attr<bool>| ServerModel {
            vendor_options: Attr::Known(VendorOptionsModel {
                ignore_resize_confirmation: irc,
                detach_ports_before_destroy: dpd,
            }),
            ..running()
        };
        let t = || Attr::Known(true);
        let f = || Attr::Known(false);
        let table = [
            (vo(t(), f()), true, false),
            (vo(f(), t()), false, true),
            (vo(Attr::Null, Attr::Null), false, false),
            (vo(Attr::Unknown, Attr::Unknown), false, false),
            (
                ServerModel {
                    vendor_options: Attr::Unknown,
                    ..running()
                },
                false,
                false,
            ),
            (running(), false, false),
        ];
        for (m, irc, dpd) in &table {
            assert_eq!(
                m.ignores_resize_confirmation(),
                *irc,
                "{:?}",
                m.vendor_options
            );
            assert_eq!(
                m.detaches_ports_before_destroy(),
                *dpd,
                "{:?}",
                m.vendor_options
            );
        }
        let schema = schema::schema();
        let ty = schema.ty();
        let prior = running().to_value(&ty);
        for (m, _, _) in &table {
            let planned = m.to_value(&ty);
            assert!(
                crate::framework::plan::local_only_change(&schema.block, &prior, &planned),
                "{:?}",
                m.vendor_options
            );
        }
        let mut renamed = running();
        renamed.name = k("db");
        renamed.vendor_options = vo(t(), t()).vendor_options;
        assert!(!crate::framework::plan::local_only_change(
            &schema.block,
            &prior,
            &renamed.to_value(&ty)
        ));
    }

    #[test]
    fn no_network_written_after_import_needs_no_replacement() {
        let none = ServerModel {
            network_mode: k("none"),
            ..Default::default()
        };
        let mut imported = running();
        imported.network = Attr::Known(vec![]);
        assert!(no_network_already_holds(&imported, &none));
        let mut with_address = imported.clone();
        with_address.addresses = Attr::Known(vec![Default::default()]);
        assert!(!no_network_already_holds(&with_address, &none));
        let unknown = ServerModel {
            network_mode: Attr::Unknown,
            ..Default::default()
        };
        assert!(!no_network_already_holds(&imported, &unknown));
        let mut written = imported.clone();
        written.network_mode = k("auto");
        assert!(!no_network_already_holds(&written, &none), "a real change");
    }

    #[test]
    fn hints_naming_only_a_group_are_checked_against_the_group() {
        let prior = running();
        let hints = |group: Attr<String>| ServerModel {
            scheduler_hints: Attr::Known(SchedulerHintsModel {
                group,
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(hinted_group(&prior, &hints(k("g1"))), Some("g1"));
        assert_eq!(
            hinted_group(&prior, &hints(Attr::Unknown)),
            None,
            "not known yet"
        );
        assert_eq!(hinted_group(&prior, &hints(Attr::Null)), None);
        let mut more = hints(k("g1"));
        if let Attr::Known(h) = &mut more.scheduler_hints {
            h.query = k("[\">=\", \"$free_ram_mb\", 1024]");
        }
        assert_eq!(
            hinted_group(&prior, &more),
            None,
            "other hints would place it anew"
        );
        let mut had = prior.clone();
        had.scheduler_hints = Attr::Known(SchedulerHintsModel::default());
        assert_eq!(
            hinted_group(&had, &hints(k("g1"))),
            None,
            "hints were recorded already"
        );
    }

    /// What a locked server would refuse: every change the update makes
    /// besides the lock; the lock itself, local settings and unknown
    /// planned values are not such changes.
    #[test]
    fn others_change_is_what_a_locked_server_refuses() {
        let prior = running();
        let mut locked = prior.clone();
        locked.locked = Attr::Known(true);
        locked.locked_reason = k("r");
        assert!(!others_change(&prior, &locked), "the lock alone");
        let mut local = prior.clone();
        local.stop_before_destroy = Attr::Known(true);
        assert!(!others_change(&prior, &local), "a local setting");
        let mut unknown = prior.clone();
        unknown.metadata = Attr::Unknown;
        assert!(!others_change(&prior, &unknown), "unknown is not a change");
        let mut meta = prior.clone();
        meta.metadata = Attr::from_known_entries([("role".to_string(), "db".to_string())]);
        assert!(others_change(&prior, &meta));
        let mut renamed = prior.clone();
        renamed.name = k("db");
        assert!(others_change(&prior, &renamed));
        let mut stopped = prior.clone();
        stopped.power_state = k("shutoff");
        assert!(others_change(&prior, &stopped));
        let mut resized = prior.clone();
        resized.flavor_name = k("m1.small");
        assert!(others_change(&prior, &resized));
    }

    /// A change of `user_data` or `key_name`: replaced unless the
    /// configuration opts in to a rebuild, then in place with a warning;
    /// unknown values are changes, an unknown choice with a change is an
    /// error naming the choice, and a server without an image is refused.
    #[tokio::test]
    async fn user_data_and_key_name_changes_replace_or_rebuild() {
        let reb = || k("rebuild");
        let mut prior = running();
        prior.id = k("s1");
        prior.image_id = k("img");
        prior.user_data_hash = k("h1");
        prior.key_name = k("key1");
        struct Case {
            what: &'static str,
            hash: Attr<String>,
            key: Attr<String>,
            on_ud: Attr<String>,
            on_key: Attr<String>,
            image: Attr<String>,
            replace: &'static [&'static str],
            warning_at: Option<&'static str>,
            error_at: Option<&'static str>,
        }
        let base = || Case {
            what: "",
            hash: k("h1"),
            key: k("key1"),
            on_ud: Attr::Null,
            on_key: Attr::Null,
            image: k("img"),
            replace: &[],
            warning_at: None,
            error_at: None,
        };
        let table = [
            Case {
                what: "no change",
                ..base()
            },
            Case {
                what: "only the choices",
                on_ud: reb(),
                on_key: k("replace"),
                ..base()
            },
            Case {
                what: "user_data, no choice",
                hash: k("h2"),
                replace: &["user_data"],
                ..base()
            },
            Case {
                what: "user_data, replace",
                hash: k("h2"),
                on_ud: k("replace"),
                replace: &["user_data"],
                ..base()
            },
            Case {
                what: "user_data, rebuild",
                hash: k("h2"),
                on_ud: reb(),
                warning_at: Some("user_data"),
                ..base()
            },
            Case {
                what: "user_data unknown, no choice",
                hash: Attr::Unknown,
                replace: &["user_data"],
                ..base()
            },
            Case {
                what: "user_data unknown, rebuild",
                hash: Attr::Unknown,
                on_ud: reb(),
                warning_at: Some("user_data"),
                ..base()
            },
            Case {
                what: "user_data removed, rebuild",
                hash: Attr::Null,
                on_ud: reb(),
                warning_at: Some("user_data"),
                ..base()
            },
            Case {
                what: "user_data removed, no choice",
                hash: Attr::Null,
                replace: &["user_data"],
                ..base()
            },
            Case {
                what: "user_data, key_name's choice only",
                hash: k("h2"),
                on_key: reb(),
                replace: &["user_data"],
                ..base()
            },
            Case {
                what: "user_data, choice unknown",
                hash: k("h2"),
                on_ud: Attr::Unknown,
                error_at: Some("on_user_data_change"),
                ..base()
            },
            Case {
                what: "no change, choice unknown",
                on_ud: Attr::Unknown,
                on_key: Attr::Unknown,
                ..base()
            },
            Case {
                what: "key_name, no choice",
                key: k("key2"),
                replace: &["key_name"],
                ..base()
            },
            Case {
                what: "key_name, rebuild",
                key: k("key2"),
                on_key: reb(),
                warning_at: Some("key_name"),
                ..base()
            },
            Case {
                what: "key_name unknown, no choice",
                key: Attr::Unknown,
                replace: &["key_name"],
                ..base()
            },
            Case {
                what: "key_name unknown, rebuild",
                key: Attr::Unknown,
                on_key: reb(),
                warning_at: Some("key_name"),
                ..base()
            },
            Case {
                what: "key_name removed, rebuild",
                key: Attr::Null,
                on_key: reb(),
                warning_at: Some("key_name"),
                ..base()
            },
            Case {
                what: "key_name, choice unknown",
                key: k("key2"),
                on_key: Attr::Unknown,
                error_at: Some("on_key_name_change"),
                ..base()
            },
            Case {
                what: "both, rebuild",
                hash: k("h2"),
                key: k("key2"),
                on_ud: reb(),
                on_key: reb(),
                warning_at: Some("user_data"),
                ..base()
            },
            Case {
                what: "both, one rebuilt",
                hash: k("h2"),
                key: k("key2"),
                on_ud: reb(),
                replace: &["key_name"],
                warning_at: Some("user_data"),
                ..base()
            },
            Case {
                what: "rebuild without an image",
                hash: k("h2"),
                on_ud: reb(),
                image: Attr::Null,
                error_at: Some("user_data"),
                ..base()
            },
        ];
        for c in table {
            let config = ServerModel {
                on_user_data_change: c.on_ud.clone(),
                on_key_name_change: c.on_key.clone(),
                ..prior.clone()
            };
            let planned = ServerModel {
                user_data_hash: c.hash.clone(),
                key_name: c.key.clone(),
                image_id: c.image.clone(),
                ..config.clone()
            };
            let mut resp = PlanResponse {
                planned: Value::Null,
                requires_replace: Vec::new(),
                private: Vec::new(),
                diags: Diagnostics::default(),
            };
            plan_rebuild(None, &prior, &config, &planned, &mut resp).await;
            let replaced: Vec<AttrPath> = c
                .replace
                .iter()
                .flat_map(|&a| match a {
                    "user_data" => vec!["user_data", "user_data_hash"],
                    a => vec![a],
                })
                .map(AttrPath::attr)
                .collect();
            assert_eq!(resp.requires_replace, replaced, "{}", c.what);
            let at = |sev: Severity| -> Vec<Option<AttrPath>> {
                resp.diags
                    .iter()
                    .filter(|d| d.severity == sev)
                    .map(|d| d.path.clone())
                    .collect()
            };
            let want = |a: Option<&str>| {
                a.map(|a| Some(AttrPath::attr(a)))
                    .into_iter()
                    .collect::<Vec<_>>()
            };
            assert_eq!(at(Severity::Error), want(c.error_at), "{}: errors", c.what);
            let warned = match c.error_at {
                Some(_) => Vec::new(),
                None => want(c.warning_at),
            };
            assert_eq!(at(Severity::Warning), warned, "{}: warnings", c.what);
            if let Some(w) = resp.diags.iter().find(|d| d.severity == Severity::Warning) {
                assert!(
                    w.detail.contains("re-imaged") && w.detail.contains("s1"),
                    "{}: {}",
                    c.what,
                    w.detail
                );
            };
        }
    }

    /// A rebuild for user data or a key is in place: status and fault
    /// are planned anew, the user data hash stays as planned (unknown when
    /// the user data is); the choice alone changes nothing.
    #[test]
    fn a_rebuild_for_user_data_is_planned_in_place() {
        let mut prior = running();
        prior.image_id = k("img");
        prior.user_data_hash = k("h1");
        for (what, hash, choice, rebuilt) in [
            ("rebuilt", k("h2"), k("rebuild"), true),
            ("unknown, rebuilt", Attr::Unknown, k("rebuild"), true),
            ("choice alone", k("h1"), k("rebuild"), false),
            ("replaced", k("h2"), Attr::Null, false),
        ] {
            let config = ServerModel {
                on_user_data_change: choice.clone(),
                ..Default::default()
            };
            let mut planned = ServerModel {
                user_data_hash: hash.clone(),
                on_user_data_change: choice,
                ..framework_plan(&prior)
            };
            planned.image_id = k("img");
            keep_what_cannot_change(&prior, &config, &mut planned);
            assert_eq!(planned.user_data_hash, hash, "{what}");
            assert_eq!(planned.status.is_unknown(), rebuilt, "{what}: status");
            assert_eq!(
                others_change(&prior, &planned),
                rebuilt,
                "{what}: a locked server refuses it"
            );
        }
    }

    /// A plan the core saw as no change (user data is write-only) is
    /// planned as an update: `updated` and `status` unknown, what the
    /// configuration sets as written; the choice of a rebuild alone is a
    /// local change, and a plan already changing is left as it is.
    #[test]
    fn user_data_rebuilt_alone_is_planned_as_a_change() {
        let schema = schema::schema();
        let ty = schema.ty();
        let mut prior = running();
        prior.updated = k("2026-01-01T00:00:00Z");
        let config = ServerModel {
            name: k("web"),
            on_user_data_change: k("rebuild"),
            ..Default::default()
        };
        let chosen = ServerModel {
            on_user_data_change: k("rebuild"),
            ..prior.clone()
        };
        let (prior_v, config_v) = (prior.to_value(&ty), config.to_value(&ty));
        assert!(crate::framework::plan::local_only_change(
            &schema.block,
            &prior_v,
            &chosen.to_value(&ty)
        ));
        let mut planned = chosen.to_value(&ty);
        crate::framework::plan::plan_as_changing(&schema.block, &config_v, &prior_v, &mut planned);
        let p = ServerModel::from_value(&planned).unwrap();
        assert!(p.updated.is_unknown() && p.status.is_unknown(), "{p:?}");
        assert_eq!(p.name, k("web"));
        assert_eq!(p.on_user_data_change, k("rebuild"));
        // already changing: untouched
        let mut renamed = ServerModel {
            name: k("db"),
            ..prior.clone()
        }
        .to_value(&ty);
        let before = renamed.clone();
        crate::framework::plan::plan_as_changing(&schema.block, &config_v, &prior_v, &mut renamed);
        assert_eq!(renamed, before);
    }
}
