//! `nova_servers`: every server that matches filters, as a list.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde_json::Value as J;

use crate::client::{batch, wire, Service};
use crate::configured::NovaData;
use crate::framework::validators::{OneOf, StringLength};
use crate::framework::*;
use crate::resources::{api_error, path_segment};

pub struct ServersData;

const STATUSES: &[&str] = &[
    "ACTIVE",
    "BUILD",
    "ERROR",
    "HARD_REBOOT",
    "MIGRATING",
    "PASSWORD",
    "PAUSED",
    "REBOOT",
    "REBUILD",
    "RESCUE",
    "RESIZE",
    "REVERT_RESIZE",
    "SHELVED",
    "SHELVED_OFFLOADED",
    "SHUTOFF",
    "SOFT_DELETED",
    "SUSPENDED",
    "UNKNOWN",
    "VERIFY_RESIZE",
];

fn item_type() -> Type {
    Type::object([
        ("id", Type::String),
        ("name", Type::String),
        ("status", Type::String),
        ("flavor_name", Type::String),
        ("image_id", Type::String),
        ("availability_zone", Type::String),
        ("host_id", Type::String),
        ("tags", Type::list(Type::String)),
        ("metadata", Type::map(Type::String)),
        ("ipv4", Type::list(Type::String)),
        ("ipv6", Type::list(Type::String)),
        ("created", Type::String),
    ])
}

/// The list query for the filters Nova applies itself.
pub fn query(c: &Value) -> String {
    let mut q: Vec<String> = vec![];
    if let Some(n) = c.get("name_regex").as_str() {
        q.push(format!("name={}", path_segment(n)));
    }
    if let Some(s) = c.get("status").as_str() {
        q.push(format!("status={}", path_segment(s)));
    }
    if let Some(f) = c.get("flavor_id").as_str() {
        q.push(format!("flavor={}", path_segment(f)));
    }
    if let Some(i) = c.get("image_id").as_str() {
        q.push(format!("image={}", path_segment(i)));
    }
    // a data source is read with a wholly known configuration
    let tags = c.get("tags").string_list().unwrap_or_default();
    if !tags.is_empty() {
        let t: Vec<String> = tags.iter().map(|t| path_segment(t)).collect();
        q.push(format!("tags={}", t.join(",")));
    }
    if q.is_empty() {
        "/servers/detail".into()
    } else {
        format!("/servers/detail?{}", q.join("&"))
    }
}

fn strings(v: Vec<String>) -> Value {
    Value::List(v.into_iter().map(Value::String).collect())
}

