//! `nova_keypair`: an SSH (or x509) key pair registered with the compute API.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value as J};

use crate::client::microversion as mv;
use crate::client::{documents, ApiError};
use crate::configured::NovaData;
use crate::framework::model::{decode, decode_checked, Model};
use crate::framework::validators::{OneOf, StringLength};
use crate::framework::*;
use crate::tf_model;

use super::{api_error, path_segment, require_feature};

pub struct Keypair;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10 * 60);

pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new("A key pair that servers can be created with (`key_name`). Without `public_key`, the provider generates the key pair itself (Ed25519, or RSA with `algorithm = \"rsa\"`, which Windows guests need for `nova_server_password`) and keeps the private key (sensitive) in state.")
            .attr(Attribute::string("id").computed().use_state_for_unknown().description("The key pair's name."))
            .attr(Attribute::string("name").required().requires_replace().validate(StringLength(1, 255)).description("Name of the key pair."))
            .attr(Attribute::string("public_key").optional_computed().requires_replace().use_state_for_unknown().description("Public key in OpenSSH format (or an x509 certificate). Generated when absent."))
            .attr(Attribute::string("type").optional_computed().requires_replace().use_state_for_unknown().validate(OneOf(&["ssh", "x509"])).description("Key type, `ssh` or `x509` (microversion 2.2)."))
            .attr(algorithm_attribute().description(&format!("{} After an import it is read from the key pair's public key (`rsa` for an RSA key, unset for Ed25519), so the configuration that generated it plans no replacement.", algorithm_attribute().description)))
            .attr(rsa_bits_attribute().description(&format!("{} After an import it is read from the public key's modulus (unset for 4096).", rsa_bits_attribute().description)))
            .attr(Attribute::string("user_id").optional_computed().requires_replace().use_state_for_unknown().description("Owner of the key pair; admins may create key pairs for other users (microversion 2.10)."))
            .attr(Attribute::string("fingerprint").computed().use_state_for_unknown().description("Fingerprint of the public key."))
            .attr(Attribute::string("private_key").computed().sensitive().use_state_for_unknown().description("Generated private key: OpenSSH format for `ed25519`, PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`, what `openssl` and `nova_server_password` read) for `rsa`; null when `public_key` was given or after import."))
            .block(timeouts_block(&["create", "delete"], "10m")),
    )
}

/// The algorithms of generated key pairs; the first is the default.
pub const ALGORITHMS: &[&str] = &["ed25519", "rsa"];

/// `algorithm`: the algorithm of a generated key pair.
pub fn algorithm_attribute() -> Attribute {
    Attribute::string("algorithm")
        .optional()
        .requires_replace()
        .validate(OneOf(ALGORITHMS))
        .description("Algorithm of the key pair the provider generates: `ed25519` (the default when unset) or `rsa`. Not Nova's `type` (ssh or x509). Only for generated keys: it cannot be set with `public_key`.")
}

/// `rsa_bits`: the size of a generated RSA key.
pub fn rsa_bits_attribute() -> Attribute {
    Attribute::number("rsa_bits")
        .optional()
        .requires_replace()
        .description("Size in bits of a generated RSA key: 2048 or 4096 (4096 when unset). Only with `algorithm = \"rsa\"`.")
}

/// Plan-time checks of `algorithm` and `rsa_bits` against each other and
/// `public_key`. Unknown values are not judged; a null `algorithm` is
/// `ed25519`.
pub fn check_algorithm(
    algorithm: &Attr<String>,
    rsa_bits: &Attr<i64>,
    public_key: &Attr<String>,
    diags: &mut Diagnostics,
) {
    if algorithm.if_known().is_some() && public_key.if_known().is_some() {
        diags.error_at(
            AttrPath::attr("algorithm"),
            "Conflicting arguments",
            "algorithm: it chooses the algorithm of a key pair the provider generates; with public_key given nothing is generated, so leave algorithm out.",
        );
    }
    let Some(bits) = rsa_bits.if_known() else {
        return;
    };
    if !crate::resources::rsa_key::RSA_BITS.contains(bits) {
        diags.error_at(
            AttrPath::attr("rsa_bits"),
            "Invalid value for rsa_bits",
            format!("rsa_bits must be 2048 or 4096, not {bits}."),
        );
    }
    let rsa = match algorithm {
        Attr::Unknown => return,
        Attr::Null => false,
        Attr::Known(a) => a == "rsa",
    };
    if !rsa {
        diags.error_at(
            AttrPath::attr("rsa_bits"),
            "Conflicting arguments",
            format!(
                "rsa_bits is the size of an RSA key; it needs algorithm = \"rsa\" (algorithm is {}).",
                algorithm
                    .as_deref()
                    .map(|a| format!("\"{a}\""))
                    .unwrap_or_else(|| "unset, which generates ed25519".into())
            ),
        );
    }
}

