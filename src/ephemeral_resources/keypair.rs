//! Ephemeral `nova_keypair`: a key pair (Ed25519, or RSA) generated in
//! memory when opened, registered with Nova under the given name, and deleted from Nova
//! when closed. Its private key is never written to state or plan.

use async_trait::async_trait;
use reqwest::Method;

use crate::configured::NovaData;
use crate::framework::model::{decode_checked, Model};
use crate::framework::validators::StringLength;
use crate::framework::*;
use crate::resources::api_error;
use crate::resources::keypair::{
    algorithm_attribute, check_algorithm, create_body, generate, rsa_bits_attribute,
};
use crate::tf_model;

tf_model! {
    /// Ephemeral `nova_keypair` configuration and result.
    pub struct EphemeralKeypairModel {
        pub name: Attr<String>,
        pub algorithm: Attr<String>,
        pub rsa_bits: Attr<i64>,
        pub public_key: Attr<String>,
        pub private_key: Attr<String>,
        pub fingerprint: Attr<String>,
    }
}
use crate::resources::path_segment;

/// What close needs: the path of the key pair registered at open.
pub fn keypair_path(name: &str) -> String {
    format!("/os-keypairs/{}", path_segment(name))
}

pub struct EphemeralKeypair;

#[async_trait]
impl EphemeralResource<NovaData> for EphemeralKeypair {
    fn type_name(&self) -> &'static str {
        "nova_keypair"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new("A key pair for one Terraform run (bootstrapping): a key generated in memory when opened (Ed25519, or RSA with `algorithm = \"rsa\"`), registered with Nova under `name`, and deleted from Nova when Terraform closes it. Its private key is never written to state or plan. Terraform opens it at plan and again at apply, each time with a new key.")
                .attr(Attribute::string("name").required().validate(StringLength(1, 255)).description("The key pair's name in Nova; no key pair of this name may exist while it is open."))
                .attr(algorithm_attribute().description("Algorithm of the generated key: `ed25519` (the default when unset) or `rsa`. Not Nova's `type` (ssh or x509)."))
                .attr(rsa_bits_attribute())
                .attr(Attribute::string("public_key").computed().description("The public key, in OpenSSH format."))
                .attr(Attribute::string("private_key").computed().sensitive().description("The private key: OpenSSH format for `ed25519`, PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`) for `rsa`."))
                .attr(Attribute::string("fingerprint").computed().description("The fingerprint Nova reports for the key.")),
        )
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let Some(c) = decode_checked::<EphemeralKeypairModel>(config, diags) else {
            return;
        };
        // public_key is computed here: never configured
        check_algorithm(&c.algorithm, &c.rsa_bits, &Attr::Null, diags);
    }

    async fn open(&self, data: &NovaData, req: OpenRequest, resp: &mut OpenResponse) {
        let Ok(c) = EphemeralKeypairModel::from_value(&req.config) else {
            return resp.diags.error(
                "Invalid configuration",
                "the configuration does not fit the schema.",
            );
        };
        let (Some(name), false, false) = (
            c.name.if_known().cloned(),
            c.algorithm.is_unknown(),
            c.rsa_bits.is_unknown(),
        ) else {
            return resp.diags.error(
                "Invalid configuration",
                "name, algorithm and rsa_bits must be known to open a key pair.",
            );
        };
        let (public_key, private_key) = match generate(
            c.algorithm.as_deref(),
            c.rsa_bits.if_known().copied(),
            &name,
        ) {
            Ok(k) => k,
            Err(e) => return resp.diags.error("Cannot generate a key pair", e),
        };
        let body = create_body(&name, &public_key, None, None);
        let reply = match data
            .cloud
            .compute(Method::POST, "/os-keypairs", Some(&body), None)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                return resp
                    .diags
                    .push(api_error(&format!("Cannot register key pair {name}"), &e))
            }
        };
        // registered: close deletes it, whatever follows
        resp.private = Some(name.clone().into_bytes());
        let fingerprint = reply.body["keypair"]["fingerprint"]
            .as_str()
            .map(|s| Value::String(s.to_string()))
            .unwrap_or(Value::Null);
        resp.result.set(
            "public_key",
            Value::String(public_key.trim_end().to_string()),
        );
        resp.result.set("private_key", Value::String(private_key));
        resp.result.set("fingerprint", fingerprint);
    }

    async fn close(&self, data: &NovaData, req: CloseRequest, diags: &mut Diagnostics) {
        let Some(name) = req.private.and_then(|p| String::from_utf8(p).ok()) else {
            return;
        };
        match data
            .cloud
            .compute(Method::DELETE, &keypair_path(&name), None, None)
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => diags.push(api_error(&format!("Cannot delete key pair {name}"), &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_path_is_the_encoded_name() {
        assert_eq!(keypair_path("boot"), "/os-keypairs/boot");
        assert_eq!(keypair_path("a b/c"), "/os-keypairs/a%20b%2Fc");
    }

    #[test]
    fn the_model_fits_the_schema() {
        EphemeralKeypairModel::check_against(&EphemeralKeypair.schema().ty()).unwrap();
    }

    #[test]
    fn validation_names_the_attribute() {
        let cfg = |algorithm: Value, bits: Value| {
            Value::Object(
                [
                    ("name", Value::string("k")),
                    ("algorithm", algorithm),
                    ("rsa_bits", bits),
                    ("public_key", Value::Null),
                    ("private_key", Value::Null),
                    ("fingerprint", Value::Null),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            )
        };
        for (algorithm, bits, errors) in [
            (Value::Null, Value::Null, 0),
            (Value::string("rsa"), Value::Number(2048.0), 0),
            (Value::Unknown, Value::Number(2048.0), 0),
            (Value::string("rsa"), Value::Unknown, 0),
            (Value::Null, Value::Number(4096.0), 1),
            (Value::string("rsa"), Value::Number(1000.0), 1),
        ] {
            let mut d = Diagnostics::default();
            let c = cfg(algorithm.clone(), bits.clone());
            EphemeralKeypair.validate(&c, &mut d);
            assert_eq!(d.iter().count(), errors, "{algorithm:?} {bits:?}: {d:?}");
            assert!(d.iter().all(|e| e.path == Some(AttrPath::attr("rsa_bits"))));
        }
    }

    #[test]
    fn private_key_is_sensitive_and_computed() {
        let s = EphemeralKeypair.schema();
        let pk = s.block.attribute("private_key").unwrap();
        assert!(pk.sensitive && pk.computed && !pk.optional);
        assert!(s.block.attribute("name").unwrap().required);
    }
}
