//! The one waiter: polls a server until its status is one of a target set
//! and no task is running, within a deadline. 404 is an observation, not an
//! error; ERROR ends the wait with Nova's fault message.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value as J;

use super::{batch, wire, ApiError, Cloud, Service};

#[derive(Debug, Clone, PartialEq)]
pub enum Observed {
    /// The server settled in one of the target statuses.
    Settled(Box<J>),
    /// The server is gone (404, or a deleted status when gone counts).
    Gone,
}

#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error("the server went to ERROR: {message}{}", code.map(|c| format!(" (fault code {c})")).unwrap_or_default())]
    Fault {
        message: String,
        code: Option<i64>,
        server: Box<J>,
    },
    #[error("timed out after {waited:?} waiting for status {targets}; last status {last}")]
    Timeout {
        waited: Duration,
        targets: String,
        last: String,
    },
    #[error("Nova's {action} action failed{}: {message}", event.as_ref().map(|e| format!(" at {e}")).unwrap_or_default())]
    ActionFailed {
        /// The action, as Nova names it (`resize`, `unshelve`, ...).
        action: String,
        /// The failed event (`conductor_migrate_server`, ...), when given.
        event: Option<String>,
        /// The event's details (microversion 2.84), the server's fault, or
        /// the action's message, in that order.
        message: String,
    },
    #[error("the server disappeared while waiting for status {0}")]
    Vanished(String),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("stopped: Terraform asked the provider to stop")]
    Stopped,
}

/// Statuses that mean the server no longer exists for Terraform's purposes.
pub const GONE_STATUSES: &[&str] = &["DELETED", "SOFT_DELETED"];

pub struct Wait<'a> {
    pub server_id: &'a str,
    pub targets: &'a [&'a str],
    /// 404 and the `gone` statuses end the wait successfully.
    pub gone_ok: bool,
    /// Statuses that count as gone when `gone_ok` (usually [`GONE_STATUSES`]).
    pub gone: &'a [&'a str],
    pub deadline: Instant,
    pub stopped: &'a (dyn Fn() -> bool + Sync),
    /// The request ID of the action this wait follows: when the status
    /// stops moving short of the target (or at once on ERROR), the
    /// instance action of that request is read, and a failed event ends
    /// the wait with Nova's own reason.
    pub request_id: Option<&'a str>,
}

/// Looks at an unmoving server before its instance action is read.
pub const STALE_LOOKS: u32 = 2;
/// Further looks between two reads of the instance action.
pub const ACTION_EVERY: u32 = 5;

/// A failed instance action, from `GET
/// /servers/{id}/os-instance-actions/{request_id}` (`instanceAction`):
/// `None` while no event has failed. The message is the failed event's
/// `details` (2.84), else the server's fault, else the action's `message`.
pub fn failed_action(action: &J, server: &J) -> Option<WaitError> {
    let events = action["events"].as_array()?;
    let failed = events
        .iter()
        .find(|e| wire::string(&e["result"]).is_some_and(|r| r.eq_ignore_ascii_case("error")))?;
    let message = wire::string(&failed["details"])
        .or_else(|| wire::string(&server["fault"]["message"]))
        .or_else(|| wire::string(&action["message"]))
        .unwrap_or_else(|| "no reason given".into());
    Some(WaitError::ActionFailed {
        action: wire::string(&action["action"]).unwrap_or_else(|| "server".into()),
        event: wire::string(&failed["event"]),
        message,
    })
}

