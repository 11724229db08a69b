//! Validation and planning of every resource type: any configuration and
//! prior state that decode against a resource's schema must validate and
//! plan (the framework pipeline, then the resource's own plan hook, with no
//! cloud) without a panic; durations, numbers and strings of any size
//! included.
#![no_main]

use libfuzzer_sys::fuzz_target;
use terraform_provider_nova::framework::ownership::Owned;
use terraform_provider_nova::framework::schema::validate_config;
use terraform_provider_nova::framework::*;
use terraform_provider_nova::provider::NovaData;
use terraform_provider_nova::resources;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let all = resources::all();
    let r = &all[usize::from(which) % all.len()];
    let s = r.schema();
    let ty = s.block.ty();
    // the bytes: a JSON array [config, prior] (either may be null)
    let Ok(serde_json::Value::Array(parts)) = serde_json::from_slice::<serde_json::Value>(rest)
    else {
        return;
    };
    let decode = |j: Option<&serde_json::Value>| {
        let j = j.cloned().unwrap_or(serde_json::Value::Null);
        codec::decode_json(j.to_string().as_bytes(), &ty).ok()
    };
    let (Some(config), Some(prior)) = (decode(parts.first()), decode(parts.get(1))) else {
        return;
    };
    if config.is_null() {
        return;
    }
    let mut diags = Diagnostics::default();
    validate_config(&s.block, &config, &AttrPath::root(), &mut diags);
    r.validate(&config, &mut diags);
    let owned = Owned::default();
    let core = plan::plan(&s.block, &prior, &config, &config, &owned);
    let mut resp = PlanResponse {
        planned: core.planned,
        requires_replace: core.requires_replace,
        private: Vec::new(),
        diags,
    };
    let req = PlanRequest {
        prior: &prior,
        config: &config,
        proposed: &config,
        prior_private: &[],
    };
    futures::executor::block_on(r.plan(None::<&NovaData>, &req, &mut resp));
    let _ = timeout_for(&config, "create", std::time::Duration::from_secs(1));
    let _ = deadline_after(timeout_for(&config, "create", std::time::Duration::from_secs(1)));
});
