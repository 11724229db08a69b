//! Decoding compute API responses: whatever JSON a cloud answers with, the
//! mapping into Terraform state must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use terraform_provider_nova::framework::Value;
use terraform_provider_nova::resources::{aggregate, flavor, keypair, server, server_group};

fuzz_target!(|data: &[u8]| {
    let Ok(j) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let null_state = |ty| Value::null_object(&ty);
    let sty = server::schema::schema().block.ty();
    let mut st = null_state(sty.clone());
    server::model::flatten(&j, &null_state(sty), &mut st);
    let ifaces: Vec<serde_json::Value> = j.as_array().cloned().unwrap_or_else(|| vec![j.clone()]);
    server::model::flatten_networks(&ifaces, &mut st);
    let mut f = null_state(flavor::schema().block.ty());
    flavor::flatten(&j, &mut f);
    let mut a = null_state(aggregate::schema().block.ty());
    aggregate::flatten(&j, &mut a);
    let mut k = null_state(keypair::schema().block.ty());
    keypair::flatten(&j, &mut k);
    let mut g = null_state(server_group::schema().block.ty());
    server_group::flatten(&j, &mut g);
});
