//! The compute client against a local HTTP mock: auth methods, catalog and
//! endpoint templates, version negotiation, every retry rule, error shapes,
//! re-authentication on 401, and secrets kept out of TRACE logs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use secrecy::SecretString;
use serde_json::{json, Value};
use terraform_provider_nova::client::{Call, Cloud, Config, Service, Settings};
use wiremock::matchers::{body_partial_json, header, method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const PROJECT: &str = "p-123";

fn catalog(base: &str, compute_path: &str) -> Value {
    json!([
        {"type": "compute", "name": "nova", "endpoints": [
            {"interface": "public", "region_id": "R1", "url": format!("{base}{compute_path}")},
            {"interface": "internal", "region_id": "R1", "url": "http://internal.invalid/v2.1"}]},
        {"type": "image", "name": "glance", "endpoints": [
            {"interface": "public", "region_id": "R1", "url": format!("{base}/image")}]}
    ])
}

fn token_reply(token: &str, base: &str, compute_path: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).insert_header("X-Subject-Token", token).set_body_json(json!({
        "token": {"project": {"id": PROJECT}, "user": {"id": "u-1"}, "catalog": catalog(base, compute_path)}
    }))
}

fn settings(server: &MockServer) -> Settings {
    Settings {
        auth_url: Some(format!("{}/v3", server.uri())),
        user_name: Some("alice".into()),
        password: Some(SecretString::from("s3cret-pw")),
        project_name: Some("demo".into()),
        region: Some("R1".into()),
        ..Default::default()
    }
}

fn cloud_with(s: Settings, retries: u32) -> Cloud {
    let mut cfg = Config::from_settings(
        Settings {
            max_retries: Some(retries),
            ..s
        },
        "test-agent".into(),
    )
    .unwrap();
    cfg.retry_min_delay = Duration::from_millis(1);
    Cloud::new(cfg).unwrap()
}

async fn version_doc(server: &MockServer, max: &str) {
    Mock::given(method("GET"))
        .and(path("/v2.1/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "version": {"id": "v2.1", "status": "CURRENT", "version": max, "min_version": "2.1"}
        })))
        .mount(server)
        .await;
}

async fn standard(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(token_reply("tok-1", &server.uri(), "/v2.1/%(tenant_id)s"))
        .mount(server)
        .await;
    version_doc(server, "2.104").await;
}

#[tokio::test]
async fn password_auth_catalog_template_and_microversion() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .and(body_partial_json(json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {"name": "alice", "domain": {"id": "default"}, "password": "s3cret-pw"}}},
            "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}})))
        .respond_with(token_reply("tok-1", &server.uri(), "/v2.1/%(tenant_id)s"))
        .expect(1)
        .mount(&server)
        .await;
    version_doc(&server, "2.104").await;
    Mock::given(method("GET"))
        .and(path(format!("/v2.1/{PROJECT}/flavors")))
        .and(header("X-Auth-Token", "tok-1"))
        .and(header("X-OpenStack-Nova-API-Version", "2.100"))
        .and(header("OpenStack-API-Version", "compute 2.100"))
        .and(header("User-Agent", "test-agent"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"flavors": []})))
        .expect(2)
        .mount(&server)
        .await;
    let c = cloud_with(settings(&server), 0);
    assert_eq!(c.get("/flavors").await.unwrap(), json!({"flavors": []}));
    // authenticated once per process
    c.get("/flavors").await.unwrap();
    assert_eq!(
        c.session.compute_version().await.unwrap().to_string(),
        "2.100"
    );
}

