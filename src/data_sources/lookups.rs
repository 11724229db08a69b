//! Lookups by name: key pairs, aggregates, server groups, servers, images;
//! and the cloud's availability zones and hypervisors.

use async_trait::async_trait;
use serde_json::Value as J;

use super::{server_network, union};
use crate::client::{documents, wire, Call, Service};
use crate::configured::NovaData;
use crate::framework::model::{decode, Model};
use crate::framework::schema::computed_view;
use crate::framework::validators::OneOf;
use crate::framework::*;
use crate::resources::server::model::ServerModel;
use crate::resources::{aggregate, api_error, keypair, path_segment, server, server_group};
use crate::tf_model;

/// Picks the one item whose `key` equals `want`; errors name the candidates.
fn exactly_one<'a>(
    items: &'a [J],
    key: &str,
    want: &str,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<&'a J> {
    let found: Vec<&J> = items
        .iter()
        .filter(|x| wire::string(&x[key]).as_deref() == Some(want))
        .collect();
    match found.len() {
        1 => Some(found[0]),
        0 => {
            diags.error(
                format!("No {what} found"),
                format!("No {what} has {key} \"{want}\"."),
            );
            None
        }
        n => {
            let ids: Vec<String> = found
                .iter()
                .filter_map(|x| wire::string(&x["id"]))
                .collect();
            diags.error(
                format!("Several {what}s found"),
                format!("{n} {what}s have {key} \"{want}\": {}.", ids.join(", ")),
            );
            None
        }
    }
}

pub struct KeypairData;

#[async_trait]
impl DataSource<NovaData> for KeypairData {
    fn type_name(&self) -> &'static str {
        "nova_keypair"
    }
    fn schema(&self) -> Schema {
        let mut b = computed_view(
            &keypair::schema().block,
            "Looks up a key pair by name.",
            &["name", "user_id"],
        );
        // what the provider generated with is not in Nova's answer
        b.attributes
            .retain(|a| !["private_key", "algorithm", "rsa_bits"].contains(&a.name.as_str()));
        if let Some(a) = b.attributes.iter_mut().find(|a| a.name == "name") {
            a.required = true;
            a.optional = false;
            a.computed = false;
        }
        Schema::new(0, b)
    }
    async fn read(&self, data: &NovaData, req: DataReadRequest, resp: &mut DataReadResponse) {
        let Some(mut m) =
            decode::<keypair::KeypairModel>("configuration", &req.config, &mut resp.diags)
        else {
            return;
        };
        let name = m.name.as_deref().unwrap_or_default().to_string();
        let q = m
            .user_id
            .as_deref()
            .map(|u| format!("?user_id={}", path_segment(u)))
            .unwrap_or_default();
        match data
            .cloud
            .get(&format!("/os-keypairs/{}{q}", path_segment(&name)))
            .await
        {
            Ok(b) => match keypair::flatten_reply(&b, &mut m) {
                Ok(()) => resp.state = m.to_value(&self.schema().ty()),
                Err(e) => resp.diags.push(api_error("Cannot read key pair", &e)),
            },
            Err(e) => resp
                .diags
                .push(api_error(&format!("Cannot find key pair \"{name}\""), &e)),
        }
    }
}

fn by_name_schema(resource: &Block, what: &str) -> Schema {
    let mut b = computed_view(
        resource,
        &format!("Looks up a {what} by name (or ID)."),
        &["name", "id"],
    );
    for a in b
        .attributes
        .iter_mut()
        .filter(|a| a.name == "name" || a.name == "id")
    {
        a.optional = true;
        a.computed = true;
    }
    Schema::new(0, b)
}

pub struct AggregateData;

