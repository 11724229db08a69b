//! Ephemeral `nova_keypair`: an Ed25519 key pair generated in memory when
//! opened, registered with Nova under the given name, and deleted from Nova
//! when closed. Its private key is never written to state or plan.

use async_trait::async_trait;
use reqwest::Method;

use crate::configured::NovaData;
use crate::framework::validators::StringLength;
use crate::framework::*;
use crate::resources::api_error;
use crate::resources::keypair::{create_body, generate_ed25519};
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
            Block::new("A key pair for one Terraform run (bootstrapping): an Ed25519 key generated in memory when opened, registered with Nova under `name`, and deleted from Nova when Terraform closes it. Its private key is never written to state or plan. Terraform opens it at plan and again at apply, each time with a new key.")
                .attr(Attribute::string("name").required().validate(StringLength(1, 255)).description("The key pair's name in Nova; no key pair of this name may exist while it is open."))
                .attr(Attribute::string("public_key").computed().description("The public key, in OpenSSH format."))
                .attr(Attribute::string("private_key").computed().sensitive().description("The private key, in OpenSSH format."))
                .attr(Attribute::string("fingerprint").computed().description("The fingerprint Nova reports for the key.")),
        )
    }

    async fn open(&self, data: &NovaData, req: OpenRequest, resp: &mut OpenResponse) {
        let name = req
            .config
            .get("name")
            .as_str()
            .unwrap_or_default()
            .to_string();
        let (public_key, private_key) = match generate_ed25519(&name) {
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
    fn private_key_is_sensitive_and_computed() {
        let s = EphemeralKeypair.schema();
        let pk = s.block.attribute("private_key").unwrap();
        assert!(pk.sensitive && pk.computed && !pk.optional);
        assert!(s.block.attribute("name").unwrap().required);
    }
}
