//! Pure mapping between `nova_server` values and compute API documents.

use std::collections::BTreeSet;

use base64::Engine;
use serde_json::{json, Map, Value as J};
use sha2::Digest;

use crate::client::microversion::{self as mv, Microversion};
use crate::client::wire;
use crate::framework::Value;

/// Metadata key that marks a create request, so a server whose create
/// response was lost can be found and adopted instead of duplicated.
pub const CREATE_TOKEN_KEY: &str = "nova-provider:create-token";

pub fn user_data_hash(s: &str) -> String {
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

/// How `imageRef` is sent for a server that boots from a volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootVolumeImageRef {
    Omit,
    Empty,
    Image,
}

impl BootVolumeImageRef {
    pub fn parse(s: &str) -> BootVolumeImageRef {
        match s {
            "empty" => BootVolumeImageRef::Empty,
            "image" => BootVolumeImageRef::Image,
            _ => BootVolumeImageRef::Omit,
        }
    }
}

pub struct CreateOptions<'a> {
    pub microversion: Microversion,
    pub flavor_ref: &'a str,
    pub boot_volume_image_ref: BootVolumeImageRef,
    pub create_token: Option<&'a str>,
}

fn put_str(m: &mut Map<String, J>, key: &str, v: &Value) {
    if let Some(s) = v.as_str() {
        m.insert(key.to_string(), J::String(s.to_string()));
    }
}

/// The planned value of `attr` when it is known, else the configuration's,
/// which Terraform sends wholly known at apply (a computed attribute the
/// configuration leaves null is planned unknown on create: nothing is sent).
fn known<'a>(planned: &'a Value, config: &'a Value, attr: &str) -> &'a Value {
    let p = planned.get(attr);
    if p.is_wholly_known() {
        p
    } else {
        config.get(attr)
    }
}

/// The blocks of `attr` read through [`known`]: Terraform sends the
/// configuration's blocks wholly known at apply.
fn blocks<'a>(planned: &'a Value, config: &'a Value, attr: &str) -> &'a [Value] {
    known(planned, config, attr).elements().unwrap_or_default()
}

/// Strings of a collection read through [`known`]; an unknown one (never
/// seen there) contributes nothing.
fn strings(v: &Value) -> Vec<J> {
    v.string_list()
        .unwrap_or_default()
        .into_iter()
        .map(J::String)
        .collect()
}

pub fn block_device_mapping(b: &Value) -> J {
    let mut m = Map::new();
    put_str(&mut m, "source_type", b.get("source_type"));
    put_str(&mut m, "destination_type", b.get("destination_type"));
    put_str(&mut m, "uuid", b.get("uuid"));
    if let Some(n) = b.get("volume_size").as_i64() {
        m.insert("volume_size".into(), n.into());
    }
    if let Some(n) = b.get("boot_index").as_i64() {
        m.insert("boot_index".into(), n.into());
    }
    if let Some(d) = b.get("delete_on_termination").as_bool() {
        m.insert("delete_on_termination".into(), d.into());
    }
    for k in [
        "device_type",
        "disk_bus",
        "guest_format",
        "volume_type",
        "tag",
    ] {
        put_str(&mut m, k, b.get(k));
    }
    J::Object(m)
}

pub fn network_request(n: &Value) -> J {
    let mut m = Map::new();
    put_str(&mut m, "uuid", n.get("uuid"));
    put_str(&mut m, "port", n.get("port"));
    if let Some(ip) = n
        .get("fixed_ip_v4")
        .as_str()
        .or_else(|| n.get("fixed_ip_v6").as_str())
    {
        m.insert("fixed_ip".into(), ip.into());
    }
    put_str(&mut m, "tag", n.get("tag"));
    put_str(&mut m, "subnet_id", n.get("subnet_id"));
    J::Object(m)
}

