//! Provider-defined functions: `provider::nova::NAME(...)`. Each is pure
//! (it needs no configured provider and calls no API).

use std::sync::Arc;

use crate::framework::Function;

pub mod keypair_fingerprint;
pub mod user_data_hash;

pub fn all() -> Vec<Arc<dyn Function>> {
    vec![
        Arc::new(keypair_fingerprint::KeypairFingerprint),
        Arc::new(user_data_hash::UserDataHash),
    ]
}