#[async_trait]
impl DataSource<NovaData> for AggregateData {
    fn type_name(&self) -> &'static str {
        "nova_aggregate"
    }
    fn schema(&self) -> Schema {
        by_name_schema(&aggregate::schema().block, "host aggregate")
    }
    fn validate(&self, c: &Value, diags: &mut Diagnostics) {
        need_name_or_id(c, diags);
    }
    async fn read(&self, data: &NovaData, req: DataReadRequest, resp: &mut DataReadResponse) {
        let all = match data.cloud.get("/os-aggregates").await {
            Ok(b) => b["aggregates"].as_array().cloned().unwrap_or_default(),
            Err(e) => return resp.diags.push(api_error("Cannot list aggregates", &e)),
        };
        let (key, want) = lookup_key(&req.config);
        if let Some(a) = exactly_one(&all, key, &want, "aggregate", &mut resp.diags) {
            let doc = match documents::parse::<documents::Aggregate>("aggregate", a) {
                Ok(d) => d,
                Err(e) => return resp.diags.push(api_error("Cannot read aggregate", &e)),
            };
            let Some(mut m) =
                decode::<aggregate::AggregateModel>("configuration", &req.config, &mut resp.diags)
            else {
                return;
            };
            aggregate::flatten(&doc, &mut m);
            resp.state = m.to_value(&self.schema().ty());
        }
    }
}

tf_model! {
    /// The look-up arguments of the data sources that find one object by
    /// name or ID (the rest of their configuration is computed).
    struct Lookup {
        id: Attr<String>,
        name: Attr<String>,
    }
}

impl Lookup {
    fn of(c: &Value) -> Lookup {
        Lookup::from_value(c).unwrap_or_default()
    }
}

fn need_name_or_id(c: &Value, diags: &mut Diagnostics) {
    let l = Lookup::of(c);
    if l.name.is_null() && l.id.is_null() {
        diags.error_at(AttrPath::attr("name"), "Missing lookup", "Give name or id.");
    }
}

/// The document key to match and its value: the ID when known, else the
/// name.
fn lookup_key(c: &Value) -> (&'static str, String) {
    let l = Lookup::of(c);
    match l.id.if_known() {
        Some(id) => ("id", id.clone()),
        None => ("name", l.name.if_known().cloned().unwrap_or_default()),
    }
}

pub struct ServerGroupData;

#[async_trait]
impl DataSource<NovaData> for ServerGroupData {
    fn type_name(&self) -> &'static str {
        "nova_server_group"
    }
    /// The resource's attributes, and its `rules` block as an object
    /// attribute (`max_server_per_host` null when the group has no such
    /// rule or the cloud speaks a microversion before 2.64).
    fn schema(&self) -> Schema {
        let mut s = by_name_schema(&server_group::schema().block, "server group");
        if let Some(rules) = server_group::schema().block.nested("rules") {
            s.block.attributes.push(
                Attribute::new("rules", rules.block.ty())
                    .computed()
                    .description("The group's rules (microversion 2.64): `max_server_per_host`, the most servers of the group on one host under the anti-affinity policy; null when the group has no such rule or the cloud speaks an older microversion."),
            );
        }
        s
    }
    fn validate(&self, c: &Value, diags: &mut Diagnostics) {
        need_name_or_id(c, diags);
    }
    async fn read(&self, data: &NovaData, req: DataReadRequest, resp: &mut DataReadResponse) {
        let all = match data
            .cloud
            .get_all("/os-server-groups", "server_groups")
            .await
        {
            Ok(b) => b["server_groups"].as_array().cloned().unwrap_or_default(),
            Err(e) => return resp.diags.push(api_error("Cannot list server groups", &e)),
        };
        let (key, want) = lookup_key(&req.config);
        if let Some(g) = exactly_one(&all, key, &want, "server group", &mut resp.diags) {
            let doc = match documents::parse::<documents::ServerGroup>("server group", g) {
                Ok(d) => d,
                Err(e) => return resp.diags.push(api_error("Cannot read server group", &e)),
            };
            let Some(mut m) = decode::<server_group::ServerGroupModel>(
                "configuration",
                &req.config,
                &mut resp.diags,
            ) else {
                return;
            };
            // rules read as an object always: its rule null when there is none
            m.rules = Attr::Known(server_group::RulesModel::default());
            server_group::flatten(&doc, &mut m);
            resp.state = m.to_value(&self.schema().ty());
        }
    }
}