/// The `POST /servers` body. `planned` holds the arguments, `config` the
/// write-only ones (user data, write-only admin password).
pub fn create_body(planned: &Value, config: &Value, o: &CreateOptions) -> J {
    let mut s = Map::new();
    put_str(&mut s, "name", planned.get("name"));
    s.insert("flavorRef".into(), o.flavor_ref.into());
    let bds = blocks(planned, config, "block_device");
    match planned.get("image_id").as_str() {
        Some(img) => {
            s.insert("imageRef".into(), img.into());
        }
        None => match o.boot_volume_image_ref {
            BootVolumeImageRef::Omit => {}
            BootVolumeImageRef::Empty => {
                s.insert("imageRef".into(), "".into());
            }
            BootVolumeImageRef::Image => {
                if let Some(u) = bds
                    .iter()
                    .find(|b| {
                        b.get("boot_index").as_i64() == Some(0)
                            && b.get("source_type").as_str() == Some("image")
                    })
                    .and_then(|b| b.get("uuid").as_str())
                {
                    s.insert("imageRef".into(), u.into());
                }
            }
        },
    }
    put_str(&mut s, "key_name", planned.get("key_name"));
    put_str(
        &mut s,
        "availability_zone",
        planned.get("availability_zone"),
    );
    if let Some(ud) = config.get("user_data").as_str() {
        s.insert(
            "user_data".into(),
            base64::engine::general_purpose::STANDARD.encode(ud).into(),
        );
    }
    let mut md: Map<String, J> = known(planned, config, "metadata")
        .string_map()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, J::String(v)))
        .collect();
    if let Some(t) = o.create_token {
        md.insert(CREATE_TOKEN_KEY.into(), t.into());
    }
    if !md.is_empty() {
        s.insert("metadata".into(), J::Object(md));
    }
    let tags = strings(known(planned, config, "tags"));
    if !tags.is_empty() {
        s.insert("tags".into(), J::Array(tags));
    }
    put_str(&mut s, "description", planned.get("description"));
    if let Some(cd) = planned.get("config_drive").as_bool() {
        s.insert("config_drive".into(), cd.into());
    }
    put_str(&mut s, "OS-DCF:diskConfig", planned.get("disk_config"));
    let pass = config
        .get("admin_pass_wo")
        .as_str()
        .or_else(|| planned.get("admin_pass").as_str());
    if let Some(p) = pass {
        s.insert("adminPass".into(), p.into());
    }
    let sgs: Vec<J> = known(planned, config, "security_groups")
        .string_list()
        .unwrap_or_default()
        .into_iter()
        .map(|n| json!({"name": n}))
        .collect();
    if !sgs.is_empty() {
        s.insert("security_groups".into(), J::Array(sgs));
    }
    put_str(&mut s, "accessIPv4", planned.get("access_ip_v4"));
    put_str(&mut s, "accessIPv6", planned.get("access_ip_v6"));
    put_str(&mut s, "hostname", planned.get("hostname"));
    put_str(&mut s, "host", planned.get("host"));
    put_str(
        &mut s,
        "hypervisor_hostname",
        planned.get("hypervisor_hostname"),
    );
    let certs = strings(planned.get("trusted_image_certificates"));
    if !certs.is_empty() {
        s.insert("trusted_image_certificates".into(), J::Array(certs));
    }
    let files: Vec<J> = blocks(planned, config, "personality")
        .iter()
        .map(|p| {
            json!({"path": p.get("file").as_str(),
                   "contents": base64::engine::general_purpose::STANDARD.encode(p.get("content").as_str().unwrap_or_default())})
        })
        .collect();
    if !files.is_empty() {
        s.insert("personality".into(), J::Array(files));
    }
    let nets = blocks(planned, config, "network");
    if let Some(mode) = planned.get("network_mode").as_str() {
        s.insert("networks".into(), mode.into());
    } else if !nets.is_empty() {
        s.insert(
            "networks".into(),
            J::Array(nets.iter().map(network_request).collect()),
        );
    } else if o.microversion >= mv::NETWORK_MODE {
        // required from 2.37: let the cloud pick the network
        s.insert("networks".into(), "auto".into());
    }
    if !bds.is_empty() {
        s.insert(
            "block_device_mapping_v2".into(),
            J::Array(bds.iter().map(block_device_mapping).collect()),
        );
    }
    let mut body = json!({"server": J::Object(s)});
    let hints = scheduler_hints(planned.get("scheduler_hints"));
    if !hints.is_empty() {
        body["os:scheduler_hints"] = J::Object(hints);
    }
    body
}

pub fn scheduler_hints(h: &Value) -> Map<String, J> {
    let mut m = Map::new();
    if h.is_null() {
        return m;
    }
    for k in [
        "group",
        "query",
        "target_cell",
        "build_near_host_ip",
        "cidr",
    ] {
        put_str(&mut m, k, h.get(k));
    }
    for k in ["different_host", "same_host", "different_cell"] {
        let l = strings(h.get(k));
        if !l.is_empty() {
            m.insert(k.into(), J::Array(l));
        }
    }
    for (k, v) in h.get("additional").string_map().unwrap_or_default() {
        m.insert(k, J::String(v));
    }
    m
}

/// Which microversion each configured argument needs (at least / at most).
pub fn version_requirements(c: &Value) -> Vec<(&'static str, Microversion, bool)> {
    let mut out = Vec::new();
    let mut need = |attr: &'static str, set: bool, v: Microversion| {
        if set {
            out.push((attr, v, true));
        }
    };
    need(
        "description",
        !c.get("description").is_null(),
        mv::SERVER_DESCRIPTION,
    );
    need(
        "tags",
        !c.get("tags").is_null() && !c.get("tags").walk().is_empty(),
        mv::SERVER_TAGS,
    );
    need(
        "network_mode",
        !c.get("network_mode").is_null(),
        mv::NETWORK_MODE,
    );
    need(
        "hostname",
        !c.get("hostname").is_null(),
        mv::SERVER_HOSTNAME,
    );
    need("host", !c.get("host").is_null(), mv::HOST_AT_CREATE);
    need(
        "hypervisor_hostname",
        !c.get("hypervisor_hostname").is_null(),
        mv::HOST_AT_CREATE,
    );
    need(
        "trusted_image_certificates",
        !c.get("trusted_image_certificates").is_null(),
        mv::TRUSTED_CERTS,
    );
    need(
        "block_device",
        c.get("block_device")
            .walk()
            .iter()
            .any(|b| !b.get("volume_type").is_null()),
        mv::BDM_VOLUME_TYPE,
    );
    if !c.get("personality").walk().is_empty() {
        out.push(("personality", mv::PERSONALITY_MAX, false));
    }
    out
}

/// One volume of a server as seen at import: its attachment
/// (`os-volume_attachments`), whether the server deletes it, and the block
/// storage record when the volume API could be read.
pub struct SeenVolume<'a> {
    pub attachment: &'a J,
    pub delete_on_termination: Option<bool>,
    pub volume: Option<&'a J>,
}

