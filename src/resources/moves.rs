//! `moved { from = openstack_compute_…_v2.x  to = nova_….x }`: the state of
//! the established OpenStack provider's compute types, in the attribute
//! names its documentation gives, turned into ours without touching the
//! cloud. Attributes of ours that have no counterpart are left null (the
//! refresh that follows a move fills the computed ones); attributes of
//! theirs that have none of ours (value_specs...) are dropped. `region` is
//! carried over; theirs is "" for the provider's region, which becomes
//! null here, and the refresh records the provider's region.

use serde_json::{Map, Value as J};

/// The established provider, as its state names it.
pub const OPENSTACK_PROVIDER: &str = "registry.terraform.io/terraform-provider-openstack/openstack";

/// Which source type each of our types takes.
pub const SOURCES: &[(&str, &str)] = &[
    ("nova_server", "openstack_compute_instance_v2"),
    ("nova_flavor", "openstack_compute_flavor_v2"),
    ("nova_keypair", "openstack_compute_keypair_v2"),
    ("nova_aggregate", "openstack_compute_aggregate_v2"),
    ("nova_server_group", "openstack_compute_servergroup_v2"),
    (
        "nova_volume_attachment",
        "openstack_compute_volume_attach_v2",
    ),
    ("nova_quota_set", "openstack_compute_quotaset_v2"),
    ("nova_flavor_access", "openstack_compute_flavor_access_v2"),
    (
        "nova_interface_attachment",
        "openstack_compute_interface_attach_v2",
    ),
];

/// That provider writes "" for a string left unset; ours writes null. Its
/// blocks are lists (or sets) of objects, whose strings are treated alike;
/// an object that is an attribute's value is a map (metadata, extra specs),
/// where "" is a value like any other and stays.
fn unset_strings_to_null(v: &mut J) {
    match v {
        J::String(s) if s.is_empty() => *v = J::Null,
        J::Array(a) => {
            for e in a {
                match e {
                    J::Object(block) => block.values_mut().for_each(unset_strings_to_null),
                    other => unset_strings_to_null(other),
                }
            }
        }
        _ => {}
    }
}

fn renamed(src: &Map<String, J>, renames: &[(&str, &str)]) -> Map<String, J> {
    let mut out = src.clone();
    for (from, to) in renames {
        if let Some(v) = out.remove(*from) {
            out.insert((*to).to_string(), v);
        }
    }
    out
}

/// A block kept as a one-element list there and as a single object here.
fn single(v: Option<J>) -> J {
    match v {
        Some(J::Array(a)) => a.into_iter().next().unwrap_or(J::Null),
        Some(o @ J::Object(_)) => o,
        _ => J::Null,
    }
}

fn server(s: &Map<String, J>) -> Map<String, J> {
    let mut m = renamed(s, &[("key_pair", "key_name")]);
    // user data is kept there as a hash of another kind: the first apply
    // records ours in place, as after an import
    m.remove("user_data");
    // that provider's map has no "unset" of its own: its import writes the
    // server's keys, {} when there are none, and an empty map and an unset
    // one are the same to it. Ours writes null for metadata never
    // configured (Terraform owns no keys), so {} is null here: the next
    // plan is empty instead of `{} -> null`
    if m.get("metadata")
        .and_then(J::as_object)
        .is_some_and(Map::is_empty)
    {
        m.insert("metadata".into(), J::Null);
    }
    if let Some(J::Array(nets)) = m.get_mut("network") {
        for n in nets.iter_mut().filter_map(J::as_object_mut) {
            // the name is kept (a configuration by name or by uuid plans no
            // change); their default false is left out here, true is kept
            if n.get("access_network") != Some(&J::Bool(true)) {
                n.remove("access_network");
            }
        }
    }
    if let Some(J::Array(bds)) = m.get_mut("block_device") {
        for b in bds.iter_mut().filter_map(J::as_object_mut) {
            // 0 there means "not given" (sizes come from the image or flavor)
            if b.get("volume_size").and_then(J::as_i64) == Some(0) {
                b.insert("volume_size".into(), J::Null);
            }
            // false there is the default, left out here
            if b.get("multiattach") != Some(&J::Bool(true)) {
                b.remove("multiattach");
            }
        }
    }
    let mut hints = single(m.remove("scheduler_hints"));
    if let Some(h) = hints.as_object_mut() {
        if let Some(extra) = h.remove("additional_properties") {
            h.insert("additional".into(), extra);
        }
        // the JsonFilter query is a list of terms there, a JSON text here
        if let Some(J::Array(q)) = h.get("query") {
            let q = if q.is_empty() {
                J::Null
            } else {
                J::String(J::Array(q.clone()).to_string())
            };
            h.insert("query".into(), q);
        }
        // and lists left empty there are unset here
        for v in h.values_mut() {
            if v.as_array().is_some_and(Vec::is_empty) || v.as_object().is_some_and(Map::is_empty) {
                *v = J::Null;
            }
        }
    }
    m.insert("scheduler_hints".into(), hints);
    // a set of one block there, a single block here: its two settings
    // mean the same
    let vendor = single(m.remove("vendor_options"));
    m.insert("vendor_options".into(), vendor);
    if let Some(p) = m.get("power_state").and_then(J::as_str) {
        let ours = match p {
            "shelved_offloaded" => "shelved_offloaded",
            "shelved" => "shelved",
            "shutoff" => "shutoff",
            "paused" => "paused",
            "suspended" => "suspended",
            _ => "active",
        };
        m.insert("power_state".into(), ours.into());
    }
    m
}

