//! The `nova` provider: its configuration block and the types it offers.

use std::sync::Arc;

use async_trait::async_trait;
use secrecy::SecretString;

use crate::client::{Cloud, Config, Settings};
pub use crate::configured::{CloudProfile, NovaData};
use crate::framework::validators::{Duration as DurationV, IntBetween, Matches, OneOf};
use crate::framework::{
    AttrPath, Attribute, Block, DataSource, Diagnostics, Provider, Resource, Schema, Type, Value,
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
        .attr(s("region", "Region of the endpoints to use, and the default of every resource's and data source's `region` (unset: the region of the catalog's compute endpoint the provider uses). A resource's own `region` reaches that region's endpoints with the same authentication.", "OS_REGION_NAME"))
        .attr(s("user_name", "User name.", "OS_USERNAME"))
        .attr(s("user_id", "User ID.", "OS_USER_ID"))
        .attr(s("password", "Password.", "OS_PASSWORD").sensitive())
        .attr(s("token", "An existing token to authenticate with.", "OS_TOKEN, OS_AUTH_TOKEN").sensitive())
        .attr(s("application_credential_id", "Application credential ID.", "OS_APPLICATION_CREDENTIAL_ID"))
        .attr(s("application_credential_name", "Application credential name (with the user).", "OS_APPLICATION_CREDENTIAL_NAME"))
        .attr(s("application_credential_secret", "Application credential secret.", "OS_APPLICATION_CREDENTIAL_SECRET").sensitive())
        .attr(s("project_id", "Project ID to scope to.", "OS_PROJECT_ID, OS_TENANT_ID"))
        .attr(s("project_name", "Project name to scope to.", "OS_PROJECT_NAME, OS_TENANT_NAME"))
        .attr(s("tenant_id", "Another name for `project_id` (terraform-provider-openstack's); give one of them.", ""))
        .attr(s("tenant_name", "Another name for `project_name` (terraform-provider-openstack's); give one of them.", ""))
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
        .attr(s("boot_volume_image_ref", "How `imageRef` is sent for servers that boot from a volume: \"omit\" (upstream default), \"empty\" (an empty string) or \"image\" (the block device's image ID).", "").validate(OneOf(&["omit", "empty", "image"])))
        .attr(s("cloud_profile", "The compute API reference the cloud follows: \"upstream\" (default), \"seed-000\", \"seed-001\", \"seed-002\" or \"seed-003\" (see the README's Clouds table). With it, a plan refuses what that cloud refuses, naming the cloud's rule, and `boot_volume_image_ref` defaults to that cloud's spelling. It applies to every region the provider reaches (resources with their own `region` included): for regions that follow different references, use one provider block (with an `alias`) per reference.", "NOVA_CLOUD_PROFILE").validate(OneOf(CloudProfile::NAMES)))
        .attr(Attribute::number("query_concurrency").optional().description("How many servers (or other objects) `terraform query` reads at once (default 8); the objects are sent to Terraform as they are read, in the listing's order. Also how many flavors' extra specs `nova_flavors` reads at once where the cloud's listing leaves them out (before microversion 2.61).").validate(IntBetween(1, 64)));
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
        project_id: st("project_id").or_else(|| st("tenant_id")),
        project_name: st("project_name").or_else(|| st("tenant_name")),
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

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_aliases(config, diags);
    }

    fn list_concurrency(&self, data: &NovaData) -> usize {
        data.query_concurrency
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

    fn functions(&self) -> Vec<Arc<dyn crate::framework::Function>> {
        crate::functions::all()
    }

    fn ephemeral_resources(&self) -> Vec<Arc<dyn crate::framework::EphemeralResource<NovaData>>> {
        crate::ephemeral_resources::all()
    }
    fn actions(&self) -> Vec<Arc<dyn crate::framework::Action<NovaData>>> {
        vec![
            Arc::new(crate::resources::server::actions::RebootAction),
            Arc::new(crate::resources::server::actions::PowerAction),
            Arc::new(crate::resources::server::day2::LockAction),
            Arc::new(crate::resources::server::day2::RescueAction),
            Arc::new(crate::resources::server::day2::SnapshotAction),
            Arc::new(crate::resources::server::day2::MigrateAction),
            Arc::new(crate::resources::server::evacuate::EvacuateAction),
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
        let unknown = unknown_settings(config);
        if !unknown.is_empty() {
            for k in unknown {
                diags.error_at(
                    AttrPath::attr(&k),
                    "Provider argument not known yet",
                    format!("{k} is known only after apply (it comes from a resource not yet created). The provider would otherwise plan against another cloud or settings (its environment's or defaults) than the ones meant; give a value known at plan, or apply the resource it comes from first (-target)."),
                );
            }
            return None;
        }
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
        let env_profile = std::env::var("NOVA_CLOUD_PROFILE").ok();
        let cloud_profile = match cloud_profile_setting(config, env_profile.as_deref()) {
            Ok(p) => p,
            Err(detail) => {
                diags.error("Invalid provider configuration", detail);
                return None;
            }
        };
        match Cloud::new(cfg) {
            Ok(cloud) => Some(NovaData {
                boot_volume_image_ref: config
                    .get("boot_volume_image_ref")
                    .opt_str()
                    .unwrap_or_else(|| {
                        cloud_profile
                            .unwrap_or_default()
                            .boot_volume_image_ref()
                            .into()
                    }),
                cloud_profile,
                query_concurrency: config
                    .get("query_concurrency")
                    .as_i64()
                    .map_or(crate::framework::runtime::DEFAULT_LIST_CONCURRENCY, |n| {
                        n as usize
                    }),
                ..NovaData::new(cloud)
            }),
            Err(e) => {
                diags.error("Invalid provider configuration", e.to_string());
                None
            }
        }
    }
}

/// The cloud's profile from the provider block, else `NOVA_CLOUD_PROFILE`,
/// else upstream; `None` while the block's value is unknown (an unknown
/// value is not read as unset: the apply's configuration has it).
/// The provider arguments whose value is not known yet, wholly or in part.
/// Every one but `cloud_profile` decides which cloud is reached and how, so
/// none is read as unset (which would fall back to the environment or a
/// default); an unknown `cloud_profile` only defers its refusals to apply.
fn unknown_settings(config: &Value) -> Vec<String> {
    match config {
        Value::Object(attrs) => attrs
            .iter()
            .filter(|(k, v)| k.as_str() != "cloud_profile" && !v.is_wholly_known())
            .map(|(k, _)| k.clone())
            .collect(),
        _ => Vec::new(),
    }
}

fn cloud_profile_setting(
    config: &Value,
    env: Option<&str>,
) -> Result<Option<CloudProfile>, String> {
    let v = config.get("cloud_profile");
    if v.is_unknown() {
        return Ok(None);
    }
    let Some(name) = v.as_str().or(env) else {
        return Ok(Some(CloudProfile::Upstream));
    };
    match CloudProfile::parse(name) {
        Some(p) => Ok(Some(p)),
        None => Err(format!(
            "NOVA_CLOUD_PROFILE: {name:?} is not one of {}.",
            CloudProfile::NAMES.join(", ")
        )),
    }
}

/// terraform-provider-openstack's names of arguments, and this provider's.
const ALIASES: &[(&str, &str)] = &[("tenant_id", "project_id"), ("tenant_name", "project_name")];

/// An alias and its argument are not both given (an unknown value counts
/// as given): the error names the alias.
fn check_aliases(config: &Value, diags: &mut Diagnostics) {
    for (alias, name) in ALIASES {
        if !config.get(alias).is_null() && !config.get(name).is_null() {
            diags.error_at(
                AttrPath::attr(alias),
                "Conflicting arguments",
                format!("{alias} is another name for {name}: give one of them."),
            );
        }
    }
}

/// The Terraform type of the provider block (for tests).
pub fn provider_type() -> Type {
    provider_schema().ty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::null_object(&provider_type());
        for (k, x) in pairs {
            v.set(k, x.clone());
        }
        v
    }

    /// Which provider arguments are not known yet: any but cloud_profile,
    /// wholly unknown or with an unknown part; null and known values are not.
    #[test]
    fn unknown_provider_arguments_are_named() {
        let s = Value::string;
        let overrides_partly_unknown = Value::Map(
            [
                ("compute".to_string(), Value::Unknown),
                ("image".to_string(), s("http://i")),
            ]
            .into(),
        );
        let cases: Vec<(&str, Vec<(&str, Value)>, Vec<&str>)> = vec![
            ("all null", vec![], vec![]),
            (
                "known",
                vec![("cloud", s("a")), ("auth_url", s("http://k/v3"))],
                vec![],
            ),
            (
                "cloud unknown",
                vec![("cloud", Value::Unknown)],
                vec!["cloud"],
            ),
            (
                "several unknown",
                vec![
                    ("auth_url", Value::Unknown),
                    ("password", Value::Unknown),
                    ("region", s("R")),
                ],
                vec!["auth_url", "password"],
            ),
            (
                "map partly unknown",
                vec![("endpoint_overrides", overrides_partly_unknown)],
                vec!["endpoint_overrides"],
            ),
            (
                "bool unknown",
                vec![("insecure", Value::Unknown)],
                vec!["insecure"],
            ),
            (
                "cloud_profile unknown is deferred",
                vec![("cloud_profile", Value::Unknown)],
                vec![],
            ),
        ];
        for (name, pairs, want) in cases {
            assert_eq!(unknown_settings(&block(&pairs)), want, "{name}");
        }
    }

    #[tokio::test]
    async fn configure_refuses_unknown_connection_settings_naming_them() {
        let mut diags = Diagnostics::default();
        let config = block(&[("cloud", Value::Unknown)]);
        let data = NovaProvider.configure("1.15.5", &config, &mut diags).await;
        assert!(data.is_none());
        let errors: Vec<_> = diags
            .0
            .iter()
            .filter(|d| d.severity == crate::framework::Severity::Error)
            .collect();
        assert_eq!(errors.len(), 1, "{diags:?}");
        assert_eq!(errors[0].path, Some(AttrPath::attr("cloud")), "{diags:?}");
        assert!(
            errors[0].detail.contains("known only after apply"),
            "{diags:?}"
        );
    }

    /// The block's value wins over the environment; an unknown value is
    /// not known yet (not upstream, not the environment's).
    #[test]
    fn cloud_profile_from_block_environment_or_unknown() {
        let s = Value::string;
        type Case = (
            &'static str,
            Value,
            Option<&'static str>,
            Result<Option<CloudProfile>, ()>,
        );
        let cases: Vec<Case> = vec![
            (
                "null, no environment",
                Value::Null,
                None,
                Ok(Some(CloudProfile::Upstream)),
            ),
            (
                "null, environment",
                Value::Null,
                Some("seed-001"),
                Ok(Some(CloudProfile::Seed001)),
            ),
            (
                "block",
                s("seed-003"),
                None,
                Ok(Some(CloudProfile::Seed003)),
            ),
            (
                "block over environment",
                s("seed-002"),
                Some("seed-001"),
                Ok(Some(CloudProfile::Seed002)),
            ),
            ("unknown", Value::Unknown, None, Ok(None)),
            (
                "unknown, environment",
                Value::Unknown,
                Some("seed-001"),
                Ok(None),
            ),
            ("bad environment", Value::Null, Some("seed-9"), Err(())),
        ];
        for (what, v, env, want) in cases {
            let got = cloud_profile_setting(&block(&[("cloud_profile", v)]), env).map_err(|_| ());
            assert_eq!(got, want, "{what}");
        }
    }

    /// `tenant_id`/`tenant_name` stand for `project_id`/`project_name`;
    /// both of a pair, known or not, is an error naming the alias.
    #[test]
    fn tenant_aliases() {
        let s = Value::string;
        type Case = (
            &'static str,
            Vec<(&'static str, Value)>,
            Option<&'static str>,
            Option<&'static str>,
            Vec<&'static str>,
        );
        let cases: Vec<Case> = vec![
            ("neither", vec![], None, None, vec![]),
            (
                "aliases only",
                vec![("tenant_id", s("t1")), ("tenant_name", s("web"))],
                Some("t1"),
                Some("web"),
                vec![],
            ),
            (
                "names only",
                vec![("project_id", s("p1")), ("project_name", s("db"))],
                Some("p1"),
                Some("db"),
                vec![],
            ),
            (
                "both ids",
                vec![("project_id", s("p1")), ("tenant_id", s("t1"))],
                Some("p1"),
                None,
                vec!["tenant_id"],
            ),
            (
                "an unknown alias with a name",
                vec![("project_name", s("db")), ("tenant_name", Value::Unknown)],
                None,
                Some("db"),
                vec!["tenant_name"],
            ),
            (
                "null alias",
                vec![("project_id", s("p1")), ("tenant_id", Value::Null)],
                Some("p1"),
                None,
                vec![],
            ),
        ];
        for (what, pairs, id, name, errors) in cases {
            let v = block(&pairs);
            let st = settings_from_block(&v);
            assert_eq!(st.project_id.as_deref(), id, "{what}");
            assert_eq!(st.project_name.as_deref(), name, "{what}");
            let mut d = Diagnostics::default();
            NovaProvider.validate(&v, &mut d);
            let got: Vec<String> = d
                .iter()
                .map(|x| x.detail.split(' ').next().unwrap_or("").to_string())
                .collect();
            assert_eq!(got, errors, "{what}");
        }
    }
}
