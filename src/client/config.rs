//! Client configuration: provider block > `OS_*` environment > clouds.yaml.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use secrecy::SecretString;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {error}")]
    Read { path: String, error: String },
    #[error("{path} is not valid YAML: {error}")]
    Yaml { path: String, error: String },
    #[error("cloud \"{0}\" is not defined in any clouds.yaml (searched: {1})")]
    UnknownCloud(String, String),
    #[error(
        "no auth_url: set auth_url in the provider block, OS_AUTH_URL, or a cloud in clouds.yaml"
    )]
    MissingAuthUrl,
    #[error("no credentials: give a password (with user_name or user_id), a token, or an application credential")]
    MissingCredentials,
    #[error("{0}")]
    Invalid(String),
}

/// Everything the provider block, the environment or clouds.yaml may set.
/// `None` means "not given here", so that sources can be layered.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub cloud: Option<String>,
    pub auth_url: Option<String>,
    pub region: Option<String>,
    pub user_name: Option<String>,
    pub user_id: Option<String>,
    pub password: Option<SecretString>,
    pub token: Option<SecretString>,
    pub application_credential_id: Option<String>,
    pub application_credential_name: Option<String>,
    pub application_credential_secret: Option<SecretString>,
    pub project_id: Option<String>,
    pub project_name: Option<String>,
    pub user_domain_name: Option<String>,
    pub user_domain_id: Option<String>,
    pub project_domain_name: Option<String>,
    pub project_domain_id: Option<String>,
    pub domain_name: Option<String>,
    pub domain_id: Option<String>,
    pub default_domain: Option<String>,
    pub system_scope: Option<bool>,
    pub insecure: Option<bool>,
    pub cacert_file: Option<String>,
    pub cert: Option<String>,
    pub key: Option<SecretString>,
    pub endpoint_type: Option<String>,
    pub endpoint_overrides: BTreeMap<String, String>,
    pub compute_microversion: Option<String>,
    pub max_retries: Option<u32>,
    pub request_timeout: Option<std::time::Duration>,
    pub clouds_yaml_file: Option<String>,
    pub batch_reads: Option<bool>,
}

macro_rules! layer {
    ($dst:ident, $src:ident; $($f:ident),*) => {
        $( if $dst.$f.is_none() { $dst.$f = $src.$f.clone(); } )*
    };
}

impl Settings {
    /// Fills what is unset here from a lower-precedence source.
    pub fn or(mut self, lower: &Settings) -> Settings {
        layer!(self, lower; cloud, auth_url, region, user_name, user_id, password, token,
            application_credential_id, application_credential_name, application_credential_secret,
            project_id, project_name, user_domain_name, user_domain_id, project_domain_name,
            project_domain_id, domain_name, domain_id, default_domain, system_scope, insecure,
            cacert_file, cert, key, endpoint_type, compute_microversion, max_retries, request_timeout,
            clouds_yaml_file, batch_reads);
        for (k, v) in &lower.endpoint_overrides {
            self.endpoint_overrides
                .entry(k.clone())
                .or_insert_with(|| v.clone());
        }
        self
    }

    /// The `OS_*` environment variables the OpenStack client tools read.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Settings {
        let g = |keys: &[&str]| keys.iter().find_map(|k| get(k).filter(|v| !v.is_empty()));
        let secret = |keys: &[&str]| g(keys).map(SecretString::from);
        let boolean = |keys: &[&str]| {
            g(keys).map(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
        };
        Settings {
            cloud: g(&["OS_CLOUD"]),
            auth_url: g(&["OS_AUTH_URL"]),
            region: g(&["OS_REGION_NAME"]),
            user_name: g(&["OS_USERNAME"]),
            user_id: g(&["OS_USER_ID"]),
            password: secret(&["OS_PASSWORD"]),
            token: secret(&["OS_TOKEN", "OS_AUTH_TOKEN"]),
            application_credential_id: g(&["OS_APPLICATION_CREDENTIAL_ID"]),
            application_credential_name: g(&["OS_APPLICATION_CREDENTIAL_NAME"]),
            application_credential_secret: secret(&["OS_APPLICATION_CREDENTIAL_SECRET"]),
            project_id: g(&["OS_PROJECT_ID", "OS_TENANT_ID"]),
            project_name: g(&["OS_PROJECT_NAME", "OS_TENANT_NAME"]),
            user_domain_name: g(&["OS_USER_DOMAIN_NAME"]),
            user_domain_id: g(&["OS_USER_DOMAIN_ID"]),
            project_domain_name: g(&["OS_PROJECT_DOMAIN_NAME"]),
            project_domain_id: g(&["OS_PROJECT_DOMAIN_ID"]),
            domain_name: g(&["OS_DOMAIN_NAME"]),
            domain_id: g(&["OS_DOMAIN_ID"]),
            default_domain: g(&["OS_DEFAULT_DOMAIN"]),
            system_scope: g(&["OS_SYSTEM_SCOPE"]).map(|v| !v.is_empty()),
            insecure: boolean(&["OS_INSECURE"]),
            cacert_file: g(&["OS_CACERT"]),
            cert: g(&["OS_CERT"]),
            key: secret(&["OS_KEY"]),
            endpoint_type: g(&["OS_INTERFACE", "OS_ENDPOINT_TYPE"]),
            endpoint_overrides: BTreeMap::new(),
            compute_microversion: g(&["OS_COMPUTE_API_VERSION"]),
            max_retries: None,
            request_timeout: None,
            clouds_yaml_file: g(&["OS_CLIENT_CONFIG_FILE"]),
            batch_reads: None,
        }
    }

