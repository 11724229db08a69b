//! `nova_servers`: every server that matches filters, as a list.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::client::{batch, documents, ApiError, Service};
use crate::configured::NovaData;
use crate::framework::model::{decode, Model};
use crate::framework::validators::{OneOf, StringLength};
use crate::framework::*;
use crate::resources::{api_error, path_segment};
use crate::tf_model;

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

tf_model! {
    /// The filter arguments ([`filters`]): a `list "nova_server"` block's
    /// configuration.
    pub struct ServerFilters {
        pub name_regex: Attr<String>,
        pub status: Attr<String>,
        pub flavor_id: Attr<String>,
        pub image_id: Attr<String>,
        pub availability_zone: Attr<String>,
        pub tags: Attr<Vec<String>>,
    }
}

tf_model! {
    /// `nova_servers` configuration and state: the filters and what matched.
    pub struct ServersModel {
        pub name_regex: Attr<String>,
        pub status: Attr<String>,
        pub flavor_id: Attr<String>,
        pub image_id: Attr<String>,
        pub availability_zone: Attr<String>,
        pub tags: Attr<Vec<String>>,
        pub servers: Attr<Vec<ServerItem>>,
        pub ids: Attr<Vec<String>>,
    }
}

tf_model! {
    /// One element of `servers`.
    pub struct ServerItem {
        pub id: Attr<String>,
        pub name: Attr<String>,
        pub status: Attr<String>,
        pub flavor_name: Attr<String>,
        pub image_id: Attr<String>,
        pub availability_zone: Attr<String>,
        pub host_id: Attr<String>,
        pub tags: Attr<Vec<String>>,
        pub metadata: Attr<BTreeMap<String, String>>,
        pub ipv4: Attr<Vec<String>>,
        pub ipv6: Attr<Vec<String>>,
        pub created: Attr<String>,
    }
}

impl ServersModel {
    /// The filter arguments of the configuration.
    pub fn filters(&self) -> ServerFilters {
        ServerFilters {
            name_regex: self.name_regex.clone(),
            status: self.status.clone(),
            flavor_id: self.flavor_id.clone(),
            image_id: self.image_id.clone(),
            availability_zone: self.availability_zone.clone(),
            tags: self.tags.clone(),
        }
    }
}

/// The server listing in name order (Nova's `sort_key`; it orders servers
/// of one name by creation). One key only: Nova's `next` links keep one
/// value of each query parameter, so a second `sort_key` would be lost
/// from the second page on.
const BY_NAME: &str = "sort_key=display_name&sort_dir=asc";

