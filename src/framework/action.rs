//! Actions: operations Terraform invokes (`action` blocks, `-invoke`,
//! `lifecycle { action_trigger { ... } }`) that change no state of their
//! own. An action reports progress while it runs.

use async_trait::async_trait;
use tokio::sync::mpsc::UnboundedSender;

use super::resource::StopSignal;
use super::{Diagnostics, Schema, Value};

/// Where an action's progress messages go (Terraform shows them as it runs).
#[derive(Clone)]
pub struct Progress(UnboundedSender<String>);

impl Progress {
    pub fn new(tx: UnboundedSender<String>) -> Progress {
        Progress(tx)
    }
    pub fn report(&self, message: impl Into<String>) {
        // Terraform may have gone away: progress is then nobody's concern
        let _ = self.0.send(message.into());
    }
}

pub struct InvokeRequest {
    pub config: Value,
    pub stop: StopSignal,
    pub progress: Progress,
}

#[async_trait]
pub trait Action<D: Send + Sync>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    /// Checks made when Terraform plans the invocation (the cloud may be
    /// consulted when `data` is there).
    async fn plan(&self, _data: Option<&D>, _config: &Value, _diags: &mut Diagnostics) {}
    async fn invoke(&self, data: &D, req: InvokeRequest, diags: &mut Diagnostics);
}