    /// Settings of one cloud from clouds.yaml (with secure.yaml merged and
    /// the region's own overrides applied).
    pub fn from_clouds_yaml(
        name: &str,
        explicit_file: Option<&str>,
        region: Option<&str>,
    ) -> Result<Settings, ConfigError> {
        let files = clouds_files(explicit_file);
        let mut doc = serde_yaml::Value::Null;
        let mut found = false;
        for f in files.iter().filter(|f| f.exists()) {
            let d = read_yaml(f)?;
            if d.get("clouds").and_then(|c| c.get(name)).is_some() {
                doc = d;
                found = true;
                break;
            }
        }
        if !found {
            let searched = files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(ConfigError::UnknownCloud(name.to_string(), searched));
        }
        let mut cloud = doc["clouds"][name].clone();
        // secure.yaml beside clouds.yaml holds secrets for the same clouds
        for f in secure_files(explicit_file).iter().filter(|f| f.exists()) {
            let s = read_yaml(f)?;
            if let Some(extra) = s.get("clouds").and_then(|c| c.get(name)) {
                merge_yaml(&mut cloud, extra);
            }
        }
        let region_name = region.map(str::to_string).or_else(|| {
            cloud
                .get("region_name")
                .and_then(|r| r.as_str())
                .map(str::to_string)
        });
        // per-region overrides: regions: [{name: X, values: {...}}]
        if let (Some(rn), Some(regions)) = (
            &region_name,
            cloud.get("regions").and_then(|r| r.as_sequence()).cloned(),
        ) {
            for r in regions {
                if r.get("name").and_then(|n| n.as_str()) == Some(rn.as_str()) {
                    if let Some(values) = r.get("values") {
                        merge_yaml(&mut cloud, values);
                    }
                }
            }
        }
        let s = |v: &serde_yaml::Value, k: &str| {
            v.get(k).and_then(|x| match x {
                serde_yaml::Value::String(s) => Some(s.clone()),
                serde_yaml::Value::Number(n) => Some(n.to_string()),
                serde_yaml::Value::Bool(b) => Some(b.to_string()),
                _ => None,
            })
        };
        let auth = cloud
            .get("auth")
            .cloned()
            .unwrap_or(serde_yaml::Value::Null);
        let verify = cloud.get("verify").and_then(|v| v.as_bool());
        let mut out = Settings {
            auth_url: s(&auth, "auth_url"),
            region: region_name,
            user_name: s(&auth, "username"),
            user_id: s(&auth, "user_id"),
            password: s(&auth, "password").map(SecretString::from),
            token: s(&auth, "token").map(SecretString::from),
            application_credential_id: s(&auth, "application_credential_id"),
            application_credential_name: s(&auth, "application_credential_name"),
            application_credential_secret: s(&auth, "application_credential_secret")
                .map(SecretString::from),
            project_id: s(&auth, "project_id").or_else(|| s(&auth, "tenant_id")),
            project_name: s(&auth, "project_name").or_else(|| s(&auth, "tenant_name")),
            user_domain_name: s(&auth, "user_domain_name"),
            user_domain_id: s(&auth, "user_domain_id"),
            project_domain_name: s(&auth, "project_domain_name"),
            project_domain_id: s(&auth, "project_domain_id"),
            domain_name: s(&auth, "domain_name"),
            domain_id: s(&auth, "domain_id"),
            system_scope: s(&auth, "system_scope").map(|v| !v.is_empty()),
            insecure: verify
                .map(|v| !v)
                .or_else(|| cloud.get("insecure").and_then(|v| v.as_bool())),
            cacert_file: s(&cloud, "cacert"),
            cert: s(&cloud, "cert"),
            key: s(&cloud, "key").map(SecretString::from),
            endpoint_type: s(&cloud, "interface").or_else(|| s(&cloud, "endpoint_type")),
            compute_microversion: s(&cloud, "compute_api_version"),
            ..Default::default()
        };
        if let Some(m) = cloud.as_mapping() {
            for (k, v) in m {
                // e.g. compute_endpoint_override: https://...
                if let (Some(k), Some(v)) = (k.as_str(), v.as_str()) {
                    if let Some(svc) = k.strip_suffix("_endpoint_override") {
                        out.endpoint_overrides
                            .insert(svc.replace('_', "-"), v.to_string());
                    }
                }
            }
        }
        Ok(out)
    }
}

