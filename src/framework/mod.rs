//! The protocol-free core: schema, values, codec, diagnostics, plan pipeline,
//! validators, resource traits and the runtime behind the plugin RPCs.

pub mod action;
pub mod codec;
pub mod diag;
pub mod ephemeral;
pub mod function;
pub mod model;
pub mod ownership;
pub mod plan;
pub mod resource;
pub mod runtime;
pub mod schema;
pub mod validators;
pub mod value;

pub use action::{Action, InvokeRequest, Progress};
pub use diag::{AttrPath, Diagnostic, Diagnostics, Severity};
pub use ephemeral::{
    CloseRequest, EphemeralResource, OpenRequest, OpenResponse, RenewRequest, RenewResponse,
};
pub use function::{Function, FunctionDefinition, FunctionError, Parameter};
pub use model::{Attr, Model, ModelError};
pub use resource::*;
pub use runtime::{Dynamic, Provider, Runtime};
pub use schema::{timeouts_block, Attribute, Block, NestedBlock, Nesting, Schema};
pub use value::{Type, UnknownValue, Value};