#[tokio::test]
async fn token_and_application_credential_bodies() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .and(body_partial_json(
            json!({"auth": {"identity": {"methods": ["token"], "token": {"id": "given-token"}}}}),
        ))
        .respond_with(token_reply("tok-t", &server.uri(), "/v2.1"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .and(body_partial_json(
            json!({"auth": {"identity": {"methods": ["application_credential"],
            "application_credential": {"id": "ac-1", "secret": "ac-secret"}}}}),
        ))
        .respond_with(token_reply("tok-ac", &server.uri(), "/v2.1"))
        .expect(1)
        .mount(&server)
        .await;
    let base = Settings {
        auth_url: Some(format!("{}/v3", server.uri())),
        ..Default::default()
    };
    let t = cloud_with(
        Settings {
            token: Some(SecretString::from("given-token")),
            project_id: Some(PROJECT.into()),
            ..base.clone()
        },
        0,
    );
    assert_eq!(
        t.session.project_id().await.unwrap().as_deref(),
        Some(PROJECT)
    );
    let ac = cloud_with(
        Settings {
            application_credential_id: Some("ac-1".into()),
            application_credential_secret: Some(SecretString::from("ac-secret")),
            ..base
        },
        0,
    );
    assert_eq!(
        ac.session.endpoint(Service::Compute).await.unwrap(),
        format!("{}/v2.1", server.uri())
    );
    // an application credential request carries no scope of its own
    let reqs = server.received_requests().await.unwrap();
    let last: Value = serde_json::from_slice(&reqs.last().unwrap().body).unwrap();
    assert!(last["auth"].get("scope").is_none());
}

#[tokio::test]
async fn cloud_without_version_document_is_2_1_and_overrides_win() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(token_reply("tok-1", &server.uri(), "/missing-from-catalog"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/{PROJECT}/servers")))
        .and(header("X-OpenStack-Nova-API-Version", "2.1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"servers": []})))
        .expect(1)
        .mount(&server)
        .await;
    let mut s = settings(&server);
    s.endpoint_overrides.insert(
        "compute".into(),
        format!("{}/v2/{{project_id}}", server.uri()),
    );
    let c = cloud_with(s, 0);
    c.get("/servers").await.unwrap();
    assert_eq!(
        c.session.compute_version().await.unwrap().to_string(),
        "2.1"
    );
    let e = c
        .require(
            terraform_provider_nova::client::microversion::SERVER_TAGS,
            "tags",
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "tags needs compute API microversion 2.52; this cloud speaks 2.1"
    );
}

/// Answers with `first` for the first `n` requests, then 200.
struct FailFirst {
    n: usize,
    status: u16,
    retry_after: Option<&'static str>,
    seen: Arc<AtomicUsize>,
}

impl Respond for FailFirst {
    fn respond(&self, _r: &Request) -> ResponseTemplate {
        let i = self.seen.fetch_add(1, Ordering::SeqCst);
        if i < self.n {
            let mut t =
                ResponseTemplate::new(self.status).set_body_string("{\"message\": \"slow down\"}");
            if let Some(ra) = self.retry_after {
                t = t.insert_header("Retry-After", ra);
            }
            t
        } else {
            ResponseTemplate::new(200).set_body_json(json!({"ok": true}))
        }
    }
}

async fn retry_case(
    m: &str,
    status: u16,
    failures: usize,
    retry_after: Option<&'static str>,
    retries: u32,
) -> (Result<Value, String>, usize) {
    let server = MockServer::start().await;
    standard(&server).await;
    let seen = Arc::new(AtomicUsize::new(0));
    Mock::given(method(m))
        .and(path_regex(r"^/v2\.1/p-123/thing$"))
        .respond_with(FailFirst {
            n: failures,
            status,
            retry_after,
            seen: seen.clone(),
        })
        .mount(&server)
        .await;
    let c = cloud_with(settings(&server), retries);
    let body = json!({});
    let call = Call::new(
        Service::Compute,
        Method::from_bytes(m.as_bytes()).unwrap(),
        "/thing",
    );
    let call = if m == "POST" { call.json(&body) } else { call };
    let r = c
        .session
        .call(call)
        .await
        .map(|r| r.body)
        .map_err(|e| e.to_string());
    (r, seen.load(Ordering::SeqCst))
}

#[tokio::test]
async fn retry_rules() {
    // 429 storm without Retry-After: retried with backoff until it clears
    let (r, n) = retry_case("GET", 429, 4, None, 5).await;
    assert_eq!((r.unwrap(), n), (json!({"ok": true}), 5));
    // ... and given up after max_retries, with the cloud's message
    let (r, n) = retry_case("GET", 429, 10, None, 3).await;
    assert_eq!(n, 4);
    assert!(r.unwrap_err().contains("429 Too Many Requests: slow down"));
    // 429 and 503 with Retry-After, even on POST: the cloud did not act
    let (r, n) = retry_case("POST", 429, 1, Some("0"), 5).await;
    assert_eq!((r.is_ok(), n), (true, 2));
    let (r, n) = retry_case("POST", 503, 2, Some("0"), 5).await;
    assert_eq!((r.is_ok(), n), (true, 3));
    // 502/504 are retried for idempotent requests only
    let (r, n) = retry_case("GET", 502, 1, None, 5).await;
    assert_eq!((r.is_ok(), n), (true, 2));
    let (r, n) = retry_case("DELETE", 504, 2, None, 5).await;
    assert_eq!((r.is_ok(), n), (true, 3));
    let (r, n) = retry_case("POST", 502, 1, None, 5).await;
    assert_eq!(n, 1, "a POST is never blindly repeated");
    assert!(r.unwrap_err().contains("502"));
    // other errors are not retried
    let (r, n) = retry_case("GET", 400, 1, None, 5).await;
    assert_eq!(n, 1);
    assert!(r.is_err());
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    // nothing listens on this port
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let server = MockServer::start().await;
    standard(&server).await;
    let mut s = settings(&server);
    s.endpoint_overrides.insert("image".into(), dead.clone());
    let c = cloud_with(s, 2);
    let e = c
        .session
        .call(Call::new(Service::Image, Method::GET, "/v2/images"))
        .await
        .unwrap_err();
    assert!(
        e.to_string().starts_with(&format!("GET {dead}/v2/images:")),
        "{e}"
    );
}

#[tokio::test]
async fn error_shapes_and_request_id() {
    let server = MockServer::start().await;
    standard(&server).await;
    Mock::given(method("POST"))
        .and(path(format!("/v2.1/{PROJECT}/servers")))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("X-Compute-Request-Id", "req-abc")
                .set_body_json(
                    json!({"badRequest": {"message": "Invalid flavorRef provided.", "code": 400}}),
                ),
        )
        .mount(&server)
        .await;
    let c = cloud_with(settings(&server), 0);
    let e = c
        .compute(Method::POST, "/servers", Some(&json!({"server": {}})), None)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert_eq!(
        e.to_string(),
        format!("POST {}/v2.1/{PROJECT}/servers: 400 Bad Request: Invalid flavorRef provided. (request req-abc)", server.uri())
    );
}

#[tokio::test]
async fn wrong_password_names_the_auth_url() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": {"code": 401, "title": "Unauthorized",
            "message": "The request you have made requires authentication."}})),
        )
        .mount(&server)
        .await;
    let c = cloud_with(settings(&server), 0);
    let e = c.get("/servers").await.unwrap_err().to_string();
    assert!(
        e.contains(&format!("authentication at {}/v3 failed", server.uri())),
        "{e}"
    );
    assert!(e.contains("credentials were rejected (401)"));
    assert!(!e.contains("s3cret-pw"));
}