/// That provider's ID is `<project_id>/<region>` (or the project ID alone,
/// from its older versions); ours is the project ID.
fn quota_set(s: &Map<String, J>) -> Map<String, J> {
    let mut m = s.clone();
    let project = m.get("project_id").cloned().unwrap_or(J::Null);
    let id = match m.get("id").and_then(J::as_str) {
        Some(id) => J::String(id.split('/').next().unwrap_or(id).to_string()),
        None => project,
    };
    m.insert("id".into(), id);
    m
}

/// The two halves of that provider's `<a>/<b>` ID (it reads the first two
/// parts of the ID split at `/`).
fn id_halves(m: &Map<String, J>) -> (Option<String>, Option<String>) {
    let mut parts = m.get("id").and_then(J::as_str).unwrap_or("").split('/');
    let mut half = || parts.next().filter(|p| !p.is_empty()).map(str::to_string);
    (half(), half())
}

/// `renames` applied, then `a` and `b` (our attribute names) taken from
/// the `<a>/<b>` ID where the state leaves them unset, and the ID written
/// again from the two as ours is (`<a>/<b>`, the same form).
fn paired(s: &Map<String, J>, renames: &[(&str, &str)], (a, b): (&str, &str)) -> Map<String, J> {
    let mut m = renamed(s, renames);
    let (ida, idb) = id_halves(&m);
    for (key, from_id) in [(a, ida), (b, idb)] {
        if m.get(key).and_then(J::as_str).is_none() {
            m.insert(key.into(), from_id.map_or(J::Null, J::String));
        }
    }
    if let (Some(x), Some(y)) = (m.get(a).and_then(J::as_str), m.get(b).and_then(J::as_str)) {
        let id = format!("{x}/{y}");
        m.insert("id".into(), id.into());
    }
    m
}

fn server_group(s: &Map<String, J>) -> Map<String, J> {
    let mut m = s.clone();
    let policy = match m.remove("policies") {
        Some(J::Array(a)) => a.into_iter().next().unwrap_or(J::Null),
        Some(other) => other,
        None => J::Null,
    };
    m.entry("policy").or_insert(policy);
    let rules = single(m.remove("rules"));
    let rules = match rules.get("max_server_per_host").and_then(J::as_i64) {
        Some(n) if n > 0 => serde_json::json!({"max_server_per_host": n}),
        _ => J::Null,
    };
    m.insert("rules".into(), rules);
    m
}

