//! Every create-server request in the seeds (DIGEST §7.1,
//! `tests/fixtures/seeds/F-*-create-*.json`) built from the arguments a
//! user writes in HCL, and every server response fixture decoded.
//!
//! The cases are also written to `acceptance-tests/seed_create_cases.json`,
//! where an acceptance test applies them on each seed's profile of the
//! local cloud and compares the bodies the provider sends (there, the one
//! key the provider adds at apply, its create token in `metadata`, is
//! checked and set aside).
//!
//! A request body must equal its fixture after the normalisations the
//! provider applies on purpose, each listed in `canonical`:
//! - block-device `boot_index` and `volume_size` given as digit strings
//!   are sent as integers, `delete_on_termination` as a JSON boolean (the
//!   types of the upstream schema, which every seed accepts);
//! - `networks[].fixed_ip: ""` means "no fixed IP" and is left out;
//! - `min_count`, `max_count` and `return_reservation_id` are not sent: one
//!   `nova_server` is one server (`count`/`for_each` make more);
//! - `user_data` and personality `contents` are base64 of the text the user
//!   gives; a fixture placeholder that is not base64 ("fake_user_data") is
//!   taken as that text.

use base64::Engine;
use serde_json::{json, Value as J};

use super::model::{
    create_body, flatten, power_state_of, BootVolumeImageRef, CreateOptions, ServerModel,
};
use super::schema::{schema, validate};
use crate::client::Microversion;
use crate::framework::codec::from_json;
use crate::framework::model::Model;
use crate::framework::{Diagnostics, Value};

