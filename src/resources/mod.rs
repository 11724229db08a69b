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
