//! What resources, data sources and actions get from a configured
//! provider. Below both `provider` (which builds it) and `resources` (which
//! use it), so neither imports the other for it.

use std::sync::Arc;

use crate::client::{ApiError, Cloud, Service};

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
    /// What resources with a `region` other than the provider's use, one
    /// per region, built on first use ([`NovaData::in_region`]).
    pub(crate) regions: std::sync::Mutex<std::collections::HashMap<String, Arc<NovaData>>>,
}

/// The provider's own data, or that of another region.
pub enum InRegion<'a> {
    Default(&'a NovaData),
    Other(Arc<NovaData>),
}

impl std::ops::Deref for InRegion<'_> {
    type Target = NovaData;
    fn deref(&self) -> &NovaData {
        match self {
            InRegion::Default(d) => d,
            InRegion::Other(d) => d,
        }
    }
}

/// Why a resource's `region` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RegionError {
    #[error("the service catalog has no compute endpoint (interface {interface}) in region \"{region}\"; its regions with one: {}", list_or_none(.known))]
    NotInCatalog {
        region: String,
        interface: String,
        known: Vec<String>,
    },
    #[error("endpoint_overrides names the compute endpoint, so the provider reaches one place only (region \"{default}\"); region \"{region}\" cannot be reached")]
    Overridden { region: String, default: String },
    #[error(transparent)]
    Api(#[from] ApiError),
}

fn list_or_none(l: &[String]) -> String {
    if l.is_empty() {
        "none".into()
    } else {
        l.iter()
            .map(|r| format!("\"{r}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }
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
            regions: Default::default(),
        }
    }

    /// The provider's region: its `region` setting, else the region of the
    /// catalog's compute endpoint it uses; "" when neither names one (an
    /// endpoint override without a region setting).
    pub async fn default_region(&self) -> Result<String, ApiError> {
        Ok(self
            .cloud
            .session
            .region_of(Service::Compute)
            .await?
            .unwrap_or_default())
    }

    /// What a resource in `region` uses: the provider's own data for its
    /// region, else one built once per region whose cloud shares the
    /// provider's authentication and selects that region's endpoints (and
    /// which has every other provider setting, `cloud_profile` included).
    /// A region without a compute endpoint in the catalog is refused,
    /// listing those that have one.
    pub async fn in_region(&self, region: &str) -> Result<InRegion<'_>, RegionError> {
        let default = self.default_region().await?;
        if region == default {
            return Ok(InRegion::Default(self));
        }
        if let Some(d) = self
            .regions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(region)
        {
            return Ok(InRegion::Other(d.clone()));
        }
        let session = &self.cloud.session;
        if session.config().endpoint_overrides.contains_key("compute") {
            return Err(RegionError::Overridden {
                region: region.into(),
                default,
            });
        }
        let known = session.catalog_regions(Service::Compute).await?;
        if !known.iter().any(|r| r == region) {
            return Err(RegionError::NotInCatalog {
                region: region.into(),
                interface: session.config().interface.as_str().into(),
                known,
            });
        }
        let built = Arc::new(NovaData {
            cloud: Cloud::with_session(session.in_region(region)),
            boot_volume_image_ref: self.boot_volume_image_ref.clone(),
            cloud_profile: self.cloud_profile,
            query_concurrency: self.query_concurrency,
            flavors: tokio::sync::Mutex::new(None),
            image_names: Default::default(),
            regions: Default::default(),
        });
        let mut regions = self.regions.lock().unwrap_or_else(|e| e.into_inner());
        Ok(InRegion::Other(
            regions.entry(region.to_string()).or_insert(built).clone(),
        ))
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
    use crate::client::testing::{keystone_cloud, version_document};
    let server = wiremock::MockServer::start().await;
    let endpoints = serde_json::json!([
        {"interface": "public", "region_id": "R1", "url": format!("{}/v2.1", server.uri())}]);
    let cloud = keystone_cloud(&server, endpoints, Some("R1"), None).await;
    version_document(&server, "/v2.1", max).await;
    (server, NovaData::new(cloud))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cloud whose catalog has compute endpoints in `R1` and `R2` (each
    /// its own path on one mock server); the provider's region is
    /// `region`. Authentication is mounted to answer exactly once.
    async fn two_regions(region: Option<&str>) -> (wiremock::MockServer, NovaData) {
        use crate::client::testing::{keystone_cloud, version_document};
        let server = wiremock::MockServer::start().await;
        let base = server.uri();
        let endpoints = serde_json::json!([
            {"interface": "public", "region_id": "R1", "url": format!("{base}/r1/v2.1")},
            {"interface": "internal", "region_id": "R3", "url": format!("{base}/r3/v2.1")},
            {"interface": "public", "region_id": "R2", "url": format!("{base}/r2/v2.1")}]);
        let cloud = keystone_cloud(&server, endpoints, region, Some(1)).await;
        for (r, max) in [("/r1/v2.1", "2.90"), ("/r2/v2.1", "2.67")] {
            version_document(&server, r, max).await;
        }
        (server, NovaData::new(cloud))
    }

    /// Each region reaches its own endpoint and negotiates its own
    /// microversion, over one authentication; the region is built once.
    #[tokio::test]
    async fn regions_share_one_authentication() {
        for (setting, default) in [(None, "R1"), (Some("R1"), "R1"), (Some("R2"), "R2")] {
            let (server, data) = two_regions(setting).await;
            assert_eq!(data.default_region().await.unwrap(), default, "{setting:?}");
            let other = if default == "R1" { "R2" } else { "R1" };
            let a = data.in_region(other).await.expect("in the catalog");
            assert!(matches!(a, InRegion::Other(_)));
            let url = a.cloud.session.endpoint(Service::Compute).await.unwrap();
            assert!(
                url.ends_with(&format!("/{}/v2.1", other.to_lowercase())),
                "{url}"
            );
            let v = a.cloud.session.compute_version().await.unwrap().to_string();
            assert_eq!(v, if other == "R2" { "2.67" } else { "2.90" });
            let b = data.in_region(other).await.unwrap();
            assert!(std::ptr::eq(&*a, &*b), "built once per region");
            assert!(matches!(
                data.in_region(default).await.unwrap(),
                InRegion::Default(_)
            ));
            drop(server); // verifies the one authentication
        }
    }

    /// A region without a compute endpoint of the provider's interface is
    /// refused, naming those that have one.
    #[tokio::test]
    async fn a_region_not_in_the_catalog() {
        let (_server, data) = two_regions(None).await;
        for missing in ["R9", "R3", "r2"] {
            let Err(e) = data.in_region(missing).await else {
                panic!("{missing} accepted")
            };
            assert_eq!(
                e.to_string(),
                format!("the service catalog has no compute endpoint (interface public) in region \"{missing}\"; its regions with one: \"R1\", \"R2\"")
            );
        }
    }

    #[test]
    fn every_name_parses_back() {
        for n in CloudProfile::NAMES {
            assert_eq!(CloudProfile::parse(n).map(CloudProfile::name), Some(*n));
        }
        assert_eq!(CloudProfile::parse("seed-004"), None);
        assert_eq!(CloudProfile::parse(""), None);
    }
}
