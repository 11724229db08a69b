//! `tracing` events written to stderr as JSON lines in the shape Terraform's
//! plugin logger reads (`@level`, `@message`, `@timestamp`, `@module`, plus
//! fields), so that `TF_LOG=DEBUG` shows them.

use std::io::Write;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

/// Where log lines go: stderr in the provider, a buffer in tests.
pub type Sink = std::sync::Arc<std::sync::Mutex<dyn Write + Send>>;

pub struct JsonLines {
    max: Level,
    sink: Option<Sink>,
}

impl JsonLines {
    /// A layer writing lines at `max` and above into `sink`.
    pub fn to_sink(max: Level, sink: Sink) -> JsonLines {
        JsonLines {
            max,
            sink: Some(sink),
        }
    }
}

#[derive(Default)]
struct Fields(serde_json::Map<String, serde_json::Value>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_string(),
            serde_json::Value::String(format!("{value:?}")),
        );
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_string(), value.into());
    }
}

/// The JSON line for one event.
pub fn format_line(
    level: &Level,
    target: &str,
    fields: serde_json::Map<String, serde_json::Value>,
) -> String {
    let mut m = fields;
    let message = m.remove("message").unwrap_or_else(|| "".into());
    let mut out = serde_json::Map::new();
    out.insert("@level".into(), level.as_str().to_ascii_lowercase().into());
    out.insert("@message".into(), message);
    out.insert(
        "@module".into(),
        format!(
            "provider.terraform-provider-nova.{}",
            target.replace("::", ".")
        )
        .into(),
    );
    // the layout go-plugin parses: microseconds, UTC
    let now = time::OffsetDateTime::now_utc();
    let ts = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.microsecond()
    );
    out.insert("@timestamp".into(), ts.into());
    out.extend(m);
    serde_json::Value::Object(out).to_string()
}

impl<S: Subscriber> Layer<S> for JsonLines {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if *meta.level() > self.max {
            return;
        }
        if !meta.target().starts_with("terraform_provider_nova") {
            return;
        }
        let mut f = Fields::default();
        event.record(&mut f);
        let line = format_line(meta.level(), meta.target(), f.0);
        match &self.sink {
            Some(sink) => {
                if let Ok(mut w) = sink.lock() {
                    let _ = writeln!(w, "{line}");
                }
            }
            None => {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "{line}");
            }
        }
    }
}

fn level_from(v: &str) -> Option<Level> {
    match v.trim().to_ascii_uppercase().as_str() {
        "TRACE" => Some(Level::TRACE),
        "DEBUG" => Some(Level::DEBUG),
        "INFO" => Some(Level::INFO),
        "WARN" => Some(Level::WARN),
        "ERROR" => Some(Level::ERROR),
        "JSON" => Some(Level::TRACE),
        _ => None,
    }
}

/// Installs the logger; the level comes from TF_LOG_PROVIDER_NOVA,
/// TF_LOG_PROVIDER or TF_LOG (default: warnings and errors).
pub fn init() {
    let max = ["TF_LOG_PROVIDER_NOVA", "TF_LOG_PROVIDER", "TF_LOG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().and_then(|v| level_from(&v)))
        .unwrap_or(Level::WARN);
    // a global filter: spans and events above `max` are never made (a
    // filter inside the layer alone would leave the registry building a
    // span per request, a measurable share of a big plan's CPU)
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::from_level(max))
        .with(JsonLines { max, sink: None })
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_terraform_keys() {
        let mut f = serde_json::Map::new();
        f.insert("message".into(), "api call".into());
        f.insert("status".into(), 200.into());
        let line = format_line(&Level::DEBUG, "terraform_provider_nova::client", f);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["@level"], "debug");
        assert_eq!(v["@message"], "api call");
        assert_eq!(v["status"], 200);
        let ts = v["@timestamp"].as_str().unwrap();
        // 2026-11-23T08:20:53.435426Z: six fractional digits, as go-plugin parses
        assert_eq!(ts.len(), 27, "{ts}");
        assert!(ts.ends_with('Z') && ts.as_bytes()[19] == b'.');
        assert_eq!(
            v["@module"],
            "provider.terraform-provider-nova.terraform_provider_nova.client"
        );
    }

    #[test]
    fn levels() {
        assert_eq!(level_from("debug"), Some(Level::DEBUG));
        assert_eq!(level_from("off"), None);
    }
}
