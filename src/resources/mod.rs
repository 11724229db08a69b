//! Resource types, one module each.

use std::sync::Arc;

use crate::client::ApiError;
use crate::framework::{Diagnostic, Resource};
use crate::provider::NovaData;

pub mod keypair;

pub fn all() -> Vec<Arc<dyn Resource<NovaData>>> {
    vec![Arc::new(keypair::Keypair)]
}

/// A diagnostic that carries what the cloud said.
pub fn api_error(summary: &str, e: &ApiError) -> Diagnostic {
    Diagnostic::error(summary, e.to_string())
}

/// Percent-encodes one path segment (names may hold spaces and more).
pub fn path_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