/// Rebuilds `block_device` entries from a server's volumes (import). Which
/// mapping made a volume is read from what Nova leaves on it: a volume it
/// made from an image carries the image's metadata, from a snapshot the
/// snapshot ID, a blank one the name `<server>-blank-vol`. Other volumes are
/// pre-existing ones: the root one is a `volume` source; the rest are left
/// to `nova_volume_attachment`, which imports attachments. Local disks
/// (swap, ephemeral) are not visible through the compute API.
///
/// A volume of the cloud's default type (`default_type`) is taken to have
/// been created without `volume_type`.
pub fn recovered_block_devices(
    server_id: &str,
    root_device: Option<&str>,
    default_type: Option<&str>,
    seen: &[SeenVolume],
    ty: &crate::framework::Type,
) -> Vec<Value> {
    let mut ordered: Vec<&SeenVolume> = seen.iter().collect();
    let device = |v: &SeenVolume| wire::string(&v.attachment["device"]).unwrap_or_default();
    ordered.sort_by_key(|v| (Some(device(v).as_str()) != root_device, device(v)));
    let mut out = Vec::new();
    for v in ordered {
        let is_root = Some(device(v).as_str()) == root_device;
        let vid = wire::string(&v.attachment["volumeId"]).unwrap_or_default();
        let vol = v.volume.cloned().unwrap_or(J::Null);
        let name = wire::string(&vol["name"]).unwrap_or_default();
        let (source, uuid) = if name == format!("{server_id}-blank-vol") {
            ("blank", None)
        } else if let Some(img) =
            wire::string(&vol["volume_image_metadata"]["image_id"]).filter(|_| name.is_empty())
        {
            ("image", Some(img))
        } else if let Some(snap) = wire::string(&vol["snapshot_id"]).filter(|_| name.is_empty()) {
            ("snapshot", Some(snap))
        } else if is_root {
            ("volume", Some(vid))
        } else {
            continue;
        };
        let mut b = Value::null_object(ty);
        b.set("source_type", Value::string(source));
        b.set("destination_type", Value::string("volume"));
        b.set("uuid", Value::from_opt_str(uuid));
        if source != "volume" {
            b.set("volume_size", Value::from_opt_i64(wire::int(&vol["size"])));
            let vt = wire::string(&vol["volume_type"]).filter(|t| Some(t.as_str()) != default_type);
            b.set("volume_type", Value::from_opt_str(vt));
        }
        if is_root {
            b.set("boot_index", Value::from(0));
        }
        if let Some(d) = v.delete_on_termination {
            b.set("delete_on_termination", Value::Bool(d));
        }
        b.set(
            "tag",
            Value::from_opt_str(wire::string(&v.attachment["tag"])),
        );
        out.push(b);
    }
    out
}

/// `status` to the `power_state` argument's vocabulary.
/// The server's security groups as the configuration wrote them: the cloud
/// reports names; an entry written as an ID stays while the group of that
/// ID (`names_by_id`, from the network API) is on the server. Groups gone
/// leave, groups added by others join by name: drift shows.
pub fn security_groups_as_written(
    written: &[String],
    reported: &BTreeSet<String>,
    names_by_id: &std::collections::HashMap<String, String>,
) -> BTreeSet<String> {
    let mut left = reported.clone();
    let mut out = BTreeSet::new();
    for w in written {
        let name = names_by_id.get(w).unwrap_or(w);
        if left.remove(name) {
            out.insert(w.clone());
        }
    }
    out.extend(left);
    out
}

/// A partial server record: what Nova answers (2.69+) for a server in a
/// cell it cannot reach. Such records have no `name`, and `UNKNOWN` status.
pub fn is_partial(s: &J) -> bool {
    s.get("name").is_none() && wire::string(&s["status"]).as_deref() == Some("UNKNOWN")
}

pub fn power_state_of(status: &str) -> Option<&'static str> {
    Some(match status {
        "ACTIVE" => "active",
        "SHUTOFF" => "shutoff",
        "PAUSED" => "paused",
        "SUSPENDED" => "suspended",
        "SHELVED" | "SHELVED_OFFLOADED" => "shelved",
        _ => return None,
    })
}

fn managed<'a>(all: &'a [String], prior: &Value) -> Vec<&'a String> {
    // keys Terraform manages: those in the prior state; all of them when
    // nothing is known yet (import)
    if prior.is_null() || prior.is_unknown() {
        return all.iter().collect();
    }
    let keep: BTreeSet<String> = match prior {
        Value::Map(m) => m.keys().cloned().collect(),
        // prior state is always known
        _ => prior
            .string_list()
            .unwrap_or_default()
            .into_iter()
            .collect(),
    };
    all.iter().filter(|k| keep.contains(*k)).collect()
}

