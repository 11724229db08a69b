//! Day-2 server actions: `nova_server_lock` (lock and unlock, with a
//! reason from microversion 2.73). Each refuses bad input at plan time,
//! naming the argument, reports Nova's own error when the cloud refuses,
//! and checks the server afterwards.

use std::time::{Duration as StdDuration, Instant};

use async_trait::async_trait;
use serde_json::{json, Value as J};

use super::action;
use crate::client::microversion::{SERVER_LOCKED, SERVER_LOCKED_REASON};
use crate::configured::NovaData;
use crate::framework::model::decode;
use crate::framework::validators::{StringLength, Uuid};
use crate::framework::*;
use crate::resources::{api_error, require_feature};
use crate::tf_model;

/// How long a request of an action without a wait of its own may take.
const REQUEST_TIMEOUT: StdDuration = StdDuration::from_secs(2 * 60);

fn server_id() -> Attribute {
    Attribute::string("server_id")
        .required()
        .validate(Uuid)
        .description("The server.")
}

// ---------------------------------------------------------------------------
// nova_server_lock

tf_model! {
    /// `nova_server_lock` configuration.
    pub struct LockModel {
        pub server_id: Attr<String>,
        pub locked: Attr<bool>,
        pub locked_reason: Attr<String>,
    }
}

/// The lock or unlock request: `locked` null means lock; a reason is sent
/// only when one is configured.
pub fn lock_request(locked: Option<bool>, reason: Option<&str>) -> J {
    if locked.unwrap_or(true) {
        match reason {
            Some(r) => json!({"lock": {"locked_reason": r}}),
            None => json!({"lock": null}),
        }
    } else {
        json!({"unlock": null})
    }
}

/// Plan-time checks that need no cloud: a reason goes with locking only.
fn check_lock(c: &LockModel, diags: &mut Diagnostics) {
    if c.locked.if_known() == Some(&false) && !c.locked_reason.is_null() {
        diags.error_at(
            AttrPath::attr("locked_reason"),
            "locked_reason without a lock",
            "locked_reason is recorded when a server is locked; unlocking (locked = false) takes no reason. Remove locked_reason or set locked = true.",
        );
    }
}

/// What the server shows after the action, against what was asked: `None`
/// when it agrees. `reason_shown` is whether the cloud's microversion
/// shows `locked_reason` (2.73).
pub fn lock_mismatch(
    server: &J,
    locked: bool,
    reason: Option<&str>,
    reason_shown: bool,
) -> Option<String> {
    match server.get("locked").and_then(J::as_bool) {
        Some(l) if l != locked => {
            return Some(format!("the server shows locked = {l} after the request"))
        }
        _ => {}
    }
    if reason_shown && locked {
        let shown = server.get("locked_reason").and_then(J::as_str);
        if shown != reason {
            return Some(format!(
                "the server shows locked_reason = {} after the request",
                shown.map(|s| format!("\"{s}\"")).unwrap_or("null".into())
            ));
        }
    }
    None
}

pub struct LockAction;