fn read_yaml(path: &Path) -> Result<serde_yaml::Value, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        path: path.display().to_string(),
        error: e.to_string(),
    })?;
    serde_yaml::from_str(&text).map_err(|e| ConfigError::Yaml {
        path: path.display().to_string(),
        error: e.to_string(),
    })
}

fn merge_yaml(dst: &mut serde_yaml::Value, src: &serde_yaml::Value) {
    match (dst, src) {
        (serde_yaml::Value::Mapping(d), serde_yaml::Value::Mapping(s)) => {
            for (k, v) in s {
                match d.get_mut(k) {
                    Some(existing) if existing.is_mapping() && v.is_mapping() => {
                        merge_yaml(existing, v)
                    }
                    _ => {
                        d.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (d, s) => *d = s.clone(),
    }
}

fn search_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from(".")];
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".config/openstack"));
    }
    dirs.push(PathBuf::from("/etc/openstack"));
    dirs
}

fn clouds_files(explicit: Option<&str>) -> Vec<PathBuf> {
    match explicit {
        Some(f) => vec![PathBuf::from(f)],
        None => search_dirs()
            .into_iter()
            .flat_map(|d| [d.join("clouds.yaml"), d.join("clouds.yml")])
            .collect(),
    }
}

fn secure_files(explicit: Option<&str>) -> Vec<PathBuf> {
    match explicit {
        Some(f) => vec![Path::new(f).with_file_name("secure.yaml")],
        None => search_dirs()
            .into_iter()
            .map(|d| d.join("secure.yaml"))
            .collect(),
    }
}

/// How the client authenticates.
#[derive(Debug, Clone)]
pub enum AuthMethod {
    Password {
        user_name: Option<String>,
        user_id: Option<String>,
        password: SecretString,
    },
    Token(SecretString),
    ApplicationCredential {
        id: Option<String>,
        name: Option<String>,
        user_name: Option<String>,
        user_id: Option<String>,
        secret: SecretString,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    Project {
        id: Option<String>,
        name: Option<String>,
        domain_id: Option<String>,
        domain_name: Option<String>,
    },
    Domain {
        id: Option<String>,
        name: Option<String>,
    },
    System,
    Unscoped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interface {
    Public,
    Internal,
    Admin,
}

impl Interface {
    pub fn as_str(&self) -> &'static str {
        match self {
            Interface::Public => "public",
            Interface::Internal => "internal",
            Interface::Admin => "admin",
        }
    }
}

/// Resolved, validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub auth_url: String,
    pub auth: AuthMethod,
    pub scope: Scope,
    pub user_domain_id: Option<String>,
    pub user_domain_name: Option<String>,
    pub region: Option<String>,
    pub interface: Interface,
    pub insecure: bool,
    pub cacert_file: Option<String>,
    pub cert: Option<String>,
    pub key: Option<SecretString>,
    pub endpoint_overrides: BTreeMap<String, String>,
    pub compute_microversion: Option<String>,
    pub max_retries: u32,
    pub request_timeout: std::time::Duration,
    /// First retry delay; later ones grow exponentially, with jitter.
    pub retry_min_delay: std::time::Duration,
    pub user_agent: String,
    /// Answer concurrent server reads from shared listings.
    pub batch_reads: bool,
}

