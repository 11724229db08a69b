//! Resource types, one module each.

use std::sync::Arc;

use crate::client::ApiError;
use crate::configured::NovaData;
use crate::framework::{Diagnostic, Resource};

pub mod aggregate;
pub mod attachment;
pub mod flavor;
pub mod keypair;
pub mod moves;
#[cfg(test)]
mod plan_invariants;
pub mod quota_set;
pub mod region;
pub mod rsa_key;
pub mod server;
pub mod server_group;

/// Every resource type, each with `region` ([`region::Regional`]; the
/// number is how many `/`-separated parts its import ID has).
pub fn all() -> Vec<Arc<dyn Resource<NovaData>>> {
    let types: Vec<(Arc<dyn Resource<NovaData>>, usize)> = vec![
        (Arc::new(keypair::Keypair), 1),
        (Arc::new(flavor::Flavor), 1),
        (Arc::new(flavor::FlavorAccess), 2),
        (Arc::new(aggregate::Aggregate), 1),
        (Arc::new(server_group::ServerGroup), 1),
        (Arc::new(server::Server), 1),
        (Arc::new(attachment::VolumeAttachment), 2),
        (Arc::new(attachment::InterfaceAttachment), 2),
        (Arc::new(quota_set::QuotaSet), 1),
    ];
    types
        .into_iter()
        .map(|(r, parts)| region::Regional::wrap(r, parts))
        .collect()
}

/// Default time limit of an operation on the simpler resources.
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// When an operation must be done by, from the `timeouts` block.
pub fn deadline(v: &crate::framework::Value, op: &str) -> std::time::Instant {
    crate::framework::deadline_after(crate::framework::timeout_for(v, op, DEFAULT_TIMEOUT))
}

/// A diagnostic that carries what the cloud said.
pub fn api_error(summary: &str, e: &ApiError) -> Diagnostic {
    Diagnostic::error(summary, e.to_string())
}

/// Plan-time check that the cloud speaks the microversion a configured
/// attribute needs; the error names the attribute and the version.
pub async fn require_feature(
    data: &NovaData,
    needed: crate::client::Microversion,
    attr: &str,
    diags: &mut crate::framework::Diagnostics,
) {
    require_feature_at(
        data,
        needed,
        attr,
        crate::framework::AttrPath::attr(attr),
        diags,
    )
    .await
}

/// [`require_feature`] for a `feature` named otherwise than the path its
/// error is shown at (`block_device.multiattach` at `block_device`).
pub async fn require_feature_at(
    data: &NovaData,
    needed: crate::client::Microversion,
    feature: &str,
    at: crate::framework::AttrPath,
    diags: &mut crate::framework::Diagnostics,
) {
    if let Err(e) = data.cloud.require(needed, feature).await {
        let summary = match e {
            ApiError::Unsupported(_) => "Not supported by this cloud",
            _ => "Cannot reach the cloud",
        };
        diags.error_at(at, summary, e.to_string());
    }
}

pub use crate::client::path_segment;

/// How a type found by name is listed by `list` blocks: the listing's
/// path and collection, the key of each item inside it (key pairs come as
/// `{"keypair": {...}}`; empty when the item is the object), and the field
/// that imports it (`id`, or `name` for key pairs).
pub struct ByName {
    pub what: &'static str,
    pub path: &'static str,
    pub collection: &'static str,
    pub item_key: &'static str,
    pub id_key: &'static str,
}

impl ByName {
    /// The `config` block: a name filter.
    pub fn schema(&self) -> crate::framework::Schema {
        use crate::framework::{Attribute, Block, Schema};
        Schema::new(
            0,
            Block::new(&format!(
                "Lists the {} of the cloud, sorted by name.",
                self.what
            ))
            .attr(
                Attribute::string("name_regex")
                    .optional()
                    .validate(crate::framework::validators::StringLength(1, 255))
                    .description("Only those whose name matches this regular expression."),
            ),
        )
    }

    /// The items whose name matches `name_regex`, sorted by name.
    pub async fn list(
        &self,
        data: &NovaData,
        config: &crate::framework::Value,
        diags: &mut crate::framework::Diagnostics,
    ) -> Vec<crate::framework::Listed> {
        crate::tf_model! {
            struct NameFilter {
                name_regex: crate::framework::Attr<String>,
            }
        }
        use crate::framework::model::Model;
        let filter = NameFilter::from_value(config).unwrap_or_default();
        let re = match filter.name_regex.as_deref().map(regex::Regex::new) {
            Some(Err(e)) => {
                diags.error_at(
                    crate::framework::AttrPath::attr("name_regex"),
                    "Invalid regular expression",
                    e.to_string(),
                );
                return Vec::new();
            }
            Some(Ok(re)) => Some(re),
            None => None,
        };
        let body = match data.cloud.get_all(self.path, self.collection).await {
            Ok(b) => b,
            Err(e) => {
                diags.push(api_error(&format!("Cannot list {}", self.what), &e));
                return Vec::new();
            }
        };
        self.pick(&body, re.as_ref())
    }

    /// The listing's items whose name `re` matches, sorted by name.
    pub fn pick(
        &self,
        body: &serde_json::Value,
        re: Option<&regex::Regex>,
    ) -> Vec<crate::framework::Listed> {
        use crate::client::wire;
        let mut out: Vec<crate::framework::Listed> = body[self.collection]
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| {
                if self.item_key.is_empty() {
                    x
                } else {
                    &x[self.item_key]
                }
            })
            .filter_map(|x| {
                let name = wire::string(&x["name"]).unwrap_or_default();
                let id = wire::string(&x[self.id_key])?;
                re.is_none_or(|re| re.is_match(&name))
                    .then_some(crate::framework::Listed {
                        id,
                        display_name: name,
                    })
            })
            .collect();
        out.sort_by(|a, b| (&a.display_name, &a.id).cmp(&(&b.display_name, &b.id)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn listings_are_filtered_by_name_and_sorted() {
        let keypairs = ByName {
            what: "key pairs",
            path: "",
            collection: "keypairs",
            item_key: "keypair",
            id_key: "name",
        };
        let body = json!({"keypairs": [{"keypair": {"name": "web", "fingerprint": "f"}}, {"keypair": {"name": "db"}}, {"keypair": {"name": "web-old"}}]});
        let all: Vec<(String, String)> = keypairs
            .pick(&body, None)
            .into_iter()
            .map(|l| (l.id, l.display_name))
            .collect();
        assert_eq!(
            all,
            [
                ("db".into(), "db".into()),
                ("web".into(), "web".into()),
                ("web-old".into(), "web-old".into())
            ]
        );
        let re = regex::Regex::new("^web$").unwrap();
        assert_eq!(keypairs.pick(&body, Some(&re)).len(), 1);

        // aggregates have numeric IDs
        let aggs = ByName {
            what: "aggregates",
            path: "",
            collection: "aggregates",
            item_key: "",
            id_key: "id",
        };
        let body = json!({"aggregates": [{"id": 7, "name": "ssd"}, {"id": 3, "name": "gpu"}]});
        let got: Vec<String> = aggs.pick(&body, None).into_iter().map(|l| l.id).collect();
        assert_eq!(got, ["3", "7"]);
        assert!(aggs.pick(&json!({}), None).is_empty());
    }
}
