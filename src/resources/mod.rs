//! Resource types, one module each.

use std::sync::Arc;

use crate::client::ApiError;
use crate::framework::{Diagnostic, Resource};
use crate::provider::NovaData;

pub mod aggregate;
pub mod attachment;
pub mod flavor;
pub mod keypair;
pub mod moves;
pub mod server;
pub mod server_group;

pub fn all() -> Vec<Arc<dyn Resource<NovaData>>> {
    vec![
        Arc::new(keypair::Keypair),
        Arc::new(flavor::Flavor),
        Arc::new(flavor::FlavorAccess),
        Arc::new(aggregate::Aggregate),
        Arc::new(server_group::ServerGroup),
        Arc::new(server::Server),
        Arc::new(attachment::VolumeAttachment),
        Arc::new(attachment::InterfaceAttachment),
    ]
}

/// Default time limit of an operation on the simpler resources.
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// When an operation must be done by, from the `timeouts` block.
pub fn deadline(v: &crate::framework::Value, op: &str) -> std::time::Instant {
    std::time::Instant::now() + crate::framework::timeout_for(v, op, DEFAULT_TIMEOUT)
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
    if let Err(e) = data.cloud.require(needed, attr).await {
        let summary = match e {
            ApiError::Unsupported(_) => "Not supported by this cloud",
            _ => "Cannot reach the cloud",
        };
        diags.error_at(
            crate::framework::AttrPath::attr(attr),
            summary,
            e.to_string(),
        );
    }
}

/// Percent-encodes one path segment (names may hold spaces and more).
pub fn path_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The `config` block of `list` for a type found by name.
pub fn name_list_schema(what: &str) -> crate::framework::Schema {
    use crate::framework::{Attribute, Block, Schema};
    Schema::new(
        0,
        Block::new(&format!("Lists the {what} of the cloud, sorted by name.")).attr(
            Attribute::string("name_regex")
                .optional()
                .validate(crate::framework::validators::StringLength(1, 255))
                .description("Only those whose name matches this regular expression."),
        ),
    )
}

/// The items of a listing (`items[*][item_key]`, or the item itself when
/// `item_key` is empty) whose name matches `name_regex`, sorted by name.
pub async fn list_by_name(
    data: &NovaData,
    path: &str,
    collection: &str,
    item_key: &str,
    config: &crate::framework::Value,
    diags: &mut crate::framework::Diagnostics,
) -> Vec<crate::framework::Listed> {
    use crate::client::wire;
    let re = match config.get("name_regex").as_str().map(regex::Regex::new) {
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
    let body = match data.cloud.get(path).await {
        Ok(b) => b,
        Err(e) => {
            diags.push(api_error(&format!("Cannot list {collection}"), &e));
            return Vec::new();
        }
    };
    let mut out: Vec<crate::framework::Listed> = body[collection]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| if item_key.is_empty() { x } else { &x[item_key] })
        .filter_map(|x| {
            let name = wire::string(&x["name"]).unwrap_or_default();
            let id = if item_key == "keypair" {
                Some(name.clone())
            } else {
                wire::string(&x["id"])
            }?;
            re.as_ref()
                .is_none_or(|re| re.is_match(&name))
                .then_some(crate::framework::Listed {
                    id,
                    display_name: name,
                })
        })
        .collect();
    out.sort_by(|a, b| (&a.display_name, &a.id).cmp(&(&b.display_name, &b.id)));
    out
}
