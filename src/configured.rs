//! What resources, data sources and actions get from a configured
//! provider. Below both `provider` (which builds it) and `resources` (which
//! use it), so neither imports the other for it.

use crate::client::Cloud;

/// What every resource of a configured provider shares.
pub struct NovaData {
    /// The compute API client, authenticated lazily.
    pub cloud: Cloud,
    /// How `imageRef` is sent for servers that boot from a volume: the
    /// provider argument `boot_volume_image_ref` ("omit", "empty" or
    /// "image"; "omit" when not set).
    pub boot_volume_image_ref: String,
    /// The compute API reference the cloud follows (provider argument
    /// `cloud_profile`): its own refusals are checked at plan time, and
    /// again at apply before the create request. `None` while the provider
    /// block's value is unknown (it comes from something not created yet):
    /// then nothing is judged at plan, and apply, configured with the
    /// known value, checks.
    pub cloud_profile: Option<CloudProfile>,
    /// Objects `terraform query` reads at once (provider argument
    /// `query_concurrency`, 1 to 64).
    pub query_concurrency: usize,
    /// Flavor documents (`GET /flavors/detail`), fetched once per process.
    pub flavors: tokio::sync::Mutex<Option<Vec<crate::client::documents::Flavor>>>,
    /// Image names by image ID, as read once per process (an import of
    /// many servers of one image reads its name once, not per server).
    pub image_names: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

impl NovaData {
    /// `cloud` with every provider setting at its default.
    pub fn new(cloud: Cloud) -> NovaData {
        NovaData {
            cloud,
            boot_volume_image_ref: CloudProfile::Upstream.boot_volume_image_ref().into(),
            cloud_profile: Some(CloudProfile::Upstream),
            query_concurrency: crate::framework::runtime::DEFAULT_LIST_CONCURRENCY,
            flavors: tokio::sync::Mutex::new(None),
            image_names: Default::default(),
        }
    }
}

/// The compute API references the provider is built against (the seed
/// systems of `acceptance-tests/cloud/PROFILES.md`). Knowing which one a
/// cloud follows lets a plan refuse what that cloud would refuse with a
/// 400, naming the cloud's rule, before anything is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CloudProfile {
    /// Upstream Nova (seed 004): no rules beyond Nova's own.
    #[default]
    Upstream,
    /// `/v2.1`, microversion 2.67 (seed 000).
    Seed000,
    /// Legacy `/v2/{project_id}` without microversions (seed 001).
    Seed001,
    /// `/v2.1` with a recycle bin (seed 002).
    Seed002,
    /// `/v2.1/{project_id}`, volume-only block devices (seed 003).
    Seed003,
}

impl CloudProfile {
    /// The names the provider argument takes.
    pub const NAMES: &'static [&'static str] =
        &["upstream", "seed-000", "seed-001", "seed-002", "seed-003"];

    /// The profile named `name` (one of [`CloudProfile::NAMES`]).
    pub fn parse(name: &str) -> Option<CloudProfile> {
        Some(match name {
            "upstream" => CloudProfile::Upstream,
            "seed-000" => CloudProfile::Seed000,
            "seed-001" => CloudProfile::Seed001,
            "seed-002" => CloudProfile::Seed002,
            "seed-003" => CloudProfile::Seed003,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            CloudProfile::Upstream => "upstream",
            CloudProfile::Seed000 => "seed-000",
            CloudProfile::Seed001 => "seed-001",
            CloudProfile::Seed002 => "seed-002",
            CloudProfile::Seed003 => "seed-003",
        }
    }

    /// How `imageRef` is sent for a volume-booted server on this cloud
    /// when `boot_volume_image_ref` is not set: seed 000's sample repeats
    /// the image, seed 002's sends `""`, the others omit it.
    pub fn boot_volume_image_ref(self) -> &'static str {
        match self {
            CloudProfile::Seed000 => "image",
            CloudProfile::Seed002 => "empty",
            _ => "omit",
        }
    }
}

/// A mock Nova for unit tests of error and paging paths: Keystone tokens
/// with a catalog whose compute endpoint is `<mock>/v2.1` (region `R1`),
/// and a version document with `max` as the newest microversion. The test
/// mounts the compute answers it needs on the returned server.
#[cfg(test)]
pub async fn mock_nova(max: &str) -> (wiremock::MockServer, NovaData) {
    use serde_json::json;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let base = server.uri();
    let catalog = json!({"token": {"project": {"id": "p"}, "user": {"id": "u"}, "catalog": [
        {"type": "compute", "name": "nova", "endpoints": [
            {"interface": "public", "region_id": "R1", "url": format!("{base}/v2.1")}]}]}});
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("X-Subject-Token", "t")
                .set_body_json(catalog),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2.1/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "version": {"id": "v2.1", "status": "CURRENT", "version": max, "min_version": "2.1"}
        })))
        .mount(&server)
        .await;
    let cfg = crate::client::Config::from_settings(
        crate::client::Settings {
            auth_url: Some(format!("{base}/v3")),
            user_name: Some("u".into()),
            password: Some(secrecy::SecretString::from("pw")),
            project_name: Some("p".into()),
            region: Some("R1".into()),
            ..Default::default()
        },
        "test".into(),
    )
    .expect("a mock cloud's settings");
    let data = NovaData::new(Cloud::new(cfg).expect("a client for the mock cloud"));
    (server, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back() {
        for n in CloudProfile::NAMES {
            assert_eq!(CloudProfile::parse(n).map(CloudProfile::name), Some(*n));
        }
        assert_eq!(CloudProfile::parse("seed-004"), None);
        assert_eq!(CloudProfile::parse(""), None);
    }
}
