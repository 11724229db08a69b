//! Ephemeral resources: values handed to Terraform for one run, never
//! written to state or plan.

pub mod console;
pub mod keypair;
pub mod server_password;

use std::sync::Arc;

use crate::configured::NovaData;
use crate::framework::EphemeralResource;

pub fn all() -> Vec<Arc<dyn EphemeralResource<NovaData>>> {
    vec![
        Arc::new(console::ServerConsole),
        Arc::new(keypair::EphemeralKeypair),
        Arc::new(server_password::ServerPassword),
    ]
}