impl Config {
    /// Layers the provider block over the environment over clouds.yaml and
    /// checks that the result can authenticate.
    pub fn resolve(
        block: Settings,
        env: Settings,
        user_agent: String,
    ) -> Result<Config, ConfigError> {
        let merged = block.or(&env);
        let merged = match &merged.cloud {
            Some(name) => {
                let cy = Settings::from_clouds_yaml(
                    name,
                    merged.clouds_yaml_file.as_deref(),
                    merged.region.as_deref(),
                )?;
                merged.or(&cy)
            }
            None => merged,
        };
        Config::from_settings(merged, user_agent)
    }

    pub fn from_settings(s: Settings, user_agent: String) -> Result<Config, ConfigError> {
        let auth_url = s.auth_url.clone().ok_or(ConfigError::MissingAuthUrl)?;
        let default_domain = s
            .default_domain
            .clone()
            .unwrap_or_else(|| "default".to_string());
        let auth = if let Some(secret) = s.application_credential_secret.clone() {
            if s.application_credential_id.is_none() && s.application_credential_name.is_none() {
                return Err(ConfigError::Invalid(
                    "application_credential_secret needs application_credential_id or application_credential_name".into(),
                ));
            }
            AuthMethod::ApplicationCredential {
                id: s.application_credential_id.clone(),
                name: s.application_credential_name.clone(),
                user_name: s.user_name.clone(),
                user_id: s.user_id.clone(),
                secret,
            }
        } else if let Some(token) = s.token.clone() {
            AuthMethod::Token(token)
        } else if let Some(password) = s.password.clone() {
            if s.user_name.is_none() && s.user_id.is_none() {
                return Err(ConfigError::Invalid(
                    "a password needs user_name or user_id".into(),
                ));
            }
            AuthMethod::Password {
                user_name: s.user_name.clone(),
                user_id: s.user_id.clone(),
                password,
            }
        } else {
            return Err(ConfigError::MissingCredentials);
        };
        let scope = if matches!(auth, AuthMethod::ApplicationCredential { .. }) {
            // application credentials carry their own scope
            Scope::Unscoped
        } else if s.system_scope.unwrap_or(false) {
            Scope::System
        } else if s.project_id.is_some() || s.project_name.is_some() {
            let (domain_id, domain_name) = match (&s.project_domain_id, &s.project_domain_name) {
                (None, None) => (
                    s.domain_id.clone().or(Some(default_domain.clone())),
                    s.domain_name.clone(),
                ),
                (id, name) => (id.clone(), name.clone()),
            };
            let (domain_id, domain_name) = if domain_name.is_some() && s.project_domain_id.is_none()
            {
                (None, domain_name)
            } else {
                (domain_id, domain_name)
            };
            Scope::Project {
                id: s.project_id.clone(),
                name: s.project_name.clone(),
                domain_id,
                domain_name,
            }
        } else if s.domain_id.is_some() || s.domain_name.is_some() {
            Scope::Domain {
                id: s.domain_id.clone(),
                name: s.domain_name.clone(),
            }
        } else {
            Scope::Unscoped
        };
        let (user_domain_id, user_domain_name) = match (&s.user_domain_id, &s.user_domain_name) {
            (None, None) => (
                s.domain_id.clone().or(Some(default_domain)),
                s.domain_name.clone(),
            ),
            (id, name) => (id.clone(), name.clone()),
        };
        let (user_domain_id, user_domain_name) =
            if user_domain_name.is_some() && s.user_domain_id.is_none() {
                (None, user_domain_name)
            } else {
                (user_domain_id, user_domain_name)
            };
        let interface = match s
            .endpoint_type
            .as_deref()
            .map(|v| v.trim_end_matches("URL").to_ascii_lowercase())
        {
            None => Interface::Public,
            Some(v) if v == "public" => Interface::Public,
            Some(v) if v == "internal" => Interface::Internal,
            Some(v) if v == "admin" => Interface::Admin,
            Some(v) => {
                return Err(ConfigError::Invalid(format!(
                    "endpoint_type must be public, internal or admin, not \"{v}\""
                )))
            }
        };
        Ok(Config {
            auth_url: auth_url.trim_end_matches('/').to_string(),
            auth,
            scope,
            user_domain_id,
            user_domain_name,
            region: s.region.clone(),
            interface,
            insecure: s.insecure.unwrap_or(false),
            cacert_file: s.cacert_file.clone(),
            cert: s.cert.clone(),
            key: s.key.clone(),
            endpoint_overrides: s.endpoint_overrides.clone(),
            compute_microversion: s.compute_microversion.clone(),
            max_retries: s.max_retries.unwrap_or(5),
            request_timeout: s
                .request_timeout
                .unwrap_or(std::time::Duration::from_secs(60)),
            retry_min_delay: std::time::Duration::from_millis(500),
            user_agent,
            batch_reads: s.batch_reads.unwrap_or(true),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> Settings {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_env(|k| m.get(k).cloned())
    }

    #[test]
    fn block_beats_env_beats_clouds_yaml() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("clouds.yaml");
        std::fs::write(
            &f,
            "clouds:\n  c:\n    auth:\n      auth_url: http://yaml/v3\n      username: yaml-user\n      password: yaml-pw\n      project_name: yaml-project\n    region_name: R1\n",
        )
        .unwrap();
        let block = Settings {
            user_name: Some("block-user".into()),
            ..Default::default()
        };
        let e = env(&[
            ("OS_CLOUD", "c"),
            ("OS_CLIENT_CONFIG_FILE", f.to_str().unwrap()),
            ("OS_USERNAME", "env-user"),
            ("OS_PROJECT_NAME", "env-project"),
        ]);
        let c = Config::resolve(block, e, "ua".into()).unwrap();
        assert_eq!(c.auth_url, "http://yaml/v3");
        assert_eq!(c.region.as_deref(), Some("R1"));
        match &c.auth {
            AuthMethod::Password {
                user_name,
                password,
                ..
            } => {
                assert_eq!(user_name.as_deref(), Some("block-user"));
                assert_eq!(password.expose_secret(), "yaml-pw");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&c.scope, Scope::Project { name: Some(n), .. } if n == "env-project"));
    }

    #[test]
    fn secure_yaml_and_region_overrides_are_merged() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("clouds.yaml");
        std::fs::write(
            &f,
            "clouds:\n  c:\n    auth:\n      auth_url: http://k/v3\n      username: u\n      project_name: p\n    regions:\n      - name: R2\n        values:\n          compute_endpoint_override: http://r2-compute/v2.1\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("secure.yaml"),
            "clouds:\n  c:\n    auth:\n      password: from-secure\n",
        )
        .unwrap();
        let s = Settings::from_clouds_yaml("c", Some(f.to_str().unwrap()), Some("R2")).unwrap();
        assert_eq!(s.password.unwrap().expose_secret(), "from-secure");
        assert_eq!(
            s.endpoint_overrides.get("compute").map(String::as_str),
            Some("http://r2-compute/v2.1")
        );
    }

    #[test]
    fn legacy_tenant_variables_and_token_alias() {
        let s = env(&[("OS_TENANT_NAME", "t"), ("OS_AUTH_TOKEN", "tok")]);
        assert_eq!(s.project_name.as_deref(), Some("t"));
        assert_eq!(s.token.unwrap().expose_secret(), "tok");
    }

    #[test]
    fn missing_pieces_are_explained() {
        assert!(matches!(
            Config::from_settings(Settings::default(), "ua".into()),
            Err(ConfigError::MissingAuthUrl)
        ));
        let s = Settings {
            auth_url: Some("http://k".into()),
            ..Default::default()
        };
        assert!(matches!(
            Config::from_settings(s, "ua".into()),
            Err(ConfigError::MissingCredentials)
        ));
        let e = Config::resolve(
            Settings {
                cloud: Some("nope".into()),
                clouds_yaml_file: Some("/nonexistent/clouds.yaml".into()),
                ..Default::default()
            },
            Settings::default(),
            "ua".into(),
        );
        assert!(matches!(e, Err(ConfigError::UnknownCloud(..))));
    }

    #[test]
    fn application_credentials_are_unscoped_and_need_an_id_or_name() {
        let s = Settings {
            auth_url: Some("http://k".into()),
            application_credential_secret: Some("s".to_string().into()),
            project_name: Some("ignored".into()),
            ..Default::default()
        };
        assert!(Config::from_settings(s.clone(), "ua".into()).is_err());
        let s = Settings {
            application_credential_id: Some("id".into()),
            ..s
        };
        let c = Config::from_settings(s, "ua".into()).unwrap();
        assert_eq!(c.scope, Scope::Unscoped);
    }

    #[test]
    fn secrets_do_not_show_in_debug() {
        let s = Settings {
            password: Some("hunter2-very-secret".to_string().into()),
            ..Default::default()
        };
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