/// One server of the listing as an element of `servers`.
pub fn item(s: &J) -> Value {
    let mut v4 = vec![];
    let mut v6 = vec![];
    for list in s["addresses"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
    {
        for a in list.as_array().into_iter().flatten() {
            let Some(addr) = wire::string(&a["addr"]) else {
                continue;
            };
            if wire::int(&a["version"]) == Some(6) {
                v6.push(addr);
            } else {
                v4.push(addr);
            }
        }
    }
    let s_ = |k: &str| Value::from_opt_str(wire::string(&s[k]));
    let fields: BTreeMap<String, Value> = [
        ("id", s_("id")),
        ("name", s_("name")),
        ("status", s_("status")),
        (
            "flavor_name",
            Value::from_opt_str(
                wire::string(&s["flavor"]["original_name"])
                    .or_else(|| wire::string(&s["flavor"]["id"])),
            ),
        ),
        (
            "image_id",
            Value::from_opt_str(wire::string(&s["image"]["id"])),
        ),
        (
            "availability_zone",
            Value::from_opt_str(wire::string(&s["OS-EXT-AZ:availability_zone"])),
        ),
        ("host_id", s_("hostId")),
        ("tags", strings(wire::strings(&s["tags"]))),
        (
            "metadata",
            Value::from_string_map(wire::string_map(&s["metadata"])),
        ),
        ("ipv4", strings(v4)),
        ("ipv6", strings(v6)),
        ("created", s_("created")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    Value::Object(fields)
}

/// The filter arguments, shared with `list "nova_server"`.
pub fn filters(b: Block) -> Block {
    b.attr(
        Attribute::string("name_regex")
            .optional()
            .validate(StringLength(1, 255))
            .description("Regular expression the name must match (applied by the cloud)."),
    )
    .attr(
        Attribute::string("status")
            .optional()
            .validate(OneOf(STATUSES))
            .description("Only servers in this status, such as `ACTIVE`."),
    )
    .attr(
        Attribute::string("flavor_id")
            .optional()
            .description("Only servers of this flavor."),
    )
    .attr(
        Attribute::string("image_id")
            .optional()
            .description("Only servers booted from this image."),
    )
    .attr(
        Attribute::string("availability_zone")
            .optional()
            .description("Only servers in this availability zone."),
    )
    .attr(
        Attribute::string_list("tags")
            .optional()
            .description("Only servers that carry every one of these tags (microversion 2.26)."),
    )
}

/// The servers that match the filters in `c`, sorted by name, then ID.
pub async fn matching(data: &NovaData, c: &Value) -> Result<Vec<J>, Diagnostic> {
    if !c.get("tags").string_list().unwrap_or_default().is_empty() {
        data.cloud
            .require(crate::client::microversion::SERVER_TAG_FILTER, "tags")
            .await
            .map_err(|e| api_error("Cannot filter by tags", &e))?;
    }
    let all = batch::list_all(&data.cloud, Service::Compute, &query(c), "servers")
        .await
        .map_err(|e| api_error("Cannot list servers", &e))?;
    let zone = c.get("availability_zone").opt_str();
    let mut found: Vec<J> = all
        .into_iter()
        .filter(|s| {
            zone.as_deref().is_none_or(|z| {
                wire::string(&s["OS-EXT-AZ:availability_zone"]).as_deref() == Some(z)
            })
        })
        .collect();
    found.sort_by_key(|s| (wire::string(&s["name"]), wire::string(&s["id"])));
    Ok(found)
}

#[async_trait]
impl DataSource<NovaData> for ServersData {
    fn type_name(&self) -> &'static str {
        "nova_servers"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            filters(Block::new("Every server of the project that matches the filters, sorted by name, then ID."))
                .attr(Attribute::new("servers", Type::list(item_type())).computed().description("The matching servers: id, name, status, flavor_name, image_id, availability_zone, host_id, tags, metadata, ipv4, ipv6, created."))
                .attr(Attribute::string_list("ids").computed().description("IDs of the matching servers, in the same order.")),
        )
    }

    async fn read(&self, data: &NovaData, req: DataReadRequest, resp: &mut DataReadResponse) {
        let c = &req.config;
        let found = match matching(data, c).await {
            Ok(f) => f,
            Err(d) => return resp.diags.push(d),
        };
        let found: Vec<&J> = found.iter().collect();
        let mut st = c.clone();
        st.set(
            "ids",
            strings(
                found
                    .iter()
                    .filter_map(|s| wire::string(&s["id"]))
                    .collect(),
            ),
        );
        st.set(
            "servers",
            Value::List(found.into_iter().map(item).collect()),
        );
        resp.state = st;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::null_object(&ServersData.schema().block.ty());
        for (k, x) in pairs {
            v.set(k, x.clone());
        }
        v
    }

    #[test]
    fn filters_become_the_query() {
        for (c, want) in [
            (cfg(&[]), "/servers/detail"),
            (
                cfg(&[
                    ("name_regex", Value::string("^web-")),
                    ("status", Value::string("ACTIVE")),
                ]),
                "/servers/detail?name=%5Eweb-&status=ACTIVE",
            ),
            (
                cfg(&[
                    (
                        "tags",
                        Value::List(vec![Value::string("a"), Value::string("b")]),
                    ),
                    ("flavor_id", Value::string("42")),
                    ("image_id", Value::Unknown),
                ]),
                "/servers/detail?flavor=42&tags=a,b",
            ),
        ] {
            assert_eq!(query(&c), want);
        }
    }

    #[test]
    fn item_splits_addresses_by_version() {
        let s = serde_json::json!({
            "id": "i", "name": "n", "status": "ACTIVE", "hostId": "h",
            "flavor": {"original_name": "m1.tiny"}, "image": {"id": "img"},
            "OS-EXT-AZ:availability_zone": "nova", "tags": ["t"], "metadata": {"k": "v"},
            "addresses": {"private": [
                {"addr": "10.0.0.3", "version": 4}, {"addr": "fd00::3", "version": 6}
            ]},
            "created": "2026-11-23T10:00:00Z"
        });
        let v = item(&s);
        assert_eq!(v.get("ipv4"), &Value::List(vec![Value::string("10.0.0.3")]));
        assert_eq!(v.get("ipv6"), &Value::List(vec![Value::string("fd00::3")]));
        assert_eq!(v.get("flavor_name").as_str(), Some("m1.tiny"));
        // a booted-from-volume server has no image
        let bfv = item(&serde_json::json!({"id": "j", "image": ""}));
        assert!(bfv.get("image_id").is_null());
    }
}