pub struct ServerData;

#[async_trait]
impl DataSource<NovaData> for ServerData {
    fn type_name(&self) -> &'static str {
        "nova_server"
    }
    /// The resource's attributes (its blocks left out), and `network`:
    /// the server's interfaces (see [`server_network`]).
    fn schema(&self) -> Schema {
        let mut s = by_name_schema(&server::schema::schema().block, "server");
        s.block.attributes.push(server_network::attribute());
        s
    }
    fn validate(&self, c: &Value, diags: &mut Diagnostics) {
        need_name_or_id(c, diags);
    }
    async fn read(&self, data: &NovaData, req: DataReadRequest, resp: &mut DataReadResponse) {
        let Some(mut m) = decode::<ServerModel>("configuration", &req.config, &mut resp.diags)
        else {
            return;
        };
        let doc = match m.id.if_known() {
            Some(id) => match data
                .cloud
                .get(&format!("/servers/{}", path_segment(id)))
                .await
            {
                Ok(b) => b["server"].clone(),
                Err(e) => return resp.diags.push(api_error("Cannot find server", &e)),
            },
            None => {
                let name = m.name.as_deref().unwrap_or_default();
                let q = format!(
                    "/servers/detail?name={}",
                    path_segment(&format!("^{}$", regex::escape(name)))
                );
                let all = match data.cloud.get_all(&q, "servers").await {
                    Ok(b) => b["servers"].as_array().cloned().unwrap_or_default(),
                    Err(e) => return resp.diags.push(api_error("Cannot list servers", &e)),
                };
                match exactly_one(&all, "name", name, "server", &mut resp.diags) {
                    Some(s) => s.clone(),
                    None => return,
                }
            }
        };
        let doc = match documents::parse::<documents::Server>("server", &doc) {
            Ok(doc) => doc,
            Err(e) => return resp.diags.push(api_error("Cannot read server", &e)),
        };
        server::model::flatten(&doc, None, &mut m);
        m.image_name = match doc.image.as_deref() {
            Some(image) => Attr::from_option(server::lookups::image_name_of(data, image).await),
            None => Attr::Null,
        };
        let id = doc.id.clone().unwrap_or_default();
        let interfaces: Vec<documents::InterfaceAttachment> =
            match data.cloud.interfaces(&id, doc.has_addresses()).await {
                Ok(list) => match list
                    .iter()
                    .map(|i| documents::parse("interface attachment", i))
                    .collect()
                {
                    Ok(l) => l,
                    Err(e) => return resp.diags.push(api_error("Cannot read interfaces", &e)),
                },
                Err(e) => {
                    return resp
                        .diags
                        .push(api_error("Cannot list the server's interfaces", &e))
                }
            };
        let mut items = server_network::items(&doc, &interfaces);
        server_network::name_the_rest(data, &mut items).await;
        server_network::sort(&mut items);
        let networks = server_network::ServerNetworks {
            network: Attr::Known(items),
        };
        // the resource's model has network blocks of another shape
        m.network = Attr::Null;
        let ty = self.schema().ty();
        resp.state = union(networks.to_value(&ty), m.to_value(&ty));
    }
}

pub struct ImageData;

