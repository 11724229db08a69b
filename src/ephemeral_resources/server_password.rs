//! `nova_server_password`: the password a guest agent (cloudbase-init on
//! Windows) set for a server, read from `GET /servers/{id}/os-server-password`
//! and decrypted here with the private key of the server's RSA key pair.
//! Nova keeps only the encrypted form (base64 of RSA PKCS#1 v1.5); the
//! decrypted password lives for one run and never reaches state or plan.

use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::client::path_segment;
use crate::configured::NovaData;
use crate::framework::model::{decode_checked, Model};
use crate::framework::validators::{parse_duration, Duration as DurationValidator, Uuid};
use crate::framework::*;
use crate::resources::api_error;
use crate::resources::rsa_key::{decrypt_password, private_key_from_pem, KeyError};
use crate::tf_model;

/// How often Nova is asked again while waiting for the guest.
pub const POLL_INTERVAL: Duration = Duration::from_secs(5);

tf_model! {
    /// `nova_server_password` configuration and result.
    pub struct ServerPasswordModel {
        pub server_id: Attr<String>,
        pub private_key: Attr<String>,
        pub timeout: Attr<String>,
        pub password: Attr<String>,
        pub encrypted_password: Attr<String>,
    }
}

pub fn password_path(server_id: &str) -> String {
    format!("/servers/{}/os-server-password", path_segment(server_id))
}

/// The encrypted password of an `os-server-password` answer; `None` while
/// the guest has set none (Nova answers `""`).
pub fn encrypted_of(body: &serde_json::Value) -> Option<&str> {
    body["password"].as_str().filter(|p| !p.trim().is_empty())
}

/// The error for a private key that cannot decrypt, at `private_key`.
fn key_error(diags: &mut Diagnostics, e: &KeyError) {
    diags.error_at(
        AttrPath::attr("private_key"),
        "Invalid private key",
        format!("private_key: {e}"),
    );
}

pub struct ServerPassword;