/// Issues tok-1 first and tok-2 afterwards, counting authentications.
struct Tokens {
    base: String,
    count: Arc<AtomicUsize>,
}

impl Respond for Tokens {
    fn respond(&self, _r: &Request) -> ResponseTemplate {
        let n = self.count.fetch_add(1, Ordering::SeqCst);
        // a slow identity service makes concurrent re-auths overlap
        token_reply(
            if n == 0 { "tok-1" } else { "tok-2" },
            &self.base,
            "/v2.1/%(tenant_id)s",
        )
        .set_delay(Duration::from_millis(50))
    }
}

#[tokio::test]
async fn expired_token_reauthenticates_once_for_concurrent_calls() {
    let server = MockServer::start().await;
    let count = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(Tokens {
            base: server.uri(),
            count: count.clone(),
        })
        .mount(&server)
        .await;
    version_doc(&server, "2.90").await;
    Mock::given(method("GET"))
        .and(path(format!("/v2.1/{PROJECT}/servers/detail")))
        .and(header("X-Auth-Token", "tok-1"))
        .respond_with(ResponseTemplate::new(401).set_body_string("{}"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v2.1/{PROJECT}/servers/detail")))
        .and(header("X-Auth-Token", "tok-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"servers": []})))
        .mount(&server)
        .await;
    let c = Arc::new(cloud_with(settings(&server), 0));
    c.session.compute_version().await.unwrap();
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.get("/servers/detail").await })
        })
        .collect();
    for h in calls {
        assert_eq!(h.await.unwrap().unwrap(), json!({"servers": []}));
    }
    assert_eq!(
        count.load(Ordering::SeqCst),
        2,
        "one login, one coalesced re-login"
    );
}

