//! Data source types.

use std::sync::Arc;

use crate::configured::NovaData;
use crate::framework::DataSource;

pub mod flavor;
pub mod lookups;
pub mod quota_set;
pub mod servers;
pub mod volume_attachments;

pub fn all() -> Vec<Arc<dyn DataSource<NovaData>>> {
    vec![
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
        Arc::new(lookups::LimitsData),
        Arc::new(volume_attachments::VolumeAttachmentsData),
        Arc::new(quota_set::QuotaSetData),
    ]
}