#[async_trait]
impl EphemeralResource<NovaData> for ServerPassword {
    fn type_name(&self) -> &'static str {
        "nova_server_password"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new("The administrator password a guest agent (cloudbase-init on Windows guests) set for a server, decrypted for one Terraform run and never written to state or plan. The agent encrypts the password with the public key of the server's key pair and leaves it with Nova's metadata service; this reads it (`os-server-password`) and decrypts it with that key pair's RSA private key, e.g. from a `nova_keypair` with `algorithm = \"rsa\"`.")
                .attr(Attribute::string("server_id").required().validate(Uuid).description("The server."))
                .attr(Attribute::string("private_key").required().sensitive().description("The RSA private key of the server's key pair, in PEM form: PKCS#1 (`-----BEGIN RSA PRIVATE KEY-----`, what `nova_keypair` with `algorithm = \"rsa\"` generates) or PKCS#8 (`-----BEGIN PRIVATE KEY-----`), unencrypted. An OpenSSH-format RSA key is refused (`ssh-keygen -p -m PEM -f KEY` converts it to PEM); an Ed25519 or ECDSA key cannot decrypt the password at all, which is encrypted to the public key of the server's RSA key pair."))
                .attr(Attribute::string("timeout").optional().validate(DurationValidator).description("How long to wait for the guest to set its password when Nova holds none yet, such as `\"20m\"` for a Windows guest still running its first boot; Nova is asked every 5 seconds. Unset (or `\"0s\"`): no wait, and a server without a password is an error."))
                .attr(Attribute::string("password").computed().sensitive().description("The decrypted password."))
                .attr(Attribute::string("encrypted_password").computed().description("The password as Nova keeps it: base64 of the RSA (PKCS#1 v1.5) encryption with the key pair's public key.")),
        )
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let Some(c) = decode_checked::<ServerPasswordModel>(config, diags) else {
            return;
        };
        // a known key that cannot decrypt anything is refused before any request
        if let Some(Err(e)) = c.private_key.if_known().map(|k| private_key_from_pem(k)) {
            key_error(diags, &e);
        }
    }

    async fn open(&self, data: &NovaData, req: OpenRequest, resp: &mut OpenResponse) {
        let Ok(c) = ServerPasswordModel::from_value(&req.config) else {
            return resp.diags.error(
                "Invalid configuration",
                "the configuration does not fit the schema.",
            );
        };
        // the runtime opens only a wholly known configuration; each one
        // that is not is named all the same
        for (name, unknown) in [
            ("server_id", c.server_id.is_unknown()),
            ("private_key", c.private_key.is_unknown()),
            ("timeout", c.timeout.is_unknown()),
        ] {
            if unknown {
                resp.diags.push(Diagnostic::not_known(name));
            }
        }
        let (Some(id), Some(pem)) = (
            c.server_id.if_known().cloned(),
            c.private_key.if_known().cloned(),
        ) else {
            return;
        };
        if resp.diags.has_errors() {
            return;
        }
        let key = match private_key_from_pem(&pem) {
            Ok(k) => k,
            Err(e) => return key_error(&mut resp.diags, &e),
        };
        let wait = c
            .timeout
            .as_deref()
            .and_then(parse_duration)
            .unwrap_or(Duration::ZERO);
        let deadline = Instant::now() + wait;
        let path = password_path(&id);
        let encrypted = loop {
            let body = match data.cloud.get(&path).await {
                Ok(b) => b,
                Err(e) => {
                    return resp.diags.push(api_error(
                        &format!("Cannot read the password of server {id}"),
                        &e,
                    ))
                }
            };
            if let Some(p) = encrypted_of(&body) {
                break p.to_string();
            }
            let now = Instant::now();
            if now >= deadline {
                let waited = if wait.is_zero() {
                    "Set timeout (such as \"20m\") to wait for the guest.".to_string()
                } else {
                    format!(
                        "Waited {} (timeout); the guest may still be booting, or its agent cannot reach the metadata service.",
                        c.timeout.as_deref().unwrap_or_default()
                    )
                };
                return resp.diags.error(
                    "No password set",
                    format!("Server {id} has no password yet: Nova holds one only once the guest's agent (cloudbase-init) has set it through the metadata service. {waited}"),
                );
            }
            let pause = POLL_INTERVAL.min(deadline - now);
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = req.stop.stopped() => {
                    return resp.diags.error(
                        "Stopped",
                        format!("Stopped while waiting for the password of server {id}."),
                    );
                }
            }
        };
        let password = match decrypt_password(&key, &encrypted) {
            Ok(p) => p,
            Err(e) => return key_error(&mut resp.diags, &e),
        };
        resp.result.set("password", Value::String(password));
        resp.result
            .set("encrypted_password", Value::String(encrypted));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_model_fits_the_schema() {
        ServerPasswordModel::check_against(&ServerPassword.schema().ty()).unwrap();
        let s = ServerPassword.schema();
        let pk = s.block.attribute("private_key").unwrap();
        assert!(pk.required && pk.sensitive);
        let pw = s.block.attribute("password").unwrap();
        assert!(pw.computed && pw.sensitive && !pw.optional);
    }

    #[test]
    fn path_and_answer() {
        assert_eq!(
            password_path("7a9e4c2e-0f7e-4a37-9e3c-1b8b1e0c9d11"),
            "/servers/7a9e4c2e-0f7e-4a37-9e3c-1b8b1e0c9d11/os-server-password"
        );
        for (body, want) in [
            (json!({"password": "abc="}), Some("abc=")),
            (json!({"password": ""}), None),
            (json!({"password": "  \n"}), None),
            (json!({"password": null}), None),
            (json!({}), None),
        ] {
            assert_eq!(encrypted_of(&body), want, "{body}");
        }
    }

    fn config(server_id: Value, private_key: Value, timeout: Value) -> Value {
        Value::Object(
            [
                ("server_id", server_id),
                ("private_key", private_key),
                ("timeout", timeout),
                ("password", Value::Null),
                ("encrypted_password", Value::Null),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        )
    }

    #[test]
    fn private_keys_checked_at_plan() {
        let (_, rsa) = crate::resources::rsa_key::generate_rsa(2048, "k").unwrap();
        let (_, ed) = crate::resources::keypair::generate_ed25519("k").unwrap();
        let id = || Value::string("7a9e4c2e-0f7e-4a37-9e3c-1b8b1e0c9d11");
        for (key, errors, detail) in [
            (Value::string(rsa.clone()), 0, ""),
            // not known yet (from a resource created in this run): not judged
            (Value::Unknown, 0, ""),
            (
                Value::string(ed.clone()),
                1,
                "OpenSSH-format Ed25519 private key, which cannot decrypt",
            ),
            (Value::string("hunter2"), 1, "not a PEM private key"),
        ] {
            let mut d = Diagnostics::default();
            ServerPassword.validate(&config(id(), key.clone(), Value::Null), &mut d);
            let all: Vec<_> = d.iter().collect();
            assert_eq!(all.len(), errors, "{all:?}");
            for e in all {
                assert_eq!(e.path, Some(AttrPath::attr("private_key")));
                assert!(e.detail.contains(detail), "{}", e.detail);
                // the key itself is never echoed
                assert!(!e.detail.contains("hunter2") && !e.detail.contains(&ed[40..80]));
            }
        }
    }

    /// Every bad argument is reported in one run, each at its attribute:
    /// at validation (where unknown values are not judged) and again when
    /// opening (where all are known), before any request.
    #[tokio::test]
    async fn every_bad_argument_reported_at_once() {
        let rt = crate::framework::runtime::Runtime::new(crate::provider::NovaProvider);
        let ty = ServerPassword.schema().ty();
        let (_, rsa) = crate::resources::rsa_key::generate_rsa(2048, "k").unwrap();
        let (_, ed) = crate::resources::keypair::generate_ed25519("k").unwrap();
        let s = Value::string;
        let u = || Value::Unknown;
        // (server_id, private_key, timeout, attributes named)
        let table: Vec<(Value, Value, Value, Vec<&str>)> = vec![
            (s(ID), s(&rsa), Value::Null, vec![]),
            (
                s("nope"),
                s("hunter2"),
                Value::Null,
                vec!["server_id", "private_key"],
            ),
            (
                s("nope"),
                s(&ed),
                s("soon"),
                vec!["server_id", "timeout", "private_key"],
            ),
            (
                s(ID),
                s("hunter2"),
                s("soon"),
                vec!["timeout", "private_key"],
            ),
            (s("nope"), s(&rsa), s("-1m"), vec!["server_id", "timeout"]),
            // unknown values are not judged at validation; the rest is
            (u(), s("hunter2"), s("soon"), vec!["timeout", "private_key"]),
            (s("nope"), u(), u(), vec!["server_id"]),
            (u(), u(), u(), vec![]),
        ];
        for (server_id, private_key, timeout, want) in table {
            let cfg = Dynamic::encode(
                &config(server_id.clone(), private_key.clone(), timeout.clone()),
                &ty,
            );
            let d = rt.validate_ephemeral_config("nova_server_password", &cfg);
            let at: Vec<String> = d
                .iter()
                .map(|e| e.path.as_ref().map(|p| p.to_string()).unwrap_or_default())
                .collect();
            assert_eq!(at, want, "validate {server_id:?} {timeout:?}: {d:?}");
            let known =
                !server_id.is_unknown() && !private_key.is_unknown() && !timeout.is_unknown();
            if known && !want.is_empty() {
                // the provider is not even configured: the checks come first
                let o = rt.open_ephemeral("nova_server_password", &cfg).await;
                assert!(o.result.is_none());
                let at: Vec<String> = o
                    .diags
                    .iter()
                    .map(|e| e.path.as_ref().map(|p| p.to_string()).unwrap_or_default())
                    .collect();
                assert_eq!(at, want, "open {server_id:?} {timeout:?}: {:?}", o.diags);
            }
        }
    }

    const ID: &str = "7a9e4c2e-0f7e-4a37-9e3c-1b8b1e0c9d11";

    /// Encrypts as cloudbase-init does: PKCS#1 v1.5 with the OpenSSH public
    /// key Nova handed the guest, then base64.
    fn encrypt_for(public_line: &str, password: &str) -> String {
        use aws_lc_rs::rsa::{Pkcs1PublicEncryptingKey, PublicEncryptingKey, PublicKeyComponents};
        use base64::Engine;
        let key = ssh_key::PublicKey::from_openssh(public_line).unwrap();
        let rsa = key.key_data().rsa().unwrap();
        let public: PublicEncryptingKey = PublicKeyComponents {
            n: rsa.n.as_positive_bytes().unwrap().to_vec(),
            e: rsa.e.as_positive_bytes().unwrap().to_vec(),
        }
        .try_into()
        .unwrap();
        let enc = Pkcs1PublicEncryptingKey::new(public).unwrap();
        let mut out = vec![0u8; enc.ciphertext_size()];
        base64::engine::general_purpose::STANDARD
            .encode(enc.encrypt(password.as_bytes(), &mut out).unwrap())
    }

    /// Opens the ephemeral resource against a cloud whose os-server-password
    /// answers `answers` in turn (the last one from then on).
    async fn open_with(
        answers: &[(u16, serde_json::Value)],
        private_key: &str,
        timeout: Value,
    ) -> (Value, Diagnostics, usize) {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, ResponseTemplate};
        let (server, data) = crate::configured::mock_nova("2.96").await;
        for (i, (status, body)) in answers.iter().enumerate() {
            let m = Mock::given(method("GET"))
                .and(path(format!("/v2.1/servers/{ID}/os-server-password")))
                .respond_with(ResponseTemplate::new(*status).set_body_json(body.clone()));
            let m = if i + 1 < answers.len() {
                m.up_to_n_times(1)
            } else {
                m
            };
            server.register(m.with_priority(i as u8 + 1)).await;
        }
        let cfg = config(Value::string(ID), Value::string(private_key), timeout);
        let mut resp = OpenResponse {
            result: cfg.clone(),
            private: None,
            renew_at: None,
            diags: Diagnostics::default(),
        };
        ServerPassword
            .open(
                &data,
                OpenRequest {
                    config: cfg,
                    stop: Default::default(),
                },
                &mut resp,
            )
            .await;
        let asked = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path().ends_with("/os-server-password"))
            .count();
        (resp.result, resp.diags, asked)
    }

    #[tokio::test]
    async fn open_decrypts_what_nova_holds() {
        let (public, private) = crate::resources::rsa_key::generate_rsa(2048, "w").unwrap();
        let encrypted = encrypt_for(&public, "S3cret-pässword");
        let (result, diags, asked) = open_with(
            &[(200, json!({"password": encrypted}))],
            &private,
            Value::Null,
        )
        .await;
        assert!(!diags.has_errors(), "{diags:?}");
        assert_eq!(asked, 1);
        assert_eq!(result.get("password"), &Value::string("S3cret-pässword"));
        assert_eq!(result.get("encrypted_password"), &Value::string(encrypted));
        assert_eq!(result.get("timeout"), &Value::Null);
    }

    #[tokio::test]
    async fn open_errors_name_the_cause() {
        let (public, _) = crate::resources::rsa_key::generate_rsa(2048, "w").unwrap();
        let (_, other) = crate::resources::rsa_key::generate_rsa(2048, "o").unwrap();
        let encrypted = encrypt_for(&public, "pw");
        // (answers, timeout, summary, detail has, requests at least)
        let not_found =
            json!({"itemNotFound": {"code": 404, "message": "Instance 7a9e could not be found."}});
        for (answers, timeout, summary, detail, asked) in [
            (
                vec![(200, json!({"password": ""}))],
                Value::Null,
                "No password set",
                "Set timeout",
                1,
            ),
            // waited the timeout out, asking again at its end
            (
                vec![(200, json!({"password": ""}))],
                Value::string("1s"),
                "No password set",
                "Waited 1s",
                2,
            ),
            (
                vec![(200, json!({"password": encrypted}))],
                Value::Null,
                "Invalid private key",
                "encrypted for another key",
                1,
            ),
            (
                vec![(404, not_found)],
                Value::Null,
                "Cannot read the password of server",
                "could not be found",
                1,
            ),
        ] {
            let (_, diags, n) = open_with(&answers, &other, timeout.clone()).await;
            let e: Vec<_> = diags.iter().collect();
            assert_eq!(e.len(), 1, "{e:?}");
            assert!(e[0].summary.contains(summary), "{e:?}");
            assert!(e[0].detail.contains(detail), "{e:?}");
            assert!(n >= asked, "{n} requests for {timeout:?}");
        }
    }

    #[tokio::test]
    async fn open_waits_for_the_guest() {
        let (public, private) = crate::resources::rsa_key::generate_rsa(2048, "w").unwrap();
        let encrypted = encrypt_for(&public, "late");
        let started = Instant::now();
        let (result, diags, asked) = open_with(
            &[
                (200, json!({"password": ""})),
                (200, json!({"password": encrypted})),
            ],
            &private,
            Value::string("1m"),
        )
        .await;
        assert!(!diags.has_errors(), "{diags:?}");
        assert_eq!(result.get("password"), &Value::string("late"));
        assert_eq!(asked, 2);
        assert!(started.elapsed() >= POLL_INTERVAL);
    }
}
