//! What a vendor cloud refuses in a create request (`POST /servers`, and
//! `POST /os-server-groups` for `nova_server_group`) beyond Nova's own rules, checked at plan time when the provider knows the
//! cloud's profile (provider argument `cloud_profile`). Each refusal names
//! the attribute and the cloud's rule, as listed per profile in
//! `acceptance-tests/cloud/PROFILES.md` (rule IDs such as `003-bdm`) from
//! the seed documents (DIGEST §6).
//!
//! Values not known yet are not judged: a refusal is certain or absent.

use crate::configured::CloudProfile;
use crate::framework::{Attr, AttrPath, Diagnostic};

use super::model::{BlockDeviceModel, ServerModel};

/// The refusals `profile`'s cloud would answer a create of `config` with,
/// each at the attribute it is about.
pub fn refusals(profile: CloudProfile, config: &ServerModel) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut refuse = |path: AttrPath, rule: &str, what: String| {
        out.push(refusal(profile, path, rule, what));
    };
    match profile {
        CloudProfile::Upstream | CloudProfile::Seed002 => {}
        CloudProfile::Seed000 => seed_000(config, &mut refuse),
        CloudProfile::Seed001 => seed_001(config, &mut refuse),
        CloudProfile::Seed003 => seed_003(config, &mut refuse),
    }
    out
}

/// The plan-time error for what `profile`'s cloud refuses by `rule`.
fn refusal(profile: CloudProfile, path: AttrPath, rule: &str, what: String) -> Diagnostic {
    Diagnostic::error(
        format!("Not accepted by a {} cloud", profile.name()),
        format!(
            "{what} (the cloud's rule {rule}; cloud_profile = \"{}\").",
            profile.name()
        ),
    )
    .at(path)
}

/// The server group policies seed 002's cloud creates groups with
/// (002 §1.7 创建云主机组; rule `002-group-policies`).
pub const SEED_002_GROUP_POLICIES: &[&str] = &["soft-anti-affinity", "soft-affinity"];

/// The refusals `profile`'s cloud would answer the create of a server
/// group with `policy` with (`nova_server_group`'s argument `policy`).
/// An unknown policy is not judged.
pub fn server_group_refusals(profile: CloudProfile, policy: &Attr<String>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if profile == CloudProfile::Seed002 {
        if let Some(p) = policy.if_known() {
            if !SEED_002_GROUP_POLICIES.contains(&p.as_str()) {
                out.push(refusal(
                    profile,
                    AttrPath::attr("policy"),
                    "002-group-policies",
                    format!(
                        "policy = {p:?} is not accepted: the cloud creates server groups with {} only",
                        SEED_002_GROUP_POLICIES.join(" or ")
                    ),
                ));
            }
        }
    }
    out
}

type Refuse<'a> = dyn FnMut(AttrPath, &str, String) + 'a;

fn device(i: usize, attr: &str) -> AttrPath {
    AttrPath::attr("block_device").then_index(i).then_attr(attr)
}

/// Seed 000: `volume_type` only with a blank, image or snapshot source
/// and a volume destination.
fn seed_000(config: &ServerModel, refuse: &mut Refuse) {
    for (i, d) in config.block_devices().iter().enumerate() {
        if d.volume_type.is_null() || d.volume_type.is_unknown() {
            continue;
        }
        let source = d.source_type.as_deref();
        let fits_source = matches!(source, Some("blank" | "image" | "snapshot"));
        let to_volume = d.destination_type.as_deref() == Some("volume");
        if source.is_some()
            && d.destination_type.if_known().is_some()
            && !(fits_source && to_volume)
        {
            refuse(
                device(i, "volume_type"),
                "000-volume_type",
                "volume_type is accepted only with source_type blank, image or snapshot and destination_type volume".into(),
            );
        }
    }
}

