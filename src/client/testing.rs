//! Test support: a [`Cloud`] on a mock Keystone whose catalog lists the
//! given compute endpoints, for unit tests of error and paging paths.

use serde_json::{json, Value as J};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{Cloud, Config, Settings};

/// Mounts `POST /v3/auth/tokens` on `server` (a token for project `p`,
/// user `u`, with compute `endpoints`: catalog endpoint objects, their
/// `url`s on the mock) answering `times` times at most when given, and
/// returns a client for the provider region `region`.
pub async fn keystone_cloud(
    server: &MockServer,
    endpoints: J,
    region: Option<&str>,
    times: Option<u64>,
) -> Cloud {
    let services = json!([{"type": "compute", "name": "nova", "endpoints": endpoints}]);
    keystone_catalog_cloud(server, services, region, times).await
}

/// As [`keystone_cloud`], with the token's whole catalog given: a list of
/// `{"type", "name", "endpoints"}` services.
pub async fn keystone_catalog_cloud(
    server: &MockServer,
    services: J,
    region: Option<&str>,
    times: Option<u64>,
) -> Cloud {
    let catalog =
        json!({"token": {"project": {"id": "p"}, "user": {"id": "u"}, "catalog": services}});
    let auth = Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("X-Subject-Token", "t")
                .set_body_json(catalog),
        );
    match times {
        Some(n) => auth.expect(n).mount(server).await,
        None => auth.mount(server).await,
    }
    let cfg = Config::from_settings(
        Settings {
            auth_url: Some(format!("{}/v3", server.uri())),
            user_name: Some("u".into()),
            password: Some(secrecy::SecretString::from("pw")),
            project_name: Some("p".into()),
            region: region.map(str::to_string),
            ..Default::default()
        },
        "test".into(),
    )
    .expect("a mock cloud's settings");
    Cloud::new(cfg).expect("a client for the mock cloud")
}

/// Mounts the compute version document at `<prefix>/` (e.g. `/v2.1`) with
/// `max` as the newest microversion.
pub async fn version_document(server: &MockServer, prefix: &str, max: &str) {
    Mock::given(method("GET"))
        .and(path(format!("{prefix}/")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "version": {"id": "v2.1", "status": "CURRENT", "version": max, "min_version": "2.1"}
        })))
        .mount(server)
        .await;
}
