//! terraform-provider-nova: a Terraform provider for OpenStack Compute (Nova) clouds.
//!
//! Layers, each knowing only the ones below: `plugin` (go-plugin and
//! gRPC), `provider` (schema and configuration), `resources`/`data_sources`
//! (one module per type), `configured` (what they share from a configured
//! provider), `framework` (protocol-free core) and `client` (the compute
//! API).

pub mod client;
pub mod configured;
pub mod data_sources;
pub mod docs;
pub mod ephemeral_resources;
pub mod framework;
pub mod functions;
pub mod logging;
pub mod plugin;
pub mod provider;
pub mod resources;