#[async_trait]
impl DataSource<NovaData> for ImageData {
    fn type_name(&self) -> &'static str {
        "nova_image"
    }
    fn schema(&self) -> Schema {
        let s = |n: &str, d: &str| Attribute::string(n).computed().description(d);
        let n = |n: &str, d: &str| Attribute::number(n).computed().description(d);
        Schema::new(
            0,
            Block::new("Looks up an image through the image API in the catalog, by ID or by name (the most recent when several share it and most_recent is set).")
                .attr(Attribute::string("id").optional_computed().description("Image ID."))
                .attr(Attribute::string("name").optional_computed().description("Image name."))
                .attr(Attribute::bool("most_recent").optional().description("With several images of that name, take the newest."))
                .attr(s("status", "Image status."))
                .attr(s("visibility", "public, private, shared or community."))
                .attr(s("disk_format", "Disk format."))
                .attr(s("container_format", "Container format."))
                .attr(n("size", "Size in bytes."))
                .attr(n("min_ram", "Minimum memory (MiB)."))
                .attr(n("min_disk", "Minimum disk (GiB)."))
                .attr(s("created_at", "Creation time."))
                .attr(Attribute::string_list("tags").computed().description("Image tags.")),
        )
    }
    fn validate(&self, c: &Value, diags: &mut Diagnostics) {
        need_name_or_id(c, diags);
    }
    async fn read(&self, data: &NovaData, req: DataReadRequest, resp: &mut DataReadResponse) {
        let call = |path: String| async move {
            data.cloud
                .session
                .call(Call::new(Service::Image, reqwest::Method::GET, &path))
                .await
        };
        let Some(c) = decode::<ImageModel>("configuration", &req.config, &mut resp.diags) else {
            return;
        };
        let img = match c.id.if_known().cloned() {
            Some(id) => match call(format!("/v2/images/{}", path_segment(&id))).await {
                Ok(r) => r.body,
                Err(e) => return resp.diags.push(api_error("Cannot find image", &e)),
            },
            None => {
                let name = c.name.if_known().cloned().unwrap_or_default();
                // every page: Glance links the next one as `next`
                let mut list: Vec<J> = Vec::new();
                let mut next = Some(format!("/v2/images?name={}", path_segment(&name)));
                while let Some(path) = next.take() {
                    match call(path).await {
                        Ok(r) => {
                            let items = r.body["images"].as_array().cloned().unwrap_or_default();
                            next = r.body["next"]
                                .as_str()
                                .filter(|_| !items.is_empty() && list.len() < 100_000)
                                .map(str::to_string);
                            list.extend(items);
                        }
                        Err(e) => return resp.diags.push(api_error("Cannot list images", &e)),
                    }
                }
                list.retain(|i| i["name"].as_str() == Some(name.as_str()));
                list.sort_by_key(|i| {
                    std::cmp::Reverse(wire::string(&i["created_at"]).unwrap_or_default())
                });
                if list.len() > 1 && c.most_recent.if_known() != Some(&true) {
                    let ids: Vec<String> =
                        list.iter().filter_map(|i| wire::string(&i["id"])).collect();
                    return resp.diags.error("Several images found", format!("{} images are named \"{name}\": {}. Set most_recent = true or give the id.", list.len(), ids.join(", ")));
                }
                match list.into_iter().next() {
                    Some(i) => i,
                    None => {
                        return resp
                            .diags
                            .error("No image found", format!("No image is named \"{name}\"."))
                    }
                }
            }
        };
        let Some(mut m) = decode::<ImageModel>("configuration", &req.config, &mut resp.diags)
        else {
            return;
        };
        match documents::parse::<documents::Image>("image", &img) {
            Ok(i) => {
                flatten_image(&i, &mut m);
                resp.state = m.to_value(&self.schema().ty());
            }
            Err(e) => resp.diags.push(api_error("Cannot read image", &e)),
        }
    }
}

tf_model! {
    /// `nova_image` configuration and state.
    pub struct ImageModel {
        pub id: Attr<String>,
        pub name: Attr<String>,
        pub most_recent: Attr<bool>,
        pub status: Attr<String>,
        pub visibility: Attr<String>,
        pub disk_format: Attr<String>,
        pub container_format: Attr<String>,
        pub size: Attr<i64>,
        pub min_ram: Attr<i64>,
        pub min_disk: Attr<i64>,
        pub created_at: Attr<String>,
        pub tags: Attr<Vec<String>>,
    }
}

/// Copies an image document into the model (`most_recent` stays).
fn flatten_image(i: &documents::Image, m: &mut ImageModel) {
    let s = |v: &Option<String>| Attr::from_option(v.clone());
    m.id = s(&i.id);
    m.name = s(&i.name);
    m.status = s(&i.status);
    m.visibility = s(&i.visibility);
    m.disk_format = s(&i.disk_format);
    m.container_format = s(&i.container_format);
    m.created_at = s(&i.created_at);
    m.size = Attr::from_option(i.size);
    m.min_ram = Attr::from_option(i.min_ram);
    m.min_disk = Attr::from_option(i.min_disk);
    m.tags = Attr::Known(i.tags.clone());
}