#[async_trait]
impl Action<NovaData> for LockAction {
    fn type_name(&self) -> &'static str {
        "nova_server_lock"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new("Locks a server (actions by users other than admins are then refused) or unlocks it, and checks the server's `locked` (and `locked_reason`) afterwards.")
                .attr(server_id())
                .attr(Attribute::bool("locked").optional().description("`true` (the default) locks the server, `false` unlocks it."))
                .attr(Attribute::string("locked_reason").optional().validate(StringLength(1, 255)).description("Why the server is locked, shown as its `locked_reason`. Needs compute API microversion 2.73; only with `locked = true`.")),
        )
    }
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if let Some(c) = decode::<LockModel>("configuration", config, diags) {
            check_lock(&c, diags);
        }
    }
    async fn plan(&self, data: Option<&NovaData>, config: &Value, diags: &mut Diagnostics) {
        let Some(c) = decode::<LockModel>("configuration", config, diags) else {
            return;
        };
        check_lock(&c, diags);
        if let (Some(data), false) = (data, c.locked_reason.is_null()) {
            require_feature(data, SERVER_LOCKED_REASON, "locked_reason", diags).await;
        }
    }
    async fn invoke(&self, data: &NovaData, req: InvokeRequest, diags: &mut Diagnostics) {
        let Some(c) = decode::<LockModel>("configuration", &req.config, diags) else {
            return;
        };
        let id = c.server_id.as_deref().unwrap_or_default();
        let locked = c.locked.if_known().copied().unwrap_or(true);
        let reason = c.locked_reason.as_deref();
        let what = if locked { "lock" } else { "unlock" };
        let dl = Instant::now() + REQUEST_TIMEOUT;
        req.progress.report(format!("{what}: server {id}"));
        if let Err(e) = action(data, id, &lock_request(Some(locked), reason), dl).await {
            return diags.push(api_error(&format!("Cannot {what} the server"), &e));
        }
        let version = match data.cloud.session.compute_version().await {
            Ok(v) => v,
            Err(e) => return diags.push(api_error("Cannot read the server", &e)),
        };
        let server = match data.cloud.server(id).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                return diags.error(
                    "Server gone",
                    format!("Server {id} disappeared after the {what} request."),
                )
            }
            Err(e) => return diags.push(api_error("Cannot read the server", &e)),
        };
        if let Some(m) = lock_mismatch(&server, locked, reason, version >= SERVER_LOCKED_REASON) {
            return diags.error(format!("The server did not {what}"), m);
        }
        let shown = if version >= SERVER_LOCKED {
            ""
        } else {
            " (this cloud does not show `locked`)"
        };
        req.progress.report(match (locked, reason) {
            (true, Some(r)) => format!("lock: server {id} is locked: {r}"),
            (true, None) => format!("lock: server {id} is locked{shown}"),
            _ => format!("unlock: server {id} is unlocked{shown}"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::model::Model;

    fn errors_at(
        block: &Schema,
        set: &[(&str, Value)],
        custom: &dyn Action<NovaData>,
    ) -> Vec<String> {
        let mut c = Value::null_object(&block.ty());
        for (k, v) in set {
            c.set(k, v.clone());
        }
        let mut d = Diagnostics::default();
        crate::framework::schema::validate_config(&block.block, &c, &AttrPath::root(), &mut d);
        custom.validate(&c, &mut d);
        d.0.iter()
            .filter_map(|x| x.path.as_ref().map(|p| p.to_string()))
            .collect()
    }

    #[test]
    fn the_models_fit_the_schemas() {
        LockModel::check_against(&LockAction.schema().ty()).unwrap();
    }

    #[test]
    fn lock_bodies() {
        let cases: &[(Option<bool>, Option<&str>, J)] = &[
            (None, None, json!({"lock": null})),
            (Some(true), None, json!({"lock": null})),
            (
                Some(true),
                Some("audit"),
                json!({"lock": {"locked_reason": "audit"}}),
            ),
            (
                None,
                Some("audit"),
                json!({"lock": {"locked_reason": "audit"}}),
            ),
            (Some(false), None, json!({"unlock": null})),
        ];
        for (locked, reason, want) in cases {
            assert_eq!(
                &lock_request(*locked, *reason),
                want,
                "{locked:?} {reason:?}"
            );
        }
    }

    #[test]
    fn lock_checks_name_the_argument() {
        let s = LockAction.schema();
        let id = (
            "server_id",
            Value::string("8d5a34b9-5a9e-4d1c-9d47-6b8b6b1f0c11"),
        );
        let cases: Vec<(Vec<(&str, Value)>, Vec<&str>)> = vec![
            (vec![id.clone()], vec![]),
            (
                vec![id.clone(), ("locked_reason", Value::string("audit"))],
                vec![],
            ),
            // unknown: checked when known
            (
                vec![
                    id.clone(),
                    ("locked", Value::Unknown),
                    ("locked_reason", Value::string("x")),
                ],
                vec![],
            ),
            (
                vec![
                    id.clone(),
                    ("locked", Value::Bool(false)),
                    ("locked_reason", Value::string("x")),
                ],
                vec!["locked_reason"],
            ),
            (
                vec![
                    id.clone(),
                    ("locked", Value::Bool(false)),
                    ("locked_reason", Value::Unknown),
                ],
                vec!["locked_reason"],
            ),
            (
                vec![id.clone(), ("locked_reason", Value::string(""))],
                vec!["locked_reason"],
            ),
            (
                vec![("server_id", Value::string("web-1"))],
                vec!["server_id"],
            ),
        ];
        for (set, want) in cases {
            assert_eq!(errors_at(&s, &set, &LockAction), want, "{set:?}");
        }
    }

    #[test]
    fn lock_is_checked_on_the_server() {
        let cases: &[(J, bool, Option<&str>, bool, bool)] = &[
            (
                json!({"locked": true, "locked_reason": "audit"}),
                true,
                Some("audit"),
                true,
                true,
            ),
            (
                json!({"locked": true, "locked_reason": null}),
                true,
                None,
                true,
                true,
            ),
            (
                json!({"locked": true, "locked_reason": "other"}),
                true,
                Some("audit"),
                true,
                false,
            ),
            (json!({"locked": false}), true, None, true, false),
            (
                json!({"locked": false, "locked_reason": null}),
                false,
                None,
                true,
                true,
            ),
            (json!({"locked": true}), false, None, true, false),
            // older clouds: no locked_reason shown, no `locked` at all before 2.9
            (json!({"locked": true}), true, Some("audit"), false, true),
            (json!({}), true, None, false, true),
        ];
        for (server, locked, reason, shown, ok) in cases {
            assert_eq!(
                lock_mismatch(server, *locked, *reason, *shown).is_none(),
                *ok,
                "{server} {locked} {reason:?}"
            );
        }
    }
}
