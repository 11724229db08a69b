//! What resources, data sources and actions get from a configured
//! provider. Below both `provider` (which builds it) and `resources` (which
//! use it), so neither imports the other for it.

use crate::client::Cloud;

/// What every resource of a configured provider shares.
pub struct NovaData {
    /// The compute API client, authenticated lazily.
    pub cloud: Cloud,
    /// How `imageRef` is sent for servers that boot from a volume: the
    /// provider argument `boot_volume_image_ref` ("omit", "empty" or
    /// "image"; "omit" when not set).
    pub boot_volume_image_ref: String,
    /// Flavor documents (`GET /flavors/detail`), fetched once per process.
    pub flavors: tokio::sync::Mutex<Option<Vec<crate::client::documents::Flavor>>>,
}
