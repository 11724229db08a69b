//! API errors: HTTP status, the cloud's own message, and the request ID.

use std::fmt;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Http(HttpError),
    #[error("{method} {url}: {message}")]
    Transport {
        method: String,
        url: String,
        message: String,
    },
    #[error("authentication at {auth_url} failed: {detail}")]
    Auth { auth_url: String, detail: String },
    #[error("{0}")]
    Catalog(String),
    #[error("cannot decode the response of {what}: {detail}")]
    Decode { what: String, detail: String },
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Timeout(String),
    #[error("stopped: Terraform asked the provider to stop")]
    Stopped,
}

#[derive(Debug, Clone)]
pub struct HttpError {
    pub method: String,
    pub url: String,
    pub status: u16,
    pub message: String,
    pub request_id: Option<String>,
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        write!(
            f,
            "{} {}: {} {}",
            self.method, self.url, self.status, reason
        )?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request {id})")?;
        }
        Ok(())
    }
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Http(h) => Some(h.status),
            _ => None,
        }
    }
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
    /// The request may or may not have been carried out: no answer came,
    /// or a server or gateway error did.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, ApiError::Transport { .. })
            || self.status().is_some_and(|s| s >= 500 && s != 501)
    }
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }
    pub fn message(&self) -> String {
        match self {
            ApiError::Http(h) => h.message.clone(),
            other => other.to_string(),
        }
    }
}

/// The cloud's message from any of the error body shapes compute clouds use:
/// `{"badRequest": {"message": .., "code": ..}}` (any fault name),
/// `{"error": {"message": .., "code": .., "title": ..}}`, `{"NeutronError": ..}`,
/// `{"message": ..}`, or plain text.
pub fn error_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if let Ok(serde_json::Value::Object(o)) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(m) = o.get("message").and_then(|m| m.as_str()) {
            // Glance's JSON error pages carry HTML line breaks
            return plain_text(m);
        }
        for (_, v) in &o {
            if let Some(m) = v.get("message").and_then(|m| m.as_str()) {
                return m.trim().to_string();
            }
            if let Some(m) = v.as_str() {
                return m.trim().to_string();
            }
        }
    }
    // HTML error pages from proxies: keep it short and readable
    plain_text(&text)
}

/// Text without HTML tags, white space folded, at most 500 characters.
fn plain_text(text: &str) -> String {
    let plain: String = text
        .split('<')
        .map(|s| s.split_once('>').map(|(_, t)| t).unwrap_or(s))
        .collect::<Vec<_>>()
        .join(" ");
    let plain = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    plain.chars().take(500).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_shape() {
        let cases: &[(&str, &str)] = &[
            (
                // Glance (webob's JSON error page)
                "{\"code\": \"404 Not Found\", \"title\": \"Not Found\", \"message\": \"The resource could not be found.<br /><br />\\nNo image found with ID x\\n\\n   \"}",
                "The resource could not be found. No image found with ID x",
            ),
            (
                r#"{"NeutronError": {"type": "PortNotFound", "message": "Port p could not be found.", "detail": ""}}"#,
                "Port p could not be found.",
            ),
            (
                r#"{"badRequest": {"message": "Invalid flavorRef provided.", "code": 400}}"#,
                "Invalid flavorRef provided.",
            ),
            (
                r#"{"itemNotFound": {"message": "Instance x could not be found.", "code": 404}}"#,
                "Instance x could not be found.",
            ),
            (
                r#"{"error": {"message": "The request you have made requires authentication.", "code": 401, "title": "Unauthorized"}}"#,
                "The request you have made requires authentication.",
            ),
            (
                r#"{"computeFault": {"message": "Unexpected API Error.", "code": 500}}"#,
                "Unexpected API Error.",
            ),
            (
                r#"{"NeutronError": {"type": "PortNotFound", "message": "Port p could not be found.", "detail": ""}}"#,
                "Port p could not be found.",
            ),
            (
                r#"{"message": "Rate limit exceeded"}"#,
                "Rate limit exceeded",
            ),
            ("Service Unavailable", "Service Unavailable"),
            (
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
                "502 Bad Gateway",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(error_message(body.as_bytes()), *want, "{body}");
        }
    }

    #[test]
    fn display_names_status_message_and_request() {
        let e = ApiError::Http(HttpError {
            method: "POST".into(),
            url: "http://c/v2.1/servers".into(),
            status: 400,
            message: "Invalid flavorRef provided.".into(),
            request_id: Some("req-1".into()),
        });
        assert_eq!(e.to_string(), "POST http://c/v2.1/servers: 400 Bad Request: Invalid flavorRef provided. (request req-1)");
    }
}
