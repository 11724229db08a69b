//! Decoding compute API responses: whatever JSON a cloud answers with,
//! reading it into the typed documents and mapping those into Terraform
//! state must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value as J;
use terraform_provider_nova::client::documents::{self, parse};
use terraform_provider_nova::data_sources::{servers, volume_attachments};
use terraform_provider_nova::framework::model::Model;
use terraform_provider_nova::resources::{
    aggregate, attachment, flavor, keypair, server, server_group,
};

/// Parses `j` as document `D`; when it fits, maps it with `f`.
fn each<D: serde::de::DeserializeOwned>(j: &J, f: impl FnOnce(D)) {
    if let Ok(d) = parse::<D>("fuzz", j) {
        f(d);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(j) = serde_json::from_slice::<J>(data) else {
        return;
    };
    each(&j, |d: documents::Server| {
        let mut m = server::model::ServerModel::default();
        server::model::flatten(&d, None, &mut m);
        let prior = m.clone();
        server::model::flatten(&d, Some(&prior), &mut m);
        m.to_value(&server::schema::schema().block.ty());
    });
    let ifaces: Vec<J> = j.as_array().cloned().unwrap_or_else(|| vec![j.clone()]);
    let ifaces: Vec<documents::InterfaceAttachment> = ifaces
        .iter()
        .filter_map(|i| parse("interface", i).ok())
        .collect();
    let mut m = server::model::ServerModel::default();
    server::model::flatten_networks(&ifaces, &mut m);
    m.to_value(&server::schema::schema().block.ty());

    each(&j, |d: documents::Flavor| {
        let mut m = flavor::FlavorModel::default();
        flavor::flatten(&d, &mut m);
        m.to_value(&flavor::schema().ty());
    });
    each(&j, |d: documents::Aggregate| {
        let mut m = aggregate::AggregateModel::default();
        aggregate::flatten(&d, &mut m);
        m.to_value(&aggregate::schema().ty());
    });
    each(&j, |d: documents::Keypair| {
        let mut m = keypair::KeypairModel::default();
        keypair::flatten(&d, &mut m);
        m.to_value(&keypair::schema().ty());
    });
    each(&j, |d: documents::ServerGroup| {
        let mut m = server_group::ServerGroupModel::default();
        server_group::flatten(&d, &mut m);
        m.to_value(&server_group::schema().ty());
    });
    each(&j, |d: documents::VolumeAttachment| {
        let mut m = attachment::VolumeAttachmentModel::default();
        attachment::flatten_volume(&d, &mut m);
        m.to_value(&attachment::volume_schema().ty());
    });
    each(&j, |d: documents::InterfaceAttachment| {
        let mut m = attachment::InterfaceAttachmentModel::default();
        attachment::flatten_interface("s", &d, &mut m);
        m.to_value(&attachment::interface_schema().ty());
    });
    each(&j, |d: documents::Server| {
        servers::item(&d);
    });
    let mut va = volume_attachments::VolumeAttachmentsModel::default();
    let items = j["volumeAttachments"].as_array().cloned().unwrap_or_default();
    if volume_attachments::flatten("s", &items, &mut va).is_ok() {
        va.to_value(&volume_attachments::schema().ty());
    }
    each(&j, |_: documents::Hypervisor| {});
    each(&j, |_: documents::Limits| {});
    each(&j, |_: documents::Image| {});
    each(&j, |_: documents::AvailabilityZone| {});
});
