//! Secrets (password, token) never reach the provider's logs, even at TRACE.
//! Its own test binary: tracing's callsite cache is process-wide, and other
//! tests running in parallel without a subscriber would hide events.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;
use terraform_provider_nova::client::{Cloud, Config, Settings};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PROJECT: &str = "p-123";

fn settings(server: &MockServer) -> Settings {
    Settings {
        auth_url: Some(format!("{}/v3", server.uri())),
        user_name: Some("alice".into()),
        password: Some(SecretString::from("s3cret-pw")),
        project_name: Some("demo".into()),
        ..Default::default()
    }
}

async fn standard(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("X-Subject-Token", "tok-1")
                .set_body_json(json!({
                    "token": {"project": {"id": PROJECT}, "user": {"id": "u-1"}, "catalog": [
                        {"type": "compute", "endpoints": [{"interface": "public", "region_id": "R1",
                            "url": format!("{}/v2.1/%(tenant_id)s", server.uri())}]}]}
                })),
        )
        .mount(server)
        .await;
}

fn cloud_with(s: Settings, _retries: u32) -> Cloud {
    let mut cfg = Config::from_settings(s, "test-agent".into()).unwrap();
    cfg.retry_min_delay = Duration::from_millis(1);
    Cloud::new(cfg).unwrap()
}

#[tokio::test]
async fn secrets_never_reach_trace_logs() {
    use tracing_subscriber::prelude::*;
    let buf: Arc<Mutex<Vec<u8>>> = Arc::new(Mutex::new(Vec::new()));
    let sink: terraform_provider_nova::logging::Sink = buf.clone();
    let subscriber = tracing_subscriber::registry().with(
        terraform_provider_nova::logging::JsonLines::to_sink(tracing::Level::TRACE, sink),
    );
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    standard(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("/v2.1/{PROJECT}/servers/detail")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"servers": []})))
        .mount(&server)
        .await;
    let mut s = settings(&server);
    s.application_credential_secret = None;
    let c = cloud_with(s, 0);
    c.get("/servers/detail").await.unwrap();
    let logs = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("api call"), "TRACE logging is on: {logs}");
    for secret in ["s3cret-pw", "tok-1"] {
        assert!(!logs.contains(secret), "{secret} leaked into logs");
    }
    // and the configuration's Debug form redacts them
    let cfg = Config::from_settings(settings(&server), "ua".into()).unwrap();
    assert!(!format!("{cfg:?}").contains("s3cret-pw"));
}