/// Seed 001: metadata values of 1 to 255 characters (its device-name
/// pattern and `no_device` concern arguments `nova_server` does not have).
fn seed_001(config: &ServerModel, refuse: &mut Refuse) {
    if let Some(meta) = config.metadata.if_known() {
        for (k, v) in meta {
            if v.as_deref() == Some("") {
                refuse(
                    AttrPath::attr("metadata").then_key(k),
                    "001-metadata",
                    format!(
                        "metadata value of {k:?} is empty; the cloud takes 1 to 255 characters"
                    ),
                );
            }
        }
    }
}

/// Seed 003: no config drive, disk config or chosen host; networks
/// required; block devices to volumes only, with a source and (from an
/// image or blank) a size, and no guest format; only the `group` hint.
fn seed_003(config: &ServerModel, refuse: &mut Refuse) {
    let unsupported = "003-unsupported-fields";
    if config.config_drive.if_known() == Some(&true) {
        refuse(
            AttrPath::attr("config_drive"),
            unsupported,
            "config_drive is not supported".into(),
        );
    }
    let unsupported_fields = [
        ("disk_config", config.disk_config.if_known().is_some()),
        ("host", config.host.if_known().is_some()),
        (
            "hypervisor_hostname",
            config.hypervisor_hostname.if_known().is_some(),
        ),
    ];
    for (attr, set) in unsupported_fields {
        if set {
            refuse(
                AttrPath::attr(attr),
                unsupported,
                format!("{attr} is not supported"),
            );
        }
    }
    if let Some(mode) = config.network_mode.as_deref() {
        refuse(
            AttrPath::attr("network_mode"),
            "003-networks",
            format!("network_mode = {mode:?} is not accepted: the cloud needs network blocks"),
        );
    } else if config.network.if_known().is_some_and(Vec::is_empty) || config.network.is_null() {
        refuse(
            AttrPath::attr("network"),
            "003-networks",
            "at least one network block is required".into(),
        );
    }
    for (i, n) in config.networks().iter().enumerate() {
        let fixed = !n.fixed_ip_v4.is_null() || !n.fixed_ip_v6.is_null();
        if fixed && n.uuid.is_null() && n.port.is_null() {
            refuse(
                AttrPath::attr("network").then_index(i).then_attr("uuid"),
                "003-networks",
                "a fixed address needs the network's uuid".into(),
            );
        }
    }
    for (i, d) in config.block_devices().iter().enumerate() {
        seed_003_device(i, d, refuse);
    }
    if let Some(h) = config.scheduler_hints.if_known() {
        let reserved = [
            ("different_host", !h.different_host.is_null()),
            ("same_host", !h.same_host.is_null()),
            ("query", !h.query.is_null()),
            ("target_cell", !h.target_cell.is_null()),
            ("different_cell", !h.different_cell.is_null()),
            ("build_near_host_ip", !h.build_near_host_ip.is_null()),
            ("cidr", !h.cidr.is_null()),
        ];
        for (name, set) in reserved {
            if set {
                refuse(
                    AttrPath::attr("scheduler_hints").then_attr(name),
                    "003-hints",
                    format!("the {name} hint is reserved; the cloud takes group (and its own tenancy hints)"),
                );
            }
        }
    }
}

