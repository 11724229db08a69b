//! Data source types, one module each.

use std::sync::Arc;

use crate::framework::DataSource;
use crate::provider::NovaData;

pub fn all() -> Vec<Arc<dyn DataSource<NovaData>>> {
    vec![]
}