pub struct AvailabilityZonesData;

/// The zone states `state` may ask for.
const ZONE_STATES: &[&str] = &["available", "unavailable"];

#[async_trait]
impl DataSource<NovaData> for AvailabilityZonesData {
    fn type_name(&self) -> &'static str {
        "nova_availability_zones"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new("The availability zones of the cloud (`GET /os-availability-zone`), by state.")
                .attr(
                    Attribute::string("state")
                        .optional()
                        .validate(OneOf(ZONE_STATES))
                        .description("The state of the zones `names` lists: `available` (the default) or `unavailable`."),
                )
                .attr(
                    Attribute::string_list("names")
                        .computed()
                        .description("Names of the zones in `state`, sorted."),
                )
                .attr(
                    Attribute::new(
                        "zones",
                        Type::list(Type::object([
                            ("name", Type::String),
                            ("available", Type::Bool),
                        ])),
                    )
                    .computed()
                    .description("Every zone with its state, whatever `state` asks for, sorted by name."),
                ),
        )
    }
    async fn read(&self, data: &NovaData, req: DataReadRequest, resp: &mut DataReadResponse) {
        let Some(mut m) = decode::<ZonesModel>("configuration", &req.config, &mut resp.diags)
        else {
            return;
        };
        let b = match data.cloud.get("/os-availability-zone").await {
            Ok(b) => b,
            Err(e) => {
                return resp
                    .diags
                    .push(api_error("Cannot list availability zones", &e))
            }
        };
        let zones: Vec<documents::AvailabilityZone> =
            match documents::parse::<Option<_>>("availability zones", &b["availabilityZoneInfo"]) {
                Ok(z) => z.unwrap_or_default(),
                Err(e) => {
                    return resp
                        .diags
                        .push(api_error("Cannot read availability zones", &e))
                }
            };
        flatten_zones(&zones, &mut m);
        resp.state = m.to_value(&self.schema().ty());
    }
}

tf_model! {
    /// `nova_availability_zones` configuration and state.
    pub struct ZonesModel {
        pub state: Attr<String>,
        pub names: Attr<Vec<String>>,
        pub zones: Attr<Vec<ZoneItem>>,
    }
}

tf_model! {
    /// One element of `zones`.
    pub struct ZoneItem {
        pub name: Attr<String>,
        pub available: Attr<bool>,
    }
}

/// `zones`: every zone that has a name (a zone without a state is
/// unavailable), sorted; `names`: those in the state `state` asks for
/// (available when null; an unknown state, never read at apply, matches
/// none). `state` stays as configured.
pub fn flatten_zones(zones: &[documents::AvailabilityZone], m: &mut ZonesModel) {
    let mut items: Vec<ZoneItem> = zones
        .iter()
        .filter_map(|z| {
            Some(ZoneItem {
                name: Attr::Known(z.zone_name.clone()?),
                available: Attr::Known(z.zone_state.available.unwrap_or(false)),
            })
        })
        .collect();
    items.sort_by(|a, b| {
        (a.name.if_known(), a.available.if_known())
            .cmp(&(b.name.if_known(), b.available.if_known()))
    });
    let want = match &m.state {
        Attr::Null => Some(true),
        Attr::Known(s) => Some(s == ZONE_STATES[0]),
        Attr::Unknown => None,
    };
    let mut names: Vec<String> = items
        .iter()
        .filter(|z| want.is_some() && z.available.if_known().copied() == want)
        .filter_map(|z| z.name.if_known().cloned())
        .collect();
    names.dedup();
    m.names = Attr::Known(names);
    m.zones = Attr::Known(items);
}

pub struct HypervisorsData;

