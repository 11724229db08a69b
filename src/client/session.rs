//! The HTTP session: Keystone v3 authentication (lazy, once per process,
//! re-authenticated once on 401 with concurrent re-auths coalesced), the
//! service catalog, compute microversion negotiation, and retries.

use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::BackoffBuilder;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value as J};
use tokio::sync::{Mutex, OnceCell};

use super::config::{AuthMethod, Config, Scope};
use super::error::{error_message, ApiError, HttpError};
use super::microversion::{self, Microversion};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Compute,
    Image,
    Network,
    Volume,
}

impl Service {
    /// Catalog types to look for, in order of preference.
    fn types(&self) -> &'static [&'static str] {
        match self {
            Service::Compute => &["compute"],
            Service::Image => &["image"],
            Service::Network => &["network"],
            Service::Volume => &["block-storage", "volumev3", "volume"],
        }
    }
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub service_type: String,
    pub interface: String,
    pub region: Option<String>,
    pub url: String,
}

struct AuthState {
    token: SecretString,
    catalog: Vec<Endpoint>,
    project_id: Option<String>,
    user_id: Option<String>,
    generation: u64,
}

/// A response with its decoded JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: J,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The request ID the cloud gave the request (its instance action is
    /// found by it): the `x-openstack-request-id` header, or the
    /// compute-specific one older clouds send.
    pub fn request_id(&self) -> Option<String> {
        request_id(&self.headers)
    }
}

/// One request, with the deadline of the operation it belongs to.
pub struct Call<'a> {
    pub service: Service,
    pub method: Method,
    pub path: &'a str,
    pub body: Option<&'a J>,
    pub query: &'a [(&'a str, String)],
    pub deadline: Option<Instant>,
    /// A compute call sent at this microversion instead of the negotiated
    /// one (a request whose fields only an older one accepts).
    pub microversion: Option<Microversion>,
}

impl<'a> Call<'a> {
    pub fn new(service: Service, method: Method, path: &'a str) -> Call<'a> {
        Call {
            service,
            method,
            path,
            body: None,
            query: &[],
            deadline: None,
            microversion: None,
        }
    }
    pub fn json(mut self, body: &'a J) -> Self {
        self.body = Some(body);
        self
    }
    pub fn query(mut self, q: &'a [(&'a str, String)]) -> Self {
        self.query = q;
        self
    }
    pub fn deadline(mut self, d: Option<Instant>) -> Self {
        self.deadline = d;
        self
    }
    /// Sends a compute call at `v` (the negotiated microversion when `None`).
    pub fn microversion(mut self, v: Option<Microversion>) -> Self {
        self.microversion = v;
        self
    }
}

pub struct Session {
    cfg: Config,
    http: reqwest::Client,
    /// The token and catalog, shared by the sessions of every region of a
    /// provider ([`Session::in_region`]): one authentication for all.
    auth: Arc<Mutex<Option<Arc<AuthState>>>>,
    generation: Arc<std::sync::atomic::AtomicU64>,
    compute_version: OnceCell<Microversion>,
    /// The cloud's clock as last seen in a `Date` header, with the local
    /// instant it was seen at.
    clock: std::sync::Mutex<Option<(std::time::SystemTime, Instant)>>,
}

