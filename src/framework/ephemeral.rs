//! Ephemeral resources: values Terraform asks for during a run (`ephemeral`
//! blocks) and never writes to state or plan. Terraform opens one, may renew
//! it before `renew_at`, and closes it when the run no longer needs it;
//! `private` carries what renew and close need, between those calls.

use std::time::SystemTime;

use async_trait::async_trait;

use super::resource::StopSignal;
use super::{Diagnostics, Schema, Value};

pub struct OpenRequest {
    pub config: Value,
    pub stop: StopSignal,
}

pub struct OpenResponse {
    /// The result: the configuration with the computed attributes filled in.
    pub result: Value,
    /// Handed back to renew and close (never shown to the user).
    pub private: Option<Vec<u8>>,
    /// When Terraform should renew it; `None` when it needs no renewal.
    pub renew_at: Option<SystemTime>,
    pub diags: Diagnostics,
}

pub struct RenewRequest {
    pub private: Option<Vec<u8>>,
    pub stop: StopSignal,
}

#[derive(Default)]
pub struct RenewResponse {
    pub private: Option<Vec<u8>>,
    pub renew_at: Option<SystemTime>,
    pub diags: Diagnostics,
}

pub struct CloseRequest {
    pub private: Option<Vec<u8>>,
    pub stop: StopSignal,
}

#[async_trait]
pub trait EphemeralResource<D: Send + Sync>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// Checks across attributes that single-attribute validators cannot make.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    async fn open(&self, data: &D, req: OpenRequest, resp: &mut OpenResponse);
    /// The default keeps what open gave (nothing to renew).
    async fn renew(&self, _data: &D, req: RenewRequest, resp: &mut RenewResponse) {
        resp.private = req.private;
    }
    /// The default has nothing to release.
    async fn close(&self, _data: &D, _req: CloseRequest, _diags: &mut Diagnostics) {}
}