/// Waits until the instance action of `request_id` has finished: every
/// event it has shows a finish time (`Ok`), or one failed (its reason).
/// For actions whose effect the server's status does not show (a volume
/// attach). A deadline or a stop ends it with an error; an action that
/// cannot be read three times running (a policy that hides instance
/// actions) ends it without one: the cloud's answer stands.
pub async fn wait_action(
    cloud: &Cloud,
    server_id: &str,
    request_id: &str,
    deadline: Instant,
    stopped: &(dyn Fn() -> bool + Sync),
) -> Result<(), WaitError> {
    let started = Instant::now();
    let mut interval = Duration::from_millis(500);
    let mut unreadable = 0;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(WaitError::Timeout {
                waited: started.elapsed(),
                targets: format!("the end of instance action {request_id}"),
                last: "running".into(),
            });
        }
        tokio::time::sleep(interval.min(deadline - now)).await;
        interval = (interval * 2).min(TICK);
        if stopped() {
            return Err(WaitError::Stopped);
        }
        let Some(a) = read_action(cloud, server_id, request_id, deadline).await else {
            unreadable += 1;
            if unreadable >= 3 {
                return Ok(());
            }
            continue;
        };
        unreadable = 0;
        if let Some(e) = failed_action(&a, &J::Null) {
            return Err(e);
        }
        if action_finished(&a) {
            return Ok(());
        }
    }
}

/// Every event of the instance action has finished (and there is one).
pub fn action_finished(action: &J) -> bool {
    action["events"]
        .as_array()
        .is_some_and(|ev| !ev.is_empty() && ev.iter().all(|e| !e["finish_time"].is_null()))
}

/// Reads the instance action of `request_id`; `None` when it cannot be
/// read (the wait goes on and says so in the log).
pub async fn read_action(
    cloud: &Cloud,
    server_id: &str,
    request_id: &str,
    deadline: Instant,
) -> Option<J> {
    let path = format!("/servers/{server_id}/os-instance-actions/{request_id}");
    match cloud
        .compute(reqwest::Method::GET, &path, None, Some(deadline))
        .await
    {
        Ok(r) => Some(r.body["instanceAction"].clone()),
        Err(e) => {
            tracing::debug!(server = server_id, error = %e, "instance action not readable");
            None
        }
    }
}

/// Poll interval of one waiter: the first look after a second, then every
/// shared tick, slowing to 10 s for waits longer than a minute.
pub fn next_interval(prev: Duration, waited: Duration) -> Duration {
    if waited < Duration::from_secs(60) {
        return TICK;
    }
    (prev.mul_f64(1.5)).clamp(TICK, Duration::from_secs(10))
}

/// Shortest time between two shared listings.
pub const TICK: Duration = Duration::from_secs(2);
/// First look at a server after the request that changed it.
pub const FIRST_LOOK: Duration = Duration::from_secs(1);
/// Allowance for the cloud's clock (read from `Date`, whole seconds).
pub const SKEW: Duration = Duration::from_secs(5);
/// Shared listings that may miss a server before it is fetched on its own,
/// while no listing has shown it yet.
pub const MAX_MISSES: u32 = 3;
/// Once a shared listing has shown a server, the listings cover it and a
/// miss means it has not changed; it is fetched on its own only after this
/// long unseen (a wait of minutes for a slow build costs a read a minute,
/// not one every few ticks).
pub const COVERED_SILENCE: Duration = Duration::from_secs(60);

/// One shared listing: every server changed since `since`.
pub struct Tick {
    seq: u64,
    started: Instant,
    since: SystemTime,
    servers: HashMap<String, J>,
}

/// Shared polling. Every wait of a process is answered by one
/// `GET /servers/detail?changes-since=T` per tick, T being the earliest
/// moment (by the cloud's clock) any waited-on server may have changed.
/// Changed servers, deleted ones included, are in that listing; a server
/// missing from it has not changed, and one missing several times is
/// fetched on its own.
#[derive(Default)]
pub struct Poller {
    leader: tokio::sync::Mutex<()>,
    last: Mutex<Option<Arc<Tick>>>,
    interests: Mutex<BTreeMap<u64, SystemTime>>,
    next: AtomicU64,
}

struct Interest<'a> {
    poller: &'a Poller,
    key: u64,
    registered: Instant,
    since: SystemTime,
}