#[async_trait]
impl DataSource<NovaData> for HypervisorsData {
    fn type_name(&self) -> &'static str {
        "nova_hypervisors"
    }
    fn schema(&self) -> Schema {
        let obj = Type::object([
            ("id", Type::String),
            ("name", Type::String),
            ("state", Type::String),
            ("status", Type::String),
            ("type", Type::String),
            ("vcpus", Type::Number),
            ("memory_mb", Type::Number),
            ("running_vms", Type::Number),
        ]);
        Schema::new(
            0,
            Block::new("Hypervisors of the cloud (administrators). Sizes are null from microversion 2.88, which no longer reports them.")
                .attr(Attribute::new("hypervisors", Type::list(obj)).computed().description("Hypervisors, sorted by name.")),
        )
    }
    async fn read(&self, data: &NovaData, _req: DataReadRequest, resp: &mut DataReadResponse) {
        let b = match data
            .cloud
            .get_all("/os-hypervisors/detail", "hypervisors")
            .await
        {
            Ok(b) => b,
            Err(e) => return resp.diags.push(api_error("Cannot list hypervisors", &e)),
        };
        let mut list: Vec<documents::Hypervisor> =
            match documents::parse::<Option<_>>("hypervisors", &b["hypervisors"]) {
                Ok(l) => l.unwrap_or_default(),
                Err(e) => return resp.diags.push(api_error("Cannot read hypervisors", &e)),
            };
        list.sort_by(|a, b| a.hypervisor_hostname.cmp(&b.hypervisor_hostname));
        let m = HypervisorsModel {
            hypervisors: Attr::Known(list.iter().map(hypervisor_item).collect()),
        };
        resp.state = m.to_value(&self.schema().ty());
    }
}

tf_model! {
    /// `nova_hypervisors` state.
    pub struct HypervisorsModel {
        pub hypervisors: Attr<Vec<HypervisorItem>>,
    }
}

tf_model! {
    /// One element of `hypervisors` (sizes: MiB, vCPUs; null from 2.88).
    pub struct HypervisorItem {
        pub id: Attr<String>,
        pub name: Attr<String>,
        pub state: Attr<String>,
        pub status: Attr<String>,
        pub r#type: Attr<String>,
        pub vcpus: Attr<i64>,
        pub memory_mb: Attr<i64>,
        pub running_vms: Attr<i64>,
    }
}

