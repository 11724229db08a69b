//! The compute API client: configuration, Keystone auth, catalog,
//! microversions, retries, typed calls. Knows nothing of Terraform.

pub mod batch;
pub mod config;
pub mod documents;
pub mod error;
pub mod microversion;
pub mod session;
#[cfg(test)]
pub mod testing;
pub mod waiter;
pub mod wire;

use std::time::Instant;

use reqwest::Method;
use serde_json::Value as J;

pub use config::{Config, ConfigError, Settings};
pub use error::ApiError;
pub use microversion::Microversion;
pub use session::{Call, Reply, Service, Session};

/// A cloud: one authenticated session shared by every resource of a
/// provider process.
pub struct Cloud {
    pub session: Session,
    pub(crate) reads: batch::Reads,
    pub(crate) poller: waiter::Poller,
}

/// Compute collections paged by `limit`/`offset` rather than by markers
/// and `next` links.
const OFFSET_PAGED: &[&str] = &["server_groups"];

/// Percent-encodes one path segment (names may hold spaces and more).
pub fn path_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

impl Cloud {
    pub fn new(cfg: Config) -> Result<Cloud, ApiError> {
        Ok(Cloud::with_session(Session::new(cfg)?))
    }

    /// A cloud over `session` (another region's, sharing authentication).
    pub fn with_session(session: Session) -> Cloud {
        Cloud {
            session,
            reads: batch::Reads::default(),
            poller: waiter::Poller::default(),
        }
    }

    /// Fails with a message naming the version when the cloud cannot do
    /// what `feature` needs.
    pub async fn require(
        &self,
        needed: Microversion,
        feature: &str,
    ) -> Result<Microversion, ApiError> {
        let v = self.session.compute_version().await?;
        if v < needed {
            return Err(ApiError::Unsupported(format!(
                "{feature} needs compute API microversion {needed}; this cloud speaks {v}"
            )));
        }
        Ok(v)
    }

    pub async fn compute(
        &self,
        method: Method,
        path: &str,
        body: Option<&J>,
        deadline: Option<Instant>,
    ) -> Result<Reply, ApiError> {
        self.compute_at(method, path, body, deadline, None).await
    }

    /// [`Cloud::compute`] at microversion `version` (the negotiated one
    /// when `None`).
    pub async fn compute_at(
        &self,
        method: Method,
        path: &str,
        body: Option<&J>,
        deadline: Option<Instant>,
        version: Option<Microversion>,
    ) -> Result<Reply, ApiError> {
        if method != Method::GET {
            if let Some(id) = path
                .strip_prefix("/servers/")
                .and_then(|rest| rest.split(['/', '?']).next())
                .filter(|id| !id.is_empty() && *id != "detail")
            {
                // read on its own from now on: a shared listing may predate the change
                self.reads.touch(id);
            }
        }
        let mut c = Call::new(Service::Compute, method, path)
            .deadline(deadline)
            .microversion(version);
        if let Some(b) = body {
            c = c.json(b);
        }
        self.session.call(c).await
    }

    /// A create whose answer may be lost on the way. After an ambiguous
    /// failure `find` looks for what the request made: found, that is the
    /// answer; not found, the request is sent again (three times at most).
    /// A look-up that fails leaves the outcome unknown: that is an error,
    /// never a reason to send the create again. A conflict answering a
    /// repeat means an earlier attempt made the object: `find` gets it.
    /// `find` answers in the shape of the create response.
    pub async fn create<F, Fut>(
        &self,
        path: &str,
        body: &J,
        deadline: Option<Instant>,
        find: F,
    ) -> Result<J, ApiError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Option<J>, ApiError>>,
    {
        Ok(self.create_tracked(path, body, deadline, find).await?.0)
    }

    /// [`Cloud::create`], also telling whether the request was sent more
    /// than once (then an earlier attempt may have made an object too: the
    /// caller looks again for it).
    pub async fn create_tracked<F, Fut>(
        &self,
        path: &str,
        body: &J,
        deadline: Option<Instant>,
        find: F,
    ) -> Result<(J, bool), ApiError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Option<J>, ApiError>>,
    {
        self.create_tracked_at(path, body, deadline, find, None)
            .await
    }

