//! Typed compute API documents (responses the provider reads), each field
//! as Nova's API reference names it, read leniently: vendors send numbers
//! as strings, integer IDs, `policy` or `policies` (see [`super::wire`]).
//! Fields the provider does not know stay in `other`.
//!
//! Every field has `#[serde(default)]`: a document that lacks one (an
//! older microversion, a vendor that leaves it out) still reads.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value as J;

use super::wire::de;
use super::ApiError;

/// Reads document `what` (for the error) from a JSON value.
pub fn parse<T: DeserializeOwned>(what: &str, v: &J) -> Result<T, ApiError> {
    T::deserialize(v).map_err(|e| ApiError::Decode {
        what: what.to_string(),
        detail: e.to_string(),
    })
}

/// `rules` of a server group (microversion 2.64).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ServerGroupRules {
    #[serde(deserialize_with = "de::int")]
    pub max_server_per_host: Option<i64>,
}

/// A server group (`GET /os-server-groups/{id}`): `policy` and `rules`
/// from 2.64, a one-element `policies` before.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ServerGroup {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub policy: Option<String>,
    #[serde(deserialize_with = "de::strings")]
    pub policies: Vec<String>,
    #[serde(deserialize_with = "de::strings")]
    pub members: Vec<String>,
    #[serde(deserialize_with = "de::string")]
    pub project_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub user_id: Option<String>,
    pub rules: Option<ServerGroupRules>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

impl ServerGroup {
    /// The policy in either spelling: `policy` (2.64+) or the first of
    /// `policies`.
    pub fn policy(&self) -> Option<&str> {
        self.policy
            .as_deref()
            .or_else(|| self.policies.first().map(String::as_str))
    }

    /// `rules.max_server_per_host`, when the cloud reports one.
    pub fn max_server_per_host(&self) -> Option<i64> {
        self.rules.as_ref().and_then(|r| r.max_server_per_host)
    }
}

/// A key pair (`GET /os-keypairs/{name}`); `type` from 2.2, `user_id`
/// shown from 2.10.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Keypair {
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
    /// Kept as sent: a key's trailing newline is significant to compare.
    pub public_key: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub fingerprint: Option<String>,
    #[serde(rename = "type", deserialize_with = "de::string")]
    pub key_type: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub user_id: Option<String>,
    /// Only in the answer to a create that generated the key (before 2.92).
    pub private_key: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

/// A flavor (`GET /flavors/{flavor_id}`, Nova API reference "Show Flavor
/// Details"; also the items of `GET /flavors/detail` and the answer to
/// `POST /flavors`). Sizes: `ram` and `swap` in MiB, `disk` and
/// `ephemeral` in GiB. Vendors send numbers as strings and `swap: ""` for
/// no swap (read as 0 by [`super::wire::int`]).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Flavor {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::int")]
    pub ram: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub vcpus: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub disk: Option<i64>,
    #[serde(rename = "OS-FLV-EXT-DATA:ephemeral", deserialize_with = "de::int")]
    pub ephemeral: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub swap: Option<i64>,
    #[serde(deserialize_with = "de::float")]
    pub rxtx_factor: Option<f64>,
    #[serde(
        rename = "os-flavor-access:is_public",
        deserialize_with = "de::boolean"
    )]
    pub is_public: Option<bool>,
    /// From 2.55: `Some(None)` when the flavor has none (null or `""`),
    /// `None` when the cloud does not report descriptions at all.
    #[serde(deserialize_with = "de::present_string")]
    pub description: Option<Option<String>>,
    /// From 2.61: `Some(Some(..))` when sent as an object, `Some(None)` when
    /// sent but not an object; `None` when not sent (read
    /// `/flavors/{id}/os-extra_specs` instead).
    #[serde(deserialize_with = "de::present_string_map")]
    pub extra_specs: Option<Option<BTreeMap<String, String>>>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

impl Flavor {
    /// Whether the document carries `extra_specs` at all (2.61+).
    pub fn has_extra_specs(&self) -> bool {
        self.extra_specs.is_some()
    }

    /// The extra specs sent with the document, when sent as an object.
    pub fn extra_specs(&self) -> Option<&BTreeMap<String, String>> {
        self.extra_specs.as_ref().and_then(Option::as_ref)
    }
}

/// A flavor's extra specs (`GET /flavors/{flavor_id}/os-extra_specs`,
/// Nova API reference "List Extra Specs For A Flavor"); null or missing
/// `extra_specs` read as none, values that are not strings as JSON text.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ExtraSpecs {
    #[serde(deserialize_with = "de::string_map")]
    pub extra_specs: BTreeMap<String, String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

