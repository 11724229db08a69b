//! The `nova` provider: its configuration block and the types it offers.

use std::sync::Arc;

use async_trait::async_trait;
use secrecy::SecretString;

use crate::client::{Cloud, Config, Settings};
pub use crate::configured::NovaData;
use crate::framework::validators::{Duration as DurationV, IntBetween, Matches, OneOf};
use crate::framework::{
    Attribute, Block, DataSource, Diagnostics, Provider, Resource, Schema, Type, Value,
};

#[derive(Default)]
pub struct NovaProvider;

fn s(name: &str, desc: &str, env: &str) -> Attribute {
    let d = if env.is_empty() {
        desc.to_string()
    } else {
        format!("{desc} Environment: `{env}`.")
    };
    Attribute::string(name).optional().description(&d)
}

pub fn provider_schema() -> Schema {
    let b = Block::new("Connects to a cloud that speaks the OpenStack Compute (Nova) API. Every argument may also come from the `OS_*` environment variables or a cloud in clouds.yaml; the provider block wins over the environment, which wins over clouds.yaml.")
        .attr(s("cloud", "Name of a cloud in clouds.yaml.", "OS_CLOUD"))
        .attr(s("auth_url", "Identity (Keystone v3) URL.", "OS_AUTH_URL"))
        .attr(s("region", "Region of the endpoints to use.", "OS_REGION_NAME"))
        .attr(s("user_name", "User name.", "OS_USERNAME"))
        .attr(s("user_id", "User ID.", "OS_USER_ID"))
        .attr(s("password", "Password.", "OS_PASSWORD").sensitive())
        .attr(s("token", "An existing token to authenticate with.", "OS_TOKEN, OS_AUTH_TOKEN").sensitive())
        .attr(s("application_credential_id", "Application credential ID.", "OS_APPLICATION_CREDENTIAL_ID"))
        .attr(s("application_credential_name", "Application credential name (with the user).", "OS_APPLICATION_CREDENTIAL_NAME"))
        .attr(s("application_credential_secret", "Application credential secret.", "OS_APPLICATION_CREDENTIAL_SECRET").sensitive())
        .attr(s("project_id", "Project ID to scope to.", "OS_PROJECT_ID, OS_TENANT_ID"))
        .attr(s("project_name", "Project name to scope to.", "OS_PROJECT_NAME, OS_TENANT_NAME"))
        .attr(s("user_domain_name", "Domain name of the user.", "OS_USER_DOMAIN_NAME"))
        .attr(s("user_domain_id", "Domain ID of the user.", "OS_USER_DOMAIN_ID"))
        .attr(s("project_domain_name", "Domain name of the project.", "OS_PROJECT_DOMAIN_NAME"))
        .attr(s("project_domain_id", "Domain ID of the project.", "OS_PROJECT_DOMAIN_ID"))
        .attr(s("domain_name", "Domain name to scope to (or of the user and project).", "OS_DOMAIN_NAME"))
        .attr(s("domain_id", "Domain ID to scope to (or of the user and project).", "OS_DOMAIN_ID"))
        .attr(s("default_domain", "Domain used when none is given (default \"default\").", "OS_DEFAULT_DOMAIN"))
        .attr(Attribute::bool("system_scope").optional().description("Scope the token to the system."))
        .attr(Attribute::bool("insecure").optional().description("Skip TLS certificate verification (a warning is shown). Environment: `OS_INSECURE`."))
        .attr(s("cacert_file", "CA bundle (PEM) to verify the cloud's certificates.", "OS_CACERT"))
        .attr(s("cert", "Client certificate: a path or inline PEM.", "OS_CERT"))
        .attr(s("key", "Client certificate key: a path or inline PEM.", "OS_KEY").sensitive())
        .attr(s("endpoint_type", "Endpoint interface: public, internal or admin.", "OS_INTERFACE, OS_ENDPOINT_TYPE").validate(OneOf(&["public", "internal", "admin", "publicURL", "internalURL", "adminURL"])))
        .attr(Attribute::string_map("endpoint_overrides").optional().description("Service type to URL, used instead of the catalog: `{ compute = \"https://host:8774/v2.1/{project_id}\" }`."))
        .attr(s("compute_microversion", "Pin the compute API microversion (default: the highest both sides know).", "OS_COMPUTE_API_VERSION").validate(Matches(regex::Regex::new(r"^2\.\d+$").expect("static regex"), "a microversion such as \"2.67\"")))
        .attr(Attribute::number("max_retries").optional().description("Retries of a rate-limited or failed request (default 5).").validate(IntBetween(0, 100)))
        .attr(s("request_timeout", "Time limit for one HTTP request (default \"60s\").", "").validate(DurationV))
        .attr(s("clouds_yaml_file", "Path of the clouds.yaml to read.", "OS_CLIENT_CONFIG_FILE"))
        .attr(Attribute::bool("batch_reads").optional().description("Answer server reads that run together from one shared listing of the project's servers and ports (default true). Set false to read every server on its own."))
        .attr(s("boot_volume_image_ref", "How `imageRef` is sent for servers that boot from a volume: \"omit\" (upstream default), \"empty\" (an empty string) or \"image\" (the block device's image ID).", "").validate(OneOf(&["omit", "empty", "image"])));
    Schema::new(0, b)
}

