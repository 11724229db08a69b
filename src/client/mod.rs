//! The compute API client: configuration, Keystone auth, catalog,
//! microversions, retries, typed calls. Knows nothing of Terraform.

pub mod config;
pub mod error;
pub mod microversion;
pub mod session;
pub mod waiter;
pub mod wire;

use std::time::Instant;

use reqwest::Method;
use serde_json::Value as J;

pub use config::{Config, ConfigError, Settings};
pub use error::ApiError;
pub use microversion::Microversion;
pub use session::{Call, Reply, Service, Session};

/// A cloud: one authenticated session shared by every resource of a
/// provider process.
pub struct Cloud {
    pub session: Session,
}

impl Cloud {
    pub fn new(cfg: Config) -> Result<Cloud, ApiError> {
        Ok(Cloud {
            session: Session::new(cfg)?,
        })
    }

    /// Fails with a message naming the version when the cloud cannot do
    /// what `feature` needs.
    pub async fn require(
        &self,
        needed: Microversion,
        feature: &str,
    ) -> Result<Microversion, ApiError> {
        let v = self.session.compute_version().await?;
        if v < needed {
            return Err(ApiError::Unsupported(format!(
                "{feature} needs compute API microversion {needed}; this cloud speaks {v}"
            )));
        }
        Ok(v)
    }

    pub async fn compute(
        &self,
        method: Method,
        path: &str,
        body: Option<&J>,
        deadline: Option<Instant>,
    ) -> Result<Reply, ApiError> {
        let mut c = Call::new(Service::Compute, method, path).deadline(deadline);
        if let Some(b) = body {
            c = c.json(b);
        }
        self.session.call(c).await
    }

    pub async fn get(&self, path: &str) -> Result<J, ApiError> {
        Ok(self.compute(Method::GET, path, None, None).await?.body)
    }
}