/// One entry of a flavor's access list (`GET
/// /flavors/{flavor_id}/os-flavor-access`, Nova API reference "List Flavor
/// Access Information For Given Flavor").
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FlavorAccess {
    #[serde(deserialize_with = "de::string")]
    pub flavor_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub tenant_id: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

/// The answer of `GET /flavors/{flavor_id}/os-flavor-access`; a null or
/// missing list is empty.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FlavorAccessList {
    #[serde(deserialize_with = "de::nullable")]
    pub flavor_access: Vec<FlavorAccess>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_groups_in_both_shapes_and_vendor_spellings() {
        let modern: ServerGroup = parse(
            "server group",
            &json!({"id": "g1", "name": "web", "policy": "anti-affinity",
                    "rules": {"max_server_per_host": "2"}, "members": ["a"], "project_id": "p"}),
        )
        .unwrap();
        assert_eq!(modern.policy(), Some("anti-affinity"));
        assert_eq!(
            modern.max_server_per_host(),
            Some(2),
            "a number as a string"
        );
        let old: ServerGroup = parse(
            "server group",
            &json!({"id": 7, "name": "web", "policies": ["affinity"], "members": null, "metadata": {}}),
        )
        .unwrap();
        assert_eq!(old.policy(), Some("affinity"));
        assert_eq!(old.id.as_deref(), Some("7"), "an integer ID");
        assert!(old.members.is_empty(), "null members");
        assert_eq!(
            old.other.get("metadata"),
            Some(&json!({})),
            "unknown fields kept"
        );
        assert_eq!(old.max_server_per_host(), None);
    }

    #[test]
    fn flavors_in_vendor_spellings() {
        // F-002-flavors-list (DIGEST §7.8), first item, and a vendor's strings
        let seed: Flavor = parse(
            "flavor",
            &json!({"name": "1-512-20", "links": [], "ram": 512, "vcpus": 1, "description": null,
                    "extra_specs": {}, "swap": "", "os-flavor-access:is_public": true, "rxtx_factor": 1.0,
                    "OS-FLV-EXT-DATA:ephemeral": 0, "disk": 0, "id": "1"}),
        )
        .unwrap();
        assert_eq!(seed.swap, Some(0), "swap: \"\" means no swap");
        assert_eq!(seed.is_public, Some(true));
        assert_eq!(seed.description, Some(None), "sent, and null");
        assert_eq!(seed.extra_specs(), Some(&BTreeMap::new()));
        assert!(seed.other.contains_key("links"), "unknown fields kept");
        let vendor: Flavor = parse(
            "flavor",
            &json!({"id": 42, "name": " m1.big", "ram": "4096", "vcpus": "2", "disk": "40",
                    "OS-FLV-EXT-DATA:ephemeral": "10", "swap": 512, "rxtx_factor": "1.5",
                    "os-flavor-access:is_public": "False", "extra_specs": {"hw:numa_nodes": 2}}),
        )
        .unwrap();
        assert_eq!(vendor.id.as_deref(), Some("42"), "an integer ID");
        assert_eq!(vendor.name.as_deref(), Some("m1.big"));
        assert_eq!(
            (vendor.ram, vendor.vcpus, vendor.disk),
            (Some(4096), Some(2), Some(40))
        );
        assert_eq!(vendor.ephemeral, Some(10));
        assert_eq!(vendor.rxtx_factor, Some(1.5));
        assert_eq!(vendor.is_public, Some(false), "a boolean as a string");
        assert_eq!(vendor.description, None, "no description before 2.55");
        assert_eq!(
            vendor
                .extra_specs()
                .and_then(|s| s.get("hw:numa_nodes"))
                .map(String::as_str),
            Some("2")
        );
        let old: Flavor = parse("flavor", &json!({"id": "1", "extra_specs": null})).unwrap();
        assert!(old.has_extra_specs() && old.extra_specs().is_none());
        let older: Flavor = parse("flavor", &json!({"id": "1"})).unwrap();
        assert!(!older.has_extra_specs(), "before 2.61: read os-extra_specs");
        let specs: ExtraSpecs = parse(
            "extra specs",
            &json!({"extra_specs": {"a": "1", "b": null}}),
        )
        .unwrap();
        assert_eq!(specs.extra_specs.len(), 1);
        let access: FlavorAccessList = parse(
            "flavor access",
            &json!({"flavor_access": [{"flavor_id": "10", "tenant_id": "p1"}]}),
        )
        .unwrap();
        assert_eq!(access.flavor_access[0].tenant_id.as_deref(), Some("p1"));
        let none: FlavorAccessList =
            parse("flavor access", &json!({"flavor_access": null})).unwrap();
        assert!(none.flavor_access.is_empty());
    }

    #[test]
    fn keypairs_keep_the_key_as_sent() {
        let k: Keypair = parse(
            "key pair",
            &json!({"name": "k", "public_key": "ssh-ed25519 AAAA x\n", "type": "ssh", "fingerprint": "f"}),
        )
        .unwrap();
        assert_eq!(k.public_key.as_deref(), Some("ssh-ed25519 AAAA x\n"));
        assert_eq!(k.key_type.as_deref(), Some("ssh"));
        assert_eq!(k.user_id, None);
        let e = parse::<Keypair>("key pair", &json!({"name": "k", "public_key": 5})).unwrap_err();
        assert!(
            e.to_string()
                .contains("cannot decode the response of key pair"),
            "{e}"
        );
    }
}
