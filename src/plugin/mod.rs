//! The go-plugin server: handshake, AutoMTLS, the tfplugin6 gRPC service and
//! debug (reattach) mode. The only place protocol (prost) types appear.

pub mod convert;
pub mod grpc;
pub mod serve;
pub mod tls;

/// Generated protocol types.
pub mod proto {
    #![allow(clippy::all, missing_docs)]
    pub mod tfplugin6 {
        tonic::include_proto!("tfplugin6");
    }
    pub mod goplugin {
        tonic::include_proto!("plugin");
    }
    pub mod health {
        tonic::include_proto!("grpc.health.v1");
    }
}

pub use serve::{run, ServeConfig};