impl Drop for Interest<'_> {
    fn drop(&mut self) {
        lock(&self.poller.interests).remove(&self.key);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// `changes-since` value: UTC, whole seconds.
pub fn changes_since(t: SystemTime) -> String {
    let t = time::OffsetDateTime::from(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

impl Poller {
    fn register(&self, since: SystemTime) -> Interest<'_> {
        let key = self.next.fetch_add(1, Ordering::SeqCst);
        lock(&self.interests).insert(key, since);
        Interest {
            poller: self,
            key,
            registered: Instant::now(),
            since,
        }
    }

    /// A listing made after `me` registered and covering its changes:
    /// the last one when it qualifies and is new to the caller, else a new
    /// one, no sooner than [`TICK`] after the previous.
    async fn tick(
        &self,
        cloud: &Cloud,
        me: &Interest<'_>,
        seen: u64,
        deadline: Instant,
    ) -> Result<Arc<Tick>, ApiError> {
        loop {
            let leader = self.leader.lock().await;
            let last = lock(&self.last).clone();
            if let Some(t) = &last {
                if t.seq > seen && t.started >= me.registered && t.since <= me.since {
                    return Ok(t.clone());
                }
                let due = t.started + TICK;
                let now = Instant::now();
                if due > now && due < deadline {
                    drop(leader);
                    tokio::time::sleep(due - now).await;
                    continue;
                }
            }
            let since = lock(&self.interests)
                .values()
                .min()
                .copied()
                .unwrap_or(me.since)
                .min(me.since);
            let started = Instant::now();
            let path = format!("/servers/detail?changes-since={}", changes_since(since));
            let all = batch::list_all(cloud, Service::Compute, &path, "servers").await?;
            let tick = Arc::new(Tick {
                seq: last.map_or(1, |t| t.seq + 1),
                started,
                since,
                servers: all
                    .into_iter()
                    .filter_map(|s| Some((s["id"].as_str()?.to_string(), s)))
                    .collect(),
            });
            tracing::debug!(seq = tick.seq, changed = tick.servers.len(), "shared poll");
            *lock(&self.last) = Some(tick.clone());
            return Ok(tick);
        }
    }
}

enum Look {
    Server(J),
    NotFound,
    Unchanged,
}

pub async fn wait_server(cloud: &Cloud, w: Wait<'_>) -> Result<Observed, WaitError> {
    let started = Instant::now();
    let mut interval = FIRST_LOOK;
    let mut transient_budget = 5u32;
    let mut last = String::from("(none)");
    let path = format!("/servers/{}", w.server_id);
    let interest = cloud
        .session
        .cloud_now()
        .map(|now| cloud.poller.register(now - SKEW));
    let mut seen = 0u64;
    let mut misses = 0u32;
    // whether a shared listing has shown the server, and when it was last seen
    let mut covered = false;
    let mut heard = Instant::now();
    // looks at which the server was where the previous look left it
    let mut still = 0u32;
    let mut previous = String::new();
    loop {
        let now = Instant::now();
        if now >= w.deadline {
            return Err(WaitError::Timeout {
                waited: started.elapsed(),
                targets: w.targets.join("/"),
                last,
            });
        }
        tokio::time::sleep(interval.min(w.deadline - now)).await;
        interval = next_interval(interval, started.elapsed());
        if (w.stopped)() {
            return Err(WaitError::Stopped);
        }
        let look = match &interest {
            Some(me)
                if if covered {
                    heard.elapsed() < COVERED_SILENCE
                } else {
                    misses < MAX_MISSES
                } =>
            {
                cloud
                    .poller
                    .tick(cloud, me, seen, w.deadline)
                    .await
                    .map(|t| {
                        seen = t.seq;
                        match t.servers.get(w.server_id) {
                            Some(s) => {
                                covered = true;
                                Look::Server(s.clone())
                            }
                            None => Look::Unchanged,
                        }
                    })
            }
            _ => match cloud
                .compute(reqwest::Method::GET, &path, None, Some(w.deadline))
                .await
            {
                Ok(reply) => Ok(Look::Server(reply.body["server"].clone())),
                Err(e) if e.is_not_found() => Ok(Look::NotFound),
                Err(e) => Err(e),
            },
        };
        match look {
            Ok(Look::Unchanged) => {
                misses += 1;
                still += 1;
            }
            Ok(Look::Server(s)) => {
                transient_budget = 5;
                misses = 0;
                heard = Instant::now();
                let status = wire::string(&s["status"])
                    .unwrap_or_else(|| "UNKNOWN".into())
                    .to_ascii_uppercase();
                let task = wire::string(&s["OS-EXT-STS:task_state"]);
                last = match &task {
                    Some(t) => format!("{status} (task {t})"),
                    None => status.clone(),
                };
                still = if last == previous { still + 1 } else { 0 };
                previous = last.clone();
                // ERROR while a task still runs (deleting, rebuilding) is
                // not final
                let error = status == "ERROR" && task.is_none();
                let settled = w.targets.contains(&status.as_str()) && task.is_none();
                if let Some(rid) = w.request_id {
                    let due = error
                        || (!settled
                            && task.is_none()
                            && still >= STALE_LOOKS
                            && (still - STALE_LOOKS) % ACTION_EVERY == 0);
                    if due {
                        if let Some(a) = read_action(cloud, w.server_id, rid, w.deadline).await {
                            if let Some(e) = failed_action(&a, &s) {
                                return Err(e);
                            }
                        }
                    }
                }
                if error {
                    return Err(WaitError::Fault {
                        message: wire::string(&s["fault"]["message"])
                            .unwrap_or_else(|| "no fault message given".into()),
                        code: wire::int(&s["fault"]["code"]),
                        server: Box::new(s),
                    });
                }
                if w.gone.contains(&status.as_str()) && w.gone_ok {
                    return Ok(Observed::Gone);
                }
                if settled {
                    return Ok(Observed::Settled(Box::new(s)));
                }
            }
            Ok(Look::NotFound) => {
                return if w.gone_ok {
                    Ok(Observed::Gone)
                } else {
                    Err(WaitError::Vanished(w.targets.join("/")))
                };
            }
            Err(e @ (ApiError::Transport { .. } | ApiError::Http(_)))
                if transient_budget > 0 && e.status().is_none_or(|s| s >= 500) =>
            {
                transient_budget -= 1;
                tracing::debug!(server = w.server_id, error = %e, "transient error while waiting");
            }
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server a shared listing has shown is covered by the listings: the
    /// ticks that miss it (it has not changed) cost no read of its own.
    /// Here it shows BUILD once, is missing from four ticks (more than
    /// [`MAX_MISSES`]), then shows ACTIVE: no `GET /servers/{id}` at all.
    #[tokio::test]
    async fn a_server_the_listing_covers_is_not_read_alone_while_unchanged() {
        use wiremock::matchers::{method, path, query_param_contains};
        use wiremock::{Mock, ResponseTemplate};
        let (server, cloud) = crate::client::batch::tests::mock_cloud().await;
        Mock::given(method("GET"))
            .and(path("/v2.1/"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "version": {"id": "v2.1", "status": "CURRENT", "version": "2.96", "min_version": "2.1"}})))
            .mount(&server)
            .await;
        let listing = |servers: J| {
            ResponseTemplate::new(200).set_body_json(serde_json::json!({ "servers": servers }))
        };
        let ticks = |n: u64, servers: J| {
            Mock::given(method("GET"))
                .and(path("/v2.1/servers/detail"))
                .and(query_param_contains("changes-since", "T"))
                .respond_with(listing(servers))
                .up_to_n_times(n)
        };
        ticks(1, serde_json::json!([{"id": "s", "status": "BUILD", "OS-EXT-STS:task_state": "spawning"}]))
            .mount(&server)
            .await;
        ticks(4, serde_json::json!([])).mount(&server).await;
        ticks(
            9,
            serde_json::json!([{"id": "s", "status": "ACTIVE", "OS-EXT-STS:task_state": null}]),
        )
        .mount(&server)
        .await;
        Mock::given(method("GET"))
            .and(path("/v2.1/servers/s"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"server": {"id": "s", "status": "BUILD", "OS-EXT-STS:task_state": "spawning"}}),
            ))
            .expect(0)
            .named("a read of the server alone")
            .mount(&server)
            .await;
        // the cloud's clock is learnt from its first answer, as after a create
        cloud.session.compute_version().await.unwrap();
        let got = wait_server(
            &cloud,
            Wait {
                server_id: "s",
                targets: &["ACTIVE"],
                gone_ok: false,
                gone: GONE_STATUSES,
                deadline: Instant::now() + Duration::from_secs(60),
                stopped: &|| false,
                request_id: None,
            },
        )
        .await;
        assert!(matches!(got, Ok(Observed::Settled(_))), "{got:?}");
    }

    #[test]
    fn interval_is_the_tick_then_grows_to_ten_seconds() {
        assert_eq!(next_interval(FIRST_LOOK, Duration::from_secs(3)), TICK);
        assert_eq!(next_interval(TICK, Duration::from_secs(59)), TICK);
        let mut d = TICK;
        let mut seen = vec![];
        for _ in 0..12 {
            d = next_interval(d, Duration::from_secs(61));
            seen.push(d);
        }
        assert_eq!(seen[0], Duration::from_secs(3));
        assert!(seen.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(*seen.last().unwrap(), Duration::from_secs(10));
    }

    #[test]
    fn changes_since_is_utc_whole_seconds() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_426_309_750);
        assert_eq!(changes_since(t), "2026-11-23T09:31:49Z");
    }

    #[test]
    fn a_failed_event_names_novas_reason() {
        let server = serde_json::json!({"status": "ACTIVE"});
        // non-admin view: no details, the action message only
        let a = serde_json::json!({"action": "resize", "message": "Error", "events": [
            {"event": "cold_migrate", "result": "Success"},
            {"event": "conductor_migrate_server", "result": "Error"}]});
        assert_eq!(
            failed_action(&a, &server).unwrap().to_string(),
            "Nova's resize action failed at conductor_migrate_server: Error"
        );
        // 2.84 details win; the server's fault comes before the message
        let mut d = a.clone();
        d["events"][1]["details"] = "No valid host was found. ".into();
        assert_eq!(
            failed_action(&d, &server).unwrap().to_string(),
            "Nova's resize action failed at conductor_migrate_server: No valid host was found."
        );
        let faulted = serde_json::json!({"fault": {"message": "disk full"}});
        assert!(failed_action(&a, &faulted)
            .unwrap()
            .to_string()
            .ends_with(": disk full"));
        // still running, or done: no failure
        for events in [
            serde_json::json!([]),
            serde_json::json!([{"event": "e", "result": null}]),
            serde_json::json!([{"event": "e", "result": "Success"}]),
        ] {
            let ok = serde_json::json!({"action": "resize", "events": events});
            assert!(failed_action(&ok, &server).is_none());
        }
        assert!(failed_action(&serde_json::json!({}), &server).is_none());
    }

    #[test]
    fn an_action_is_finished_when_every_event_is() {
        let running = serde_json::json!({"events": [{"event": "compute_attach_volume", "finish_time": null}]});
        let done = serde_json::json!({"events": [{"event": "compute_attach_volume", "finish_time": "2026-11-30T07:00:00.000000", "result": "Success"}]});
        assert!(!action_finished(&running));
        assert!(action_finished(&done));
        assert!(!action_finished(&serde_json::json!({"events": []})));
    }

    #[test]
    fn fault_message_reads_like_novas() {
        let e = WaitError::Fault {
            message: "No valid host was found.".into(),
            code: Some(500),
            server: Box::new(J::Null),
        };
        assert_eq!(
            e.to_string(),
            "the server went to ERROR: No valid host was found. (fault code 500)"
        );
    }
}
