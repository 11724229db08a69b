//! `nova_keypair`: an SSH (or x509) key pair registered with the compute API.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value as J};

use crate::client::microversion as mv;
use crate::framework::validators::{OneOf, StringLength};
use crate::framework::*;
use crate::provider::NovaData;

use super::{api_error, path_segment, require_feature};

pub struct Keypair;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10 * 60);

pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new("A key pair that servers can be created with (`key_name`). Without `public_key`, the provider generates an Ed25519 key pair itself and keeps the private key (sensitive) in state.")
            .attr(Attribute::string("id").computed().use_state_for_unknown().description("The key pair's name."))
            .attr(Attribute::string("name").required().requires_replace().validate(StringLength(1, 255)).description("Name of the key pair."))
            .attr(Attribute::string("public_key").optional_computed().requires_replace().use_state_for_unknown().description("Public key in OpenSSH format (or an x509 certificate). Generated when absent."))
            .attr(Attribute::string("type").optional_computed().requires_replace().use_state_for_unknown().validate(OneOf(&["ssh", "x509"])).description("Key type, `ssh` or `x509` (microversion 2.2)."))
            .attr(Attribute::string("user_id").optional_computed().requires_replace().use_state_for_unknown().description("Owner of the key pair; admins may create key pairs for other users (microversion 2.10)."))
            .attr(Attribute::string("fingerprint").computed().use_state_for_unknown().description("Fingerprint of the public key."))
            .attr(Attribute::string("private_key").computed().sensitive().use_state_for_unknown().description("Generated private key (OpenSSH format); null when `public_key` was given or after import."))
            .block(timeouts_block(&["create", "delete"], "10m")),
    )
}

/// Generates an Ed25519 key pair: (public key line, private key PEM).
pub fn generate_ed25519(comment: &str) -> Result<(String, String), String> {
    let mut rng = rand_core::OsRng;
    let mut key = ssh_key::PrivateKey::random(&mut rng, ssh_key::Algorithm::Ed25519)
        .map_err(|e| e.to_string())?;
    key.set_comment(comment);
    let private = key
        .to_openssh(ssh_key::LineEnding::LF)
        .map_err(|e| e.to_string())?;
    let public = key.public_key().to_openssh().map_err(|e| e.to_string())?;
    Ok((public, private.to_string()))
}

/// The create request body.
pub fn create_body(
    name: &str,
    public_key: &str,
    key_type: Option<&str>,
    user_id: Option<&str>,
) -> J {
    let mut kp = json!({"name": name, "public_key": public_key});
    if let Some(t) = key_type {
        kp["type"] = t.into();
    }
    if let Some(u) = user_id {
        kp["user_id"] = u.into();
    }
    json!({"keypair": kp})
}

/// Copies a keypair document into state.
pub fn flatten(kp: &J, state: &mut Value) {
    let name = kp["name"].as_str().unwrap_or_default();
    state.set("id", Value::string(name));
    state.set("name", Value::string(name));
    if let Some(pk) = kp["public_key"].as_str() {
        // a key read with file() ends in a newline the cloud drops: the
        // same key, so the configured spelling stays
        let same = state.get("public_key").as_str().map(str::trim) == Some(pk.trim());
        if !same {
            state.set("public_key", Value::string(pk.trim_end()));
        }
    }
    if let Some(fp) = kp["fingerprint"].as_str() {
        state.set("fingerprint", Value::string(fp));
    }
    state.set("type", Value::string(kp["type"].as_str().unwrap_or("ssh")));
    if let Some(u) = kp["user_id"].as_str() {
        state.set("user_id", Value::string(u));
    }
}

fn user_query(user_id: Option<String>) -> String {
    user_id
        .map(|u| format!("?user_id={}", path_segment(&u)))
        .unwrap_or_default()
}

/// `list` blocks find these by name.
const LISTING: crate::resources::ByName = crate::resources::ByName {
    what: "key pairs",
    path: "/os-keypairs",
    collection: "keypairs",
    item_key: "keypair",
    id_key: "name",
};