#[tokio::test]
async fn failed_microversion_discovery_is_an_error_not_2_1() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(token_reply("tok-1", &server.uri(), "/v2.1/%(tenant_id)s"))
        .mount(&server)
        .await;
    // the version document fails once (500), then answers
    let seen = Arc::new(AtomicUsize::new(0));
    struct Flaky(Arc<AtomicUsize>);
    impl Respond for Flaky {
        fn respond(&self, _r: &Request) -> ResponseTemplate {
            if self.0.fetch_add(1, Ordering::SeqCst) == 0 {
                ResponseTemplate::new(500).set_body_string("{\"message\": \"down\"}")
            } else {
                ResponseTemplate::new(200).set_body_json(json!({
                    "version": {"id": "v2.1", "status": "CURRENT", "version": "2.90", "min_version": "2.1"}
                }))
            }
        }
    }
    Mock::given(method("GET"))
        .and(path("/v2.1/"))
        .respond_with(Flaky(seen.clone()))
        .mount(&server)
        .await;
    let c = cloud_with(settings(&server), 0);
    let e = c.session.compute_version().await.unwrap_err();
    assert!(
        e.to_string()
            .contains("cannot discover the compute API microversion"),
        "{e}"
    );
    // asked again, not remembered as 2.1
    assert_eq!(
        c.session.compute_version().await.unwrap().to_string(),
        "2.90"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

/// A create whose answer is lost (500): the look-up decides. One that
/// fails leaves the outcome unknown and is an error; the POST is not sent
/// again.
#[tokio::test]
async fn lost_create_with_failed_lookup_is_not_resent() {
    let server = MockServer::start().await;
    standard(&server).await;
    let posts = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/v2.1/p-123/os-aggregates"))
        .respond_with(FailFirst {
            n: 10,
            status: 500,
            retry_after: None,
            seen: posts.clone(),
        })
        .mount(&server)
        .await;
    let c = cloud_with(settings(&server), 0);
    let body = json!({"aggregate": {"name": "a"}});
    let find = || async {
        Err::<Option<Value>, _>(terraform_provider_nova::client::ApiError::Unsupported(
            "listing failed".into(),
        ))
    };
    let e = c
        .create("/os-aggregates", &body, None, find)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("may exist"), "{e}");
    assert_eq!(posts.load(Ordering::SeqCst), 1);
    // nothing found: sent again (three times at most)
    let posts2 = Arc::new(AtomicUsize::new(0));
    server.reset().await;
    standard(&server).await;
    Mock::given(method("POST"))
        .and(path("/v2.1/p-123/os-aggregates"))
        .respond_with(FailFirst {
            n: 1,
            status: 503,
            retry_after: None,
            seen: posts2.clone(),
        })
        .mount(&server)
        .await;
    let none = || async { Ok::<Option<Value>, terraform_provider_nova::client::ApiError>(None) };
    let (r, resent) = c
        .create_tracked("/os-aggregates", &body, None, none)
        .await
        .unwrap();
    assert_eq!((r, resent), (json!({"ok": true}), true));
    assert_eq!(
        posts2.load(Ordering::SeqCst),
        2,
        "503 without Retry-After: looked up, then sent again"
    );
}