fn is_idempotent(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// How long a call without a deadline of its own (reads during refresh)
/// keeps retrying rate limits and transient errors.
pub const MAX_RETRY_WITHOUT_DEADLINE: Duration = Duration::from_secs(5 * 60);

/// A link the cloud returned (a `next` page), sent to the scheme, host and
/// port of the catalog endpoint `base` whatever the link says: the token
/// goes nowhere else (clouds behind proxies often link to their internal
/// address).
pub fn on_endpoint_origin(base: &str, link: &str) -> Result<String, ApiError> {
    let bad = |what: &str| ApiError::Catalog(format!("cannot follow link {link:?}: {what}"));
    let b = url::Url::parse(base).map_err(|_| bad("the endpoint is not a URL"))?;
    let mut l = url::Url::parse(link).map_err(|_| bad("not a URL"))?;
    l.set_scheme(b.scheme()).map_err(|_| bad("scheme"))?;
    l.set_host(b.host_str()).map_err(|_| bad("host"))?;
    l.set_port(b.port()).map_err(|_| bad("port"))?;
    let _ = l.set_username("");
    let _ = l.set_password(None);
    Ok(l.to_string())
}

/// The wait a Retry-After header asks for, in either form (RFC 9110):
/// delta-seconds, or an HTTP date (less the current time); at most five
/// minutes.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    let secs = match v.parse::<f64>() {
        Ok(s) if s.is_finite() => s,
        Ok(_) => return None,
        Err(_) => {
            let at = httpdate::parse_http_date(v).ok()?;
            at.duration_since(std::time::SystemTime::now())
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0)
        }
    };
    Some(Duration::from_secs_f64(secs.clamp(0.0, 300.0)))
}

