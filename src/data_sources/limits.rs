//! `nova_limits`: a project's absolute limits and usage (`GET /limits`,
//! Nova API reference "Show Rate And Absolute Limits"), by name as
//! terraform-provider-openstack's `openstack_compute_limits_v2` names them
//! (Nova's names in snake case) and as the compute API's map.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::client::{documents, path_segment};
use crate::configured::NovaData;
use crate::framework::model::{decode, Model};
use crate::framework::validators::StringLength;
use crate::framework::*;
use crate::resources::api_error;
use crate::tf_model;

pub struct LimitsData;

tf_model! {
    /// `nova_limits` configuration and state: numbers of items, RAM in MiB,
    /// -1 for unlimited; null where the cloud's microversion no longer
    /// reports the figure.
    pub struct LimitsModel {
        pub project_id: Attr<String>,
        pub absolute: Attr<BTreeMap<String, i64>>,
        pub max_image_meta: Attr<i64>,
        pub max_personality: Attr<i64>,
        pub max_personality_size: Attr<i64>,
        pub max_security_group_rules: Attr<i64>,
        pub max_security_groups: Attr<i64>,
        pub max_server_group_members: Attr<i64>,
        pub max_server_groups: Attr<i64>,
        pub max_server_meta: Attr<i64>,
        pub max_total_cores: Attr<i64>,
        pub max_total_floating_ips: Attr<i64>,
        pub max_total_instances: Attr<i64>,
        pub max_total_keypairs: Attr<i64>,
        pub max_total_ram_size: Attr<i64>,
        pub total_cores_used: Attr<i64>,
        pub total_floating_ips_used: Attr<i64>,
        pub total_instances_used: Attr<i64>,
        pub total_ram_used: Attr<i64>,
        pub total_security_groups_used: Attr<i64>,
        pub total_server_groups_used: Attr<i64>,
    }
}

/// The request: the token's project, or `project_id`'s (`tenant_id=`,
/// which Nova's default policy allows administrators only).
pub fn path(project_id: &Attr<String>) -> String {
    match project_id.as_deref() {
        Some(p) => format!("/limits?tenant_id={}", path_segment(p)),
        None => "/limits".into(),
    }
}

/// Copies `limits.absolute` into the model: each figure by name, and the
/// whole map by Nova's names (values that are not numbers left out).
/// `project_id` stays as configured.
pub fn flatten(
    absolute: &serde_json::Value,
    m: &mut LimitsModel,
) -> Result<(), crate::client::ApiError> {
    let map: documents::Limits =
        documents::parse("limits", &serde_json::json!({ "absolute": absolute }))?;
    let a: documents::AbsoluteLimits = if absolute.is_object() {
        documents::parse("absolute limits", absolute)?
    } else {
        Default::default()
    };
    let n = Attr::from_option;
    m.absolute = Attr::Known(map.absolute);
    m.max_image_meta = n(a.max_image_meta);
    m.max_personality = n(a.max_personality);
    m.max_personality_size = n(a.max_personality_size);
    m.max_security_group_rules = n(a.max_security_group_rules);
    m.max_security_groups = n(a.max_security_groups);
    m.max_server_group_members = n(a.max_server_group_members);
    m.max_server_groups = n(a.max_server_groups);
    m.max_server_meta = n(a.max_server_meta);
    m.max_total_cores = n(a.max_total_cores);
    m.max_total_floating_ips = n(a.max_total_floating_ips);
    m.max_total_instances = n(a.max_total_instances);
    m.max_total_keypairs = n(a.max_total_keypairs);
    m.max_total_ram_size = n(a.max_total_ram_size);
    m.total_cores_used = n(a.total_cores_used);
    m.total_floating_ips_used = n(a.total_floating_ips_used);
    m.total_instances_used = n(a.total_instances_used);
    m.total_ram_used = n(a.total_ram_used);
    m.total_security_groups_used = n(a.total_security_groups_used);
    m.total_server_groups_used = n(a.total_server_groups_used);
    Ok(())
}

pub fn schema() -> Schema {
    let until = |v: &str| format!(" Null from microversion {v}, which no longer reports it.");
    let net = until("2.36");
    let figures: [(&str, String); 19] = [
        (
            "max_image_meta",
            format!("Metadata items allowed per image.{}", until("2.39")),
        ),
        (
            "max_personality",
            format!("Files that may be injected into a server.{}", until("2.57")),
        ),
        (
            "max_personality_size",
            format!("Bytes allowed per injected file.{}", until("2.57")),
        ),
        (
            "max_security_group_rules",
            format!("Rules allowed per security group.{net}"),
        ),
        (
            "max_security_groups",
            format!("Security groups allowed.{net}"),
        ),
        (
            "max_server_group_members",
            "Servers allowed per server group.".into(),
        ),
        ("max_server_groups", "Server groups allowed.".into()),
        (
            "max_server_meta",
            "Metadata items allowed per server.".into(),
        ),
        ("max_total_cores", "Server cores (vCPUs) allowed.".into()),
        (
            "max_total_floating_ips",
            format!("Floating IPs allowed.{net}"),
        ),
        ("max_total_instances", "Servers allowed.".into()),
        ("max_total_keypairs", "Key pairs allowed (per user).".into()),
        (
            "max_total_ram_size",
            "Server memory allowed, in MiB.".into(),
        ),
        ("total_cores_used", "Server cores (vCPUs) in use.".into()),
        (
            "total_floating_ips_used",
            format!("Floating IPs in use.{net}"),
        ),
        ("total_instances_used", "Servers in use.".into()),
        ("total_ram_used", "Server memory in use, in MiB.".into()),
        (
            "total_security_groups_used",
            format!("Security groups in use.{net}"),
        ),
        ("total_server_groups_used", "Server groups in use.".into()),
    ];
    let mut b = Block::new("Absolute limits and usage of a project: each by name (-1 is unlimited), and all of them in `absolute` by the compute API's names (`maxTotalCores`, `totalCoresUsed`, ...).")
        .attr(Attribute::string("project_id").optional_computed().validate(StringLength(1, 64)).description("The project whose limits to read (`GET /limits?tenant_id=`; Nova's default policy allows it to administrators only). Default: the project of the provider's token."))
        .attr(Attribute::new("absolute", Type::map(Type::Number)).computed().description("Absolute limits and usage, by the compute API's names."));
    for (name, d) in figures {
        b = b.attr(Attribute::number(name).computed().description(&d));
    }
    Schema::new(0, b)
}