/// Every page of a collection: marker pages through `<key>_links` (a link
/// to another host is followed on the catalog endpoint's origin), server
/// groups through `offset`.
#[tokio::test]
async fn collections_are_read_page_by_page() {
    use wiremock::matchers::query_param;
    let server = MockServer::start().await;
    standard(&server).await;
    Mock::given(method("GET"))
        .and(path("/v2.1/p-123/flavors/detail"))
        .and(query_param("marker", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"flavors": [{"id": "3"}]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2.1/p-123/flavors/detail"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "flavors": [{"id": "1"}, {"id": "2"}],
            "flavors_links": [{"rel": "next", "href": "http://internal.invalid:8774/v2.1/p-123/flavors/detail?marker=2"}]
        })))
        .mount(&server)
        .await;
    for (offset, ids) in [("0", vec!["a", "b"]), ("2", vec!["c"]), ("3", vec![])] {
        let items: Vec<Value> = ids.iter().map(|i| json!({"id": i})).collect();
        Mock::given(method("GET"))
            .and(path("/v2.1/p-123/os-server-groups"))
            .and(query_param("offset", offset))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"server_groups": items})))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = cloud_with(settings(&server), 0);
    let f = c.get_all("/flavors/detail", "flavors").await.unwrap();
    let ids: Vec<&str> = f["flavors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1", "2", "3"]);
    let g = c
        .get_all("/os-server-groups", "server_groups")
        .await
        .unwrap();
    let ids: Vec<&str> = g["server_groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a", "b", "c"]);
}

/// A listing whose `next` link leads back to a page already read (Nova
/// while a server moves from its build requests to a cell) is read again
/// from the start; one that keeps doing so ends in an error that names
/// the listing, not in a loop.
#[tokio::test]
async fn a_listing_that_pages_in_a_loop_is_read_again() {
    use terraform_provider_nova::client::batch::list_all;
    use wiremock::matchers::query_param;
    let server = MockServer::start().await;
    standard(&server).await;
    // page after "b": the first time, "b" again with a link back to itself
    struct AfterB(Arc<AtomicUsize>);
    impl Respond for AfterB {
        fn respond(&self, _r: &Request) -> ResponseTemplate {
            let body = match self.0.fetch_add(1, Ordering::SeqCst) {
                0 => json!({"servers": [{"id": "c"}, {"id": "b"}],
                    "servers_links": [{"rel": "next", "href": "http://h/v2.1/p-123/servers/detail?marker=b"}]}),
                _ => json!({"servers": [{"id": "c"}]}),
            };
            ResponseTemplate::new(200).set_body_json(body)
        }
    }
    let after_b = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .and(path("/v2.1/p-123/servers/detail"))
        .and(query_param("marker", "b"))
        .respond_with(AfterB(after_b.clone()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2.1/p-123/servers/detail"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "servers": [{"id": "a"}, {"id": "b"}],
            "servers_links": [{"rel": "next", "href": "http://h/v2.1/p-123/servers/detail?marker=b"}]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2.1/p-123/os-hypervisors/detail"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "hypervisors": [{"id": "h1"}],
            "hypervisors_links": [{"rel": "next", "href": "http://h/v2.1/p-123/os-hypervisors/detail"}]
        })))
        .mount(&server)
        .await;
    let c = cloud_with(settings(&server), 0);
    let all = list_all(&c, Service::Compute, "/servers/detail", "servers")
        .await
        .unwrap();
    let ids: Vec<&str> = all.iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["a", "b", "c"],
        "read again from the start, each server once"
    );
    assert_eq!(
        after_b.load(Ordering::SeqCst),
        2,
        "the page after b was read twice"
    );

    let err = list_all(
        &c,
        Service::Compute,
        "/os-hypervisors/detail",
        "hypervisors",
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("/os-hypervisors/detail never ended"), "{err}");
    assert!(err.contains("after 4 readings"), "{err}");
}