fn fixture(id: &str) -> J {
    let path = format!(
        "{}/tests/fixtures/seeds/{id}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The fixture as this provider sends it (see the module comment).
fn canonical(mut body: J) -> J {
    let s = body["server"].as_object_mut().expect("server object");
    for k in ["min_count", "max_count", "return_reservation_id"] {
        s.remove(k);
    }
    if let Some(bds) = s
        .get_mut("block_device_mapping_v2")
        .and_then(J::as_array_mut)
    {
        for b in bds.iter_mut().filter_map(J::as_object_mut) {
            for k in ["boot_index", "volume_size"] {
                if let Some(J::String(n)) = b.get(k) {
                    let n: i64 = n.parse().expect("digit string");
                    b.insert(k.into(), n.into());
                }
            }
            if let Some(J::String(d)) = b.get("delete_on_termination") {
                let d = d.eq_ignore_ascii_case("true");
                b.insert("delete_on_termination".into(), d.into());
            }
        }
    }
    if let Some(nets) = s.get_mut("networks").and_then(J::as_array_mut) {
        for n in nets.iter_mut().filter_map(J::as_object_mut) {
            if n.get("fixed_ip") == Some(&J::from("")) {
                n.remove("fixed_ip");
            }
        }
    }
    let encode_placeholder = |v: &mut J| {
        if let Some(t) = v.as_str() {
            if B64.decode(t).is_err() {
                *v = B64.encode(t).into();
            }
        }
    };
    if let Some(ud) = s.get_mut("user_data") {
        encode_placeholder(ud);
    }
    if let Some(files) = s.get_mut("personality").and_then(J::as_array_mut) {
        for f in files {
            encode_placeholder(&mut f["contents"]);
        }
    }
    body
}

/// What a user writes: arguments (`args`) and write-only ones (`config`).
struct Case {
    fixture: &'static str,
    args: J,
    config: J,
    microversion: Microversion,
    flavor_ref: &'static str,
    image_ref: BootVolumeImageRef,
}

fn text_of(b64: &str) -> String {
    String::from_utf8(B64.decode(b64).expect("base64")).expect("utf-8")
}

const F003_USER_DATA: &str = "ICAgICAgDQoiQSBjbG91ZCBkb2VzIG5vdCBrbm93IHdoeSBpdCBtb3ZlcyBpbiBqdXN0IHN1Y2ggYSBkaXJlY3Rpb24gYW5kIGF0IHN1Y2ggYSBzcGVlZC4uLkl0IGZlZWxzIGFuIGltcHVsc2lvbi4uLnRoaXMgaXMgdGhlIHBsYWNlIHRvIGdvIG5vdy4gQnV0IHRoZSBza3kga25vd3MgdGhlIHJlYXNvbnMgYW5kIHRoZSBwYXR0ZXJucyBiZWhpbmQgYWxsIGNsb3VkcywgYW5kIHlvdSB3aWxsIGtub3csIHRvbywgd2hlbiB5b3UgbGlmdCB5b3Vyc2VsZiBoaWdoIGVub3VnaCB0byBzZWUgYmV5b25kIGhvcml6b25zLiINCg0KLVJpY2hhcmQgQmFjaA==";

fn f003_network() -> J {
    json!([{"uuid": "fd40e6f8-942d-4b4e-a7ae-465287b02a2c", "port": "e730a11c-1a19-49cc-8797-cee2ad67af6f"}])
}

fn cases() -> Vec<Case> {
    let legacy = Microversion(2, 1);
    let v267 = Microversion(2, 67);
    vec![
        Case {
            fixture: "F-000-create-bfv",
            args: json!({"name": "Ubuntu24", "key_name": "Docs Writter", "disk_config": "AUTO",
                "network": [{"uuid": "8ae2b710-ad3d-469e-a75a-c3e203887d2e"}],
                "block_device": [{"boot_index": 0, "uuid": "b4d9c688-1b96-4604-8cf1-d78c5c80a984", "source_type": "image",
                    "volume_size": 10, "destination_type": "volume", "volume_type": "nvmer3", "delete_on_termination": true}]}),
            config: json!({}),
            microversion: v267,
            flavor_ref: "468c0c15-08bd-4e1d-8564-5053ce12966b",
            image_ref: BootVolumeImageRef::Image,
        },
        Case {
            fixture: "F-001-create-minimal",
            args: json!({"name": "Testvm1", "image_id": "a3bf7a3d-f842-4bb7-b005-cbe8e42fc843"}),
            config: json!({}),
            microversion: legacy,
            flavor_ref: "1CPU-4GB",
            image_ref: BootVolumeImageRef::Omit,
        },
        Case {
            fixture: "F-001-create-ha-disabled",
            args: json!({"name": "Testvm1", "image_id": "a3bf7a3d-f842-4bb7-b005-cbe8e42fc843", "metadata": {"HA_Enabled": "false"}}),
            config: json!({}),
            microversion: legacy,
            flavor_ref: "1CPU-4GB",
            image_ref: BootVolumeImageRef::Omit,
        },
        Case {
            fixture: "F-002-create-bfv",
            args: json!({"name": "new-server-test", "admin_pass": "Easystack", "availability_zone": "default-az",
                "disk_config": "AUTO", "security_groups": ["default"],
                "network": [{"subnet_id": "a832b2c7-655c-41b5-9ac9-340796712a5e", "uuid": "e825f75b-6c74-4c38-8316-07d6851654f7"}],
                "block_device": [{"boot_index": 0, "destination_type": "volume", "source_type": "image", "volume_size": 50,
                    "uuid": "234121c4-8f90-4b9b-a304-b84824c79593", "volume_type": "hdd"}]}),
            config: json!({}),
            microversion: v267,
            flavor_ref: "7",
            image_ref: BootVolumeImageRef::Empty,
        },
        Case {
            // personality exists up to 2.56 only: a cloud pinned below it
            fixture: "F-002-create-example-1",
            args: json!({"name": "new-server-test", "image_id": "70a599e0-31e7-49b7-b260-868f441e862b",
                "access_ip_v4": "1.2.3.4", "access_ip_v6": "80fe::", "availability_zone": "us-west", "disk_config": "AUTO",
                "metadata": {"My Server Name": "Apache1"}, "security_groups": ["default"],
                "personality": [{"file": "/etc/banner.txt", "content": "fake_contents"}]}),
            config: json!({"user_data": "fake_user_data"}),
            microversion: Microversion(2, 19),
            flavor_ref: "1",
            image_ref: BootVolumeImageRef::Omit,
        },
        Case {
            fixture: "F-002-create-auto-network",
            args: json!({"name": "auto-allocate-network", "image_id": "70a599e0-31e7-49b7-b260-868f441e862b", "network_mode": "auto"}),
            config: json!({}),
            microversion: Microversion(2, 37),
            flavor_ref: "http://openstack.example.com/flavors/1",
            image_ref: BootVolumeImageRef::Omit,
        },
        Case {
            fixture: "F-002-create-iso",
            args: json!({"name": "new-server-iso", "image_id": "8b56fb1c-41cc-4b2d-a773-e8258eb08b62",
                "access_ip_v4": "1.2.3.4", "access_ip_v6": "80fe::", "availability_zone": "us-west",
                "metadata": {
                    "nodeinfo.com:iso-8b56fb1c-41cc-4b2d-a773-e8258eb08b62": "{\"image_uuid\":\"8b56fb1c-41cc-4b2d-a773-e8258eb08b62\",\"boot_order\":1,\"image_name\":\"test_iso\"}",
                    "nodeinfo.com:bootorder": "{\"order\":[\"hd\",\"cdrom\"]}"}}),
            config: json!({"user_data": "fake_user_data"}),
            microversion: legacy,
            flavor_ref: "1",
            image_ref: BootVolumeImageRef::Omit,
        },
        Case {
            fixture: "F-003-create-image-to-volume",
            args: json!({"name": "wjvm48", "metadata": {"name": "name_xx1", "id": "id_xxxx1"}, "security_groups": ["name_xx5_sg"],
                "network": f003_network(), "key_name": "test", "availability_zone": "az1-dc1",
                "block_device": [{"source_type": "image", "destination_type": "volume", "uuid": "b023fe17-11db-4efb-b800-78882a0e394b",
                    "delete_on_termination": false, "boot_index": 0, "volume_type": "SAS", "volume_size": 40}]}),
            config: json!({"user_data": text_of(F003_USER_DATA)}),
            microversion: Microversion(2, 19),
            flavor_ref: "2",
            image_ref: BootVolumeImageRef::Omit,
        },
        Case {
            fixture: "F-003-create-from-snapshot",
            args: json!({"name": "wjvm48", "availability_zone": "az1-dc1",
                "network": [{"uuid": "79a68cef-0936-4e21-b1f4-b800ecb70246"}],
                "block_device": [{"source_type": "snapshot", "boot_index": 0, "uuid": "df51997d-ee35-4fb3-a372-e2ac933a6565", "destination_type": "volume"}]}),
            config: json!({}),
            microversion: Microversion(2, 19),
            flavor_ref: "s3.xlarge.2",
            image_ref: BootVolumeImageRef::Omit,
        },
        Case {
            // the fixture's volume_type with a "volume" source is refused at
            // plan time (see the test below); the rest maps exactly
            fixture: "F-003-create-existing-volume",
            args: json!({"name": "wjvm48", "metadata": {"name": "name_xx1", "id": "id_xxxx1"}, "security_groups": ["name_xx5_sg"],
                "network": f003_network(), "key_name": "test", "availability_zone": "az1-dc1",
                "block_device": [{"source_type": "volume", "destination_type": "volume", "uuid": "bd7e4f86-b004-4745-bea2-a55b1085f107",
                    "delete_on_termination": false, "boot_index": 0, "volume_size": 40}]}),
            config: json!({"user_data": text_of(F003_USER_DATA)}),
            microversion: Microversion(2, 19),
            flavor_ref: "2",
            image_ref: BootVolumeImageRef::Omit,
        },
        Case {
            fixture: "F-003-create-image",
            args: json!({"name": "wjvm48", "metadata": {"name": "name_xx1", "id": "id_xxxx1"}, "admin_pass": "name_xx1",
                "image_id": "6b344c54-d606-4e1a-a99e-a7d0250c3d14", "security_groups": ["name_xx5_sg"],
                "network": f003_network(), "key_name": "test", "availability_zone": "az1-dc1"}),
            config: json!({"user_data": text_of(F003_USER_DATA)}),
            microversion: Microversion(2, 19),
            flavor_ref: "2",
            image_ref: BootVolumeImageRef::Omit,
        },
        Case {
            fixture: "F-003-create-batch",
            args: json!({"name": "test", "availability_zone": "az1.dc1", "image_id": "10ff4f01-35b6-4209-8397-359cb4475fa0",
                "network": [{"uuid": "51bead38-d1a3-4d08-be20-0970c24b7cab"}]}),
            config: json!({}),
            microversion: Microversion(2, 19),
            flavor_ref: "s3.medium",
            image_ref: BootVolumeImageRef::Omit,
        },
    ]
}

fn object(j: &J) -> Value {
    from_json(j, &schema().ty(), "", false).expect("arguments fit the schema")
}

/// Blocks a user leaves out are empty, as Terraform sends them.
fn with_empty_blocks(mut v: Value) -> Value {
    for b in ["network", "block_device"] {
        if v.get(b).is_null() {
            v.set(b, Value::List(vec![]));
        }
    }
    if v.get("personality").is_null() {
        v.set("personality", Value::Set(vec![]));
    }
    v
}

/// Where the acceptance tests find the cases: each fixture's arguments,
/// the provider settings it is sent with and the body expected (the
/// fixture after `canonical`), to apply on that seed's profile of the
/// local cloud (`acceptance-tests/test_seed_fixtures_on_profiles.py`).
/// Written with `UPDATE_SEED_CASES=1`; otherwise checked.
const CASES_FILE: &str = "acceptance-tests/seed_create_cases.json";

fn image_ref_name(r: BootVolumeImageRef) -> &'static str {
    match r {
        BootVolumeImageRef::Omit => "omit",
        BootVolumeImageRef::Empty => "empty",
        BootVolumeImageRef::Image => "image",
    }
}

#[test]
fn every_seed_create_request_is_built_from_hcl_arguments() {
    let mut seen = Vec::new();
    let mut exported = Vec::new();
    for c in cases() {
        let mut args = c.args.clone();
        args["flavor_id"] = c.flavor_ref.into();
        let planned = with_empty_blocks(object(&args));
        let config = object(&c.config);
        let mut diags = Diagnostics::default();
        validate(&planned, &mut diags);
        assert!(!diags.has_errors(), "{}: {:?}", c.fixture, diags);
        let o = CreateOptions {
            microversion: c.microversion,
            flavor_ref: c.flavor_ref,
            boot_volume_image_ref: c.image_ref,
            create_token: None,
        };
        let model = |v: &Value| ServerModel::from_value(v).expect("the model reads it");
        let body = create_body(&model(&planned), &model(&config), &o);
        let mut want = canonical(fixture(c.fixture));
        if c.fixture == "F-003-create-existing-volume" {
            want["server"]["block_device_mapping_v2"][0]
                .as_object_mut()
                .unwrap()
                .remove("volume_type");
        }
        assert_eq!(body, want, "{}", c.fixture);
        insta::assert_json_snapshot!(c.fixture, body);
        seen.push(c.fixture);
        exported.push(json!({
            "fixture": c.fixture,
            "profile": format!("seed-{}", &c.fixture[2..5]),
            "compute_microversion": c.microversion.to_string(),
            "boot_volume_image_ref": image_ref_name(c.image_ref),
            "flavor_id": c.flavor_ref,
            "args": c.args,
            "write_only": c.config,
            "body": want,
        }));
    }
    let text = serde_json::to_string_pretty(&exported).unwrap() + "\n";
    let path = format!("{}/{CASES_FILE}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_SEED_CASES").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap_or_default(),
        text,
        "{CASES_FILE} is stale: run UPDATE_SEED_CASES=1 cargo test seed_fixtures"
    );
    // every create request fixture of the seeds has a case
    let dir = format!("{}/tests/fixtures/seeds", env!("CARGO_MANIFEST_DIR"));
    let mut all: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n[6..].starts_with("create-") && !n.contains("-resp") && !n.contains("-error"))
        .map(|n| n.trim_end_matches(".json").to_string())
        .collect();
    all.sort();
    seen.sort();
    assert_eq!(seen, all);
}