/// The list query for the filters Nova applies itself (all but the zone).
/// A data source and a list block are read with a wholly known
/// configuration; an unknown filter would not filter.
pub fn query(c: &ServerFilters) -> String {
    let mut q: Vec<String> = vec![];
    let pairs = [
        ("name", &c.name_regex),
        ("status", &c.status),
        ("flavor", &c.flavor_id),
        ("image", &c.image_id),
    ];
    for (key, filter) in pairs {
        if let Some(v) = filter.as_deref() {
            q.push(format!("{key}={}", path_segment(v)));
        }
    }
    let tags = c.tags.if_known().cloned().unwrap_or_default();
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

/// One server of the listing as an element of `servers`.
pub fn item(s: &documents::Server) -> ServerItem {
    let (v4, v6) = s.ips();
    ServerItem {
        id: Attr::from_option(s.id.clone()),
        name: Attr::from_option(s.name.clone()),
        status: Attr::from_option(s.status.clone()),
        flavor_name: Attr::from_option(s.flavor_name().map(str::to_string)),
        image_id: Attr::from_option(s.image.clone()),
        availability_zone: Attr::from_option(s.availability_zone.clone()),
        host_id: Attr::from_option(s.host_id.clone()),
        tags: Attr::Known(s.tags.clone().unwrap_or_default()),
        metadata: Attr::Known(s.metadata.clone()),
        ipv4: Attr::Known(v4),
        ipv6: Attr::Known(v6),
        created: Attr::from_option(s.created.clone()),
    }
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
pub async fn matching(
    data: &NovaData,
    c: &ServerFilters,
) -> Result<Vec<documents::Server>, Diagnostic> {
    matching_up_to(data, c, None).await
}

/// The servers that match `c` as [`matching`] finds them; with a `limit`,
/// the first `limit` of them by name (sorted by name, then ID): the cloud
/// is asked for name order and the listing stops at the page where that
/// many have matched.
pub async fn matching_up_to(
    data: &NovaData,
    c: &ServerFilters,
    limit: Option<usize>,
) -> Result<Vec<documents::Server>, Diagnostic> {
    if c.tags.if_known().is_some_and(|t| !t.is_empty()) {
        data.cloud
            .require(crate::client::microversion::SERVER_TAG_FILTER, "tags")
            .await
            .map_err(|e| api_error("Cannot filter by tags", &e))?;
    }
    let zone = c.availability_zone.as_deref();
    let mut path = query(c);
    if limit.is_some() {
        let sep = if path.contains('?') { '&' } else { '?' };
        path = format!("{path}{sep}{BY_NAME}");
    }
    // each page's servers read into their typed form as it arrives, those
    // of other zones left out: ten thousand servers are never held whole
    // as parsed JSON
    let read = |s: serde_json::Value| -> Option<Result<documents::Server, ApiError>> {
        match documents::parse::<documents::Server>("server", &s) {
            Ok(server) => zone
                .is_none_or(|z| server.availability_zone.as_deref() == Some(z))
                .then_some(Ok(server)),
            Err(e) => Some(Err(e)),
        }
    };
    let enough =
        |so_far: &[Result<documents::Server, ApiError>]| limit.is_some_and(|n| so_far.len() >= n);
    let all = batch::list_mapped(
        &data.cloud,
        Service::Compute,
        &path,
        "servers",
        read,
        |so_far| !enough(so_far),
    )
    .await
    .map_err(|e| api_error("Cannot list servers", &e))?;
    let mut found = Vec::with_capacity(all.len());
    for s in all {
        found.push(s.map_err(|e| api_error("Cannot read servers", &e))?);
    }
    found.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    if let Some(n) = limit {
        found.truncate(n);
    }
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
        let Some(mut m) = decode::<ServersModel>("configuration", &req.config, &mut resp.diags)
        else {
            return;
        };
        let found = match matching(data, &m.filters()).await {
            Ok(f) => f,
            Err(d) => return resp.diags.push(d),
        };
        m.ids = Attr::Known(found.iter().filter_map(|s| s.id.clone()).collect());
        m.servers = Attr::Known(found.iter().map(item).collect());
        resp.state = m.to_value(&self.schema().ty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listing of three pages of two servers (`a1`, `b1` in zone `a`,
    /// `b2` ... as named): `limit` stops the paging once that many servers
    /// have matched, and the cloud is asked for its name order.
    async fn paged_servers() -> (wiremock::MockServer, NovaData) {
        use wiremock::matchers::{method, path, query_param, query_param_is_missing};
        use wiremock::{Mock, ResponseTemplate};
        let (server, data) = crate::configured::mock_nova("2.96").await;
        let base = server.uri();
        let page = |names: &[(&str, &str)], next: Option<&str>| {
            let servers: Vec<serde_json::Value> = names
                .iter()
                .map(|(n, z)| serde_json::json!({"id": format!("id-{n}"), "name": n, "status": "ACTIVE", "OS-EXT-AZ:availability_zone": z}))
                .collect();
            let links: Vec<serde_json::Value> = next
                .map(|m| serde_json::json!({"rel": "next", "href": format!("{base}/v2.1/servers/detail?marker={m}&sort_key=display_name&sort_dir=asc")}))
                .into_iter()
                .collect();
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"servers": servers, "servers_links": links}))
        };
        let pages = [
            (None, page(&[("a1", "a"), ("a2", "b")], Some("id-a2"))),
            (
                Some("id-a2"),
                page(&[("b1", "a"), ("b2", "b")], Some("id-b2")),
            ),
            (Some("id-b2"), page(&[("c1", "a"), ("c2", "b")], None)),
        ];
        for (marker, answer) in pages {
            let m = Mock::given(method("GET"))
                .and(path("/v2.1/servers/detail"))
                .and(query_param("sort_key", "display_name"));
            let m = match marker {
                Some(mk) => m.and(query_param("marker", mk)),
                None => m.and(query_param_is_missing("marker")),
            };
            m.respond_with(answer)
                .named(marker.unwrap_or("first"))
                .mount(&server)
                .await;
        }
        (server, data)
    }

    async fn pages_read(server: &wiremock::MockServer) -> usize {
        let got = server.received_requests().await.unwrap_or_default();
        got.iter()
            .filter(|r| r.url.path() == "/v2.1/servers/detail")
            .count()
    }

    #[tokio::test]
    async fn a_limit_stops_the_listing_at_the_page_where_enough_matched() {
        // (limit, zone, names found, pages read)
        let table: [(Option<usize>, Option<&str>, &[&str], usize); 5] = [
            (Some(2), None, &["a1", "a2"], 1),
            (Some(3), None, &["a1", "a2", "b1"], 2),
            (Some(2), Some("a"), &["a1", "b1"], 2),
            (Some(10), Some("b"), &["a2", "b2", "c2"], 3),
            (None, Some("a"), &[], 0),
        ];
        for (limit, zone, names, pages) in table {
            let (server, data) = paged_servers().await;
            let filters = ServerFilters {
                availability_zone: Attr::from_option(zone.map(str::to_string)),
                ..Default::default()
            };
            if limit.is_none() {
                // without a limit the name order is not asked for, so no
                // mounted page answers: the listing is the unsorted one
                let err = matching_up_to(&data, &filters, limit).await;
                assert!(
                    err.is_err(),
                    "unsorted listing must not hit the sorted mocks"
                );
                continue;
            }
            let found = matching_up_to(&data, &filters, limit)
                .await
                .expect("a listing");
            let got: Vec<_> = found.iter().filter_map(|s| s.name.as_deref()).collect();
            assert_eq!(got, names, "limit {limit:?} zone {zone:?}");
            assert_eq!(
                pages_read(&server).await,
                pages,
                "limit {limit:?} zone {zone:?}"
            );
        }
    }

    fn cfg(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::null_object(&ServersData.schema().block.ty());
        for (k, x) in pairs {
            v.set(k, x.clone());
        }
        v
    }

    #[test]
    fn the_models_fit_the_schemas() {
        ServersModel::check_against(&ServersData.schema().ty()).unwrap();
        ServerFilters::check_against(&filters(Block::new("")).ty()).unwrap();
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
            assert_eq!(query(&ServerFilters::from_value(&c).unwrap()), want);
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
        let v = item(&documents::parse("server", &s).unwrap()).to_value(&item_type());
        assert_eq!(v.get("ipv4"), &Value::List(vec![Value::string("10.0.0.3")]));
        assert_eq!(v.get("ipv6"), &Value::List(vec![Value::string("fd00::3")]));
        assert_eq!(v.get("flavor_name").as_str(), Some("m1.tiny"));
        // a booted-from-volume server has no image
        let bfv = serde_json::json!({"id": "j", "image": ""});
        let bfv = item(&documents::parse("server", &bfv).unwrap()).to_value(&item_type());
        assert!(bfv.get("image_id").is_null());
    }
}