/// Our state (JSON in our attribute names) for `target` from the state of
/// `source_type`; `None` when `target` takes no state from that type.
pub fn moved_state(target: &str, source_type: &str, state: &J) -> Option<J> {
    if !SOURCES.contains(&(target, source_type)) {
        return None;
    }
    let mut src = state.as_object().cloned().unwrap_or_default();
    for v in src.values_mut() {
        unset_strings_to_null(v);
    }
    let mut m = match target {
        "nova_server" => server(&src),
        "nova_aggregate" => renamed(&src, &[("zone", "availability_zone")]),
        "nova_server_group" => server_group(&src),
        "nova_volume_attachment" => renamed(&src, &[("instance_id", "server_id")]),
        "nova_quota_set" => quota_set(&src),
        // `<flavor_id>/<tenant_id>` there, `<flavor_id>/<project_id>` here
        "nova_flavor_access" => paired(
            &src,
            &[("tenant_id", "project_id")],
            ("flavor_id", "project_id"),
        ),
        // `<instance_id>/<port_id>` there, `<server_id>/<port_id>` here;
        // tag, mac and fixed_ips are not kept there: the refresh reads them
        "nova_interface_attachment" => paired(
            &src,
            &[("instance_id", "server_id")],
            ("server_id", "port_id"),
        ),
        "nova_keypair" => {
            let mut m = src.clone();
            m.entry("type").or_insert("ssh".into());
            m
        }
        _ => src,
    };
    m.remove("value_specs");
    if target != "nova_server" {
        // nova_volume_attachment's (ignore_volume_confirmation) has no
        // counterpart here
        m.remove("vendor_options");
    }
    Some(J::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// An `openstack_compute_instance_v2` as that provider stores it: unset
    /// strings as "", a one-element list for scheduler hints.
    fn instance() -> J {
        json!({
            "id": "7d1c6a87-3bd5-4f44-a0e1-2e1b1e6b6f8e", "name": "web", "image_id": "155d900f-4e14-4e4c-a73d-069cbf4541e6",
            "image_name": "cirros", "flavor_id": "1", "flavor_name": "m1.tiny", "key_pair": "deployer", "availability_zone": "nova",
            "availability_zone_hints": "", "user_data": "3f786850e387550fdab836ed7e6dc881de23001b", "admin_pass": "",
            "security_groups": ["default"], "metadata": {"role": "web"}, "tags": ["blue"], "config_drive": false,
            "network": [{"uuid": "3cb9bc59-5699-4588-a4b1-b87f96708bc6", "name": "private", "port": "", "fixed_ip_v4": "192.168.1.5",
                "fixed_ip_v6": "", "mac": "fa:16:3e:00:00:01", "access_network": false}],
            "block_device": [], "scheduler_hints": [{"group": "4f72629e-35e6-40de-a648-7f4ae106a7fa", "different_host": [], "same_host": [],
                "query": [], "target_cell": "", "different_cell": [], "build_near_host_ip": "", "additional_properties": {}}],
            "personality": [], "stop_before_destroy": false, "force_delete": false, "power_state": "active", "region": "RegionOne",
            "access_ip_v4": "192.168.1.5", "access_ip_v6": "", "network_mode": "", "hypervisor_hostname": ""
        })
    }

    #[test]
    fn an_instance_becomes_a_server() {
        let s = moved_state("nova_server", "openstack_compute_instance_v2", &instance()).unwrap();
        assert_eq!(s["key_name"], "deployer");
        assert!(s.get("key_pair").is_none() && s.get("user_data").is_none());
        assert_eq!(s["region"], "RegionOne", "the region is carried over");
        assert_eq!(s["admin_pass"], J::Null, "unset strings become null");
        assert_eq!(s["network_mode"], J::Null);
        assert_eq!(s["network"][0]["port"], J::Null);
        assert!(s["network"][0].get("access_network").is_none());
        assert_eq!(s["network"][0]["name"], "private");
        assert_eq!(s["image_name"], "cirros");
        assert_eq!(
            s["scheduler_hints"]["group"],
            "4f72629e-35e6-40de-a648-7f4ae106a7fa"
        );
        assert_eq!(s["scheduler_hints"]["additional"], J::Null);
        assert_eq!(s["scheduler_hints"]["same_host"], J::Null);
        assert_eq!(s["scheduler_hints"]["query"], J::Null);
        assert_eq!(s["power_state"], "active");
        // and it fits our schema (unknown attributes are dropped there)
        let ty = crate::resources::server::schema::schema().ty();
        let v = crate::framework::codec::from_json(&s, &ty, "", true).expect("fits");
        assert_eq!(v.get("key_name").as_str(), Some("deployer"));
        assert_eq!(v.get("image_name").as_str(), Some("cirros"));
        let mut marked = instance();
        marked["network"][0]["access_network"] = true.into();
        let s = moved_state("nova_server", "openstack_compute_instance_v2", &marked).unwrap();
        assert_eq!(s["network"][0]["access_network"], true);
        assert_eq!(
            v.get("scheduler_hints").get("group").as_str(),
            Some("4f72629e-35e6-40de-a648-7f4ae106a7fa")
        );
    }

    /// Metadata: theirs has no unset of its own (an empty map is none);
    /// ours is null when never configured, what the move must write for
    /// the next plan to be empty. Keys are kept as they are.
    #[test]
    fn metadata_never_set_is_null() {
        let ty = crate::resources::server::schema::schema().ty();
        let table = [
            (json!({}), J::Null),
            (J::Null, J::Null),
            (json!({"role": "web"}), json!({"role": "web"})),
            // an empty value is a key all the same, and stays ""
            (json!({"role": ""}), json!({"role": ""})),
        ];
        for (theirs, ours) in table {
            let mut i = instance();
            i["metadata"] = theirs.clone();
            let s = moved_state("nova_server", "openstack_compute_instance_v2", &i).unwrap();
            assert_eq!(s["metadata"], ours, "{theirs}");
            let v = crate::framework::codec::from_json(&s, &ty, "", true).expect("fits");
            assert_eq!(v.get("metadata").is_null(), ours.is_null(), "{theirs}");
        }
        // absent from their state: absent (null) here
        let mut i = instance();
        i.as_object_mut().unwrap().remove("metadata");
        let s = moved_state("nova_server", "openstack_compute_instance_v2", &i).unwrap();
        assert_eq!(s.get("metadata"), None);
    }

    /// `vendor_options` is carried over (a set of one block there, a
    /// single block here); none there is none here.
    #[test]
    fn vendor_options_carry_over() {
        let ty = crate::resources::server::schema::schema().ty();
        let table = [
            (
                json!([{"ignore_resize_confirmation": true, "detach_ports_before_destroy": false}]),
                json!({"ignore_resize_confirmation": true, "detach_ports_before_destroy": false}),
            ),
            (
                json!([{"ignore_resize_confirmation": false, "detach_ports_before_destroy": true}]),
                json!({"ignore_resize_confirmation": false, "detach_ports_before_destroy": true}),
            ),
            (json!([]), J::Null),
            (J::Null, J::Null),
        ];
        for (theirs, ours) in table {
            let mut i = instance();
            i["vendor_options"] = theirs.clone();
            let s = moved_state("nova_server", "openstack_compute_instance_v2", &i).unwrap();
            assert_eq!(s["vendor_options"], ours, "{theirs}");
            let v = crate::framework::codec::from_json(&s, &ty, "", true).expect("fits");
            assert_eq!(
                v.get("vendor_options")
                    .get("detach_ports_before_destroy")
                    .as_bool(),
                ours["detach_ports_before_destroy"].as_bool(),
                "{theirs}"
            );
        }
        // the volume attachment's has no counterpart
        let att = json!({"instance_id": "a", "volume_id": "b", "vendor_options": [{"ignore_volume_confirmation": true}]});
        let s = moved_state(
            "nova_volume_attachment",
            "openstack_compute_volume_attach_v2",
            &att,
        )
        .unwrap();
        assert!(s.get("vendor_options").is_none());
    }

    #[test]
    fn power_states_and_block_device_sizes() {
        let mut i = instance();
        i["power_state"] = "shelved_offloaded".into();
        i["block_device"] = json!([{"uuid": "155d900f-4e14-4e4c-a73d-069cbf4541e6", "source_type": "image", "destination_type": "local",
            "boot_index": 0, "volume_size": 0, "delete_on_termination": true, "multiattach": false, "volume_type": "", "guest_format": ""}]);
        let s = moved_state("nova_server", "openstack_compute_instance_v2", &i).unwrap();
        assert_eq!(s["power_state"], "shelved_offloaded");
        for (theirs, ours) in [
            ("shelved", "shelved"),
            ("shutoff", "shutoff"),
            ("paused", "paused"),
            ("build", "active"),
            ("error", "active"),
        ] {
            i["power_state"] = theirs.into();
            let s = moved_state("nova_server", "openstack_compute_instance_v2", &i).unwrap();
            assert_eq!(s["power_state"], ours, "{theirs}");
        }
        assert_eq!(s["block_device"][0]["volume_size"], J::Null);
        assert_eq!(s["block_device"][0]["boot_index"], 0);
        assert_eq!(s["block_device"][0]["volume_type"], J::Null);
        // multiattach: their default false is left out here, true is kept
        for (theirs, ours) in [
            (json!(false), None),
            (json!(true), Some(json!(true))),
            (J::Null, None),
        ] {
            i["block_device"][0]["multiattach"] = theirs.clone();
            let s = moved_state("nova_server", "openstack_compute_instance_v2", &i).unwrap();
            assert_eq!(
                s["block_device"][0].get("multiattach").cloned(),
                ours,
                "{theirs}"
            );
        }
    }

    #[test]
    fn the_other_types() {
        let table = [
            (
                "nova_flavor",
                "openstack_compute_flavor_v2",
                json!({"id": "c3.large", "name": "c3.large", "ram": 8192, "vcpus": 4, "disk": 40, "swap": 0, "ephemeral": 0,
                    "rx_tx_factor": 1.0, "is_public": true, "flavor_id": "c3.large", "description": "", "extra_specs": {}, "region": "RegionOne"}),
                json!({"id": "c3.large", "name": "c3.large", "ram": 8192, "vcpus": 4, "disk": 40, "swap": 0, "ephemeral": 0,
                    "rx_tx_factor": 1.0, "is_public": true, "flavor_id": "c3.large", "description": null, "extra_specs": {}, "region": "RegionOne"}),
            ),
            (
                "nova_keypair",
                "openstack_compute_keypair_v2",
                json!({"id": "k", "name": "k", "public_key": "ssh-ed25519 AAAA k", "private_key": "", "fingerprint": "f", "user_id": "u",
                    "region": "RegionOne", "value_specs": {}}),
                json!({"id": "k", "name": "k", "public_key": "ssh-ed25519 AAAA k", "private_key": null, "fingerprint": "f", "user_id": "u",
                    "type": "ssh", "region": "RegionOne"}),
            ),
            (
                "nova_aggregate",
                "openstack_compute_aggregate_v2",
                json!({"id": "3", "name": "ssd", "zone": "az-ssd", "metadata": {"ssd": "true"}, "hosts": ["compute1"], "region": ""}),
                json!({"id": "3", "name": "ssd", "availability_zone": "az-ssd", "metadata": {"ssd": "true"}, "hosts": ["compute1"], "region": null}),
            ),
            (
                "nova_server_group",
                "openstack_compute_servergroup_v2",
                json!({"id": "g", "name": "web", "policies": ["anti-affinity"], "rules": [{"max_server_per_host": 2}], "members": [],
                    "value_specs": {}, "region": ""}),
                json!({"id": "g", "name": "web", "policy": "anti-affinity", "rules": {"max_server_per_host": 2}, "members": [], "region": null}),
            ),
            (
                "nova_server_group",
                "openstack_compute_servergroup_v2",
                json!({"id": "g", "name": "web", "policies": ["affinity"], "rules": [{"max_server_per_host": 0}]}),
                json!({"id": "g", "name": "web", "policy": "affinity", "rules": null}),
            ),
            (
                "nova_volume_attachment",
                "openstack_compute_volume_attach_v2",
                json!({"id": "s/v", "instance_id": "s", "volume_id": "v", "device": "/dev/vdb", "multiattach": false, "tag": "",
                    "vendor_options": [], "region": ""}),
                json!({"id": "s/v", "server_id": "s", "volume_id": "v", "device": "/dev/vdb", "multiattach": false, "tag": null, "region": null}),
            ),
            (
                "nova_quota_set",
                "openstack_compute_quotaset_v2",
                json!({"id": "0db92f705dac4ccc97c53e518feba021/RegionOne", "project_id": "0db92f705dac4ccc97c53e518feba021",
                    "region": "RegionOne", "instances": 10, "cores": 20, "ram": 51200, "key_pairs": 100, "metadata_items": 128,
                    "server_groups": 10, "server_group_members": 10, "fixed_ips": 0, "floating_ips": 0, "security_groups": 0,
                    "security_group_rules": 0, "injected_files": 0, "injected_file_content_bytes": 0, "injected_file_path_bytes": 0,
                    "timeouts": null}),
                json!({"id": "0db92f705dac4ccc97c53e518feba021", "project_id": "0db92f705dac4ccc97c53e518feba021",
                    "region": "RegionOne", "instances": 10, "cores": 20, "ram": 51200, "key_pairs": 100, "metadata_items": 128,
                    "server_groups": 10, "server_group_members": 10, "fixed_ips": 0, "floating_ips": 0, "security_groups": 0,
                    "security_group_rules": 0, "injected_files": 0, "injected_file_content_bytes": 0, "injected_file_path_bytes": 0,
                    "timeouts": null}),
            ),
            (
                "nova_quota_set",
                "openstack_compute_quotaset_v2",
                json!({"id": "p1", "project_id": "p1", "cores": -1, "region": ""}),
                json!({"id": "p1", "project_id": "p1", "cores": -1, "region": null}),
            ),
        ];
        for (target, source, theirs, ours) in table {
            assert_eq!(
                moved_state(target, source, &theirs).as_ref(),
                Some(&ours),
                "{source}"
            );
        }
    }

    /// `openstack_compute_flavor_access_v2` and
    /// `openstack_compute_interface_attach_v2`: attributes renamed, the
    /// pair read from the `<a>/<b>` ID where the attributes are unset ("" or
    /// absent), and the ID written from the pair.
    #[test]
    fn flavor_access_and_interface_attachments() {
        let fa = |theirs: J| {
            moved_state(
                "nova_flavor_access",
                "openstack_compute_flavor_access_v2",
                &theirs,
            )
        };
        let ia = |theirs: J| {
            moved_state(
                "nova_interface_attachment",
                "openstack_compute_interface_attach_v2",
                &theirs,
            )
        };
        let s = "2b4b0e3c-7f57-4bf0-9d0f-6f3c2f0f6b11";
        let p = "5a3c3c1e-0b8e-4d0f-8c57-1f6a2d7e9a01";
        let n = "3cb9bc59-5699-4588-a4b1-b87f96708bc6";
        let table = [
            // as that provider writes them after a create or import
            (
                fa(
                    json!({"id": "c3.large/0db92f705dac4ccc97c53e518feba021", "flavor_id": "c3.large",
                    "tenant_id": "0db92f705dac4ccc97c53e518feba021", "region": "RegionOne"}),
                ),
                json!({"id": "c3.large/0db92f705dac4ccc97c53e518feba021", "flavor_id": "c3.large",
                    "project_id": "0db92f705dac4ccc97c53e518feba021", "region": "RegionOne"}),
            ),
            // attributes left "" or absent: taken from the ID
            (
                fa(json!({"id": "f1/p1", "flavor_id": "", "tenant_id": "", "region": ""})),
                json!({"id": "f1/p1", "flavor_id": "f1", "project_id": "p1", "region": null}),
            ),
            (
                fa(json!({"id": "f1/p1"})),
                json!({"id": "f1/p1", "flavor_id": "f1", "project_id": "p1"}),
            ),
            // an ID with one part and no attributes: nothing to make one of
            (
                fa(json!({"id": "f1"})),
                json!({"id": "f1", "flavor_id": "f1", "project_id": null}),
            ),
            (
                fa(json!({"id": null})),
                json!({"id": null, "flavor_id": null, "project_id": null}),
            ),
            (
                ia(
                    json!({"id": format!("{s}/{p}"), "instance_id": s, "port_id": p, "network_id": n,
                    "fixed_ip": "192.168.1.7", "region": "RegionOne", "timeouts": null}),
                ),
                json!({"id": format!("{s}/{p}"), "server_id": s, "port_id": p, "network_id": n,
                    "fixed_ip": "192.168.1.7", "region": "RegionOne", "timeouts": null}),
            ),
            // a port with no fixed IP: "" there, null here
            (
                ia(
                    json!({"id": format!("{s}/{p}"), "instance_id": s, "port_id": p, "network_id": n, "fixed_ip": ""}),
                ),
                json!({"id": format!("{s}/{p}"), "server_id": s, "port_id": p, "network_id": n, "fixed_ip": null}),
            ),
            (
                ia(
                    json!({"id": format!("{s}/{p}"), "instance_id": "", "timeouts": {"create": "5m", "delete": null}}),
                ),
                json!({"id": format!("{s}/{p}"), "server_id": s, "port_id": p, "timeouts": {"create": "5m", "delete": null}}),
            ),
        ];
        for (i, (got, want)) in table.into_iter().enumerate() {
            assert_eq!(got, Some(want), "row {i}");
        }
    }

    /// Both fit our schemas; what that provider does not keep (tag, mac,
    /// fixed_ips) is null until the refresh after the move.
    #[test]
    fn flavor_access_and_interface_attachments_fit_our_schemas() {
        let theirs =
            json!({"id": "f1/p1", "flavor_id": "f1", "tenant_id": "p1", "region": "RegionOne"});
        let s = moved_state(
            "nova_flavor_access",
            "openstack_compute_flavor_access_v2",
            &theirs,
        )
        .unwrap();
        let ty = crate::resources::flavor::access_schema().ty();
        let v = crate::framework::codec::from_json(&s, &ty, "", true).expect("fits");
        assert_eq!(v.get("project_id").as_str(), Some("p1"));
        assert_eq!(v.get("id").as_str(), Some("f1/p1"));
        assert!(v.get("timeouts").is_null());

        let theirs = json!({"id": "s/p", "instance_id": "s", "port_id": "p", "network_id": "n", "fixed_ip": "10.0.0.4",
            "region": "RegionOne", "timeouts": {"create": "5m", "delete": null}});
        let s = moved_state(
            "nova_interface_attachment",
            "openstack_compute_interface_attach_v2",
            &theirs,
        )
        .unwrap();
        let ty = crate::resources::attachment::interface_schema().ty();
        let v = crate::framework::codec::from_json(&s, &ty, "", true).expect("fits");
        assert_eq!(v.get("server_id").as_str(), Some("s"));
        assert_eq!(v.get("fixed_ip").as_str(), Some("10.0.0.4"));
        assert_eq!(v.get("timeouts").get("create").as_str(), Some("5m"));
        assert!(v.get("tag").is_null() && v.get("mac").is_null() && v.get("fixed_ips").is_null());
    }

    /// A quota set's state from that provider fits our schema: the limits
    /// it stored as 0 for what the cloud no longer reports are read as
    /// such, and the refresh after the move sets them null.
    #[test]
    fn a_quotaset_fits_our_schema() {
        let theirs = json!({"id": "p1/RegionOne", "project_id": "p1", "region": "RegionOne", "cores": 8, "fixed_ips": 0});
        let s = moved_state("nova_quota_set", "openstack_compute_quotaset_v2", &theirs).unwrap();
        let ty = registered("nova_quota_set");
        let v = crate::framework::codec::from_json(&s, &ty, "", true).expect("fits");
        assert_eq!(v.get("id").as_str(), Some("p1"));
        assert_eq!(v.get("region").as_str(), Some("RegionOne"));
        assert_eq!(v.get("cores").as_i64(), Some(8));
        assert!(v.get("force").is_null() && v.get("networks").is_null());
    }

    /// The type of `name` as the provider registers it (with `region`).
    fn registered(name: &str) -> crate::framework::Type {
        crate::resources::all()
            .into_iter()
            .find(|r| r.type_name() == name)
            .expect("a registered type")
            .schema()
            .ty()
    }

    /// The region theirs records is ours; theirs "" (the provider's
    /// region) is null, which the refresh after the move fills.
    #[test]
    fn the_region_is_carried_over() {
        for (theirs, ours) in [
            (json!("RegionTwo"), Some("RegionTwo")),
            (json!(""), None),
            (J::Null, None),
        ] {
            let mut src =
                json!({"id": "g", "name": "web", "policies": ["affinity"], "members": []});
            if !theirs.is_null() {
                src["region"] = theirs.clone();
            }
            let target = "nova_server_group";
            let s = moved_state(target, "openstack_compute_servergroup_v2", &src).unwrap();
            let v = crate::framework::codec::from_json(&s, &registered(target), "", true)
                .expect("fits");
            assert_eq!(v.get("region").as_str(), ours, "{theirs}");
        }
    }

    #[test]
    fn other_sources_are_refused() {
        assert!(moved_state("nova_server", "openstack_compute_flavor_v2", &json!({})).is_none());
        assert!(moved_state("nova_server", "aws_instance", &json!({})).is_none());
        assert!(moved_state(
            "nova_flavor_access",
            "openstack_compute_flavor_v2",
            &json!({})
        )
        .is_none());
        assert!(moved_state(
            "nova_interface_attachment",
            "openstack_compute_volume_attach_v2",
            &json!({})
        )
        .is_none());
    }
}