#[async_trait]
impl DataSource<NovaData> for LimitsData {
    fn type_name(&self) -> &'static str {
        "nova_limits"
    }
    fn schema(&self) -> Schema {
        schema()
    }
    async fn read(&self, data: &NovaData, req: DataReadRequest, resp: &mut DataReadResponse) {
        let Some(mut m) = decode::<LimitsModel>("configuration", &req.config, &mut resp.diags)
        else {
            return;
        };
        let b = match data.cloud.get(&path(&m.project_id)).await {
            Ok(b) => b,
            Err(e) => return resp.diags.push(api_error("Cannot read limits", &e)),
        };
        if m.project_id.is_null() {
            match data.cloud.session.project_id().await {
                Ok(p) => m.project_id = Attr::from_option(p),
                Err(e) => return resp.diags.push(api_error("Cannot read the project", &e)),
            }
        }
        match flatten(&b["limits"]["absolute"], &mut m) {
            Ok(()) => resp.state = m.to_value(&schema().ty()),
            Err(e) => resp.diags.push(api_error("Cannot read limits", &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_model_fits_the_schema() {
        LimitsModel::check_against(&schema().ty()).unwrap();
    }

    #[test]
    fn the_request_names_the_project() {
        let cases = [
            (Attr::Null, "/limits"),
            (Attr::Known("p 1".to_string()), "/limits?tenant_id=p%201"),
            // a data source is read with a known configuration; an unknown
            // one would not filter
            (Attr::Unknown, "/limits"),
        ];
        for (project, want) in cases {
            assert_eq!(path(&project), want, "{project:?}");
        }
    }

    /// The answer of the compute API reference at 2.1 and at 2.57+, a
    /// vendor's strings, and an empty answer.
    #[test]
    fn figures_by_name() {
        let old = json!({"maxImageMeta": 128, "maxPersonality": 5, "maxPersonalitySize": 10240,
            "maxSecurityGroupRules": 20, "maxSecurityGroups": 10, "maxServerMeta": 128,
            "maxTotalCores": 20, "maxTotalFloatingIps": 10, "maxTotalInstances": 10,
            "maxTotalKeypairs": 100, "maxTotalRAMSize": 51200, "maxServerGroups": 10,
            "maxServerGroupMembers": 10, "totalCoresUsed": 0, "totalInstancesUsed": 0,
            "totalRAMUsed": 0, "totalSecurityGroupsUsed": 0, "totalFloatingIpsUsed": 0,
            "totalServerGroupsUsed": 0});
        let new = json!({"maxServerMeta": 128, "maxTotalCores": "-1", "maxTotalInstances": 10,
            "maxTotalKeypairs": 100, "maxTotalRAMSize": 51200, "maxServerGroups": 10,
            "maxServerGroupMembers": 10, "totalCoresUsed": "2", "totalInstancesUsed": 1,
            "totalRAMUsed": 512, "totalServerGroupsUsed": 0, "extra": null});
        type Case = (
            &'static str,
            serde_json::Value,
            usize,
            Attr<i64>,
            Attr<i64>,
            Attr<i64>,
        );
        let cases: Vec<Case> = vec![
            (
                "2.1: every figure",
                old,
                19,
                Attr::Known(20),
                Attr::Known(0),
                Attr::Known(10),
            ),
            (
                "2.57+: network and personality figures null, strings read",
                new,
                11,
                Attr::Known(-1),
                Attr::Known(2),
                Attr::Null,
            ),
            (
                "no figures at all",
                json!({}),
                0,
                Attr::Null,
                Attr::Null,
                Attr::Null,
            ),
            (
                "a null answer",
                json!(null),
                0,
                Attr::Null,
                Attr::Null,
                Attr::Null,
            ),
        ];
        for (what, absolute, n, cores, used, groups) in cases {
            let mut m = LimitsModel {
                project_id: Attr::Known("p".into()),
                ..Default::default()
            };
            flatten(&absolute, &mut m).unwrap();
            assert_eq!(m.absolute.if_known().map(|a| a.len()), Some(n), "{what}");
            assert_eq!(
                (m.max_total_cores, m.total_cores_used, m.max_security_groups),
                (cores, used, groups),
                "{what}"
            );
            assert_eq!(
                m.project_id,
                Attr::Known("p".into()),
                "{what}: as configured"
            );
        }
    }
}
