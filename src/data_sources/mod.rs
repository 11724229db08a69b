//! Data source types.

use std::sync::Arc;

use crate::configured::NovaData;
use crate::framework::{DataSource, Value};

pub mod flavor;
pub mod hypervisor;
pub mod limits;
pub mod lookups;
pub mod quota_set;
pub mod server_network;
pub mod servers;
pub mod volume_attachments;

/// Every data source type, each with `region`.
pub fn all() -> Vec<Arc<dyn DataSource<NovaData>>> {
    let types: Vec<Arc<dyn DataSource<NovaData>>> = vec![
        Arc::new(flavor::FlavorData),
        Arc::new(flavor::FlavorsData),
        Arc::new(lookups::KeypairData),
        Arc::new(lookups::AggregateData),
        Arc::new(lookups::ServerGroupData),
        Arc::new(lookups::ServerData),
        Arc::new(servers::ServersData),
        Arc::new(lookups::ImageData),
        Arc::new(lookups::AvailabilityZonesData),
        Arc::new(lookups::HypervisorsData),
        Arc::new(hypervisor::HypervisorData),
        Arc::new(limits::LimitsData),
        Arc::new(volume_attachments::VolumeAttachmentsData),
        Arc::new(quota_set::QuotaSetData),
    ];
    types
        .into_iter()
        .map(crate::resources::region::RegionalData::wrap)
        .collect()
}

/// The attributes of object `a`, and those of object `b` that `a` lacks:
/// a state written from two models (the one that has an attribute in
/// both, `a`, wins).
pub(crate) fn union(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Object(mut a), Value::Object(b)) => {
            for (k, v) in b {
                a.entry(k).or_insert(v);
            }
            Value::Object(a)
        }
        (a, _) => a,
    }
}