/// Copies a server document (`GET /servers/{id}`) into state. `prior`
/// decides which metadata keys and tags are Terraform's.
pub fn flatten(s: &J, prior: &Value, state: &mut Value) {
    let status = wire::string(&s["status"])
        .unwrap_or_else(|| "UNKNOWN".into())
        .to_ascii_uppercase();
    // nothing known yet (import, list): every argument is read back
    let importing = prior.is_null() || prior.get("name").is_null();
    state.set("id", Value::from_opt_str(wire::string(&s["id"])));
    state.set("name", Value::from_opt_str(wire::string(&s["name"])));
    state.set("status", Value::string(&status));
    if let Some(p) = power_state_of(&status) {
        state.set("power_state", Value::string(p));
    }
    // image: {"id": ...} for image-backed servers, "" for volume-backed ones
    if let Some(img) = s["image"].get("id").and_then(wire::string) {
        state.set("image_id", Value::string(img));
    } else if state.get("image_id").is_unknown() {
        state.set("image_id", Value::Null);
    }
    let f = &s["flavor"];
    if let Some(name) = wire::string(&f["original_name"]) {
        state.set("flavor_name", Value::string(name));
    }
    if let Some(id) = wire::string(&f["id"]) {
        state.set("flavor_id", Value::string(id));
    }
    state.set(
        "flavor",
        Value::Object(
            [
                (
                    "name".to_string(),
                    Value::from_opt_str(
                        wire::string(&f["original_name"]).or_else(|| wire::string(&f["id"])),
                    ),
                ),
                (
                    "vcpus".to_string(),
                    Value::from_opt_i64(wire::int(&f["vcpus"])),
                ),
                ("ram".to_string(), Value::from_opt_i64(wire::int(&f["ram"]))),
                (
                    "disk".to_string(),
                    Value::from_opt_i64(wire::int(&f["disk"])),
                ),
                (
                    "ephemeral".to_string(),
                    Value::from_opt_i64(wire::int(&f["ephemeral"])),
                ),
                (
                    "swap".to_string(),
                    Value::from_opt_i64(wire::int(&f["swap"])),
                ),
            ]
            .into(),
        ),
    );
    if importing || !prior.get("key_name").is_null() || state.get("key_name").is_unknown() {
        state.set(
            "key_name",
            Value::from_opt_str(wire::string(&s["key_name"])),
        );
    }
    // a shelved-offloaded server is on no host and reports no zone: the
    // zone it was placed in stays
    // `zone:host` as written stays while the server is in that zone
    match wire::string(&s["OS-EXT-AZ:availability_zone"]) {
        Some(z) => {
            let v = state
                .get("availability_zone")
                .as_written(Value::String(z), crate::framework::value::same_zone);
            state.set("availability_zone", v)
        }
        None if state.get("availability_zone").as_str().is_some() => {}
        None => state.set("availability_zone", Value::Null),
    }
    // metadata: Terraform's keys only; everything in all_metadata
    let mut all_md = wire::string_map(&s["metadata"]);
    all_md.remove(CREATE_TOKEN_KEY);
    let keys: Vec<String> = all_md.keys().cloned().collect();
    let prior_md = prior.get("metadata");
    if importing || !prior_md.is_null() {
        let mine = managed(&keys, prior_md);
        let v = if importing && mine.is_empty() {
            Value::Null
        } else {
            Value::from_string_map(mine.into_iter().map(|k| (k.clone(), all_md[k].clone())))
        };
        state.set("metadata", v);
    }
    state.set("all_metadata", Value::from_string_map(all_md.clone()));
    let mut all_tags = wire::strings(&s["tags"]);
    all_tags.sort();
    let prior_tags = prior.get("tags");
    if (importing || !prior_tags.is_null()) && s.get("tags").is_some() {
        let mine: Vec<Value> = managed(&all_tags, prior_tags)
            .into_iter()
            .map(|t| Value::string(t.clone()))
            .collect();
        state.set(
            "tags",
            if importing && mine.is_empty() {
                Value::Null
            } else {
                Value::Set(mine)
            },
        );
    }
    state.set(
        "all_tags",
        Value::Set(all_tags.into_iter().map(Value::String).collect()),
    );
    // "" and null (and surrounding spaces) are the same description
    if s.get("description").is_some() {
        let reported = Value::from_opt_str(wire::string(&s["description"]));
        let v = state
            .get("description")
            .as_written(reported, crate::framework::value::same_text);
        state.set("description", v);
    }
    if let Some(dc) = wire::string(&s["OS-DCF:diskConfig"]) {
        state.set("disk_config", Value::string(dc));
    }
    state.set(
        "access_ip_v4",
        Value::from_opt_str(wire::string(&s["accessIPv4"])),
    );
    state.set(
        "access_ip_v6",
        Value::from_opt_str(wire::string(&s["accessIPv6"])),
    );
    if let Some(h) = wire::string(&s["OS-EXT-SRV-ATTR:hostname"]) {
        state.set("hostname", Value::string(h));
    } else if state.get("hostname").is_unknown() {
        state.set("hostname", Value::Null);
    }
    state.set("created", Value::from_opt_str(wire::string(&s["created"])));
    state.set("updated", Value::from_opt_str(wire::string(&s["updated"])));
    state.set("host_id", Value::from_opt_str(wire::string(&s["hostId"])));
    let vols: Vec<Value> = s["os-extended-volumes:volumes_attached"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| wire::string(&v["id"]))
                .map(Value::String)
                .collect()
        })
        .unwrap_or_default();
    state.set("volumes_attached", Value::List(vols));
    if let Some(sgs) = s["security_groups"].as_array() {
        let names: BTreeSet<String> = sgs
            .iter()
            .filter_map(|g| wire::string(&g["name"]))
            .collect();
        state.set(
            "security_groups",
            Value::Set(names.into_iter().map(Value::String).collect()),
        );
    } else if state.get("security_groups").is_unknown() {
        state.set("security_groups", Value::Set(vec![]));
    }
    let mut addrs = Vec::new();
    if let Some(nets) = s["addresses"].as_object() {
        for (net, list) in nets {
            for a in list.as_array().into_iter().flatten() {
                addrs.push(Value::Object(
                    [
                        ("network".to_string(), Value::string(net)),
                        (
                            "addr".to_string(),
                            Value::from_opt_str(wire::string(&a["addr"])),
                        ),
                        (
                            "version".to_string(),
                            Value::from_opt_i64(wire::int(&a["version"])),
                        ),
                        (
                            "type".to_string(),
                            Value::from_opt_str(wire::string(&a["OS-EXT-IPS:type"])),
                        ),
                        (
                            "mac".to_string(),
                            Value::from_opt_str(wire::string(&a["OS-EXT-IPS-MAC:mac_addr"])),
                        ),
                    ]
                    .into(),
                ));
            }
        }
    }
    state.set("addresses", Value::List(addrs));
    let fault = if s.get("fault").map(|f| f.is_object()).unwrap_or(false) {
        Value::Object(
            [
                (
                    "code".to_string(),
                    Value::from_opt_i64(wire::int(&s["fault"]["code"])),
                ),
                (
                    "message".to_string(),
                    Value::from_opt_str(wire::string(&s["fault"]["message"])),
                ),
            ]
            .into(),
        )
    } else {
        Value::Null
    };
    state.set("fault", fault);
}

