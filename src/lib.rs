//! terraform-provider-nova: a Terraform provider for OpenStack Compute (Nova) clouds.
//!
//! Layers, each knowing only the one below: `plugin` (go-plugin and gRPC),
//! `framework` (protocol-free core), `resources`/`data_sources` (one module
//! per type), `client` (the compute API).

pub mod client;
pub mod data_sources;
pub mod docs;
pub mod framework;
pub mod logging;
pub mod plugin;
pub mod provider;
pub mod resources;