    /// [`Cloud::create_tracked`], the request sent at microversion
    /// `version` (the negotiated one when `None`).
    pub async fn create_tracked_at<F, Fut>(
        &self,
        path: &str,
        body: &J,
        deadline: Option<Instant>,
        find: F,
        version: Option<Microversion>,
    ) -> Result<(J, bool), ApiError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Option<J>, ApiError>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = self.compute_at(Method::POST, path, Some(body), deadline, version);
            match sent.await {
                Ok(r) => return Ok((r.body, attempt > 1)),
                Err(e) if e.is_ambiguous() || (attempt > 1 && e.is_conflict()) => {
                    tracing::info!(path, error = %e, attempt, "create answer lost; looking for what it made");
                    match find().await {
                        Ok(Some(found)) => return Ok((found, attempt > 1)),
                        Ok(None) if attempt < 3 && !e.is_conflict() => {}
                        Ok(None) => return Err(e),
                        Err(lookup) => {
                            return Err(ApiError::Unsupported(format!(
                                "the answer to a create was lost ({e}) and looking for what it made failed ({lookup}); the object may exist in the cloud"
                            )))
                        }
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// A POST that is safe to repeat (setting metadata, adding a host): sent
    /// again after an ambiguous failure; a conflict or not-found answer to a
    /// repeat means the first one was carried out.
    pub async fn post_repeatable(
        &self,
        path: &str,
        body: &J,
        deadline: Option<Instant>,
    ) -> Result<J, ApiError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.compute(Method::POST, path, Some(body), deadline).await {
                Ok(r) => return Ok(r.body),
                Err(e) if attempt > 1 && (e.is_conflict() || e.is_not_found()) => {
                    return Ok(J::Null)
                }
                Err(e) if e.is_ambiguous() && attempt < 3 => {
                    tracing::info!(path, error = %e, attempt, "repeating a request whose answer was lost");
                }
                Err(e) => return Err(e),
            }
        }
    }

    pub async fn get(&self, path: &str) -> Result<J, ApiError> {
        Ok(self.compute(Method::GET, path, None, None).await?.body)
    }

    /// A whole compute collection, every page of it: `{key: [...]}` with
    /// the items of all pages, following `<key>_links` `next` links (on the
    /// catalog endpoint's origin only) as far as the cloud's page size
    /// (`[api] max_limit`) makes them.
    /// Server groups are paged by `offset` (Nova cuts them at `max_limit`
    /// with no links): pages are read until one comes back empty.
    /// Every volume attachment of server `server_id`
    /// (`GET /servers/{id}/os-volume_attachments` items), each once.
    ///
    /// Nova pages this listing by `limit`/`offset` over all of the server's
    /// block device mappings and leaves out those without a volume only
    /// afterwards, with no `next` link: a page can hold fewer attachments
    /// than exist, or none. Pages are read at the offset of what has been
    /// read until one adds nothing or every volume of `volumes` (the
    /// server's `os-extended-volumes:volumes_attached` IDs) is found; a
    /// volume still missing then is read on its own.
    pub async fn volume_attachments(
        &self,
        server_id: &str,
        volumes: &[String],
    ) -> Result<Vec<J>, ApiError> {
        let base = format!("/servers/{}/os-volume_attachments", path_segment(server_id));
        let mut out: Vec<J> = Vec::new();
        let found = |out: &[J], v: &str| {
            out.iter()
                .any(|a| wire::string(&a["volumeId"]).as_deref() == Some(v))
        };
        for _ in 0..1000 {
            let page = self.get(&format!("{base}?offset={}", out.len())).await?;
            let mut added = false;
            for a in page["volumeAttachments"].as_array().into_iter().flatten() {
                let vid = wire::string(&a["volumeId"]).unwrap_or_default();
                if !found(&out, &vid) {
                    out.push(a.clone());
                    added = true;
                }
            }
            if !added || volumes.iter().all(|v| found(&out, v)) {
                break;
            }
        }
        for v in volumes {
            if !found(&out, v) {
                match self.get(&format!("{base}/{}", path_segment(v))).await {
                    Ok(b) => out.push(b["volumeAttachment"].clone()),
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(out)
    }

    pub async fn get_all(&self, path: &str, key: &str) -> Result<J, ApiError> {
        let items = if OFFSET_PAGED.contains(&key) {
            let mut all: Vec<J> = Vec::new();
            let sep = if path.contains('?') { '&' } else { '?' };
            loop {
                let page = self
                    .get(&format!("{path}{sep}offset={}", all.len()))
                    .await?;
                let items = page[key].as_array().cloned().unwrap_or_default();
                if items.is_empty() || all.len() > 1_000_000 {
                    break;
                }
                all.extend(items);
            }
            all
        } else {
            batch::list_all(self, Service::Compute, path, key).await?
        };
        Ok(serde_json::json!({ key: items }))
    }
}