/// Fills the network blocks from the server's interfaces, matching each
/// block to an interface by port, then MAC, then network and position.
pub fn flatten_networks(interfaces: &[J], state: &mut Value) {
    // state: always known
    let blocks = state.get("network").walk().to_vec();
    let mut used = vec![false; interfaces.len()];
    let mut out = Vec::with_capacity(blocks.len());
    let v4 = |i: &J| {
        i["fixed_ips"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| wire::string(&f["ip_address"]))
            .find(|ip| ip.parse::<std::net::Ipv4Addr>().is_ok())
    };
    let v6 = |i: &J| {
        i["fixed_ips"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| wire::string(&f["ip_address"]))
            .find(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok())
    };
    for b in &blocks {
        let pick = |pred: &dyn Fn(&J) -> bool, used: &mut Vec<bool>| -> Option<usize> {
            let i = interfaces
                .iter()
                .enumerate()
                .find(|(i, x)| !used[*i] && pred(x))
                .map(|(i, _)| i)?;
            used[i] = true;
            Some(i)
        };
        let port = b.get("port").as_str().map(str::to_string);
        let mac = b.get("mac").as_str().map(str::to_string);
        let net = b.get("uuid").as_str().map(str::to_string);
        let found = port
            .as_ref()
            .and_then(|p| pick(&|x: &J| x["port_id"].as_str() == Some(p), &mut used))
            .or_else(|| {
                mac.as_ref().and_then(|m| {
                    pick(
                        &|x: &J| {
                            x["mac_addr"]
                                .as_str()
                                .is_some_and(|a| a.eq_ignore_ascii_case(m))
                        },
                        &mut used,
                    )
                })
            })
            .or_else(|| {
                net.as_ref()
                    .and_then(|n| pick(&|x: &J| x["net_id"].as_str() == Some(n), &mut used))
            })
            // a block with nothing to match on (import) takes the next interface
            .or_else(|| {
                if port.is_none() && mac.is_none() && net.is_none() {
                    pick(&|_: &J| true, &mut used)
                } else {
                    None
                }
            });
        let mut nb = b.clone();
        match found {
            Some(i) => {
                let x = &interfaces[i];
                // MAC and address as written when the cloud's spelling
                // means the same (case, IPv6 zero compression)
                let same_ip = |w: &str, r: &str| {
                    w.parse::<std::net::IpAddr>().ok() == r.parse::<std::net::IpAddr>().ok()
                        && !w.is_empty()
                };
                let keep = |nb: &Value,
                            k: &str,
                            reported: Option<String>,
                            same: &dyn Fn(&str, &str) -> bool| {
                    nb.get(k).as_written(Value::from_opt_str(reported), same)
                };
                nb.set("uuid", Value::from_opt_str(wire::string(&x["net_id"])));
                nb.set("port", Value::from_opt_str(wire::string(&x["port_id"])));
                let mac = keep(&nb, "mac", wire::string(&x["mac_addr"]), &|w, r| {
                    !w.is_empty() && w.eq_ignore_ascii_case(r)
                });
                nb.set("mac", mac);
                let ip4 = keep(&nb, "fixed_ip_v4", v4(x), &same_ip);
                nb.set("fixed_ip_v4", ip4);
                let ip6 = keep(&nb, "fixed_ip_v6", v6(x), &same_ip);
                nb.set("fixed_ip_v6", ip6);
            }
            // the port this block was read with is gone (detached outside
            // Terraform): drift, so the block leaves the state. Ports added
            // by others (or by nova_interface_attachment) are not blocks.
            None if b.get("port").as_str().is_some() => continue,
            None => {
                for k in ["uuid", "port", "mac", "fixed_ip_v4", "fixed_ip_v6"] {
                    if nb.get(k).is_unknown() {
                        nb.set(k, Value::Null);
                    }
                }
            }
        }
        out.push(nb);
    }
    state.set("network", Value::List(out));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::server::schema::schema;

    fn obj(block_ty: &crate::framework::Type, pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::null_object(block_ty);
        for (k, x) in pairs {
            v.set(k, x.clone());
        }
        v
    }

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    /// F-000-create-bfv (DIGEST §7.1), as the provider writes it: the seed's
    /// string numbers become integers, imageRef repeats the image (the
    /// "image" setting, which is what that cloud's sample does).
    #[test]
    fn seed_000_boot_from_volume_body() {
        let sch = schema();
        let bd_ty = sch.block.nested("block_device").unwrap().block.ty();
        let net_ty = sch.block.nested("network").unwrap().block.ty();
        let planned = obj(
            &sch.ty(),
            &[
                ("name", s("Ubuntu24")),
                ("key_name", s("Docs Writter")),
                ("disk_config", s("AUTO")),
                (
                    "network",
                    Value::List(vec![obj(
                        &net_ty,
                        &[("uuid", s("8ae2b710-ad3d-469e-a75a-c3e203887d2e"))],
                    )]),
                ),
                (
                    "block_device",
                    Value::List(vec![obj(
                        &bd_ty,
                        &[
                            ("boot_index", 0.into()),
                            ("uuid", s("b4d9c688-1b96-4604-8cf1-d78c5c80a984")),
                            ("source_type", s("image")),
                            ("volume_size", 10.into()),
                            ("destination_type", s("volume")),
                            ("volume_type", s("nvmer3")),
                            ("delete_on_termination", true.into()),
                        ],
                    )]),
                ),
            ],
        );
        let o = CreateOptions {
            microversion: Microversion(2, 67),
            flavor_ref: "468c0c15-08bd-4e1d-8564-5053ce12966b",
            boot_volume_image_ref: BootVolumeImageRef::Image,
            create_token: None,
        };
        insta::assert_json_snapshot!(create_body(&planned, &Value::Null, &o), @r#"
        {
          "server": {
            "OS-DCF:diskConfig": "AUTO",
            "block_device_mapping_v2": [
              {
                "boot_index": 0,
                "delete_on_termination": true,
                "destination_type": "volume",
                "source_type": "image",
                "uuid": "b4d9c688-1b96-4604-8cf1-d78c5c80a984",
                "volume_size": 10,
                "volume_type": "nvmer3"
              }
            ],
            "flavorRef": "468c0c15-08bd-4e1d-8564-5053ce12966b",
            "imageRef": "b4d9c688-1b96-4604-8cf1-d78c5c80a984",
            "key_name": "Docs Writter",
            "name": "Ubuntu24",
            "networks": [
              {
                "uuid": "8ae2b710-ad3d-469e-a75a-c3e203887d2e"
              }
            ]
          }
        }
        "#);
        // the other two settings for volume-booted servers
        let omit = CreateOptions {
            boot_volume_image_ref: BootVolumeImageRef::Omit,
            ..o
        };
        assert!(create_body(&planned, &Value::Null, &omit)["server"]
            .get("imageRef")
            .is_none());
        let empty = CreateOptions {
            boot_volume_image_ref: BootVolumeImageRef::Empty,
            ..omit
        };
        assert_eq!(
            create_body(&planned, &Value::Null, &empty)["server"]["imageRef"],
            ""
        );
    }

    /// F-001-create-ha-disabled: a legacy v2 cloud (no microversions), vendor metadata.
    #[test]
    fn seed_001_minimal_body() {
        let sch = schema();
        let planned = obj(
            &sch.ty(),
            &[
                ("name", s("Testvm1")),
                ("image_id", s("a3bf7a3d-f842-4bb7-b005-cbe8e42fc843")),
                (
                    "metadata",
                    Value::from_string_map([("HA_Enabled", "false")]),
                ),
            ],
        );
        let o = CreateOptions {
            microversion: mv::BASE,
            flavor_ref: "1CPU-4GB",
            boot_volume_image_ref: BootVolumeImageRef::Omit,
            create_token: None,
        };
        assert_eq!(
            create_body(&planned, &Value::Null, &o),
            json!({"server": {"flavorRef": "1CPU-4GB", "name": "Testvm1", "imageRef": "a3bf7a3d-f842-4bb7-b005-cbe8e42fc843",
                              "metadata": {"HA_Enabled": "false"}}})
        );
    }

    #[test]
    fn write_only_values_come_from_config_and_hints_are_a_sibling() {
        let sch = schema();
        let hints_ty = sch.block.nested("scheduler_hints").unwrap().block.ty();
        let planned = obj(
            &sch.ty(),
            &[
                ("name", s("a")),
                ("image_id", s("155d900f-4e14-4e4c-a73d-069cbf4541e6")),
                ("network_mode", s("none")),
                (
                    "scheduler_hints",
                    obj(
                        &hints_ty,
                        &[
                            ("group", s("4f72629e-35e6-40de-a648-7f4ae106a7fa")),
                            (
                                "additional",
                                Value::from_string_map([("tenancy", "dedicated")]),
                            ),
                        ],
                    ),
                ),
            ],
        );
        let config = obj(
            &sch.ty(),
            &[
                ("user_data", s("#cloud-config\n")),
                ("admin_pass_wo", s("pw")),
            ],
        );
        let o = CreateOptions {
            microversion: Microversion(2, 90),
            flavor_ref: "1",
            boot_volume_image_ref: BootVolumeImageRef::Omit,
            create_token: Some("tok"),
        };
        let b = create_body(&planned, &config, &o);
        assert_eq!(b["server"]["user_data"], "I2Nsb3VkLWNvbmZpZwo=");
        assert_eq!(b["server"]["adminPass"], "pw");
        assert_eq!(b["server"]["networks"], "none");
        assert_eq!(b["server"]["metadata"][CREATE_TOKEN_KEY], "tok");
        assert_eq!(
            b["os:scheduler_hints"],
            json!({"group": "4f72629e-35e6-40de-a648-7f4ae106a7fa", "tenancy": "dedicated"})
        );
    }

    #[test]
    fn flatten_keeps_only_managed_metadata_and_tags() {
        let sch = schema();
        let prior = obj(
            &sch.ty(),
            &[
                ("metadata", Value::from_string_map([("role", "web")])),
                ("tags", Value::Set(vec![s("mine")])),
            ],
        );
        let doc = json!({"id": "x", "name": "n", "status": "SHUTOFF", "image": "", "flavor": {"original_name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 0, "swap": 0},
            "metadata": {"role": "web", "owner": "someone-else", CREATE_TOKEN_KEY: "t"}, "tags": ["mine", "theirs"],
            "addresses": {"private": [{"addr": "192.168.1.10", "version": 4, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"}]},
            "OS-DCF:diskConfig": " MANUAL", "os-extended-volumes:volumes_attached": [{"id": "v1"}]});
        let mut st = prior.clone();
        flatten(&doc, &prior, &mut st);
        assert_eq!(
            st.get("metadata"),
            &Value::from_string_map([("role", "web")])
        );
        assert_eq!(
            st.get("all_metadata").as_map().unwrap().len(),
            2,
            "the create token is hidden"
        );
        assert_eq!(st.get("tags"), &Value::Set(vec![s("mine")]));
        assert_eq!(st.get("all_tags").walk().len(), 2);
        assert_eq!(st.get("power_state"), &s("shutoff"));
        assert_eq!(st.get("disk_config"), &s("MANUAL"));
        assert_eq!(st.get("flavor_name"), &s("m1.tiny"));
        assert_eq!(
            st.get("addresses").walk()[0].get("mac"),
            &s("fa:16:3e:00:00:01")
        );
        assert_eq!(st.get("volumes_attached"), &Value::List(vec![s("v1")]));
    }

    #[test]
    fn block_devices_are_recovered_from_the_volumes() {
        let ty = schema().block.nested("block_device").unwrap().block.ty();
        let att = |dev: &str, vid: &str| json!({"device": dev, "volumeId": vid, "serverId": "srv"});
        let (a_root, a_blank, a_later) = (
            att("/dev/vda", "v-root"),
            att("/dev/vdb", "v-blank"),
            att("/dev/vdc", "v-later"),
        );
        let root = json!({"name": "", "size": 2, "volume_type": "fast", "volume_image_metadata": {"image_id": "img"}});
        let blank = json!({"name": "srv-blank-vol", "size": 1, "volume_type": "lvm-1"});
        let later = json!({"name": "data", "size": 5, "volume_type": "lvm-1"});
        // listed out of order: the root one comes first all the same
        let seen = [
            SeenVolume {
                attachment: &a_later,
                delete_on_termination: Some(false),
                volume: Some(&later),
            },
            SeenVolume {
                attachment: &a_blank,
                delete_on_termination: Some(true),
                volume: Some(&blank),
            },
            SeenVolume {
                attachment: &a_root,
                delete_on_termination: Some(true),
                volume: Some(&root),
            },
        ];
        let got = recovered_block_devices("srv", Some("/dev/vda"), Some("lvm-1"), &seen, &ty);
        assert_eq!(
            got.len(),
            2,
            "a volume attached later is left to nova_volume_attachment"
        );
        assert_eq!(got[0].get("source_type"), &s("image"));
        assert_eq!(got[0].get("uuid"), &s("img"));
        assert_eq!(got[0].get("boot_index"), &Value::from(0));
        assert_eq!(got[0].get("volume_size"), &Value::from(2));
        assert_eq!(got[0].get("volume_type"), &s("fast"));
        assert_eq!(got[0].get("destination_type"), &s("volume"));
        assert_eq!(got[1].get("source_type"), &s("blank"));
        assert_eq!(got[1].get("uuid"), &Value::Null);
        assert_eq!(
            got[1].get("volume_type"),
            &Value::Null,
            "the default type is not recovered"
        );
        assert_eq!(got[1].get("boot_index"), &Value::Null);
        assert_eq!(got[1].get("delete_on_termination"), &Value::Bool(true));
        // without the block storage record only the root volume is known
        let blind = [
            SeenVolume {
                attachment: &a_root,
                delete_on_termination: None,
                volume: None,
            },
            SeenVolume {
                attachment: &a_blank,
                delete_on_termination: None,
                volume: None,
            },
        ];
        let got = recovered_block_devices("srv", Some("/dev/vda"), None, &blind, &ty);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].get("source_type"), &s("volume"));
        assert_eq!(got[0].get("uuid"), &s("v-root"));
        assert_eq!(got[0].get("volume_size"), &Value::Null);
        assert_eq!(got[0].get("delete_on_termination"), &Value::Null);
    }

    #[test]
    fn an_offloaded_server_keeps_its_zone() {
        let sch = schema();
        let mut st = obj(&sch.ty(), &[("availability_zone", s("nova"))]);
        let doc = json!({"id": "x", "name": "n", "status": "SHELVED_OFFLOADED", "OS-EXT-AZ:availability_zone": ""});
        flatten(&doc, &st.clone(), &mut st);
        assert_eq!(st.get("availability_zone"), &s("nova"));
        assert_eq!(st.get("power_state"), &s("shelved"));
        // nothing known before (import): null
        let mut fresh = obj(&sch.ty(), &[]);
        flatten(&doc, &Value::Null, &mut fresh);
        assert_eq!(fresh.get("availability_zone"), &Value::Null);
    }

    #[test]
    fn networks_match_by_port_then_mac_not_position() {
        let sch = schema();
        let net_ty = sch.block.nested("network").unwrap().block.ty();
        let mut st = obj(
            &sch.ty(),
            &[(
                "network",
                Value::List(vec![
                    obj(
                        &net_ty,
                        &[("uuid", s("net-a")), ("mac", s("fa:16:3e:00:00:0a"))],
                    ),
                    obj(&net_ty, &[("uuid", s("net-b")), ("port", s("port-b"))]),
                ]),
            )],
        );
        // the cloud lists the interfaces in the other order
        let ifaces = vec![
            json!({"port_id": "port-b", "net_id": "net-b", "mac_addr": "fa:16:3e:00:00:0b", "fixed_ips": [{"ip_address": "10.0.0.5"}]}),
            json!({"port_id": "port-a", "net_id": "net-a", "mac_addr": "fa:16:3e:00:00:0a", "fixed_ips": [{"ip_address": "192.168.1.9"}, {"ip_address": "fd00::9"}]}),
        ];
        flatten_networks(&ifaces, &mut st);
        let nets = st.get("network").walk();
        assert_eq!(nets[0].get("port"), &s("port-a"));
        assert_eq!(nets[0].get("fixed_ip_v4"), &s("192.168.1.9"));
        assert_eq!(nets[0].get("fixed_ip_v6"), &s("fd00::9"));
        assert_eq!(nets[1].get("fixed_ip_v4"), &s("10.0.0.5"));
        // port-b is detached outside Terraform: its block leaves the state
        // (drift); a port attached by others adds no block
        let after = vec![
            ifaces[1].clone(),
            json!({"port_id": "port-c", "net_id": "net-c", "mac_addr": "fa:16:3e:00:00:0c", "fixed_ips": []}),
        ];
        let mut again = st.clone();
        flatten_networks(&after, &mut again);
        let nets = again.get("network").walk();
        assert_eq!(nets.len(), 1);
        assert_eq!(nets[0].get("port"), &s("port-a"));
        // a MAC and an IPv6 address as written stay; a changed one shows
        let mut written = again.clone();
        let mut n0 = nets[0].clone();
        n0.set("mac", s("FA:16:3E:00:00:0A"));
        n0.set("fixed_ip_v6", s("fd00:0:0:0:0:0:0:9"));
        written.set("network", Value::List(vec![n0]));
        flatten_networks(&after, &mut written);
        let n = &written.get("network").walk()[0];
        assert_eq!(n.get("mac"), &s("FA:16:3E:00:00:0A"));
        assert_eq!(n.get("fixed_ip_v6"), &s("fd00:0:0:0:0:0:0:9"));
        let mut moved = after.clone();
        moved[0]["fixed_ips"] = json!([{"ip_address": "fd00::10"}]);
        flatten_networks(&moved, &mut written);
        assert_eq!(
            written.get("network").walk()[0].get("fixed_ip_v6"),
            &s("fd00::10")
        );
    }

    #[test]
    fn security_groups_keep_ids_as_written() {
        let set = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<BTreeSet<_>>();
        let ids = std::collections::HashMap::from([(
            "5f0d2b3c-0000-4000-8000-000000000001".to_string(),
            "web".to_string(),
        )]);
        let written = vec![
            "5f0d2b3c-0000-4000-8000-000000000001".to_string(),
            "default".to_string(),
        ];
        assert_eq!(
            security_groups_as_written(&written, &set(&["default", "web"]), &ids),
            set(&["5f0d2b3c-0000-4000-8000-000000000001", "default"])
        );
        // removed outside Terraform, and one added: both show
        assert_eq!(
            security_groups_as_written(&written, &set(&["default", "ops"]), &ids),
            set(&["default", "ops"])
        );
    }

    #[test]
    fn down_cell_records_are_partial() {
        // the compute API reference's down-cell example (2.69)
        let partial = json!({"id": "33748c23-38dd-4f70-b774-522fc69e7b67", "status": "UNKNOWN",
            "tenant_id": "6f70656e737461636b20342065766572", "created": "2018-12-03T21:06:18Z",
            "links": []});
        assert!(is_partial(&partial));
        assert!(!is_partial(
            &json!({"id": "x", "name": "web", "status": "UNKNOWN"})
        ));
        assert!(!is_partial(
            &json!({"id": "x", "name": "web", "status": "ACTIVE"})
        ));
    }

    #[test]
    fn personality_needs_an_old_microversion() {
        let sch = schema();
        let p_ty = sch.block.nested("personality").unwrap().block.ty();
        let c = obj(
            &sch.ty(),
            &[
                (
                    "personality",
                    Value::Set(vec![obj(
                        &p_ty,
                        &[("file", s("/etc/motd")), ("content", s("hi"))],
                    )]),
                ),
                ("tags", Value::Set(vec![s("t")])),
            ],
        );
        let req = version_requirements(&c);
        assert!(req.contains(&("personality", mv::PERSONALITY_MAX, false)));
        assert!(req.contains(&("tags", mv::SERVER_TAGS, true)));
    }
}