#[async_trait]
impl Resource<NovaData> for Keypair {
    fn type_name(&self) -> &'static str {
        "nova_keypair"
    }

    fn list_schema(&self) -> Option<Schema> {
        Some(LISTING.schema())
    }

    async fn list(&self, data: &NovaData, config: &Value, diags: &mut Diagnostics) -> Vec<Listed> {
        LISTING.list(data, config, diags).await
    }

    fn generated_config(&self, state: &Value, mut config: Value) -> Value {
        // explicit, so the configuration never asks for a generated key
        config.set("public_key", state.get("public_key").clone());
        config
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema {
            version: 0,
            attributes: vec![
                (
                    "name".into(),
                    Type::String,
                    true,
                    "Name of the key pair.".into(),
                ),
                (
                    "user_id".into(),
                    Type::String,
                    false,
                    "Owner of the key pair (admins only).".into(),
                ),
            ],
        })
    }

    async fn plan(&self, data: Option<&NovaData>, req: &PlanRequest<'_>, resp: &mut PlanResponse) {
        let Some(data) = data else { return };
        if !req.prior.is_null() {
            return;
        }
        let checks = [("type", mv::KEYPAIR_TYPE), ("user_id", mv::KEYPAIR_USER_ID)];
        for (attr, needed) in checks {
            if !req.config.get(attr).is_null() {
                require_feature(data, needed, attr, &mut resp.diags).await;
            }
        }
        if req.config.get("public_key").is_null() {
            // the private key is generated at apply; nothing else is unknown
            resp.planned
                .set("type", req.config.get("type").clone().or_default_str("ssh"));
        }
    }

    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let deadline = deadline_after(timeout_for(&req.config, "create", DEFAULT_TIMEOUT));
        let name = req.planned.get("name").opt_str().unwrap_or_default();
        let (public_key, private_key) = match req.planned.get("public_key").opt_str() {
            Some(pk) => (pk, None),
            None => match generate_ed25519(&name) {
                Ok((pubk, privk)) => (pubk, Some(privk)),
                Err(e) => {
                    resp.diags.error("Cannot generate a key pair", e);
                    return;
                }
            },
        };
        let body = create_body(
            &name,
            &public_key,
            req.planned.get("type").as_str(),
            req.planned.get("user_id").as_str(),
        );
        let user = req.planned.get("user_id").opt_str();
        let find = || async {
            let path = format!(
                "/os-keypairs/{}{}",
                path_segment(&name),
                user_query(user.clone())
            );
            match data.cloud.get(&path).await {
                // ours only when it holds the key we sent
                Ok(b)
                    if b["keypair"]["public_key"].as_str().map(str::trim_end)
                        == Some(public_key.trim_end()) =>
                {
                    Ok(Some(b))
                }
                Ok(_) => Ok(None),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            }
        };
        match data
            .cloud
            .create("/os-keypairs", &body, Some(deadline), find)
            .await
        {
            Ok(reply) => {
                let mut state = req.planned.clone();
                if state.get("public_key").as_str().is_none() {
                    // generated here
                    state.set("public_key", Value::string(public_key.trim_end()));
                }
                flatten(&reply["keypair"], &mut state);
                state.set("private_key", Value::from_opt_str(private_key));
                if state.get("user_id").is_unknown() {
                    state.set(
                        "user_id",
                        Value::from_opt_str(data.cloud.session.user_id().await.ok().flatten()),
                    );
                }
                if state.get("fingerprint").is_unknown() {
                    state.set("fingerprint", Value::Null);
                }
                resp.state = state;
            }
            Err(e) => resp.diags.push(api_error("Cannot create key pair", &e)),
        }
    }

    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let name = req
            .state
            .get("name")
            .opt_str()
            .or_else(|| req.state.get("id").opt_str())
            .unwrap_or_default();
        let path = format!(
            "/os-keypairs/{}{}",
            path_segment(&name),
            user_query(req.state.get("user_id").opt_str())
        );
        match data.cloud.get(&path).await {
            Ok(body) => {
                let mut state = req.state.clone();
                flatten(&body["keypair"], &mut state);
                resp.state = state;
            }
            Err(e) if e.is_not_found() => resp.state = Value::Null,
            Err(e) => resp.diags.push(api_error("Cannot read key pair", &e)),
        }
    }

    async fn update(&self, _data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        // every argument replaces the key pair; only timeouts change in place
        resp.state = req.planned;
    }

    async fn delete(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let deadline = deadline_after(timeout_for(&req.prior, "delete", DEFAULT_TIMEOUT));
        let name = req.prior.get("name").opt_str().unwrap_or_default();
        let path = format!(
            "/os-keypairs/{}{}",
            path_segment(&name),
            user_query(req.prior.get("user_id").opt_str())
        );
        match data
            .cloud
            .compute(Method::DELETE, &path, None, Some(deadline))
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => resp.diags.push(api_error("Cannot delete key pair", &e)),
        }
    }

    async fn import(&self, _data: &NovaData, req: ImportRequest, resp: &mut ImportResponse) {
        match &req.identity {
            Some(id) => {
                resp.state.set("name", id.get("name").clone());
                resp.state.set("id", id.get("name").clone());
                resp.state.set("user_id", id.get("user_id").clone());
            }
            None => {
                resp.state.set("name", Value::string(&req.id));
                resp.state.set("id", Value::string(&req.id));
            }
        }
    }
}

