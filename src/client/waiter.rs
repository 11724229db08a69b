//! The one waiter: polls a server until its status is one of a target set
//! and no task is running, within a deadline. 404 is an observation, not an
//! error; ERROR ends the wait with Nova's fault message.

use std::time::{Duration, Instant};

use serde_json::Value as J;

use super::{wire, ApiError, Cloud};

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
}

/// Poll interval: starts short (the fake hypervisor is fast, real ones are
/// not) and grows to 10 s.
pub fn next_interval(prev: Duration) -> Duration {
    (prev.mul_f64(1.5)).clamp(Duration::from_millis(500), Duration::from_secs(10))
}

pub async fn wait_server(cloud: &Cloud, w: Wait<'_>) -> Result<Observed, WaitError> {
    let started = Instant::now();
    let mut interval = Duration::from_millis(300);
    let mut transient_budget = 5u32;
    let mut last = String::from("(none)");
    let path = format!("/servers/{}", w.server_id);
    loop {
        if (w.stopped)() {
            return Err(WaitError::Stopped);
        }
        match cloud
            .compute(reqwest::Method::GET, &path, None, Some(w.deadline))
            .await
        {
            Ok(reply) => {
                transient_budget = 5;
                let s = &reply.body["server"];
                let status = wire::string(&s["status"])
                    .unwrap_or_else(|| "UNKNOWN".into())
                    .to_ascii_uppercase();
                let task = wire::string(&s["OS-EXT-STS:task_state"]);
                last = match &task {
                    Some(t) => format!("{status} (task {t})"),
                    None => status.clone(),
                };
                if status == "ERROR" {
                    return Err(WaitError::Fault {
                        message: wire::string(&s["fault"]["message"])
                            .unwrap_or_else(|| "no fault message given".into()),
                        code: wire::int(&s["fault"]["code"]),
                        server: Box::new(s.clone()),
                    });
                }
                if w.gone.contains(&status.as_str()) && w.gone_ok {
                    return Ok(Observed::Gone);
                }
                if w.targets.contains(&status.as_str()) && task.is_none() {
                    return Ok(Observed::Settled(Box::new(s.clone())));
                }
            }
            Err(e) if e.is_not_found() => {
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
        let now = Instant::now();
        if now >= w.deadline {
            return Err(WaitError::Timeout {
                waited: started.elapsed(),
                targets: w.targets.join("/"),
                last,
            });
        }
        interval = next_interval(interval);
        tokio::time::sleep(interval.min(w.deadline - now)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_grows_to_ten_seconds() {
        let mut d = Duration::from_millis(300);
        let mut seen = vec![];
        for _ in 0..12 {
            d = next_interval(d);
            seen.push(d);
        }
        assert_eq!(seen[0], Duration::from_millis(500));
        assert!(seen.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(*seen.last().unwrap(), Duration::from_secs(10));
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
