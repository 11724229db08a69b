//! `nova_server_console`: a remote console URL for a server
//! (`POST /servers/{id}/remote-consoles`, microversion 2.6+). Short-lived by
//! nature: opened for the run, never stored.

use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value as J};

use crate::client::microversion::{
    Microversion, REMOTE_CONSOLES, REMOTE_CONSOLE_MKS, REMOTE_CONSOLE_SPICE_DIRECT,
};
use crate::client::path_segment;
use crate::configured::NovaData;
use crate::framework::validators::{OneOf, Uuid};
use crate::framework::*;
use crate::resources::api_error;

pub const PROTOCOLS: &[&str] = &["vnc", "spice", "serial", "rdp", "mks"];
pub const TYPES: &[&str] = &[
    "novnc",
    "xvpvnc",
    "spice-html5",
    "spice-direct",
    "serial",
    "rdp-html5",
    "webmks",
];
pub const DEFAULT_PROTOCOL: &str = "vnc";

/// The console types Nova accepts with each protocol.
pub fn types_of(protocol: &str) -> &'static [&'static str] {
    match protocol {
        "vnc" => &["novnc", "xvpvnc"],
        "spice" => &["spice-html5", "spice-direct"],
        "serial" => &["serial"],
        "rdp" => &["rdp-html5"],
        "mks" => &["webmks"],
        _ => &[],
    }
}

/// The type used when none is set: the protocol's first.
pub fn default_type(protocol: &str) -> Option<&'static str> {
    types_of(protocol).first().copied()
}

/// The microversion a protocol/type pair needs.
pub fn needed_version(protocol: &str, ty: &str) -> Microversion {
    if ty == "spice-direct" {
        REMOTE_CONSOLE_SPICE_DIRECT
    } else if protocol == "mks" || ty == "webmks" {
        REMOTE_CONSOLE_MKS
    } else {
        REMOTE_CONSOLES
    }
}

pub fn request_body(protocol: &str, ty: &str) -> J {
    json!({"remote_console": {"protocol": protocol, "type": ty}})
}

/// The console's token when its URL carries one: `?token=...`, or, for
/// noVNC, inside the `path` parameter (`?path=%3Ftoken%3D...`).
pub fn token_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    for (k, v) in u.query_pairs() {
        if k == "token" && !v.is_empty() {
            return Some(v.into_owned());
        }
        if k == "path" {
            let inner = v.split_once('?').map(|(_, q)| q).unwrap_or(&v);
            for (ik, iv) in url::form_urlencoded::parse(inner.as_bytes()) {
                if ik == "token" && !iv.is_empty() {
                    return Some(iv.into_owned());
                }
            }
        }
    }
    None
}

/// The protocol and type a configuration asks for (defaults filled in);
/// `None` for values not known yet.
fn pair(config: &Value) -> Option<(String, Option<String>)> {
    let protocol = match config.get("protocol") {
        Value::Null => DEFAULT_PROTOCOL.to_string(),
        v => v.as_str()?.to_string(),
    };
    let ty = match config.get("type") {
        Value::Null => default_type(&protocol).map(str::to_string),
        v => Some(v.as_str()?.to_string()),
    };
    Some((protocol, ty))
}

pub struct ServerConsole;