/// Generates a key pair of the configured algorithm (null: Ed25519;
/// `rsa_bits` null: 4096): (OpenSSH public key line, private key).
pub fn generate(
    algorithm: Option<&str>,
    rsa_bits: Option<i64>,
    comment: &str,
) -> Result<(String, String), String> {
    match algorithm {
        None | Some("ed25519") => generate_ed25519(comment),
        Some("rsa") => crate::resources::rsa_key::generate_rsa(
            rsa_bits.unwrap_or(crate::resources::rsa_key::DEFAULT_RSA_BITS),
            comment,
        )
        .map_err(|e| e.to_string()),
        Some(other) => Err(format!("unknown algorithm \"{other}\"")),
    }
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

/// What a public key is, in the provider's terms: `("ed25519", None)`, or
/// `("rsa", Some(bits))` with the size of its modulus; `None` for other
/// algorithms (ECDSA, DSA, x509 certificates) and what does not parse.
pub fn public_key_algorithm(public_key: &str) -> Option<(&'static str, Option<i64>)> {
    let key = ssh_key::PublicKey::from_openssh(public_key.trim()).ok()?;
    match key.key_data() {
        ssh_key::public::KeyData::Ed25519(_) => Some(("ed25519", None)),
        ssh_key::public::KeyData::Rsa(rsa) => {
            let n = rsa.n.as_positive_bytes()?;
            let bits = n.len() * 8 - n.first().map_or(0, |b| b.leading_zeros() as usize);
            Some(("rsa", Some(bits as i64)))
        }
        _ => None,
    }
}

/// `algorithm` and `rsa_bits` recovered from an imported key pair's public
/// key, spelt as the shortest configuration that generates such a key
/// writes them (what `create` stores for it): Ed25519 is the default, null;
/// RSA is `"rsa"`, with `rsa_bits` null for the default 4096 and the
/// modulus size otherwise. Other keys: both null.
pub fn recovered_algorithm(public_key: &str) -> (Attr<String>, Attr<i64>) {
    match public_key_algorithm(public_key) {
        Some(("rsa", bits)) => (
            Attr::Known("rsa".into()),
            match bits {
                Some(crate::resources::rsa_key::DEFAULT_RSA_BITS) | None => Attr::Null,
                Some(b) => Attr::Known(b),
            },
        ),
        _ => (Attr::Null, Attr::Null),
    }
}

/// Why `key` is not a public key Nova can take, or `None`. An x509 key is
/// a PEM certificate; an SSH key is an OpenSSH line `<algorithm> <base64
/// blob> [comment]` whose blob starts with the same algorithm name (what
/// Nova needs to compute its fingerprint).
pub fn public_key_problem(key: &str, x509: bool) -> Option<String> {
    use base64::Engine;
    if x509 {
        return (!key.contains("-----BEGIN CERTIFICATE-----")).then(|| {
            "an x509 key pair needs a PEM certificate (-----BEGIN CERTIFICATE-----).".into()
        });
    }
    let mut parts = key.split_whitespace();
    let known_algorithm = |a: &str| {
        ["ssh-", "ecdsa-sha2-", "sk-"]
            .iter()
            .any(|p| a.starts_with(p))
    };
    let (Some(algorithm), Some(blob)) = (parts.next().filter(|a| known_algorithm(a)), parts.next())
    else {
        return Some("an OpenSSH public key is \"<algorithm> <base64 key> [comment]\".".into());
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(blob) else {
        return Some(format!("the key after \"{algorithm}\" is not base64."));
    };
    let named = bytes
        .get(..4)
        .map(|n| u32::from_be_bytes([n[0], n[1], n[2], n[3]]) as usize)
        .and_then(|n| bytes.get(4..4 + n));
    match named {
        Some(name) if name == algorithm.as_bytes() => None,
        _ => Some(format!("the key data is not a \"{algorithm}\" key.")),
    }
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

tf_model! {
    /// `nova_keypair` configuration, plan and state.
    pub struct KeypairModel {
        pub id: Attr<String>,
        pub name: Attr<String>,
        pub public_key: Attr<String>,
        pub r#type: Attr<String>,
        pub algorithm: Attr<String>,
        pub rsa_bits: Attr<i64>,
        pub user_id: Attr<String>,
        pub fingerprint: Attr<String>,
        pub private_key: Attr<String>,
        pub timeouts: Value,
    }
}

tf_model! {
    /// The resource identity: the name, and the owner for an admin's import.
    pub struct KeypairIdentity {
        pub name: Attr<String>,
        pub user_id: Attr<String>,
    }
}

impl KeypairModel {
    /// The name to address the key pair by (`id` after an import by ID).
    fn key_name(&self) -> String {
        self.name
            .if_known()
            .or(self.id.if_known())
            .cloned()
            .unwrap_or_default()
    }

    /// `/os-keypairs/{name}[?user_id=]`.
    fn path(&self) -> String {
        format!(
            "/os-keypairs/{}{}",
            path_segment(&self.key_name()),
            user_query(self.user_id.if_known().cloned())
        )
    }
}

/// Copies a key pair document into the model. A public key that differs
/// from the one in the model only by trailing white space (a key read with
/// `file()` ends in a newline the cloud drops) stays as written; before
/// microversion 2.2 no `type` is reported and `ssh` is implied.
pub fn flatten(kp: &documents::Keypair, m: &mut KeypairModel) {
    let name = kp.name.clone().unwrap_or_default();
    m.id = Attr::Known(name.clone());
    m.name = Attr::Known(name);
    if let Some(pk) = &kp.public_key {
        let same = m.public_key.as_deref().map(str::trim) == Some(pk.trim());
        if !same {
            m.public_key = Attr::Known(pk.trim_end().to_string());
        }
    }
    if let Some(fp) = &kp.fingerprint {
        m.fingerprint = Attr::Known(fp.clone());
    }
    m.r#type = Attr::Known(kp.key_type.clone().unwrap_or_else(|| "ssh".into()));
    if let Some(u) = &kp.user_id {
        m.user_id = Attr::Known(u.clone());
    }
}

/// After an import: `algorithm` and `rsa_bits` from the public key the
/// cloud holds (see [`recovered_algorithm`]), so a configuration that
/// generated the key pair plans no replacement. The private key is not
/// recovered: Nova never hands it out again, and it stays null.
pub fn recover_algorithm(m: &mut KeypairModel) {
    if !m.algorithm.is_null() || !m.rsa_bits.is_null() {
        return;
    }
    if let Some(pk) = m.public_key.if_known() {
        (m.algorithm, m.rsa_bits) = recovered_algorithm(pk);
    }
}

/// Reads the `keypair` of a reply into the model.
pub fn flatten_reply(body: &J, m: &mut KeypairModel) -> Result<(), ApiError> {
    flatten(&documents::parse("key pair", &body["keypair"])?, m);
    Ok(())
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

/// The same public key spelt with other trailing white space (a key read
/// with `file()` after an import, which stores the cloud's spelling) is no
/// new key: the change applies in place, without an API call, instead of
/// replacing the key pair.
fn same_key_in_place(req: &PlanRequest<'_>, resp: &mut PlanResponse) {
    let (Ok(prior), Ok(config)) = (
        KeypairModel::from_value(req.prior),
        KeypairModel::from_value(req.config),
    ) else {
        return;
    };
    let mut same = Vec::new();
    if let (Some(was), Some(now)) = (prior.public_key.as_deref(), config.public_key.as_deref()) {
        if was != now && was.trim() == now.trim() {
            same.push("public_key");
        }
    }
    // a generated key pair's algorithm written out as its default (or the
    // default left out again) is the same key pair
    let generated = prior.private_key.if_known().is_some();
    if generated && same_generated_algorithm(&prior, &config) {
        same.extend(["algorithm", "rsa_bits"]);
    }
    // a key pair whose private key is not in state (imported, or its
    // public key given): what it is comes from its public key. A
    // configuration that would generate such a key, or gives a public key
    // (the algorithm then says nothing), asks for the same key pair
    if !generated && same_key_as_configured(&prior, &config) {
        same.extend(["algorithm", "rsa_bits"]);
    }
    let before = resp.requires_replace.len();
    resp.requires_replace
        .retain(|p| !same.iter().any(|a| *p == AttrPath::attr(a)));
    if resp.requires_replace.len() == before {
        return; // nothing was to replace it, or something else still is
    }
    if resp.requires_replace.is_empty() {
        // nothing changes in the cloud: the state as it was, the
        // arguments as written
        let Ok(planned) = KeypairModel::from_value(&resp.planned) else {
            return;
        };
        let public_key = if same.contains(&"public_key") {
            config.public_key
        } else {
            prior.public_key.clone()
        };
        let kept = KeypairModel {
            public_key,
            algorithm: config.algorithm,
            rsa_bits: config.rsa_bits,
            timeouts: planned.timeouts,
            ..prior
        };
        resp.planned = kept.to_value(&schema().ty());
    }
}

/// For a key pair without a private key in state: whether the
/// configuration asks for the key it has. With `public_key` given the same
/// (up to trailing white space), `algorithm` and `rsa_bits` choose nothing;
/// without it, they must generate a key of the algorithm (and RSA size) of
/// the state's public key. Unknown values are never the same.
fn same_key_as_configured(prior: &KeypairModel, config: &KeypairModel) -> bool {
    let Some(have) = prior.public_key.if_known() else {
        return false;
    };
    match &config.public_key {
        Attr::Unknown => false,
        Attr::Known(given) => given.trim() == have.trim(),
        Attr::Null => {
            let (algorithm, rsa_bits) = recovered_algorithm(have);
            let actual = KeypairModel {
                algorithm,
                rsa_bits,
                ..Default::default()
            };
            public_key_algorithm(have).is_some() && same_generated_algorithm(&actual, config)
        }
    }
}

/// Whether the configured `algorithm` and `rsa_bits` generate what the
/// prior ones did, defaults filled in (null algorithm: ed25519; null
/// rsa_bits with rsa: 4096). Unknown values are never the same.
fn same_generated_algorithm(prior: &KeypairModel, config: &KeypairModel) -> bool {
    fn effective(m: &KeypairModel) -> Option<(String, Option<i64>)> {
        let algorithm = match &m.algorithm {
            Attr::Unknown => return None,
            Attr::Null => "ed25519".to_string(),
            Attr::Known(a) => a.clone(),
        };
        let bits = match (&m.rsa_bits, algorithm.as_str()) {
            (Attr::Unknown, _) => return None,
            (Attr::Null, "rsa") => Some(crate::resources::rsa_key::DEFAULT_RSA_BITS),
            (b, _) => b.if_known().copied(),
        };
        Some((algorithm, bits))
    }
    match (effective(prior), effective(config)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[async_trait]
impl Resource<NovaData> for Keypair {
    fn type_name(&self) -> &'static str {
        "nova_keypair"
    }

    fn list_schema(&self) -> Option<Schema> {
        Some(LISTING.schema())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let Some(c) = decode_checked::<KeypairModel>(config, diags) else {
            return;
        };
        check_algorithm(&c.algorithm, &c.rsa_bits, &c.public_key, diags);
        if c.r#type.is_unknown() {
            return;
        }
        let x509 = c.r#type.as_deref() == Some("x509");
        if let Some(problem) = c
            .public_key
            .if_known()
            .and_then(|k| public_key_problem(k, x509))
        {
            diags.error_at(
                AttrPath::attr("public_key"),
                "Invalid public key",
                format!("public_key: {problem}"),
            );
        }
    }

    async fn list(
        &self,
        data: &NovaData,
        config: &Value,
        _limit: Option<usize>,
        diags: &mut Diagnostics,
    ) -> Vec<Listed> {
        LISTING.list(data, config, diags).await
    }

    fn generated_config(&self, state: &Value, config: Value) -> Value {
        // explicit, so the configuration never asks for a generated key
        let (Ok(st), Ok(mut c)) = (
            KeypairModel::from_value(state),
            KeypairModel::from_value(&config),
        ) else {
            return config;
        };
        c.public_key = st.public_key;
        // with the public key given nothing is generated: the algorithm
        // recovered at import is not an argument then
        c.algorithm = Attr::Null;
        c.rsa_bits = Attr::Null;
        c.to_value(&schema().ty())
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
        if !req.prior.is_null() {
            return same_key_in_place(req, resp);
        }
        let Some(data) = data else { return };
        let Some(c) = decode::<KeypairModel>("configuration", req.config, &mut resp.diags) else {
            return;
        };
        if !c.r#type.is_null() {
            require_feature(data, mv::KEYPAIR_TYPE, "type", &mut resp.diags).await;
        }
        if !c.user_id.is_null() {
            require_feature(data, mv::KEYPAIR_USER_ID, "user_id", &mut resp.diags).await;
        }
        if c.public_key.is_null() {
            // the private key is generated at apply; nothing else is unknown
            let Some(mut planned) = decode::<KeypairModel>("plan", &resp.planned, &mut resp.diags)
            else {
                return;
            };
            planned.r#type = match c.r#type {
                Attr::Null => Attr::Known("ssh".into()),
                written => written,
            };
            resp.planned = planned.to_value(&schema().ty());
        }
    }

    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let deadline = deadline_after(timeout_for(&req.config, "create", DEFAULT_TIMEOUT));
        let Some(mut m) = decode::<KeypairModel>("plan", &req.planned, &mut resp.diags) else {
            return;
        };
        let name = m.key_name();
        // unknown (optional and computed, not configured) or null: generated here
        let (public_key, private_key) = match m.public_key.if_known() {
            Some(pk) => (pk.clone(), None),
            None => match generate(
                m.algorithm.as_deref(),
                m.rsa_bits.if_known().copied(),
                &name,
            ) {
                Ok((pubk, privk)) => (pubk, Some(privk)),
                Err(e) => {
                    resp.diags.error("Cannot generate a key pair", e);
                    return;
                }
            },
        };
        // `type` exists from 2.2; below, every key pair is an SSH one
        let typed = match data.cloud.session.compute_version().await {
            Ok(v) => v >= mv::KEYPAIR_TYPE,
            Err(e) => {
                return resp
                    .diags
                    .push(api_error("Cannot reach the compute API", &e))
            }
        };
        let key_type = m.r#type.as_deref().filter(|t| typed || *t != "ssh");
        let body = create_body(&name, &public_key, key_type, m.user_id.as_deref());
        let path = m.path();
        let find = || async {
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
        let reply = match data
            .cloud
            .create("/os-keypairs", &body, Some(deadline), find)
            .await
        {
            Ok(reply) => reply,
            Err(e) => return resp.diags.push(api_error("Cannot create key pair", &e)),
        };
        if m.public_key.if_known().is_none() {
            m.public_key = Attr::Known(public_key.trim_end().to_string());
        }
        if let Err(e) = flatten_reply(&reply, &mut m) {
            // created all the same: the name is its ID
            m.id = Attr::Known(name);
            resp.diags
                .push(api_error("Cannot read the new key pair", &e));
        }
        m.private_key = Attr::from_option(private_key);
        if m.user_id.is_unknown() {
            m.user_id = Attr::from_option(data.cloud.session.user_id().await.ok().flatten());
        }
        if m.fingerprint.is_unknown() {
            m.fingerprint = Attr::Null;
        }
        if m.r#type.is_unknown() {
            m.r#type = Attr::Null;
        }
        resp.state = m.to_value(&schema().ty());
    }

    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let Some(mut m) = decode::<KeypairModel>("state", &req.state, &mut resp.diags) else {
            return;
        };
        // the state of an import holds no public key yet
        let imported = m.public_key.is_null() && m.private_key.is_null();
        match data.cloud.get(&m.path()).await {
            Ok(body) => match flatten_reply(&body, &mut m) {
                Ok(()) => {
                    if imported {
                        recover_algorithm(&mut m);
                    }
                    resp.state = m.to_value(&schema().ty())
                }
                Err(e) => resp.diags.push(api_error("Cannot read key pair", &e)),
            },
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
        let Some(m) = decode::<KeypairModel>("state", &req.prior, &mut resp.diags) else {
            return;
        };
        match data
            .cloud
            .compute(Method::DELETE, &m.path(), None, Some(deadline))
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => resp.diags.push(api_error("Cannot delete key pair", &e)),
        }
    }

    async fn import(&self, _data: &NovaData, req: ImportRequest, resp: &mut ImportResponse) {
        let mut m = KeypairModel::default();
        match &req.identity {
            Some(identity) => {
                let Some(id) = decode::<KeypairIdentity>("identity", identity, &mut resp.diags)
                else {
                    return;
                };
                m.id = id.name.clone();
                m.name = id.name;
                m.user_id = id.user_id;
            }
            None => {
                m.id = Attr::Known(req.id.clone());
                m.name = Attr::Known(req.id.clone());
            }
        }
        resp.state = m.to_value(&schema().ty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_keys_nova_can_read() {
        let (generated, _) = generate_ed25519("t").unwrap();
        let rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44bd8JttDCE/F/pNRr0lRE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpwFOcLImyrxEsYXpD/0d3ac30bNH6Sw9JD9UZHYcpSxsIbECHw== Generated-by-Nova";
        for (key, x509, ok) in [
            (generated.as_str(), false, true),
            (rsa, false, true),
            ("not a key", false, false),
            ("ssh-rsa", false, false),
            ("ssh-rsa !!!!", false, false),
            ("ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44bd8JttDCE/F/pNRr0lRE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpwFOcLImyrxEsYXpD/0d3ac30bNH6Sw9JD9UZHYcpSxsIbECHw==", false, false),
            ("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", true, true),
            (rsa, true, false),
        ] {
            assert_eq!(public_key_problem(key, x509).is_none(), ok, "{key}");
        }
    }

    #[test]
    fn algorithm_and_rsa_bits_checked_at_plan() {
        use Attr::{Known as K, Null as N, Unknown as U};
        let key = || K("ssh-ed25519 AAAA k".to_string());
        let s = |v: &str| K(v.to_string());
        // (algorithm, rsa_bits, public_key, errors at)
        type Case = (Attr<String>, Attr<i64>, Attr<String>, Vec<&'static str>);
        let table: Vec<Case> = vec![
            (N, N, N, vec![]),
            (s("ed25519"), N, N, vec![]),
            (s("rsa"), N, N, vec![]),
            (s("rsa"), K(2048), N, vec![]),
            (s("rsa"), K(4096), N, vec![]),
            (s("rsa"), K(1024), N, vec!["rsa_bits"]),
            (s("rsa"), K(3072), N, vec!["rsa_bits"]),
            // rsa_bits without rsa: null algorithm generates ed25519
            (N, K(2048), N, vec!["rsa_bits"]),
            (s("ed25519"), K(4096), N, vec!["rsa_bits"]),
            // both wrong: each attribute named
            (N, K(1), N, vec!["rsa_bits", "rsa_bits"]),
            // an unknown algorithm is not judged, nor are unknown bits
            (U, K(2048), N, vec![]),
            (s("rsa"), U, N, vec![]),
            (U, U, U, vec![]),
            // imported keys: nothing to generate
            (s("rsa"), N, key(), vec!["algorithm"]),
            (s("ed25519"), N, key(), vec!["algorithm"]),
            (N, N, key(), vec![]),
            // a public key not known yet may be null: not judged
            (s("rsa"), N, U, vec![]),
        ];
        for (algorithm, bits, public_key, want) in table {
            let mut d = Diagnostics::default();
            check_algorithm(&algorithm, &bits, &public_key, &mut d);
            let at: Vec<String> = d
                .iter()
                .map(|e| e.path.as_ref().map(|p| p.to_string()).unwrap_or_default())
                .collect();
            assert_eq!(at, want, "{algorithm:?} {bits:?} {public_key:?}: {d:?}");
        }
    }

    #[test]
    fn generate_by_algorithm() {
        let (p, k) = generate(None, None, "a").unwrap();
        assert!(p.starts_with("ssh-ed25519 ") && k.contains("OPENSSH PRIVATE KEY"));
        let (p, _) = generate(Some("ed25519"), None, "a").unwrap();
        assert!(p.starts_with("ssh-ed25519 "));
        let (p, k) = generate(Some("rsa"), Some(2048), "a").unwrap();
        assert!(p.starts_with("ssh-rsa ") && k.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        assert_eq!(
            crate::resources::rsa_key::private_key_from_pem(&k)
                .unwrap()
                .key_size_bits(),
            2048
        );
        assert!(generate(Some("dsa"), None, "a").is_err());
        assert!(generate(Some("rsa"), Some(512), "a")
            .unwrap_err()
            .contains("512"));
    }

    #[test]
    fn default_algorithm_written_out_is_the_same_key_pair() {
        use Attr::{Known as K, Null as N, Unknown as U};
        let m = |a: Attr<String>, b: Attr<i64>| KeypairModel {
            algorithm: a,
            rsa_bits: b,
            ..Default::default()
        };
        let s = |v: &str| K(v.to_string());
        for (prior, config, same) in [
            (m(N, N), m(s("ed25519"), N), true),
            (m(s("ed25519"), N), m(N, N), true),
            (m(s("rsa"), N), m(s("rsa"), K(4096)), true),
            (m(s("rsa"), K(4096)), m(s("rsa"), N), true),
            (m(s("rsa"), K(2048)), m(s("rsa"), N), false),
            (m(N, N), m(s("rsa"), N), false),
            (m(s("rsa"), K(2048)), m(s("rsa"), K(4096)), false),
            (m(N, N), m(U, N), false),
            (m(s("rsa"), N), m(s("rsa"), U), false),
        ] {
            assert_eq!(
                same_generated_algorithm(&prior, &config),
                same,
                "{:?}/{:?} -> {:?}/{:?}",
                prior.algorithm,
                prior.rsa_bits,
                config.algorithm,
                config.rsa_bits
            );
        }
    }

    /// An `ssh-rsa` line whose modulus is `bits` long (all ones: a public
    /// key is read, never used, here).
    fn rsa_line(bits: usize) -> String {
        let n = ssh_key::Mpint::from_positive_bytes(&vec![0xff; bits / 8]).unwrap();
        let e = ssh_key::Mpint::from_positive_bytes(&[1, 0, 1]).unwrap();
        let data = ssh_key::public::KeyData::Rsa(ssh_key::public::RsaPublicKey { e, n });
        ssh_key::PublicKey::new(data, "k").to_openssh().unwrap()
    }

    const ECDSA: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGq3nDmREU++7MfgIQi27n0MOGCg0kPZB3aKeoiWWury4Vabuy4wjnzUBiQXOwAaL4MHQUar1dpoZJykEHryppY= t";

    #[test]
    fn the_algorithm_is_read_from_the_public_key() {
        use Attr::{Known as K, Null as N};
        let (ed, _) = generate_ed25519("e").unwrap();
        let (rsa2048, _) = crate::resources::rsa_key::generate_rsa(2048, "r").unwrap();
        let nova_1024 = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44bd8JttDCE/F/pNRr0lRE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpwFOcLImyrxEsYXpD/0d3ac30bNH6Sw9JD9UZHYcpSxsIbECHw== Generated-by-Nova";
        let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        // (public key, what it is, recovered algorithm and rsa_bits)
        // (public key, algorithm and size, recovered algorithm, recovered rsa_bits)
        type Case = (
            String,
            Option<(&'static str, Option<i64>)>,
            Attr<String>,
            Attr<i64>,
        );
        let table: Vec<Case> = vec![
            (ed.clone(), Some(("ed25519", None)), N, N),
            (format!("{ed}\n"), Some(("ed25519", None)), N, N),
            (
                rsa2048.clone(),
                Some(("rsa", Some(2048))),
                K("rsa".into()),
                K(2048),
            ),
            (
                rsa_line(4096),
                Some(("rsa", Some(4096))),
                K("rsa".into()),
                N,
            ),
            (
                rsa_line(3072),
                Some(("rsa", Some(3072))),
                K("rsa".into()),
                K(3072),
            ),
            (
                nova_1024.into(),
                Some(("rsa", Some(1024))),
                K("rsa".into()),
                K(1024),
            ),
            (ECDSA.into(), None, N, N),
            (cert.into(), None, N, N),
            ("ssh-rsa !!!!".into(), None, N, N),
            ("".into(), None, N, N),
        ];
        for (key, what, algorithm, rsa_bits) in table {
            assert_eq!(public_key_algorithm(&key), what, "{key}");
            assert_eq!(recovered_algorithm(&key), (algorithm, rsa_bits), "{key}");
        }
    }

    #[test]
    fn recovered_only_where_nothing_is_set() {
        use Attr::{Known as K, Null as N, Unknown as U};
        let (rsa2048, _) = crate::resources::rsa_key::generate_rsa(2048, "r").unwrap();
        // (public key, algorithm and rsa_bits before, after)
        type Case = (
            Attr<String>,
            Attr<String>,
            Attr<i64>,
            Attr<String>,
            Attr<i64>,
        );
        let table: Vec<Case> = vec![
            (K(rsa2048.clone()), N, N, K("rsa".into()), K(2048)),
            // written already (a configuration's spelling): kept
            (K(rsa2048.clone()), K("rsa".into()), N, K("rsa".into()), N),
            (K(rsa2048.clone()), N, K(2048), N, K(2048)),
            // no public key known: nothing to read
            (N, N, N, N, N),
            (U, N, N, N, N),
        ];
        for (public_key, a, b, want_a, want_b) in table {
            let mut m = KeypairModel {
                public_key: public_key.clone(),
                algorithm: a,
                rsa_bits: b,
                ..Default::default()
            };
            recover_algorithm(&mut m);
            assert_eq!(
                (m.algorithm, m.rsa_bits),
                (want_a, want_b),
                "{public_key:?}"
            );
            assert!(m.private_key.is_null(), "a private key is never invented");
        }
    }

    /// The state a `terraform import` of the key pair holding `public_key`
    /// ends with: the import, then the read that follows it.
    fn imported(public_key: &str) -> KeypairModel {
        let mut m = KeypairModel {
            id: Attr::Known("k".into()),
            name: Attr::Known("k".into()),
            ..Default::default()
        };
        let imported = m.public_key.is_null() && m.private_key.is_null();
        flatten(
            &doc(
                json!({"name": "k", "public_key": public_key, "fingerprint": "f", "type": "ssh", "user_id": "u"}),
            ),
            &mut m,
        );
        assert!(imported);
        recover_algorithm(&mut m);
        m
    }

    /// Plans `config` over `prior` as the runtime does (the framework's
    /// plan, then the resource's): (planned, attributes forcing replacement).
    fn plan_over(prior: &KeypairModel, config: &KeypairModel) -> (KeypairModel, Vec<String>) {
        let ty = schema().ty();
        let (prior, config) = (prior.to_value(&ty), config.to_value(&ty));
        let block = schema().block;
        let mut proposed = config.clone();
        for a in &block.attributes {
            if config.get(&a.name).is_null() && a.computed {
                proposed.set(&a.name, prior.get(&a.name).clone());
            }
        }
        let owned = crate::framework::ownership::Owned::default();
        let core = crate::framework::plan::plan(&block, &prior, &proposed, &config, &owned);
        let mut resp = PlanResponse {
            planned: core.planned,
            requires_replace: core.requires_replace,
            private: Vec::new(),
            diags: Diagnostics::default(),
        };
        let req = PlanRequest {
            prior: &prior,
            config: &config,
            proposed: &proposed,
            prior_private: &[],
        };
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(Keypair.plan(None, &req, &mut resp));
        assert!(!resp.diags.has_errors(), "{:?}", resp.diags);
        let replace = resp
            .requires_replace
            .iter()
            .map(|p| p.to_string())
            .collect();
        (KeypairModel::from_value(&resp.planned).unwrap(), replace)
    }

    /// An imported key pair plans no replacement when the configuration
    /// asks for the key it holds: generated with its algorithm (and RSA
    /// size), or given. The private key stays null, as Nova never hands it
    /// out again. A configuration asking for another key still replaces it.
    #[test]
    fn an_imported_key_pair_is_not_replaced() {
        use Attr::{Known as K, Null as N, Unknown as U};
        let (ed, _) = generate_ed25519("k").unwrap();
        let (rsa2048, _) = crate::resources::rsa_key::generate_rsa(2048, "k").unwrap();
        let rsa4096 = rsa_line(4096);
        let s = |v: &str| K(v.to_string());
        let config =
            |public_key: Attr<String>, algorithm: Attr<String>, rsa_bits: Attr<i64>| KeypairModel {
                name: s("k"),
                public_key,
                algorithm,
                rsa_bits,
                ..Default::default()
            };
        // (key in the cloud, configuration, plan: "none", "in place" or "replace")
        let table: Vec<(&str, KeypairModel, &str)> = vec![
            // what generated it: no change at all
            (&rsa2048, config(N, s("rsa"), K(2048)), "none"),
            (&rsa4096, config(N, s("rsa"), N), "none"),
            (&ed, config(N, N, N), "none"),
            // the default written out: the same key pair, recorded in place
            (&rsa4096, config(N, s("rsa"), K(4096)), "in place"),
            (&ed, config(N, s("ed25519"), N), "in place"),
            // given: the algorithm chooses nothing
            (&ed, config(K(ed.clone()), N, N), "none"),
            (&rsa2048, config(K(rsa2048.clone()), N, N), "in place"),
            (
                &rsa2048,
                config(K(format!("{rsa2048}\n")), N, N),
                "in place",
            ),
            // another key asked for
            (&rsa2048, config(N, s("rsa"), N), "replace"),
            (&rsa2048, config(N, N, N), "replace"),
            (&ed, config(N, s("rsa"), N), "replace"),
            (&rsa4096, config(N, s("rsa"), K(2048)), "replace"),
            (&rsa2048, config(K(ed.clone()), N, N), "replace"),
            (ECDSA, config(N, s("ed25519"), N), "replace"),
            // unknown: never read as the same
            (&rsa2048, config(N, U, N), "replace"),
            (&rsa2048, config(N, s("rsa"), U), "replace"),
        ];
        for (key, config, want) in table {
            let prior = imported(key);
            assert!(prior.private_key.is_null());
            let (planned, replace) = plan_over(&prior, &config);
            let got = if !replace.is_empty() {
                "replace"
            } else if planned.to_value(&schema().ty()) == prior.to_value(&schema().ty()) {
                "none"
            } else {
                "in place"
            };
            assert_eq!(
                got, want,
                "{key}: {:?}/{:?}/{:?} -> {replace:?} {planned:?}",
                config.public_key, config.algorithm, config.rsa_bits
            );
            if got != "replace" {
                assert!(planned.private_key.is_null(), "no private key invented");
                assert_eq!(planned.fingerprint, prior.fingerprint);
                assert_eq!(planned.algorithm, config.algorithm);
                assert_eq!(planned.rsa_bits, config.rsa_bits);
            }
        }
    }

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

    fn doc(v: J) -> documents::Keypair {
        documents::parse("key pair", &v).unwrap()
    }

    #[test]
    fn the_models_fit_the_schemas() {
        KeypairModel::check_against(&schema().ty()).unwrap();
        let identity = Keypair.identity_schema().unwrap();
        let ty = Type::object(
            identity
                .attributes
                .iter()
                .map(|a| (a.0.clone(), a.1.clone())),
        );
        KeypairIdentity::check_against(&ty).unwrap();
    }

    #[test]
    fn flatten_seed_response() {
        // the create response shape of DIGEST §4 (seed 002), import form
        let kp = json!({"keypair": {"name": "keypair-5d935425", "public_key": "ssh-rsa AAAAB3Nz test\n",
            "fingerprint": "7e:eb:ab:24:ba:d1:e1:88:ae:9a:fb:66:53:df:d3:bd", "user_id": "fake", "type": "ssh"}});
        let mut m = KeypairModel::default();
        flatten_reply(&kp, &mut m).unwrap();
        assert_eq!(m.id.as_deref(), Some("keypair-5d935425"));
        assert_eq!(m.public_key.as_deref(), Some("ssh-rsa AAAAB3Nz test"));
        assert_eq!(m.r#type.as_deref(), Some("ssh"));
        let st = m.to_value(&schema().ty());
        assert_eq!(st.get("type"), &Value::string("ssh"));
        assert_eq!(st.get("private_key"), &Value::Null);
        // before 2.2 there is no type in responses: ssh is implied
        let mut m2 = KeypairModel::default();
        flatten(&doc(json!({"name": "a", "public_key": "x"})), &mut m2);
        assert_eq!(m2.r#type.as_deref(), Some("ssh"));
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
            let mut m = KeypairModel {
                public_key: Attr::Known(configured.into()),
                ..Default::default()
            };
            flatten(&doc(json!({"name": "a", "public_key": cloud})), &mut m);
            assert_eq!(m.public_key.as_deref(), Some(kept), "{configured:?}");
        }
        // nothing known before (import): the cloud's key, trimmed
        let mut m = KeypairModel::default();
        flatten(
            &doc(json!({"name": "a", "public_key": "ssh-ed25519 AAAA k\n"})),
            &mut m,
        );
        assert_eq!(m.public_key.as_deref(), Some("ssh-ed25519 AAAA k"));
    }
}