fn request_id(headers: &reqwest::header::HeaderMap) -> Option<String> {
    [
        "x-compute-request-id",
        "x-openstack-request-id",
        "x-request-id",
    ]
    .iter()
    .find_map(|h| {
        headers
            .get(*h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    })
}

impl Session {
    pub fn new(cfg: Config) -> Result<Session, ApiError> {
        let http = build_http(&cfg)?;
        Ok(Session {
            cfg,
            http,
            auth: Arc::new(Mutex::new(None)),
            generation: Arc::new(0.into()),
            compute_version: OnceCell::new(),
            clock: std::sync::Mutex::new(None),
        })
    }

    /// A session on the endpoints of `region` that shares this one's
    /// authentication (token, catalog, re-authentication) and HTTP
    /// connections; its compute microversion is negotiated on its own (the
    /// region's endpoint may differ). Endpoint overrides are kept: the
    /// caller refuses a region other than this one's when they name the
    /// service it uses.
    pub fn in_region(&self, region: &str) -> Session {
        let mut cfg = self.cfg.clone();
        cfg.region = Some(region.to_string());
        Session {
            cfg,
            http: self.http.clone(),
            auth: self.auth.clone(),
            generation: self.generation.clone(),
            compute_version: OnceCell::new(),
            clock: std::sync::Mutex::new(None),
        }
    }

    /// The region this session's `service` endpoint is in: the configured
    /// region, else that of the catalog entry used (the first of the
    /// interface); `None` when neither names one (an endpoint override,
    /// or a catalog entry without a region).
    pub async fn region_of(&self, service: Service) -> Result<Option<String>, ApiError> {
        if let Some(r) = &self.cfg.region {
            return Ok(Some(r.clone()));
        }
        if service
            .types()
            .iter()
            .any(|t| self.cfg.endpoint_overrides.contains_key(*t))
        {
            return Ok(None);
        }
        let auth = self.auth_state(None).await?;
        Ok(select_endpoint(
            &auth.catalog,
            service.types(),
            None,
            self.cfg.interface.as_str(),
        )
        .and_then(|e| e.region.clone()))
    }

    /// The regions of the catalog that have a `service` endpoint of this
    /// session's interface, sorted, each once.
    pub async fn catalog_regions(&self, service: Service) -> Result<Vec<String>, ApiError> {
        let auth = self.auth_state(None).await?;
        Ok(regions_with(
            &auth.catalog,
            service.types(),
            self.cfg.interface.as_str(),
        ))
    }

    /// The cloud's current time, estimated from the last `Date` header
    /// (whole seconds, so it may be up to a second behind).
    pub fn cloud_now(&self) -> Option<std::time::SystemTime> {
        let seen = *self.clock.lock().unwrap_or_else(|e| e.into_inner());
        seen.map(|(t, at)| t + at.elapsed())
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    fn backoff(&self) -> impl Iterator<Item = Duration> {
        backon::ExponentialBuilder::default()
            .with_min_delay(self.cfg.retry_min_delay)
            .with_max_delay(Duration::from_secs(20))
            .with_jitter()
            .with_max_times(self.cfg.max_retries as usize)
            .build()
    }

    async fn auth_state(&self, stale: Option<u64>) -> Result<Arc<AuthState>, ApiError> {
        let mut guard = self.auth.lock().await;
        if let Some(a) = guard.as_ref() {
            // Somebody re-authenticated while we waited: use their token.
            if stale != Some(a.generation) {
                return Ok(a.clone());
            }
        }
        let generation = self
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1;
        let state = Arc::new(self.authenticate(generation).await?);
        *guard = Some(state.clone());
        Ok(state)
    }

    /// The project the token is scoped to (after authenticating if needed).
    pub async fn project_id(&self) -> Result<Option<String>, ApiError> {
        Ok(self.auth_state(None).await?.project_id.clone())
    }

    pub async fn user_id(&self) -> Result<Option<String>, ApiError> {
        Ok(self.auth_state(None).await?.user_id.clone())
    }

    fn auth_body(&self) -> J {
        let c = &self.cfg;
        let user_domain = match (&c.user_domain_id, &c.user_domain_name) {
            (Some(id), _) => json!({"id": id}),
            (None, Some(n)) => json!({"name": n}),
            _ => json!({"id": "default"}),
        };
        let user = |name: &Option<String>, id: &Option<String>| -> J {
            match (id, name) {
                (Some(id), _) => json!({"id": id}),
                (None, Some(n)) => json!({"name": n, "domain": user_domain.clone()}),
                _ => json!({}),
            }
        };
        let identity = match &c.auth {
            AuthMethod::Password {
                user_name,
                user_id,
                password,
            } => {
                let mut u = user(user_name, user_id);
                u["password"] = J::String(password.expose_secret().to_string());
                json!({"methods": ["password"], "password": {"user": u}})
            }
            AuthMethod::Token(t) => {
                json!({"methods": ["token"], "token": {"id": t.expose_secret()}})
            }
            AuthMethod::ApplicationCredential {
                id,
                name,
                user_name,
                user_id,
                secret,
            } => {
                let mut ac = match (id, name) {
                    (Some(id), _) => json!({"id": id}),
                    (None, Some(n)) => json!({"name": n, "user": user(user_name, user_id)}),
                    _ => json!({}),
                };
                ac["secret"] = J::String(secret.expose_secret().to_string());
                json!({"methods": ["application_credential"], "application_credential": ac})
            }
        };
        let scope = match &c.scope {
            Scope::Project { id: Some(id), .. } => Some(json!({"project": {"id": id}})),
            Scope::Project {
                id: None,
                name,
                domain_id,
                domain_name,
            } => {
                let d = match (domain_id, domain_name) {
                    (Some(id), _) => json!({"id": id}),
                    (None, Some(n)) => json!({"name": n}),
                    _ => json!({"id": "default"}),
                };
                Some(json!({"project": {"name": name, "domain": d}}))
            }
            Scope::Domain { id: Some(id), .. } => Some(json!({"domain": {"id": id}})),
            Scope::Domain { id: None, name, .. } => Some(json!({"domain": {"name": name}})),
            Scope::System => Some(json!({"system": {"all": true}})),
            Scope::Unscoped => None,
        };
        let mut auth = json!({"identity": identity});
        if let Some(s) = scope {
            auth["scope"] = s;
        }
        json!({"auth": auth})
    }

    async fn authenticate(&self, generation: u64) -> Result<AuthState, ApiError> {
        let url = format!(
            "{}/auth/tokens",
            self.cfg.auth_url.trim_end_matches("/auth/tokens")
        );
        let url = if self.cfg.auth_url.ends_with("/v3") || self.cfg.auth_url.contains("/v3/") {
            url
        } else {
            format!("{}/v3/auth/tokens", self.cfg.auth_url)
        };
        tracing::debug!(auth_url = %self.cfg.auth_url, "authenticating");
        let body = self.auth_body();
        let mut delays = self.backoff();
        let resp = loop {
            match self.http.post(&url).json(&body).send().await {
                Ok(r) if matches!(r.status().as_u16(), 429 | 502 | 503 | 504) => {
                    match delays.next() {
                        Some(d) => tokio::time::sleep(retry_after(r.headers()).unwrap_or(d)).await,
                        None => break r,
                    }
                }
                Ok(r) => break r,
                Err(e) => match delays.next() {
                    Some(d) if e.is_connect() || e.is_timeout() => tokio::time::sleep(d).await,
                    _ => {
                        return Err(ApiError::Auth {
                            auth_url: self.cfg.auth_url.clone(),
                            detail: e.to_string(),
                        });
                    }
                },
            }
        };
        let status = resp.status();
        let token = resp
            .headers()
            .get("x-subject-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = resp.bytes().await.unwrap_or_default();
        if !status.is_success() {
            let msg = error_message(&bytes);
            let detail = if status == StatusCode::UNAUTHORIZED {
                format!(
                    "the credentials were rejected (401): {}. Check the user name, password or application credential.",
                    msg.trim_end_matches('.')
                )
            } else {
                format!("{} {}", status.as_u16(), msg)
            };
            return Err(ApiError::Auth {
                auth_url: self.cfg.auth_url.clone(),
                detail,
            });
        }
        let token = token.ok_or_else(|| ApiError::Auth {
            auth_url: self.cfg.auth_url.clone(),
            detail: "the identity service returned no X-Subject-Token header".into(),
        })?;
        let doc: J = serde_json::from_slice(&bytes).map_err(|e| ApiError::Decode {
            what: "the token response".into(),
            detail: e.to_string(),
        })?;
        let t = &doc["token"];
        let catalog = parse_catalog(&t["catalog"]);
        Ok(AuthState {
            token: SecretString::from(token),
            catalog,
            project_id: t["project"]["id"].as_str().map(str::to_string),
            user_id: t["user"]["id"].as_str().map(str::to_string),
            generation,
        })
    }

    /// The base URL of a service: an override, else the catalog entry for
    /// the region and interface, with `{project_id}` templates expanded.
    pub async fn endpoint(&self, service: Service) -> Result<String, ApiError> {
        let auth = self.auth_state(None).await?;
        self.endpoint_with(&auth, service)
    }

    fn endpoint_with(&self, auth: &AuthState, service: Service) -> Result<String, ApiError> {
        let project = auth.project_id.clone().unwrap_or_default();
        let expand = |u: &str| {
            u.replace("{project_id}", &project)
                .replace("{tenant_id}", &project)
                .replace("%(tenant_id)s", &project)
                .replace("%(project_id)s", &project)
                .replace("$(tenant_id)s", &project)
                .replace("$(project_id)s", &project)
                .trim_end_matches('/')
                .to_string()
        };
        for t in service.types() {
            if let Some(u) = self.cfg.endpoint_overrides.get(*t) {
                return Ok(expand(u));
            }
        }
        select_endpoint(&auth.catalog, service.types(), self.cfg.region.as_deref(), self.cfg.interface.as_str())
            .map(|e| expand(&e.url))
            .ok_or_else(|| {
                ApiError::Catalog(format!(
                    "no {} endpoint (interface {}{}) in the service catalog; set endpoint_overrides to name one",
                    service.types()[0],
                    self.cfg.interface.as_str(),
                    self.cfg.region.as_deref().map(|r| format!(", region {r}")).unwrap_or_default()
                ))
            })
    }

    /// Whether the user pinned the compute microversion (provider block,
    /// `OS_COMPUTE_API_VERSION` or clouds.yaml): then every request is
    /// sent at it, and none at another.
    pub fn compute_version_pinned(&self) -> bool {
        self.cfg.compute_microversion.is_some()
    }

    /// The compute microversion this session speaks, negotiated once.
    pub async fn compute_version(&self) -> Result<Microversion, ApiError> {
        self.compute_version
            .get_or_try_init(|| async {
                let pinned = match &self.cfg.compute_microversion {
                    Some(p) => Some(Microversion::parse(p).ok_or_else(|| {
                        ApiError::Unsupported(format!("compute_microversion \"{p}\" is not of the form 2.N"))
                    })?),
                    None => None,
                };
                let base = self.endpoint(Service::Compute).await?;
                let (min, max) = self.version_document(&base).await?;
                let v = microversion::negotiate(min, max, pinned).map_err(ApiError::Unsupported)?;
                tracing::debug!(microversion = %v, server_max = ?max.map(|m| m.to_string()), "compute microversion");
                Ok(v)
            })
            .await
            .copied()
    }

    /// Reads the version document at the versioned root of the compute
    /// endpoint (`.../v2.1`, with any project segment removed). A cloud
    /// that has none (a 4xx answer other than 401/403/429, or a document
    /// without `version`) speaks 2.1; a failure to ask (transport, 5xx,
    /// authentication) is an error for this call, and the next call asks
    /// again: it is never remembered as 2.1.
    async fn version_document(
        &self,
        base: &str,
    ) -> Result<(Option<Microversion>, Option<Microversion>), ApiError> {
        let root = version_root(base);
        let reply = match self
            .send_raw(Service::Compute, Method::GET, &root, None, &[], None, None)
            .await
        {
            Ok(r) => r,
            // some clouds serve the version list only at the root of the
            // endpoint's host (their versioned root wants a project ID)
            Err(e) if e.status() == Some(404) => return Ok(self.listed_version(&root).await),
            Err(e)
                if e.status()
                    .is_some_and(|s| (400..500).contains(&s) && ![401, 403, 429].contains(&s)) =>
            {
                return Ok((None, None))
            }
            Err(e) => {
                return Err(ApiError::Unsupported(format!(
                    "cannot discover the compute API microversion at {root}: {e}"
                )))
            }
        };
        let v = if reply.body.get("version").is_some() {
            &reply.body["version"]
        } else {
            &J::Null
        };
        let parse = |k: &str| {
            v.get(k)
                .and_then(|s| s.as_str())
                .and_then(Microversion::parse)
        };
        Ok((parse("min_version"), parse("version")))
    }

    /// The microversions of versioned root `root` (`.../v2.1/`) as the
    /// version list one level up (`GET /`, Nova API reference "List
    /// All Major Versions") gives them: the entry whose `id` is the root's
    /// last segment. `(None, None)` (no microversions) when the list cannot
    /// be read or has no such entry.
    async fn listed_version(&self, root: &str) -> (Option<Microversion>, Option<Microversion>) {
        let Some((origin, id)) = origin_and_version(root) else {
            return (None, None);
        };
        let list = match self
            .send_raw(
                Service::Compute,
                Method::GET,
                &format!("{origin}/"),
                None,
                &[],
                None,
                None,
            )
            .await
        {
            Ok(r) => r.body,
            Err(e) => {
                tracing::debug!(error = %e, "no version list at the compute host's root");
                return (None, None);
            }
        };
        let entry = list["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| v["id"].as_str() == Some(id.as_str()));
        let parse = |k: &str| {
            entry
                .and_then(|v| v[k].as_str())
                .and_then(Microversion::parse)
        };
        (parse("min_version"), parse("version"))
    }

    /// Sends a request relative to a service's endpoint.
    pub async fn call(&self, call: Call<'_>) -> Result<Reply, ApiError> {
        let base = self.endpoint(call.service).await?;
        let url = if call.path.starts_with("http://") || call.path.starts_with("https://") {
            on_endpoint_origin(&base, call.path)?
        } else {
            format!("{base}{}", call.path)
        };
        let version = match call.service {
            Service::Compute => Some(match call.microversion {
                Some(v) => v,
                None => self.compute_version().await?,
            }),
            _ => None,
        };
        self.send_raw(
            call.service,
            call.method,
            &url,
            call.body,
            call.query,
            call.deadline,
            version,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_raw(
        &self,
        service: Service,
        method: Method,
        url: &str,
        body: Option<&J>,
        query: &[(&str, String)],
        deadline: Option<Instant>,
        version: Option<Microversion>,
    ) -> Result<Reply, ApiError> {
        let mut auth = self.auth_state(None).await?;
        let mut reauthed = false;
        let mut delays = self.backoff();
        // a call without a deadline still stops retrying after a while
        let deadline = Some(
            deadline
                .unwrap_or_else(|| crate::framework::deadline_after(MAX_RETRY_WITHOUT_DEADLINE)),
        );
        let transport = |e: &reqwest::Error| ApiError::Transport {
            method: method.to_string(),
            url: url.to_string(),
            message: e.to_string(),
        };
        loop {
            let mut rb = self
                .http
                .request(method.clone(), url)
                .header("X-Auth-Token", auth.token.expose_secret())
                .header("Accept", "application/json")
                .timeout(self.cfg.request_timeout);
            if !query.is_empty() {
                rb = rb.query(query);
            }
            if let Some(v) = version {
                rb = rb
                    .header("X-OpenStack-Nova-API-Version", v.to_string())
                    .header("OpenStack-API-Version", format!("compute {v}"));
            }
            if let Some(b) = body {
                rb = rb.json(b);
            }
            let started = Instant::now();
            let result = rb.send().await;
            let retry_delay = |hint: Option<Duration>,
                               delays: &mut dyn Iterator<Item = Duration>|
             -> Option<Duration> {
                let d = delays.next()?;
                let d = hint.unwrap_or(d);
                match deadline {
                    Some(dl) if Instant::now().checked_add(d).is_none_or(|t| t >= dl) => None,
                    _ => Some(d),
                }
            };
            match result {
                Err(e) => {
                    // A request that never reached the cloud is safe to resend;
                    // others only when repeating them cannot create anything.
                    let safe = e.is_connect() || is_idempotent(&method);
                    if safe {
                        if let Some(d) = retry_delay(None, &mut delays) {
                            tracing::debug!(method = %method, url, error = %e, delay_ms = d.as_millis() as u64, "retrying after transport error");
                            tokio::time::sleep(d).await;
                            continue;
                        }
                    }
                    return Err(transport(&e));
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    if let Some(date) = headers
                        .get(reqwest::header::DATE)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| httpdate::parse_http_date(v).ok())
                    {
                        *self.clock.lock().unwrap_or_else(|e| e.into_inner()) =
                            Some((date, Instant::now()));
                    }
                    tracing::debug!(method = %method, url, status, elapsed_ms = started.elapsed().as_millis() as u64, ?service, "api call");
                    if status == 401 && !reauthed {
                        reauthed = true;
                        auth = self.auth_state(Some(auth.generation)).await?;
                        continue;
                    }
                    // 429: not carried out. 503: a POST is sent again only
                    // when the cloud said when (Retry-After); otherwise the
                    // caller decides (a create looks for what it made first)
                    let retryable = match status {
                        429 => true,
                        503 => is_idempotent(&method) || retry_after(&headers).is_some(),
                        502 | 504 => is_idempotent(&method),
                        _ => false,
                    };
                    if retryable {
                        if let Some(d) = retry_delay(retry_after(&headers), &mut delays) {
                            tracing::debug!(method = %method, url, status, delay_ms = d.as_millis() as u64, "retrying");
                            tokio::time::sleep(d).await;
                            continue;
                        }
                    }
                    let bytes = resp.bytes().await.map_err(|e| transport(&e))?;
                    if !(200..300).contains(&status) {
                        return Err(ApiError::Http(HttpError {
                            method: method.to_string(),
                            url: url.to_string(),
                            status,
                            message: error_message(&bytes),
                            request_id: request_id(&headers),
                        }));
                    }
                    let body = if bytes.is_empty() {
                        J::Null
                    } else {
                        serde_json::from_slice(&bytes).unwrap_or(J::Null)
                    };
                    return Ok(Reply {
                        status,
                        headers,
                        body,
                    });
                }
            }
        }
    }
}

/// `http://h/v2.1/abc123` -> `http://h/v2.1/`; `http://h/compute/v2.1` -> `http://h/compute/v2.1/`.
pub fn version_root(base: &str) -> String {
    let parts: Vec<&str> = base.trim_end_matches('/').split('/').collect();
    let idx = parts.iter().rposition(|p| {
        p.starts_with('v')
            && p[1..]
                .split('.')
                .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    });
    match idx {
        Some(i) => format!("{}/", parts[..=i].join("/")),
        None => format!("{}/", base.trim_end_matches('/')),
    }
}

/// What precedes the version segment of versioned root `root`
/// (`http://h:8774/v2.1/` gives `http://h:8774`), and that segment
/// (`v2.1`): where the version list is, and which entry to read.
pub fn origin_and_version(root: &str) -> Option<(String, String)> {
    let (prefix, id) = root.trim_end_matches('/').rsplit_once('/')?;
    (id.starts_with('v') && prefix.contains("://")).then(|| (prefix.to_string(), id.to_string()))
}

pub fn parse_catalog(c: &J) -> Vec<Endpoint> {
    let mut out = Vec::new();
    for svc in c.as_array().into_iter().flatten() {
        let st = svc["type"].as_str().unwrap_or_default();
        for e in svc["endpoints"].as_array().into_iter().flatten() {
            out.push(Endpoint {
                service_type: st.to_string(),
                interface: e["interface"].as_str().unwrap_or("public").to_string(),
                region: e["region_id"]
                    .as_str()
                    .or_else(|| e["region"].as_str())
                    .map(str::to_string),
                url: e["url"].as_str().unwrap_or_default().to_string(),
            });
        }
    }
    out
}

/// The regions of `catalog` with an endpoint of one of `types` on
/// `interface`, sorted, each once.
pub fn regions_with(catalog: &[Endpoint], types: &[&str], interface: &str) -> Vec<String> {
    let mut out: Vec<String> = catalog
        .iter()
        .filter(|e| types.contains(&e.service_type.as_str()) && e.interface == interface)
        .filter_map(|e| e.region.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

pub fn select_endpoint<'a>(
    catalog: &'a [Endpoint],
    types: &[&str],
    region: Option<&str>,
    interface: &str,
) -> Option<&'a Endpoint> {
    types.iter().find_map(|t| {
        catalog
            .iter()
            .filter(|e| e.service_type == *t && e.interface == interface)
            .find(|e| region.is_none() || e.region.as_deref() == region)
    })
}

fn build_http(cfg: &Config) -> Result<reqwest::Client, ApiError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(c);
    }
    if let Some(ca) = &cfg.cacert_file {
        let pem = std::fs::read(ca)
            .map_err(|e| ApiError::Catalog(format!("cannot read cacert_file {ca}: {e}")))?;
        for c in rustls_pemfile::certs(&mut pem.as_slice()).flatten() {
            roots
                .add(c)
                .map_err(|e| ApiError::Catalog(format!("cacert_file {ca}: {e}")))?;
        }
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ApiError::Catalog(e.to_string()))?;
    let builder = if cfg.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
    } else {
        builder.with_root_certificates(roots)
    };
    let tls = match (&cfg.cert, &cfg.key) {
        (Some(cert), Some(key)) => {
            let cert_pem = pem_or_file(cert)?;
            let key_pem = pem_or_file(key.expose_secret())?;
            let certs: Vec<_> = rustls_pemfile::certs(&mut cert_pem.as_bytes())
                .flatten()
                .collect();
            let key = rustls_pemfile::private_key(&mut key_pem.as_bytes())
                .ok()
                .flatten()
                .ok_or_else(|| ApiError::Catalog("key holds no PEM private key".into()))?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| ApiError::Catalog(format!("client certificate: {e}")))?
        }
        _ => builder.with_no_client_auth(),
    };
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .user_agent(cfg.user_agent.clone())
        .pool_max_idle_per_host(32)
        .connect_timeout(Duration::from_secs(15))
        .build()
        .map_err(|e| ApiError::Catalog(format!("HTTP client: {e}")))
}

fn pem_or_file(v: &str) -> Result<String, ApiError> {
    if v.contains("-----BEGIN") {
        Ok(v.to_string())
    } else {
        std::fs::read_to_string(v).map_err(|e| ApiError::Catalog(format!("cannot read {v}: {e}")))
    }
}

/// `insecure = true`: accept any server certificate (a warning is shown).
#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &rustls::pki_types::CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &rustls::pki_types::CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_roots() {
        assert_eq!(version_root("http://h:8774/v2.1"), "http://h:8774/v2.1/");
        assert_eq!(
            origin_and_version("http://h:8774/v2.1/"),
            Some(("http://h:8774".to_string(), "v2.1".to_string()))
        );
        assert_eq!(
            origin_and_version("https://h/compute/v2/"),
            Some(("https://h/compute".to_string(), "v2".to_string()))
        );
        assert_eq!(origin_and_version("http://h:8774/"), None);
        // Retry-After in both forms
        let ra = |v: &str| {
            let mut h = reqwest::header::HeaderMap::new();
            h.insert(reqwest::header::RETRY_AFTER, v.parse().unwrap());
            retry_after(&h)
        };
        assert_eq!(ra("7"), Some(Duration::from_secs(7)));
        assert_eq!(ra("99999"), Some(Duration::from_secs(300)));
        assert_eq!(ra("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        let soon = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(30));
        let d = ra(&soon).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(ra("soon"), None);
        // next links go to the catalog endpoint's origin only
        assert_eq!(
            on_endpoint_origin(
                "https://cloud.example:443/compute/v2.1/",
                "http://10.0.0.5:8774/compute/v2.1/flavors?marker=abc&limit=2"
            )
            .unwrap(),
            "https://cloud.example/compute/v2.1/flavors?marker=abc&limit=2"
        );
        assert_eq!(
            on_endpoint_origin(
                "http://127.0.0.1:18774/v2.1/",
                "http://evil:1/v2.1/servers?marker=x"
            )
            .unwrap(),
            "http://127.0.0.1:18774/v2.1/servers?marker=x"
        );
        assert_eq!(
            version_root("http://h:8774/v2.1/6f70656e"),
            "http://h:8774/v2.1/"
        );
        assert_eq!(
            version_root("https://h/compute/v2/abc"),
            "https://h/compute/v2/"
        );
        assert_eq!(version_root("https://h/compute"), "https://h/compute/");
    }

    #[test]
    fn catalog_selection_by_type_region_interface() {
        let cat = parse_catalog(&json!([
            {"type": "compute", "endpoints": [
                {"interface": "public", "region_id": "R1", "url": "http://r1-pub/v2.1"},
                {"interface": "internal", "region_id": "R1", "url": "http://r1-int/v2.1"},
                {"interface": "public", "region_id": "R2", "url": "http://r2-pub/v2.1/%(tenant_id)s"}]},
            {"type": "volumev3", "endpoints": [{"interface": "public", "region": "R1", "url": "http://vol/v3"}]}
        ]));
        let pick = |t: &[&str], r, i| select_endpoint(&cat, t, r, i).map(|e| e.url.clone());
        assert_eq!(
            pick(&["compute"], Some("R1"), "public").as_deref(),
            Some("http://r1-pub/v2.1")
        );
        assert_eq!(
            pick(&["compute"], Some("R1"), "internal").as_deref(),
            Some("http://r1-int/v2.1")
        );
        assert_eq!(
            pick(&["compute"], Some("R2"), "public").as_deref(),
            Some("http://r2-pub/v2.1/%(tenant_id)s")
        );
        assert_eq!(pick(&["compute"], Some("R3"), "public"), None);
        assert_eq!(regions_with(&cat, &["compute"], "public"), ["R1", "R2"]);
        assert_eq!(regions_with(&cat, &["compute"], "internal"), ["R1"]);
        assert!(regions_with(&cat, &["image"], "public").is_empty());
        assert_eq!(
            pick(Service::Volume.types(), None, "public").as_deref(),
            Some("http://vol/v3")
        );
    }
}