trait OrDefault {
    fn or_default_str(self, d: &str) -> Value;
}

impl OrDefault for Value {
    fn or_default_str(self, d: &str) -> Value {
        if self.is_null() {
            Value::string(d)
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_openssh_ed25519() {
        let (public, private) = generate_ed25519("k1").unwrap();
        assert!(public.starts_with("ssh-ed25519 "), "{public}");
        assert!(public.ends_with(" k1"));
        assert!(private.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
    }

    #[test]
    fn create_body_is_canonical() {
        insta::assert_json_snapshot!(create_body("k", "ssh-ed25519 AAAA k", Some("ssh"), None), @r#"
        {
          "keypair": {
            "name": "k",
            "public_key": "ssh-ed25519 AAAA k",
            "type": "ssh"
          }
        }
        "#);
    }

    #[test]
    fn flatten_seed_response() {
        // the create response shape of DIGEST §4 (seed 002), import form
        let kp = json!({"keypair": {"name": "keypair-5d935425", "public_key": "ssh-rsa AAAAB3Nz test\n",
            "fingerprint": "7e:eb:ab:24:ba:d1:e1:88:ae:9a:fb:66:53:df:d3:bd", "user_id": "fake", "type": "ssh"}});
        let mut st = Value::null_object(&schema().ty());
        flatten(&kp["keypair"], &mut st);
        assert_eq!(st.get("id"), &Value::string("keypair-5d935425"));
        assert_eq!(
            st.get("public_key"),
            &Value::string("ssh-rsa AAAAB3Nz test")
        );
        assert_eq!(st.get("type"), &Value::string("ssh"));
        // before 2.2 there is no type in responses: ssh is implied
        let mut st2 = Value::null_object(&schema().ty());
        flatten(&json!({"name": "a", "public_key": "x"}), &mut st2);
        assert_eq!(st2.get("type"), &Value::string("ssh"));
    }

    #[test]
    fn a_key_read_from_a_file_keeps_its_newline() {
        for (configured, cloud, kept) in [
            (
                "ssh-ed25519 AAAA k\n",
                "ssh-ed25519 AAAA k",
                "ssh-ed25519 AAAA k\n",
            ),
            (
                "ssh-ed25519 AAAA k",
                "ssh-ed25519 AAAA k\n",
                "ssh-ed25519 AAAA k",
            ),
            // another key on the cloud (drift) is shown
            (
                "ssh-ed25519 AAAA k\n",
                "ssh-ed25519 BBBB k",
                "ssh-ed25519 BBBB k",
            ),
        ] {
            let mut st = Value::null_object(&schema().ty());
            st.set("public_key", Value::string(configured));
            flatten(&json!({"name": "a", "public_key": cloud}), &mut st);
            assert_eq!(st.get("public_key"), &Value::string(kept), "{configured:?}");
        }
        // nothing known before (import): the cloud's key, trimmed
        let mut st = Value::null_object(&schema().ty());
        flatten(
            &json!({"name": "a", "public_key": "ssh-ed25519 AAAA k\n"}),
            &mut st,
        );
        assert_eq!(st.get("public_key"), &Value::string("ssh-ed25519 AAAA k"));
    }
}
