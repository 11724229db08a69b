//! Resource and data source traits: request structs in, response structs out.
//! Optional capabilities are default methods.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::diag::{AttrPath, Diagnostics};
use super::schema::Schema;
use super::validators::parse_duration;
use super::value::{Type, Value};

/// Set when Terraform asks the provider to stop (StopProvider); long waits
/// watch it and end early.
#[derive(Clone, Default)]
pub struct StopSignal {
    flag: Arc<AtomicBool>,
    notify: Arc<tokio::sync::Notify>,
}

impl StopSignal {
    pub fn stop(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }
    pub fn is_stopped(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
    /// Resolves once stop has been requested.
    pub async fn stopped(&self) {
        loop {
            let n = self.notify.notified();
            if self.is_stopped() {
                return;
            }
            n.await;
        }
    }
}

/// Identity of a resource type: attributes copied from its state.
#[derive(Debug, Clone)]
pub struct IdentitySchema {
    pub version: i64,
    /// (name, type, required for import, description)
    pub attributes: Vec<(String, Type, bool, String)>,
}

impl IdentitySchema {
    /// The identity of resources known by their `id` alone.
    pub fn id_only(description: &str) -> IdentitySchema {
        IdentitySchema {
            version: 0,
            attributes: vec![("id".into(), Type::String, true, description.into())],
        }
    }

    pub fn ty(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|(n, t, _, _)| (n.clone(), t.clone()))
                .collect(),
        )
    }
    /// The identity of a resource, taken from its state.
    pub fn from_state(&self, state: &Value) -> Value {
        Value::Object(
            self.attributes
                .iter()
                .map(|(n, _, _, _)| (n.clone(), state.get(n).clone()))
                .collect(),
        )
    }
}

pub struct PlanRequest<'a> {
    pub prior: &'a Value,
    pub config: &'a Value,
    pub proposed: &'a Value,
    pub prior_private: &'a [u8],
}

pub struct PlanResponse {
    pub planned: Value,
    pub requires_replace: Vec<AttrPath>,
    pub private: Vec<u8>,
    pub diags: Diagnostics,
}

pub struct ApplyRequest {
    pub prior: Value,
    pub planned: Value,
    pub config: Value,
    pub private: Vec<u8>,
    pub stop: StopSignal,
}

pub struct ApplyResponse {
    /// The new state. On failure, whatever exists in the cloud stays in it
    /// (a created ID is never lost).
    pub state: Value,
    pub private: Vec<u8>,
    pub diags: Diagnostics,
}

pub struct ReadRequest {
    pub state: Value,
    pub private: Vec<u8>,
    pub stop: StopSignal,
    /// The reads of this resource type in progress, this one included.
    pub company: ReadCompany,
}

/// How many reads of one resource type the provider is handling at this
/// moment, counted from the moment Terraform's request arrived (before it
/// is decoded): reads in flight together can be answered together, however
/// slowly a busy machine brings each to the point of asking the cloud.
#[derive(Clone, Default)]
pub struct ReadCompany(pub Arc<std::sync::atomic::AtomicUsize>);

impl ReadCompany {
    pub fn now(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// Counts one read until the guard is dropped.
    pub fn join(&self) -> ReadCompanyGuard {
        self.0.fetch_add(1, Ordering::SeqCst);
        ReadCompanyGuard(self.0.clone())
    }
}

pub struct ReadCompanyGuard(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for ReadCompanyGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

pub struct ReadResponse {
    /// Null when the remote object is gone.
    pub state: Value,
    pub private: Vec<u8>,
    pub diags: Diagnostics,
}

pub struct ImportRequest {
    pub id: String,
    /// Identity attributes when imported with an `identity` block.
    pub identity: Option<Value>,
}

pub struct ImportResponse {
    pub state: Value,
    pub diags: Diagnostics,
}

#[async_trait]
pub trait Resource<D: Send + Sync>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;

    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// Checks across attributes that single-attribute validators cannot make.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Runs after the core plan pipeline; may adjust the plan.
    async fn plan(&self, _data: Option<&D>, _req: &PlanRequest<'_>, _resp: &mut PlanResponse) {}

    async fn create(&self, data: &D, req: ApplyRequest, resp: &mut ApplyResponse);
    async fn read(&self, data: &D, req: ReadRequest, resp: &mut ReadResponse);
    async fn update(&self, data: &D, req: ApplyRequest, resp: &mut ApplyResponse);
    async fn delete(&self, data: &D, req: ApplyRequest, resp: &mut ApplyResponse);

    /// Import: the default puts the given ID (or the identity's attributes)
    /// into an otherwise null state; the read that follows fills the rest.
    async fn import(&self, _data: &D, req: ImportRequest, resp: &mut ImportResponse) {
        if let Some(identity) = &req.identity {
            if let Some(m) = identity.as_object() {
                for (k, v) in m {
                    resp.state.set(k, v.clone());
                }
            }
        } else {
            resp.state.set("id", Value::String(req.id.clone()));
        }
    }

    /// The `config` block of `list "<type>" ...` (`terraform query`);
    /// `None` when this type cannot be listed.
    fn list_schema(&self) -> Option<Schema> {
        None
    }

    /// The objects a `list` block finds, by ID, in the order shown; with a
    /// `limit` (the block's), at least the first `limit` of them, read no
    /// further than the listing needs where the cloud can give that order.
    async fn list(
        &self,
        _data: &D,
        _config: &Value,
        _limit: Option<usize>,
        _diags: &mut Diagnostics,
    ) -> Vec<Listed> {
        Vec::new()
    }

    /// Adjusts configuration generated from state (see
    /// `schema::config_from_state`), for rules across attributes.
    fn generated_config(&self, _state: &Value, config: Value) -> Value {
        config
    }

    /// Upgrades state stored by an older schema version; `None` means the
    /// stored JSON is read with the current schema (unknown keys dropped).
    fn upgrade_state(
        &self,
        _version: i64,
        _raw: &serde_json::Value,
        _diags: &mut Diagnostics,
    ) -> Option<Value> {
        None
    }
}

/// One object found by a list: what imports it, and what to show.
pub struct Listed {
    pub id: String,
    pub display_name: String,
}

pub struct DataReadRequest {
    pub config: Value,
    pub stop: StopSignal,
}

pub struct DataReadResponse {
    pub state: Value,
    pub diags: Diagnostics,
}

#[async_trait]
pub trait DataSource<D: Send + Sync>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    async fn read(&self, data: &D, req: DataReadRequest, resp: &mut DataReadResponse);
}

/// The moment `d` from now; saturates far in the future instead of
/// overflowing (a deadline never panics).
pub fn deadline_after(d: Duration) -> std::time::Instant {
    let now = std::time::Instant::now();
    now.checked_add(d)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 86400)))
        .unwrap_or(now)
}

/// The time limit for an operation from a resource's `timeouts` block.
pub fn timeout_for(value: &Value, op: &str, default: Duration) -> Duration {
    value
        .get("timeouts")
        .get(op)
        .as_str()
        .and_then(parse_duration)
        .unwrap_or(default)
}