fn seed_003_device(i: usize, d: &BlockDeviceModel, refuse: &mut Refuse) {
    if d.destination_type.as_deref() == Some("local") {
        refuse(
            device(i, "destination_type"),
            "003-bdm",
            "destination_type can only be volume".into(),
        );
    }
    if !d.guest_format.is_null() {
        refuse(
            device(i, "guest_format"),
            "003-bdm",
            "guest_format is not supported".into(),
        );
    }
    let needs_size = matches!(d.source_type.as_deref(), Some("image" | "blank"));
    if needs_size && d.volume_size.is_null() {
        refuse(
            device(i, "volume_size"),
            "003-bdm",
            "volume_size is required for a device from an image or blank".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::codec::from_json;
    use crate::framework::model::Model;
    use serde_json::json;

    /// A server configuration from its attributes as JSON (what is not
    /// given is null), then `unknown` marks values not known yet.
    fn config(attrs: serde_json::Value, unknown: fn(&mut ServerModel)) -> ServerModel {
        let ty = super::super::schema::schema().block.ty();
        let v = from_json(&attrs, &ty, "", false).expect("attributes fit the schema");
        let mut m = ServerModel::from_value(&v).expect("a server model");
        unknown(&mut m);
        m
    }

    fn known(_: &mut ServerModel) {}

    /// (attribute path, rule) of each refusal.
    fn rules(profile: CloudProfile, m: &ServerModel) -> Vec<(String, String)> {
        path_and_rule(refusals(profile, m))
    }

    /// (attribute path, rule named in the detail) of each diagnostic.
    fn path_and_rule(refused: Vec<Diagnostic>) -> Vec<(String, String)> {
        refused
            .into_iter()
            .map(|d| {
                let rule = d
                    .detail
                    .split("rule ")
                    .nth(1)
                    .and_then(|r| r.split(';').next());
                (
                    d.path.map(|p| p.to_string()).unwrap_or_default(),
                    rule.unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn refusals_by_profile() {
        use CloudProfile::*;
        let net = json!([{"uuid": "n1"}]);
        let local = json!([{"source_type": "blank", "destination_type": "local", "guest_format": "swap", "volume_size": 1}]);
        type Case = (
            CloudProfile,
            serde_json::Value,
            fn(&mut ServerModel),
            Vec<(&'static str, &'static str)>,
        );
        let cases: Vec<Case> = vec![
            // upstream and seed 002 add nothing to Nova's rules
            (
                Upstream,
                json!({"config_drive": true, "network_mode": "none", "block_device": local}),
                known,
                vec![],
            ),
            (
                Seed002,
                json!({"config_drive": true, "network_mode": "none"}),
                known,
                vec![],
            ),
            // seed 003
            (
                Seed003,
                json!({"network": net, "config_drive": true, "disk_config": "AUTO"}),
                known,
                vec![
                    ("config_drive", "003-unsupported-fields"),
                    ("disk_config", "003-unsupported-fields"),
                ],
            ),
            (
                Seed003,
                json!({"network": net, "config_drive": false}),
                known,
                vec![],
            ),
            (
                Seed003,
                json!({"network": net, "host": "compute1"}),
                known,
                vec![("host", "003-unsupported-fields")],
            ),
            (
                Seed003,
                json!({"network": net, "disk_config": "AUTO"}),
                |m| m.disk_config = Attr::Unknown,
                vec![],
            ),
            (
                Seed003,
                json!({"network_mode": "none"}),
                known,
                vec![("network_mode", "003-networks")],
            ),
            (
                Seed003,
                json!({"network": []}),
                known,
                vec![("network", "003-networks")],
            ),
            (Seed003, json!({}), known, vec![("network", "003-networks")]),
            (Seed003, json!({}), |m| m.network = Attr::Unknown, vec![]),
            (
                Seed003,
                json!({"network": [{"fixed_ip_v4": "10.0.0.5"}]}),
                known,
                vec![("network[0].uuid", "003-networks")],
            ),
            (
                Seed003,
                json!({"network": [{"port": "p", "fixed_ip_v4": "10.0.0.5"}]}),
                known,
                vec![],
            ),
            (
                Seed003,
                json!({"network": net, "block_device": local}),
                known,
                vec![
                    ("block_device[0].destination_type", "003-bdm"),
                    ("block_device[0].guest_format", "003-bdm"),
                ],
            ),
            (
                Seed003,
                json!({"network": net, "block_device": [{"source_type": "image", "destination_type": "volume", "uuid": "i"}]}),
                known,
                vec![("block_device[0].volume_size", "003-bdm")],
            ),
            (
                Seed003,
                json!({"network": net, "block_device": [{"source_type": "image", "destination_type": "volume", "uuid": "i"}]}),
                |m| {
                    if let Attr::Known(b) = &mut m.block_device {
                        b[0].volume_size = Attr::Unknown
                    }
                },
                vec![],
            ),
            (
                Seed003,
                json!({"network": net, "scheduler_hints": {"group": "g", "same_host": ["s"]}}),
                known,
                vec![("scheduler_hints.same_host", "003-hints")],
            ),
            (
                Seed003,
                json!({"network": net, "scheduler_hints": {"group": "g"}}),
                known,
                vec![],
            ),
            // seed 000
            (
                Seed000,
                json!({"block_device": [{"source_type": "volume", "destination_type": "volume", "uuid": "v", "volume_type": "ssd"}]}),
                known,
                vec![("block_device[0].volume_type", "000-volume_type")],
            ),
            (
                Seed000,
                json!({"block_device": [{"source_type": "image", "destination_type": "volume", "uuid": "i", "volume_size": 1, "volume_type": "ssd"}]}),
                known,
                vec![],
            ),
            (
                Seed000,
                json!({"block_device": [{"source_type": "volume", "destination_type": "volume", "volume_type": "ssd"}]}),
                |m| {
                    if let Attr::Known(b) = &mut m.block_device {
                        b[0].source_type = Attr::Unknown
                    }
                },
                vec![],
            ),
            // seed 001
            (
                Seed001,
                json!({"metadata": {"a": "", "b": "x"}}),
                known,
                vec![("metadata[\"a\"]", "001-metadata")],
            ),
            (
                Seed001,
                json!({"metadata": {"a": ""}}),
                |m| m.metadata = Attr::Unknown,
                vec![],
            ),
        ];
        for (profile, attrs, unknown, want) in cases {
            let want: Vec<(String, String)> = want
                .into_iter()
                .map(|(p, r)| (p.to_string(), r.to_string()))
                .collect();
            assert_eq!(
                rules(profile, &config(attrs.clone(), unknown)),
                want,
                "{profile:?} {attrs}"
            );
        }
    }

    #[test]
    fn server_group_policies_by_profile() {
        use CloudProfile::*;
        let k = |p: &str| Attr::Known(p.to_string());
        type Case = (
            CloudProfile,
            Attr<String>,
            Vec<(&'static str, &'static str)>,
        );
        let cases: Vec<Case> = vec![
            (
                Seed002,
                k("affinity"),
                vec![("policy", "002-group-policies")],
            ),
            (
                Seed002,
                k("anti-affinity"),
                vec![("policy", "002-group-policies")],
            ),
            (Seed002, k("soft-affinity"), vec![]),
            (Seed002, k("soft-anti-affinity"), vec![]),
            (Seed002, Attr::Unknown, vec![]),
            (Seed002, Attr::Null, vec![]),
            (Upstream, k("affinity"), vec![]),
            (Seed000, k("anti-affinity"), vec![]),
            (Seed001, k("anti-affinity"), vec![]),
            (Seed003, k("anti-affinity"), vec![]),
        ];
        for (profile, policy, want) in cases {
            let got = path_and_rule(server_group_refusals(profile, &policy));
            let want: Vec<(String, String)> = want
                .into_iter()
                .map(|(p, r)| (p.to_string(), r.to_string()))
                .collect();
            assert_eq!(got, want, "{profile:?} {policy:?}");
        }
        let d = &server_group_refusals(Seed002, &k("anti-affinity"))[0];
        assert_eq!(d.summary, "Not accepted by a seed-002 cloud");
        assert_eq!(
            d.detail,
            "policy = \"anti-affinity\" is not accepted: the cloud creates server groups with soft-anti-affinity or soft-affinity only (the cloud's rule 002-group-policies; cloud_profile = \"seed-002\")."
        );
    }

    #[test]
    fn a_refusal_names_the_cloud_and_its_rule() {
        let d = &refusals(
            CloudProfile::Seed003,
            &config(json!({"network_mode": "auto"}), known),
        )[0];
        assert_eq!(d.summary, "Not accepted by a seed-003 cloud");
        assert_eq!(
            d.detail,
            "network_mode = \"auto\" is not accepted: the cloud needs network blocks (the cloud's rule 003-networks; cloud_profile = \"seed-003\")."
        );
    }
}
