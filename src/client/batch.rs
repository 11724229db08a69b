//! Batched reads. Terraform reads resources one by one, ten at a time; when
//! several server reads are in flight in one process they are answered from
//! one shared `GET /servers/detail` listing (and one listing of the
//! project's ports for their interfaces) instead of a request each. A server
//! the listing misses, or one this process has changed, is fetched on its
//! own, so the answer is always what `GET /servers/{id}` would give.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value as J;

use super::waiter::{changes_since, SKEW};
use super::{ApiError, Call, Cloud, Service};

/// How long a listing answers reads.
pub const LISTING_TTL: Duration = Duration::from_secs(30);
/// How long a lone read waits for company before reading on its own.
pub const GATHER_WINDOW: Duration = Duration::from_millis(5);
/// How long port look-ups after a wait are gathered into one request.
pub const PORT_WINDOW: Duration = Duration::from_millis(15);
/// Device IDs per port look-up request (keeps the URL short).
pub const PORT_CHUNK: usize = 40;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A value fetched once and shared while it is fresh; concurrent callers
/// wait for the one fetch in progress.
pub struct Shared<T> {
    current: Mutex<Option<(Instant, Arc<T>)>>,
    fetching: tokio::sync::Mutex<()>,
}

impl<T> Default for Shared<T> {
    fn default() -> Self {
        Shared {
            current: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T> Shared<T> {
    pub fn fresh(&self, ttl: Duration) -> Option<Arc<T>> {
        lock(&self.current)
            .as_ref()
            .filter(|(at, _)| at.elapsed() < ttl)
            .map(|(_, v)| v.clone())
    }

    /// The value if it was fetched at most `ttl` before `asked`, the moment
    /// a caller asked for it: a caller that waited for a fetch in progress
    /// takes its result however long the fetch took (a listing of ten
    /// thousand servers outlasts the TTL; it must not be fetched again by
    /// every caller that waited for it).
    fn fresh_for(&self, ttl: Duration, asked: Instant) -> Option<Arc<T>> {
        lock(&self.current)
            .as_ref()
            .filter(|(at, _)| asked.saturating_duration_since(*at) < ttl)
            .map(|(_, v)| v.clone())
    }

    /// The value, fetched anew (once for every caller waiting) when it is
    /// older than `ttl`. `fetch` is given the value it replaces, so it may
    /// bring that one up to date rather than fetch it whole.
    pub async fn get<F, Fut>(&self, ttl: Duration, fetch: F) -> Result<Arc<T>, ApiError>
    where
        F: FnOnce(Option<Arc<T>>) -> Fut,
        Fut: std::future::Future<Output = Result<T, ApiError>>,
    {
        let asked = Instant::now();
        if let Some(v) = self.fresh_for(ttl, asked) {
            return Ok(v);
        }
        let _one = self.fetching.lock().await;
        if let Some(v) = self.fresh_for(ttl, asked) {
            return Ok(v);
        }
        // stamped with the time the fetch ended: a listing of a big estate
        // takes longer than the TTL, and stamped with its start it would
        // be stale on arrival for every caller after those who waited (each
        // would list again). Its documents are then at most the fetch's
        // duration plus the TTL old; a server missing from it is read alone.
        let previous = lock(&self.current).as_ref().map(|(_, v)| v.clone());
        let v = Arc::new(fetch(previous).await?);
        *lock(&self.current) = Some((Instant::now(), v.clone()));
        Ok(v)
    }
}

/// The shared server listing: each server's document kept as its JSON text
/// (a fraction of its parsed size: ten thousand servers in tens of MB, not
/// hundreds), and the cloud time from which a `changes-since` listing
/// brings it up to date.
pub struct Listing {
    servers: HashMap<String, Arc<str>>,
    /// The cloud's clock (less [`waiter::SKEW`]) when the listing was asked
    /// for; `None` when the cloud's clock was not known yet.
    since: Option<std::time::SystemTime>,
}

impl Listing {
    /// The server's document as the listing shows it.
    pub fn get(&self, id: &str) -> Option<J> {
        serde_json::from_str(self.servers.get(id)?).ok()
    }

    pub fn len(&self) -> usize {
        self.servers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.servers.is_empty()
    }

    /// `prev` brought up to date by a `changes-since` listing: changed
    /// servers replace theirs, deleted ones (status `DELETED`) leave it.
    fn updated(
        prev: &Listing,
        changed: Vec<(String, Option<Arc<str>>)>,
        since: Option<std::time::SystemTime>,
    ) -> Listing {
        let mut servers = prev.servers.clone();
        for (id, doc) in changed {
            match doc {
                Some(d) => {
                    servers.insert(id, d);
                }
                None => {
                    servers.remove(&id);
                }
            }
        }
        Listing { servers, since }
    }
}

/// A listed server as `(id, its JSON text)`; the text is `None` for one
/// the listing shows deleted.
fn listed(s: J) -> Option<(String, Option<Arc<str>>)> {
    let id = s["id"].as_str()?.to_string();
    let deleted = s["status"]
        .as_str()
        .is_some_and(|st| st.eq_ignore_ascii_case("DELETED"));
    Some((id, (!deleted).then(|| Arc::from(s.to_string()))))
}

/// State of batched reads, one per cloud (provider process).
#[derive(Default)]
pub struct Reads {
    in_flight: AtomicUsize,
    servers: Shared<Listing>,
    /// Each device's interfaces, as the JSON text of an `os-interface`
    /// list (kept as text: ten thousand servers' ports in a few MiB).
    ports: Shared<HashMap<String, Arc<str>>>,
    /// Servers this process has changed: always read on their own.
    touched: Mutex<HashSet<String>>,
    /// Port look-ups waiting to be sent together.
    pending_ports: Mutex<Vec<(String, tokio::sync::oneshot::Sender<Option<Vec<J>>>)>>,
    port_leader: tokio::sync::Mutex<()>,
}

struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Reads {
    /// Records that a request changed `server_id`.
    pub fn touch(&self, server_id: &str) {
        lock(&self.touched).insert(server_id.to_string());
    }

    fn is_touched(&self, server_id: &str) -> bool {
        lock(&self.touched).contains(server_id)
    }
}

/// A network port in the shape of a compute `os-interface` attachment.
pub fn port_as_interface(p: &J) -> J {
    serde_json::json!({
        "port_id": p["id"],
        "net_id": p["network_id"],
        "mac_addr": p["mac_address"],
        "fixed_ips": p["fixed_ips"],
        "port_state": p["status"],
    })
}

/// The port attributes [`port_as_interface`] reads, plus `device_id`: a
/// port listing asks the network API for these alone (Neutron's `fields`),
/// so a project of ten thousand ports answers in a fraction of its size.
pub const INTERFACE_FIELDS: [&str; 6] = [
    "id",
    "network_id",
    "mac_address",
    "fixed_ips",
    "status",
    "device_id",
];

/// `path` with [`INTERFACE_FIELDS`] asked for (`path` has a query already).
fn with_interface_fields(path: &str) -> String {
    let mut out = path.to_string();
    for f in INTERFACE_FIELDS {
        out.push_str("&fields=");
        out.push_str(f);
    }
    out
}

/// The interfaces kept as text by the shared port listing.
fn parse_interfaces(text: &str) -> Vec<J> {
    match serde_json::from_str(text) {
        Ok(J::Array(list)) => list,
        _ => vec![],
    }
}

/// Listings restarted at most this many times when the cloud's paging
/// repeats itself (see [`list_all`]).
const LISTING_RESTARTS: usize = 3;

/// Pages one listing may have (a million items at Nova's default page
/// size of 1000).
const MAX_PAGES: usize = 1000;

/// Every page of a listing, following `<key>_links` `next` links; items
/// that appear on two pages are kept once (by `id`, where they have one).
///
/// Nova lists servers still being scheduled (build requests) before the
/// servers of its cells, and a server moves from one to the other between
/// two page requests. A `next` link can then repeat one already followed,
/// which would page in a loop. The listing is read again from the first
/// page when that happens, up to [`LISTING_RESTARTS`] times; after that
/// the error names the listing and the repeated link.
pub async fn list_all(
    cloud: &Cloud,
    service: Service,
    first: &str,
    key: &str,
) -> Result<Vec<J>, ApiError> {
    list_while(cloud, service, first, key, |_| true).await
}

/// The pages of a listing as [`list_all`] reads them, stopping after the
/// first page at which `more` (given every item so far) says no more are
/// needed: `terraform query` with a `limit` reads only the pages it shows.
pub async fn list_while(
    cloud: &Cloud,
    service: Service,
    first: &str,
    key: &str,
    more: impl FnMut(&[J]) -> bool,
) -> Result<Vec<J>, ApiError> {
    list_mapped(cloud, service, first, key, Some, more).await
}

/// The pages of a listing as [`list_while`] reads them, each item turned
/// by `map` as its page arrives (and left out when `map` gives `None`), so
/// a long listing is never held whole in its parsed form.
pub async fn list_mapped<T>(
    cloud: &Cloud,
    service: Service,
    first: &str,
    key: &str,
    mut map: impl FnMut(J) -> Option<T>,
    mut more: impl FnMut(&[T]) -> bool,
) -> Result<Vec<T>, ApiError> {
    let mut restarts = 0;
    'listing: loop {
        let mut out: Vec<T> = Vec::new();
        let mut ids = HashSet::new();
        let mut followed = HashSet::new();
        let mut next = Some(first.to_string());
        while let Some(path) = next.take() {
            let mut reply = cloud
                .session
                .call(Call::new(service, Method::GET, &path))
                .await?;
            let items = match reply.body.get_mut(key).map(J::take) {
                Some(J::Array(items)) => items,
                _ => vec![],
            };
            let empty = items.is_empty();
            for item in items {
                let fresh = match item["id"].as_str() {
                    Some(id) => ids.insert(id.to_string()),
                    None => true,
                };
                if fresh {
                    out.extend(map(item));
                }
            }
            followed.insert(path);
            if !more(&out) {
                break;
            }
            if followed.len() > MAX_PAGES {
                return Err(ApiError::Unsupported(format!(
                    "listing {first} has more than {MAX_PAGES} pages"
                )));
            }
            next = reply.body[format!("{key}_links")]
                .as_array()
                .into_iter()
                .flatten()
                .find(|l| l["rel"] == "next")
                .and_then(|l| l["href"].as_str())
                .map(str::to_string)
                .filter(|_| !empty);
            if let Some(link) = &next {
                if followed.contains(link) {
                    if restarts == LISTING_RESTARTS {
                        return Err(ApiError::Unsupported(format!(
                            "listing {first} never ended: after {} readings its pages still \
                             led back to {link}",
                            restarts + 1
                        )));
                    }
                    restarts += 1;
                    tracing::debug!(listing = first, link = %link, "paging repeated a page; listing again");
                    continue 'listing;
                }
            }
        }
        return Ok(out);
    }
}

impl Cloud {
    async fn server_alone(&self, id: &str) -> Result<Option<J>, ApiError> {
        match self.get(&format!("/servers/{id}")).await {
            Ok(b) => Ok(Some(b["server"].clone())),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The shared listing of the project's servers. Once made, it is kept
    /// up to date by `GET /servers/detail?changes-since=T` (one page while
    /// few servers change) rather than listed whole again; a cloud that
    /// refuses that gets the whole listing.
    async fn server_listing(&self) -> Result<Arc<Listing>, ApiError> {
        self.server_listing_within(LISTING_TTL).await
    }

    async fn server_listing_within(&self, ttl: Duration) -> Result<Arc<Listing>, ApiError> {
        self.reads
            .servers
            .get(ttl, |prev| async move {
                let started = Instant::now();
                let before = self.session.cloud_now();
                // the cloud's clock when the listing was asked for (learnt from
                // its answer when this is the first), less the allowance
                let since = || {
                    before
                        .or_else(|| self.session.cloud_now().map(|t| t - started.elapsed()))
                        .map(|t| t - SKEW)
                };
                if let Some((prev, from)) = prev.as_ref().and_then(|p| Some((p, p.since?))) {
                    let path = format!("/servers/detail?changes-since={}", changes_since(from));
                    match list_mapped(self, Service::Compute, &path, "servers", listed, |_| true).await {
                        Ok(changed) => {
                            tracing::debug!(changed = changed.len(), "shared server listing brought up to date");
                            return Ok(Listing::updated(prev, changed, since()));
                        }
                        Err(e) => tracing::debug!(error = %e, "changes-since listing failed; listing whole"),
                    }
                }
                let all = list_mapped(self, Service::Compute, "/servers/detail", "servers", listed, |_| true).await?;
                tracing::debug!(servers = all.len(), "shared server listing");
                Ok(Listing {
                    servers: all.into_iter().filter_map(|(id, doc)| Some((id, doc?))).collect(),
                    since: since(),
                })
            })
            .await
    }

    /// The server as `GET /servers/{id}` shows it, `None` when it does not
    /// exist. Answered from a shared listing when reads run together.
    pub async fn server(&self, id: &str) -> Result<Option<J>, ApiError> {
        self.server_among(id, &|| 0).await
    }

    /// [`Cloud::server`] for a read that knows how many reads of servers
    /// its caller has in flight (`company`, this one included): two or
    /// more, and one listing answers them all; a read alone waits
    /// [`GATHER_WINDOW`] for company before asking on its own.
    pub async fn server_among(
        &self,
        id: &str,
        company: &(dyn Fn() -> usize + Sync),
    ) -> Result<Option<J>, ApiError> {
        if !self.session.config().batch_reads || self.reads.is_touched(id) {
            return self.server_alone(id).await;
        }
        let reads = &self.reads;
        let n = reads.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        let _guard = InFlight(&reads.in_flight);
        let together = || reads.in_flight.load(Ordering::SeqCst).max(company()) > 1;
        let batch = n > 1 || together() || reads.servers.fresh(LISTING_TTL).is_some() || {
            tokio::time::sleep(GATHER_WINDOW).await;
            together()
        };
        if batch {
            match self.server_listing().await {
                Ok(all) => {
                    if let Some(s) = all.get(id) {
                        return Ok(Some(s));
                    }
                }
                Err(e) => tracing::debug!(error = %e, "server listing failed; reading alone"),
            }
        }
        self.server_alone(id).await
    }

    async fn interfaces_alone(&self, id: &str) -> Result<Vec<J>, ApiError> {
        let b = self.get(&format!("/servers/{id}/os-interface")).await?;
        Ok(b["interfaceAttachments"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    /// A server's interfaces as `os-interface` lists them. While server
    /// reads are batched, they come from one listing of the project's ports.
    /// `has_addresses`: whether the server document lists any address (a
    /// server with none needs no look-up of its own when the listing has
    /// no port of it).
    pub async fn interfaces(&self, id: &str, has_addresses: bool) -> Result<Vec<J>, ApiError> {
        if self.reads.is_touched(id) || self.reads.servers.fresh(LISTING_TTL).is_none() {
            return self.interfaces_alone(id).await;
        }
        let Ok(Some(project)) = self.session.project_id().await else {
            return self.interfaces_alone(id).await;
        };
        let listing = self
            .reads
            .ports
            .get(LISTING_TTL, |_| async {
                let path = with_interface_fields(&format!("/v2.0/ports?tenant_id={project}"));
                // each page's ports reduced to (device, interface) as it arrives
                let all = list_mapped(
                    self,
                    Service::Network,
                    &path,
                    "ports",
                    |p| {
                        let d = p["device_id"].as_str().filter(|d| !d.is_empty())?;
                        Some((d.to_string(), port_as_interface(&p)))
                    },
                    |_| true,
                )
                .await?;
                let mut by_device: HashMap<String, Vec<J>> = HashMap::new();
                for (d, iface) in all {
                    by_device.entry(d).or_default().push(iface);
                }
                Ok(by_device
                    .into_iter()
                    .map(|(d, list)| (d, Arc::from(J::Array(list).to_string())))
                    .collect())
            })
            .await;
        match listing {
            Ok(all) => match all.get(id) {
                Some(text) => Ok(parse_interfaces(text)),
                // no port of the project: right when the server has no address
                None if !has_addresses => Ok(vec![]),
                None => self.interfaces_alone(id).await,
            },
            Err(e) => {
                tracing::debug!(error = %e, "port listing failed; asking the compute API");
                self.interfaces_alone(id).await
            }
        }
    }

    /// Interfaces of a server that has just settled. Look-ups made within
    /// a few milliseconds of each other (servers settling in the same poll)
    /// share one network API request; without a network endpoint each asks
    /// the compute API.
    pub async fn fresh_interfaces(&self, id: &str) -> Result<Vec<J>, ApiError> {
        if self.session.endpoint(Service::Network).await.is_err() {
            return self.interfaces_alone(id).await;
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        lock(&self.reads.pending_ports).push((id.to_string(), tx));
        // one caller at a time sends what has gathered; the rest find
        // their answer waiting
        let mut rx = rx;
        let _leader = self.reads.port_leader.lock().await;
        if let Ok(answer) = rx.try_recv() {
            return match answer {
                Some(list) => Ok(list),
                None => self.interfaces_alone(id).await,
            };
        }
        tokio::time::sleep(PORT_WINDOW).await;
        let batch = std::mem::take(&mut *lock(&self.reads.pending_ports));
        let mut waiting: HashMap<String, Vec<_>> = HashMap::new();
        for (device, tx) in batch {
            waiting.entry(device).or_default().push(tx);
        }
        let devices: Vec<String> = waiting.keys().cloned().collect();
        for chunk in devices.chunks(PORT_CHUNK) {
            let query: Vec<String> = chunk.iter().map(|d| format!("device_id={d}")).collect();
            let path = with_interface_fields(&format!("/v2.0/ports?{}", query.join("&")));
            let found = list_all(self, Service::Network, &path, "ports").await;
            if let Err(e) = &found {
                tracing::debug!(error = %e, "port look-up failed; asking the compute API");
            }
            for device in chunk {
                let answer: Option<Vec<J>> = found.as_ref().ok().map(|ports| {
                    ports
                        .iter()
                        .filter(|p| p["device_id"].as_str() == Some(device.as_str()))
                        .map(port_as_interface)
                        .collect()
                });
                for tx in waiting.remove(device).unwrap_or_default() {
                    // the waiting side may have given up
                    let _ = tx.send(answer.clone());
                }
            }
        }
        drop(_leader);
        match rx.await {
            Ok(Some(list)) => Ok(list),
            _ => self.interfaces_alone(id).await,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn a_port_reads_like_an_interface() {
        let p = serde_json::json!({
            "id": "p1", "network_id": "n1", "mac_address": "fa:16:3e:00:00:01",
            "fixed_ips": [{"subnet_id": "s1", "ip_address": "10.0.0.12"}],
            "status": "ACTIVE", "device_id": "srv"
        });
        assert_eq!(
            port_as_interface(&p),
            serde_json::json!({
                "port_id": "p1", "net_id": "n1", "mac_addr": "fa:16:3e:00:00:01",
                "fixed_ips": [{"subnet_id": "s1", "ip_address": "10.0.0.12"}],
                "port_state": "ACTIVE"
            })
        );
    }

    #[tokio::test]
    async fn shared_value_is_fetched_once_while_fresh() {
        let shared: Shared<u32> = Shared::default();
        let calls = AtomicUsize::new(0);
        let fetch = |_| async {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(7)
        };
        let (a, b, c) = tokio::join!(
            shared.get(LISTING_TTL, fetch),
            shared.get(LISTING_TTL, fetch),
            shared.get(LISTING_TTL, fetch)
        );
        assert_eq!((*a.unwrap(), *b.unwrap(), *c.unwrap()), (7, 7, 7));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // stale: fetched again
        shared.get(Duration::ZERO, fetch).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    /// A fetch slower than the TTL (a listing of a big estate) serves every
    /// caller that waited for it, once, and callers for a TTL after it
    /// ended; a caller asking later fetches anew.
    #[tokio::test]
    async fn a_fetch_slower_than_the_ttl_serves_those_who_waited_for_it() {
        let shared: Shared<u32> = Shared::default();
        let calls = AtomicUsize::new(0);
        let ttl = Duration::from_millis(40);
        let fetch = |_| async {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(120)).await;
            Ok(7)
        };
        let later = async {
            // asks while the first fetch is under way, within the TTL of its start
            tokio::time::sleep(Duration::from_millis(10)).await;
            shared.get(ttl, fetch).await
        };
        let (a, b, c) = tokio::join!(shared.get(ttl, fetch), shared.get(ttl, fetch), later);
        assert_eq!((*a.unwrap(), *b.unwrap(), *c.unwrap()), (7, 7, 7));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "one fetch for all who waited"
        );
        shared.get(ttl, fetch).await.unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "asked within the TTL of its end"
        );
        tokio::time::sleep(ttl).await;
        shared.get(ttl, fetch).await.unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "asked after the TTL: fetched anew"
        );
    }

    /// A Cloud on a mock Keystone and Nova (compute at `<mock>/v2.1`).
    pub(crate) async fn mock_cloud() -> (wiremock::MockServer, Cloud) {
        let server = wiremock::MockServer::start().await;
        let endpoints = serde_json::json!([
            {"interface": "public", "region_id": "R1", "url": format!("{}/v2.1", server.uri())}]);
        let cloud = crate::client::testing::keystone_cloud(&server, endpoints, None, None).await;
        (server, cloud)
    }

    /// Once made, the shared listing is brought up to date by a
    /// `changes-since` listing: changed servers replace theirs, deleted ones
    /// leave it, the rest stay; a cloud refusing `changes-since` is listed
    /// whole again.
    #[tokio::test]
    async fn the_server_listing_is_brought_up_to_date_by_changes_since() {
        use wiremock::matchers::{method, path, query_param_contains, query_param_is_missing};
        use wiremock::{Mock, ResponseTemplate};
        let (server, cloud) = mock_cloud().await;
        let whole = |names: &[(&str, &str)]| {
            let servers: Vec<J> = names
                .iter()
                .map(|(id, st)| serde_json::json!({"id": id, "status": st, "name": format!("n-{id}")}))
                .collect();
            ResponseTemplate::new(200).set_body_json(serde_json::json!({ "servers": servers }))
        };
        Mock::given(method("GET"))
            .and(path("/v2.1/servers/detail"))
            .and(query_param_is_missing("changes-since"))
            .respond_with(whole(&[("a", "ACTIVE"), ("b", "ACTIVE"), ("c", "SHUTOFF")]))
            .expect(2)
            .mount(&server)
            .await;
        let delta = Mock::given(method("GET"))
            .and(path("/v2.1/servers/detail"))
            .and(query_param_contains("changes-since", "T"))
            .respond_with(whole(&[("b", "DELETED"), ("c", "ACTIVE"), ("d", "BUILD")]))
            .up_to_n_times(1)
            .mount_as_scoped(&server)
            .await;
        let first = cloud.server_listing_within(Duration::ZERO).await.unwrap();
        assert_eq!(first.len(), 3);
        assert!(
            first.since.is_some(),
            "the cloud's clock is known from its Date header"
        );
        let second = cloud.server_listing_within(Duration::ZERO).await.unwrap();
        let status =
            |l: &Listing, id: &str| l.get(id).map(|s| s["status"].as_str().unwrap().to_string());
        assert_eq!(
            status(&second, "a").as_deref(),
            Some("ACTIVE"),
            "unchanged: kept"
        );
        assert_eq!(
            status(&second, "b"),
            None,
            "deleted: gone from the listing (then read alone)"
        );
        assert_eq!(
            status(&second, "c").as_deref(),
            Some("ACTIVE"),
            "changed: the new document"
        );
        assert_eq!(status(&second, "d").as_deref(), Some("BUILD"), "new: added");
        assert_eq!(
            second.get("a").unwrap()["name"],
            "n-a",
            "the whole document, parsed back"
        );
        drop(delta);
        // a cloud refusing changes-since: the whole listing again
        Mock::given(method("GET"))
            .and(path("/v2.1/servers/detail"))
            .and(query_param_contains("changes-since", "T"))
            .respond_with(ResponseTemplate::new(400).set_body_json(
                serde_json::json!({"badRequest": {"code": 400, "message": "Invalid filter"}}),
            ))
            .mount(&server)
            .await;
        let third = cloud.server_listing_within(Duration::ZERO).await.unwrap();
        assert_eq!(status(&third, "b").as_deref(), Some("ACTIVE"));
        assert_eq!(third.len(), 3);
    }

    /// The project's ports are listed once, asking only for the attributes
    /// an interface needs (Neutron's `fields`), and each server's
    /// interfaces come from that listing; a server with addresses and no
    /// listed port is asked of the compute API.
    #[tokio::test]
    async fn interfaces_come_from_one_port_listing_of_the_fields_they_need() {
        use wiremock::matchers::{method, path, query_param};
        use wiremock::{Mock, ResponseTemplate};
        let server = wiremock::MockServer::start().await;
        let url = |p: &str| format!("{}{p}", server.uri());
        let services = serde_json::json!([
            {"type": "compute", "name": "nova", "endpoints": [
                {"interface": "public", "region_id": "R1", "url": url("/v2.1")}]},
            {"type": "network", "name": "neutron", "endpoints": [
                {"interface": "public", "region_id": "R1", "url": url("/network")}]}]);
        let cloud =
            crate::client::testing::keystone_catalog_cloud(&server, services, None, None).await;
        Mock::given(method("GET"))
            .and(path("/v2.1/servers/detail"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(
                    serde_json::json!({"servers": [{"id": "a", "status": "ACTIVE"}]}),
                ),
            )
            .mount(&server)
            .await;
        let mut ports = Mock::given(method("GET"))
            .and(path("/network/v2.0/ports"))
            .and(query_param("tenant_id", "p"));
        for f in INTERFACE_FIELDS {
            ports = ports.and(query_param("fields", f));
        }
        ports
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"ports": [
                {"id": "p1", "network_id": "n1", "mac_address": "fa:16:3e:00:00:01",
                 "fixed_ips": [{"subnet_id": "s1", "ip_address": "10.0.0.5"}],
                 "status": "ACTIVE", "device_id": "a"},
                {"id": "p2", "network_id": "n1", "mac_address": "fa:16:3e:00:00:02",
                 "fixed_ips": [], "status": "DOWN", "device_id": ""}]})),
            )
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v2.1/servers/b/os-interface"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(
                    serde_json::json!({"interfaceAttachments": [{"port_id": "pb"}]}),
                ),
            )
            .expect(1)
            .mount(&server)
            .await;
        cloud.server_listing_within(Duration::ZERO).await.unwrap();
        let a = cloud.interfaces("a", true).await.unwrap();
        assert_eq!(
            a,
            vec![serde_json::json!({"port_id": "p1", "net_id": "n1",
                "mac_addr": "fa:16:3e:00:00:01", "port_state": "ACTIVE",
                "fixed_ips": [{"subnet_id": "s1", "ip_address": "10.0.0.5"}]})]
        );
        // no port listed: nothing to ask when the server has no address
        assert_eq!(cloud.interfaces("c", false).await.unwrap(), Vec::<J>::new());
        // addresses but no listed port: the compute API's answer
        let b = cloud.interfaces("b", true).await.unwrap();
        assert_eq!(b[0]["port_id"], "pb");
    }
}