/// Provider block values as client settings.
pub fn settings_from_block(v: &Value) -> Settings {
    let st = |k: &str| v.get(k).opt_str();
    let secret = |k: &str| v.get(k).opt_str().map(SecretString::from);
    Settings {
        cloud: st("cloud"),
        auth_url: st("auth_url"),
        region: st("region"),
        user_name: st("user_name"),
        user_id: st("user_id"),
        password: secret("password"),
        token: secret("token"),
        application_credential_id: st("application_credential_id"),
        application_credential_name: st("application_credential_name"),
        application_credential_secret: secret("application_credential_secret"),
        project_id: st("project_id"),
        project_name: st("project_name"),
        user_domain_name: st("user_domain_name"),
        user_domain_id: st("user_domain_id"),
        project_domain_name: st("project_domain_name"),
        project_domain_id: st("project_domain_id"),
        domain_name: st("domain_name"),
        domain_id: st("domain_id"),
        default_domain: st("default_domain"),
        system_scope: v.get("system_scope").as_bool(),
        insecure: v.get("insecure").as_bool(),
        cacert_file: st("cacert_file"),
        cert: st("cert"),
        key: secret("key"),
        endpoint_type: st("endpoint_type"),
        endpoint_overrides: v.get("endpoint_overrides").string_map().unwrap_or_default(),
        compute_microversion: st("compute_microversion"),
        max_retries: v.get("max_retries").as_i64().map(|n| n as u32),
        request_timeout: st("request_timeout")
            .and_then(|d| crate::framework::validators::parse_duration(&d)),
        clouds_yaml_file: st("clouds_yaml_file"),
        batch_reads: v.get("batch_reads").as_bool(),
    }
}

#[async_trait]
impl Provider for NovaProvider {
    type Data = NovaData;

    fn schema(&self) -> Schema {
        provider_schema()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<NovaData>>> {
        crate::resources::all()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<NovaData>>> {
        crate::data_sources::all()
    }

    fn move_state(
        &self,
        target_type: &str,
        _source_provider: &str,
        source_type: &str,
        source: &serde_json::Value,
    ) -> Option<serde_json::Value> {
        crate::resources::moves::moved_state(target_type, source_type, source)
    }

    fn actions(&self) -> Vec<Arc<dyn crate::framework::Action<NovaData>>> {
        vec![
            Arc::new(crate::resources::server::actions::RebootAction),
            Arc::new(crate::resources::server::actions::PowerAction),
        ]
    }

    async fn configure(
        &self,
        terraform_version: &str,
        config: &Value,
        diags: &mut Diagnostics,
    ) -> Option<NovaData> {
        let ua = format!(
            "terraform-provider-nova/{} terraform/{}",
            env!("CARGO_PKG_VERSION"),
            terraform_version
        );
        let block = settings_from_block(config);
        let env = Settings::from_env(|k| std::env::var(k).ok());
        let cfg = match Config::resolve(block, env, ua) {
            Ok(c) => c,
            Err(e) => {
                diags.error("Invalid provider configuration", e.to_string());
                return None;
            }
        };
        if cfg.insecure {
            diags.warning(
                "TLS verification is off",
                "insecure = true: the provider does not check the cloud's certificates. Use cacert_file instead where you can.",
            );
        }
        match Cloud::new(cfg) {
            Ok(cloud) => Some(NovaData {
                cloud,
                boot_volume_image_ref: config
                    .get("boot_volume_image_ref")
                    .opt_str()
                    .unwrap_or_else(|| "omit".into()),
                flavors: tokio::sync::Mutex::new(None),
            }),
            Err(e) => {
                diags.error("Invalid provider configuration", e.to_string());
                None
            }
        }
    }
}

/// The Terraform type of the provider block (for tests).
pub fn provider_type() -> Type {
    provider_schema().ty()
}