fn hypervisor_item(h: &documents::Hypervisor) -> HypervisorItem {
    HypervisorItem {
        id: Attr::from_option(h.id.clone()),
        name: Attr::from_option(h.hypervisor_hostname.clone()),
        state: Attr::from_option(h.state.clone()),
        status: Attr::from_option(h.status.clone()),
        r#type: Attr::from_option(h.hypervisor_type.clone()),
        vcpus: Attr::from_option(h.vcpus),
        memory_mb: Attr::from_option(h.memory_mb),
        running_vms: Attr::from_option(h.running_vms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_models_fit_the_schemas() {
        ImageModel::check_against(&ImageData.schema().ty()).unwrap();
        ZonesModel::check_against(&AvailabilityZonesData.schema().ty()).unwrap();
        HypervisorsModel::check_against(&HypervisorsData.schema().ty()).unwrap();
    }

    /// `nova_server`: the resource's attributes, written by its model, and
    /// `network`, written by [`server_network::ServerNetworks`]; the state
    /// of both has every attribute, and `network` in its own shape.
    #[test]
    fn the_server_state_is_written_by_two_models() {
        let ty = ServerData.schema().ty();
        server_network::ServerNetworks::check_against(&ty.only(&["network"])).unwrap();
        let resource: Vec<&str> = ServerModel::attribute_names();
        let Type::Object(attrs) = &ty else { panic!() };
        for name in attrs.keys() {
            assert!(
                name == "network" || resource.contains(&name.as_str()),
                "{name}: no model writes it"
            );
        }
        let mut m = ServerModel {
            id: Attr::Known("s".into()),
            ..Default::default()
        };
        m.network = Attr::Null;
        let networks = server_network::ServerNetworks {
            network: Attr::Known(vec![server_network::NetworkItem {
                name: Attr::Known("private".into()),
                ..Default::default()
            }]),
        };
        let st = union(networks.to_value(&ty), m.to_value(&ty));
        assert_eq!(st.as_object().map(|o| o.len()), Some(attrs.len()));
        assert_eq!(
            server_network::ServerNetworks::from_value(&st).unwrap(),
            networks
        );
        assert_eq!(
            ServerModel::from_value(&st).unwrap().id,
            Attr::Known("s".into())
        );
    }

    /// `nova_server_group`: `rules` an object whose rule is null when the
    /// group has none (an older microversion reports none).
    #[test]
    fn server_group_rules() {
        let ty = ServerGroupData.schema().ty();
        let Type::Object(attrs) = &ty else { panic!() };
        for name in attrs.keys() {
            assert!(
                server_group::ServerGroupModel::attribute_names().contains(&name.as_str()),
                "{name}: no model writes it"
            );
        }
        let cases = [
            (
                json!({"id": "g", "policy": "anti-affinity", "rules": {"max_server_per_host": 2}}),
                Attr::Known(2),
            ),
            (
                json!({"id": "g", "policy": "affinity", "rules": {}}),
                Attr::Null,
            ),
            (json!({"id": "g", "policies": ["affinity"]}), Attr::Null),
        ];
        for (doc, want) in cases {
            let doc: documents::ServerGroup = documents::parse("server group", &doc).unwrap();
            let mut m = server_group::ServerGroupModel {
                rules: Attr::Known(server_group::RulesModel::default()),
                ..Default::default()
            };
            server_group::flatten(&doc, &mut m);
            let st = m.to_value(&ty);
            let back = server_group::ServerGroupModel::from_value(&st).unwrap();
            let rules = back.rules.if_known().cloned().expect("rules is an object");
            assert_eq!(rules.max_server_per_host, want, "{doc:?}");
        }
    }

    /// `names` by the `state` asked for: null is available, unknown
    /// matches none; `zones` lists every zone whatever `state` says.
    #[test]
    fn zones_by_state() {
        let zones: Vec<documents::AvailabilityZone> = documents::parse(
            "zones",
            &json!([
                {"zoneName": "b", "zoneState": {"available": true}},
                {"zoneName": "a", "zoneState": {"available": "True"}},
                {"zoneName": "down", "zoneState": {"available": false}},
                {"zoneName": "nostate", "zoneState": null},
                {"zoneName": null, "zoneState": {"available": true}}
            ]),
        )
        .unwrap();
        let s = |x: &str| Attr::Known(x.to_string());
        let cases: Vec<(Attr<String>, Vec<&str>)> = vec![
            (Attr::Null, vec!["a", "b"]),
            (s("available"), vec!["a", "b"]),
            (s("unavailable"), vec!["down", "nostate"]),
            (Attr::Unknown, vec![]),
        ];
        for (state, want) in cases {
            let mut m = ZonesModel {
                state: state.clone(),
                ..Default::default()
            };
            flatten_zones(&zones, &mut m);
            let want: Vec<String> = want.into_iter().map(String::from).collect();
            assert_eq!(m.names, Attr::Known(want), "{state:?}");
            assert_eq!(m.zones.if_known().map(Vec::len), Some(4), "{state:?}");
            assert_eq!(m.state, state, "as configured");
        }
    }

    #[test]
    fn exactly_one_explains_ambiguity() {
        let items = vec![
            json!({"id": 1, "name": "a"}),
            json!({"id": 2, "name": "a"}),
            json!({"id": 3, "name": "b"}),
        ];
        let mut d = Diagnostics::default();
        assert!(exactly_one(&items, "name", "a", "aggregate", &mut d).is_none());
        assert_eq!(d.0[0].detail, "2 aggregates have name \"a\": 1, 2.");
        let mut d = Diagnostics::default();
        assert_eq!(
            exactly_one(&items, "id", "3", "aggregate", &mut d).unwrap()["name"],
            "b"
        );
        assert!(exactly_one(&items, "name", "zzz", "aggregate", &mut d).is_none());
        assert_eq!(d.0[0].summary, "No aggregate found");
    }
}