/// ERROR while a task still runs (a rebuild retrying) is not final: the
/// wait goes on and ends when the server settles.
#[tokio::test]
async fn error_during_a_running_task_is_not_final() {
    use terraform_provider_nova::client::waiter::{wait_server, Observed, Wait};
    let server = MockServer::start().await;
    standard(&server).await;
    let seen = Arc::new(AtomicUsize::new(0));
    struct Steps(Arc<AtomicUsize>);
    impl Respond for Steps {
        fn respond(&self, _r: &Request) -> ResponseTemplate {
            let s = match self.0.fetch_add(1, Ordering::SeqCst) {
                0 => json!({"id": "s1", "status": "ERROR", "OS-EXT-STS:task_state": "rebuilding"}),
                _ => json!({"id": "s1", "status": "ACTIVE", "OS-EXT-STS:task_state": null}),
            };
            ResponseTemplate::new(200).set_body_json(json!({ "server": s }))
        }
    }
    Mock::given(method("GET"))
        .and(path("/v2.1/p-123/servers/s1"))
        .respond_with(Steps(seen.clone()))
        .mount(&server)
        .await;
    let c = cloud_with(settings(&server), 0);
    let stopped = || false;
    let got = wait_server(
        &c,
        Wait {
            server_id: "s1",
            targets: &["ACTIVE"],
            gone_ok: false,
            gone: &[],
            deadline: std::time::Instant::now() + Duration::from_secs(30),
            stopped: &stopped,
            request_id: None,
        },
    )
    .await
    .unwrap();
    assert!(matches!(got, Observed::Settled(_)));
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

/// A create whose fields only an older microversion accepts goes out at
/// it (both version headers), a repeat after a lost answer too; every
/// other request stays at the negotiated one.
#[tokio::test]
async fn a_create_is_sent_at_the_microversion_it_asks_for() {
    let server = MockServer::start().await;
    standard(&server).await;
    let posts = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/v2.1/p-123/servers"))
        .and(header("X-OpenStack-Nova-API-Version", "2.56"))
        .and(header("OpenStack-API-Version", "compute 2.56"))
        .respond_with(FailFirst {
            n: 1,
            status: 503,
            retry_after: None,
            seen: posts.clone(),
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2.1/p-123/servers/detail"))
        .and(header("X-OpenStack-Nova-API-Version", "2.100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"servers": []})))
        .expect(1)
        .mount(&server)
        .await;
    let c = cloud_with(settings(&server), 0);
    assert!(!c.session.compute_version_pinned());
    let body = json!({"server": {"name": "s", "personality": [{"path": "/etc/motd", "contents": "aGk="}]}});
    let v = terraform_provider_nova::client::Microversion(2, 56);
    let find = || async {
        let listed = c.get("/servers/detail").await?;
        assert_eq!(listed, json!({"servers": []}));
        Ok::<Option<Value>, terraform_provider_nova::client::ApiError>(None)
    };
    let (r, resent) = c
        .create_tracked_at("/servers", &body, None, find, Some(v))
        .await
        .unwrap();
    assert_eq!((r, resent), (json!({"ok": true}), true));
    assert_eq!(posts.load(Ordering::SeqCst), 2, "both at 2.56");
    assert_eq!(
        c.session.compute_version().await.unwrap().to_string(),
        "2.100",
        "the session still speaks the negotiated one"
    );
}