#[async_trait]
impl EphemeralResource<NovaData> for ServerConsole {
    fn type_name(&self) -> &'static str {
        "nova_server_console"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new("A remote console of a server: a short-lived URL (and its token) for a browser or console client, opened for one Terraform run and never written to state or plan. Needs compute API microversion 2.6 (`mks` 2.8, `spice-direct` 2.99).")
                .attr(Attribute::string("server_id").required().validate(Uuid).description("The server."))
                .attr(Attribute::string("protocol").optional_computed().validate(OneOf(PROTOCOLS)).description("`vnc` (the default), `spice`, `serial`, `rdp` or `mks`."))
                .attr(Attribute::string("type").optional_computed().validate(OneOf(TYPES)).description("The console type, one the protocol offers: `novnc` (the default) or `xvpvnc` for `vnc`; `spice-html5` (the default) or `spice-direct` for `spice`; `serial`; `rdp-html5` for `rdp`; `webmks` for `mks`."))
                .attr(Attribute::string("url").computed().sensitive().description("The console's URL (it carries the token)."))
                .attr(Attribute::string("token").computed().sensitive().description("The console's token, when its URL carries one; null otherwise.")),
        )
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let Some((protocol, ty)) = pair(config) else {
            return;
        };
        let allowed = types_of(&protocol);
        if allowed.is_empty() {
            return; // the protocol's own validator has said it
        }
        if let Some(t) = ty.filter(|t| TYPES.contains(&t.as_str())) {
            if !allowed.contains(&t.as_str()) {
                diags.error_at(
                    AttrPath::attr("type"),
                    "Invalid console type",
                    format!(
                        "type \"{t}\" is not a console type of protocol \"{protocol}\"; it offers {}.",
                        allowed
                            .iter()
                            .map(|s| format!("\"{s}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
    }

    async fn open(&self, data: &NovaData, req: OpenRequest, resp: &mut OpenResponse) {
        let Some((protocol, Some(ty))) = pair(&req.config) else {
            return resp.diags.error(
                "Invalid configuration",
                "protocol and type must be known to open a console.",
            );
        };
        let id = req
            .config
            .get("server_id")
            .as_str()
            .unwrap_or_default()
            .to_string();
        let needed = needed_version(&protocol, &ty);
        let feature = format!("A {protocol} console of type {ty}");
        if let Err(e) = data.cloud.require(needed, &feature).await {
            let at = if needed == REMOTE_CONSOLES {
                "protocol"
            } else {
                "type"
            };
            return resp.diags.error_at(
                AttrPath::attr(at),
                "Cannot open the console",
                e.to_string(),
            );
        }
        let path = format!("/servers/{}/remote-consoles", path_segment(&id));
        let body = request_body(&protocol, &ty);
        let reply = match data
            .cloud
            .compute(Method::POST, &path, Some(&body), None)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                return resp.diags.push(api_error(
                    &format!("Cannot open a console of server {id}"),
                    &e,
                ))
            }
        };
        let Some(url) = reply.body["remote_console"]["url"].as_str() else {
            return resp.diags.error(
                "Unexpected answer",
                "Nova's remote console answer has no url.",
            );
        };
        resp.result.set("protocol", Value::String(protocol));
        resp.result.set("type", Value::String(ty));
        resp.result.set("url", Value::String(url.to_string()));
        resp.result.set(
            "token",
            token_of(url).map(Value::String).unwrap_or(Value::Null),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::schema::validate_config;

    const SERVER: &str = "6f1e2b4c-0a55-4d0b-9d59-2c3e3e0b8d11";

    fn config(protocol: Value, ty: Value) -> Value {
        Value::Object(
            [
                ("server_id".to_string(), Value::String(SERVER.into())),
                ("protocol".to_string(), protocol),
                ("type".to_string(), ty),
                ("url".to_string(), Value::Null),
                ("token".to_string(), Value::Null),
            ]
            .into_iter()
            .collect(),
        )
    }

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    /// Every error of a configuration: (path, summary).
    fn errors(c: &Value) -> Vec<(String, String)> {
        let r = ServerConsole;
        let mut d = Diagnostics::default();
        validate_config(&r.schema().block, c, &AttrPath::root(), &mut d);
        r.validate(c, &mut d);
        d.iter()
            .map(|d| {
                (
                    d.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                    d.summary.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn protocol_and_type_pairs() {
        let ok: &[(Value, Value)] = &[
            (Value::Null, Value::Null),
            (s("vnc"), Value::Null),
            (Value::Null, s("novnc")),
            (Value::Null, s("xvpvnc")),
            (s("spice"), s("spice-html5")),
            (s("spice"), s("spice-direct")),
            (s("serial"), s("serial")),
            (s("rdp"), s("rdp-html5")),
            (s("mks"), s("webmks")),
            (s("mks"), Value::Null),
            // not known yet: checked when it is
            (Value::Unknown, s("webmks")),
            (s("vnc"), Value::Unknown),
            (Value::Unknown, Value::Unknown),
        ];
        for (p, t) in ok {
            assert_eq!(errors(&config(p.clone(), t.clone())), vec![], "{p:?} {t:?}");
        }
        let bad: &[(Value, Value, &str)] = &[
            // the default protocol is vnc
            (Value::Null, s("spice-html5"), "type"),
            (s("vnc"), s("webmks"), "type"),
            (s("spice"), s("novnc"), "type"),
            (s("serial"), s("rdp-html5"), "type"),
            (s("mks"), s("serial"), "type"),
            (s("telnet"), Value::Null, "protocol"),
            (s("vnc"), s("vnc"), "type"),
        ];
        for (p, t, at) in bad {
            let e = errors(&config(p.clone(), t.clone()));
            assert_eq!(e.len(), 1, "{p:?} {t:?}: {e:?}");
            assert_eq!(e[0].0, *at, "{p:?} {t:?}: {e:?}");
        }
    }

    #[test]
    fn defaults_and_versions() {
        assert_eq!(default_type("vnc"), Some("novnc"));
        assert_eq!(default_type("spice"), Some("spice-html5"));
        assert_eq!(default_type("mks"), Some("webmks"));
        assert_eq!(default_type("telnet"), None);
        assert_eq!(needed_version("vnc", "novnc"), Microversion(2, 6));
        assert_eq!(needed_version("serial", "serial"), Microversion(2, 6));
        assert_eq!(needed_version("mks", "webmks"), Microversion(2, 8));
        assert_eq!(needed_version("spice", "spice-direct"), Microversion(2, 99));
        assert_eq!(
            pair(&config(Value::Null, Value::Null)),
            Some(("vnc".into(), Some("novnc".into())))
        );
        assert_eq!(pair(&config(Value::Unknown, Value::Null)), None);
        assert_eq!(pair(&config(s("vnc"), Value::Unknown)), None);
    }

    #[test]
    fn body() {
        insta::assert_json_snapshot!(request_body("spice", "spice-html5"), @r#"
        {
          "remote_console": {
            "protocol": "spice",
            "type": "spice-html5"
          }
        }
        "#);
    }

    #[test]
    fn tokens_from_urls() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                "http://127.0.0.1:6080/vnc_auto.html?path=%3Ftoken%3Dabc-123",
                Some("abc-123"),
            ),
            (
                "http://127.0.0.1:6082/spice_auto.html?token=t0k",
                Some("t0k"),
            ),
            ("ws://127.0.0.1:6083/?token=s3r", Some("s3r")),
            ("http://127.0.0.1:6080/vnc_auto.html", None),
            ("http://127.0.0.1:6080/vnc_auto.html?token=", None),
            ("not a url", None),
        ];
        for (url, want) in cases {
            assert_eq!(token_of(url).as_deref(), *want, "{url}");
        }
    }
}