#[test]
fn volume_type_with_an_existing_volume_is_refused_at_plan_time() {
    // F-003-create-existing-volume as sent by that vendor's sample
    let f = fixture("F-003-create-existing-volume");
    let bdm = &f["server"]["block_device_mapping_v2"][0];
    let planned = with_empty_blocks(object(&json!({"name": "wjvm48",
        "block_device": [{"source_type": bdm["source_type"], "destination_type": bdm["destination_type"], "uuid": bdm["uuid"],
            "boot_index": 0, "volume_type": bdm["volume_type"], "volume_size": 40}]})));
    let mut diags = Diagnostics::default();
    validate(&planned, &mut diags);
    let text = format!("{diags:?}");
    assert!(diags.has_errors());
    assert!(
        text.contains("volume_type applies to volumes created from image, blank or snapshot"),
        "{text}"
    );
    assert!(
        text.contains("block_device") && text.contains("volume_type"),
        "{text}"
    );
}

fn decoded(doc: &J) -> Value {
    let doc = crate::client::documents::parse("server", doc).expect("a server document");
    let mut state = ServerModel::default();
    flatten(&doc, None, &mut state);
    state.to_value(&schema().ty())
}

#[test]
fn server_response_fixtures_decode() {
    // short create responses: the ID (and the generated password) are read
    for id in [
        "F-000-create-resp",
        "F-001-create-resp",
        "F-002-create-bfv-resp",
        "F-003-create-resp",
    ] {
        let r = fixture(id);
        let sid = crate::client::wire::string(&r["server"]["id"]);
        assert!(
            sid.as_deref().is_some_and(|s| s.len() == 36),
            "{id}: {sid:?}"
        );
        assert!(r["server"]["adminPass"].is_string(), "{id}");
    }
    // full server documents
    for (id, status, power) in [
        ("F-002-create-resp-full", "BUILD", None),
        ("F-002-show-active", "ACTIVE", Some("active")),
        ("F-002-update-resp", "ACTIVE", Some("active")),
    ] {
        let doc = &fixture(id)["server"];
        let st = decoded(doc);
        assert_eq!(st.get("status").as_str(), Some(status), "{id}");
        assert_eq!(power_state_of(status, None), power, "{id}");
        assert_eq!(st.get("id").as_str(), doc["id"].as_str(), "{id}");
        assert_eq!(st.get("name").as_str(), doc["name"].as_str(), "{id}");
        let n_addrs: usize = doc["addresses"]
            .as_object()
            .map(|m| m.values().map(|v| v.as_array().map_or(0, Vec::len)).sum())
            .unwrap_or(0);
        assert_eq!(st.get("addresses").walk().len(), n_addrs, "{id}");
        assert!(st.get("fault").is_null(), "{id}");
    }
    // the vendor's ERROR listing carries a fault that reaches state
    let err = &fixture("F-002-list-detail-error-with-fault")["servers"][0];
    let st = decoded(err);
    assert_eq!(st.get("status").as_str(), Some("ERROR"));
    let msg = err["fault"]["message"]
        .as_str()
        .expect("fixture has a fault message");
    assert!(format!("{:?}", st.get("fault")).contains(msg));
    // the recycle bin lists a deleted server: DELETED counts as gone
    let bin = &fixture("F-002-recycle-bin-list")["servers"][0];
    assert_eq!(bin["status"], "DELETED");
    assert_eq!(decoded(bin).get("status").as_str(), Some("DELETED"));
    assert_eq!(power_state_of("DELETED", None), None);
    // the plain listing is ids and links only
    let list = fixture("F-002-list");
    assert!(crate::client::wire::string(&list["servers"][0]["id"]).is_some());
}

#[test]
fn error_fixtures_give_the_clouds_message() {
    for (id, msg) in [
        ("F-001-create-error-400", "Can not find requested image"),
        ("F-002-error-401", ""),
    ] {
        let body = serde_json::to_vec(&fixture(id)).unwrap();
        let got = crate::client::error::error_message(&body);
        let want = if msg.is_empty() {
            fixture(id)["error"]["message"]
                .as_str()
                .unwrap()
                .to_string()
        } else {
            msg.to_string()
        };
        assert!(got.contains(&want), "{id}: {got}");
    }
}
