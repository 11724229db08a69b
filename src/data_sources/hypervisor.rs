//! `nova_hypervisor`: one hypervisor by its hostname (administrators), as
//! terraform-provider-openstack's `openstack_compute_hypervisor_v2`.
//!
//! Found with `GET /os-hypervisors/detail?hypervisor_hostname_pattern=`
//! from microversion 2.53 (Nova answers 404 when nothing matches), in the
//! whole `GET /os-hypervisors/detail` listing before (Nova API reference
//! "List Hypervisors Details"); the hostname must match exactly.

use async_trait::async_trait;

use crate::client::microversion::{HYPERVISOR_HOSTNAME_PATTERN, HYPERVISOR_NO_FIGURES};
use crate::client::{documents, path_segment, ApiError};
use crate::configured::NovaData;
use crate::framework::model::{decode, Model};
use crate::framework::validators::StringLength;
use crate::framework::*;
use crate::resources::api_error;
use crate::tf_model;

pub struct HypervisorData;

tf_model! {
    /// `nova_hypervisor` configuration and state. Sizes: `memory` and
    /// `memory_used` in MiB, `disk` and `disk_used` in GiB; they, the vCPU
    /// counts and `running_vms` are null from microversion 2.88, which no
    /// longer reports them.
    pub struct HypervisorModel {
        pub hostname: Attr<String>,
        pub id: Attr<String>,
        pub host: Attr<String>,
        pub host_ip: Attr<String>,
        pub state: Attr<String>,
        pub status: Attr<String>,
        pub r#type: Attr<String>,
        pub version: Attr<i64>,
        pub vcpus: Attr<i64>,
        pub vcpus_used: Attr<i64>,
        pub memory: Attr<i64>,
        pub memory_used: Attr<i64>,
        pub disk: Attr<i64>,
        pub disk_used: Attr<i64>,
        pub running_vms: Attr<i64>,
    }
}

/// Copies a hypervisor document into the model (`hostname` as the cloud
/// spells it, which the lookup made equal to the configuration's).
pub fn flatten(h: &documents::Hypervisor, m: &mut HypervisorModel) {
    let s = |v: &Option<String>| Attr::from_option(v.clone());
    m.hostname = s(&h.hypervisor_hostname);
    m.id = s(&h.id);
    m.host = Attr::from_option(h.service.as_ref().and_then(|x| x.host.clone()));
    m.host_ip = s(&h.host_ip);
    m.state = s(&h.state);
    m.status = s(&h.status);
    m.r#type = s(&h.hypervisor_type);
    m.version = Attr::from_option(h.hypervisor_version);
    m.vcpus = Attr::from_option(h.vcpus);
    m.vcpus_used = Attr::from_option(h.vcpus_used);
    m.memory = Attr::from_option(h.memory_mb);
    m.memory_used = Attr::from_option(h.memory_mb_used);
    m.disk = Attr::from_option(h.local_gb);
    m.disk_used = Attr::from_option(h.local_gb_used);
    m.running_vms = Attr::from_option(h.running_vms);
}

/// Why no single hypervisor was picked: a summary and a detail.
#[derive(Debug, PartialEq)]
pub struct NotOne(pub String, pub String);

/// The one hypervisor whose `hypervisor_hostname` is `hostname`; the
/// error names the near matches (or the candidates when several match).
pub fn pick<'a>(
    hostname: &str,
    found: &'a [documents::Hypervisor],
) -> Result<&'a documents::Hypervisor, NotOne> {
    let name = |h: &documents::Hypervisor| h.hypervisor_hostname.clone().unwrap_or_default();
    let exact: Vec<&documents::Hypervisor> = found
        .iter()
        .filter(|h| h.hypervisor_hostname.as_deref() == Some(hostname))
        .collect();
    match exact.as_slice() {
        [h] => Ok(h),
        [] => {
            let mut near: Vec<String> = found
                .iter()
                .map(name)
                .filter(|n| n.to_lowercase().contains(&hostname.to_lowercase()))
                .collect();
            near.sort();
            let hint = if near.is_empty() {
                String::new()
            } else {
                format!(" Hypervisors with similar names: {}.", near.join(", "))
            };
            Err(NotOne(
                "No hypervisor found".into(),
                format!("No hypervisor has hostname \"{hostname}\".{hint}"),
            ))
        }
        several => {
            let ids: Vec<String> = several.iter().filter_map(|h| h.id.clone()).collect();
            Err(NotOne(
                "Several hypervisors found".into(),
                format!(
                    "{} hypervisors have hostname \"{hostname}\": {}.",
                    several.len(),
                    ids.join(", ")
                ),
            ))
        }
    }
}

/// The hypervisors that may be `hostname`: those matching the pattern
/// (2.53+; none when Nova answers 404), or every one.
async fn candidates(
    data: &NovaData,
    hostname: &str,
) -> Result<Vec<documents::Hypervisor>, ApiError> {
    let by_pattern = data.cloud.session.compute_version().await? >= HYPERVISOR_HOSTNAME_PATTERN;
    let body = if by_pattern {
        let path = format!(
            "/os-hypervisors/detail?hypervisor_hostname_pattern={}",
            path_segment(hostname)
        );
        match data.cloud.get(&path).await {
            Ok(b) => b,
            Err(e) if e.is_not_found() => return Ok(vec![]),
            Err(e) => return Err(e),
        }
    } else {
        data.cloud
            .get_all("/os-hypervisors/detail", "hypervisors")
            .await?
    };
    let list: Option<Vec<documents::Hypervisor>> =
        documents::parse("hypervisors", &body["hypervisors"])?;
    Ok(list.unwrap_or_default())
}

pub fn schema() -> Schema {
    let gone =
        format!("; null from microversion {HYPERVISOR_NO_FIGURES}, which no longer reports it");
    let s = |n: &str, d: &str| Attribute::string(n).computed().description(d);
    let figure = |n: &str, d: &str| {
        Attribute::number(n)
            .computed()
            .description(&format!("{d}{gone}."))
    };
    Schema::new(
        0,
        Block::new(&format!("One hypervisor, by its exact hostname (administrators). Its sizes and usage are null from compute API microversion {HYPERVISOR_NO_FIGURES}, which no longer reports them (pin `compute_microversion` below it to read them)."))
            .attr(Attribute::string("hostname").required().validate(StringLength(1, 255)).description("The hypervisor's hostname (`hypervisor_hostname`), matched exactly."))
            .attr(s("id", "The hypervisor ID: an integer before microversion 2.53, a UUID from it."))
            .attr(s("host", "The host of its compute service (what aggregates and `nova_server.host` name)."))
            .attr(s("host_ip", "The hypervisor's IP address."))
            .attr(s("state", "`up` or `down`."))
            .attr(s("status", "`enabled` or `disabled`."))
            .attr(s("type", "The hypervisor type, such as `QEMU`."))
            .attr(Attribute::number("version").computed().description("The hypervisor version, as an integer (such as 8002000 for 8.2.0)."))
            .attr(figure("vcpus", "Virtual CPUs it provides"))
            .attr(figure("vcpus_used", "Virtual CPUs in use"))
            .attr(figure("memory", "Memory it provides, in MiB"))
            .attr(figure("memory_used", "Memory in use, in MiB"))
            .attr(figure("disk", "Local disk it provides, in GiB"))
            .attr(figure("disk_used", "Local disk in use, in GiB"))
            .attr(figure("running_vms", "Servers running on it")),
    )
}

#[async_trait]
impl DataSource<NovaData> for HypervisorData {
    fn type_name(&self) -> &'static str {
        "nova_hypervisor"
    }
    fn schema(&self) -> Schema {
        schema()
    }
    async fn read(&self, data: &NovaData, req: DataReadRequest, resp: &mut DataReadResponse) {
        let Some(mut m) = decode::<HypervisorModel>("configuration", &req.config, &mut resp.diags)
        else {
            return;
        };
        let hostname = m.hostname.as_deref().unwrap_or_default().to_string();
        let found = match candidates(data, &hostname).await {
            Ok(f) => f,
            Err(e) => return resp.diags.push(api_error("Cannot list hypervisors", &e)),
        };
        match pick(&hostname, &found) {
            Ok(h) => {
                flatten(h, &mut m);
                resp.state = m.to_value(&schema().ty());
            }
            Err(NotOne(summary, detail)) => resp.diags.error(summary, detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hv(j: serde_json::Value) -> documents::Hypervisor {
        documents::parse("hypervisor", &j).unwrap()
    }

    #[test]
    fn the_model_fits_the_schema() {
        HypervisorModel::check_against(&schema().ty()).unwrap();
    }

    /// The shapes of before and from 2.88: the figures are null there.
    #[test]
    fn flatten_table() {
        let old = json!({"id": 1, "hypervisor_hostname": "c1", "hypervisor_type": "QEMU",
            "hypervisor_version": 2012000, "host_ip": "192.168.1.135", "state": "up", "status": "enabled",
            "vcpus": "8", "vcpus_used": 2, "memory_mb": 8192, "memory_mb_used": 1024,
            "local_gb": 100, "local_gb_used": 10, "running_vms": 2,
            "service": {"host": "compute1", "id": 2, "disabled_reason": null}});
        let new = json!({"id": "b1e43b5f-eec1-44e0-9f10-7b4945c0226d", "hypervisor_hostname": "c1",
            "hypervisor_type": "fake", "hypervisor_version": 1000, "host_ip": "192.168.1.135",
            "state": "down", "status": "disabled", "uptime": null, "service": null});
        let cases: Vec<(&str, serde_json::Value, HypervisorModel)> = vec![
            (
                "before 2.88: every figure",
                old,
                HypervisorModel {
                    hostname: Attr::Known("c1".into()),
                    id: Attr::Known("1".into()),
                    host: Attr::Known("compute1".into()),
                    host_ip: Attr::Known("192.168.1.135".into()),
                    state: Attr::Known("up".into()),
                    status: Attr::Known("enabled".into()),
                    r#type: Attr::Known("QEMU".into()),
                    version: Attr::Known(2012000),
                    vcpus: Attr::Known(8),
                    vcpus_used: Attr::Known(2),
                    memory: Attr::Known(8192),
                    memory_used: Attr::Known(1024),
                    disk: Attr::Known(100),
                    disk_used: Attr::Known(10),
                    running_vms: Attr::Known(2),
                },
            ),
            (
                "from 2.88: figures null, a null service",
                new,
                HypervisorModel {
                    hostname: Attr::Known("c1".into()),
                    id: Attr::Known("b1e43b5f-eec1-44e0-9f10-7b4945c0226d".into()),
                    host_ip: Attr::Known("192.168.1.135".into()),
                    state: Attr::Known("down".into()),
                    status: Attr::Known("disabled".into()),
                    r#type: Attr::Known("fake".into()),
                    version: Attr::Known(1000),
                    ..Default::default()
                },
            ),
        ];
        for (what, doc, want) in cases {
            // the configuration's hostname, known or not, is replaced
            for hostname in [Attr::Known("c1".to_string()), Attr::Unknown, Attr::Null] {
                let mut m = HypervisorModel {
                    hostname,
                    ..Default::default()
                };
                flatten(&hv(doc.clone()), &mut m);
                assert_eq!(m, want, "{what}");
            }
        }
    }

    #[test]
    fn pick_table() {
        let list = vec![
            hv(json!({"id": "a", "hypervisor_hostname": "compute1"})),
            hv(json!({"id": "b", "hypervisor_hostname": "compute10"})),
            hv(json!({"id": "c", "hypervisor_hostname": "dup"})),
            hv(json!({"id": "d", "hypervisor_hostname": "dup"})),
            hv(json!({"id": "e", "hypervisor_hostname": null})),
        ];
        let cases: Vec<(&str, Result<&str, &str>)> = vec![
            ("compute1", Ok("a")),
            ("compute10", Ok("b")),
            (
                "Compute",
                Err("No hypervisor has hostname \"Compute\". Hypervisors with similar names: compute1, compute10."),
            ),
            ("zzz", Err("No hypervisor has hostname \"zzz\".")),
            ("dup", Err("2 hypervisors have hostname \"dup\": c, d.")),
        ];
        for (hostname, want) in cases {
            let got = pick(hostname, &list)
                .map(|h| h.id.as_deref().unwrap_or_default())
                .map_err(|NotOne(_, d)| d);
            assert_eq!(got, want.map_err(String::from), "{hostname}");
        }
        assert_eq!(
            pick("x", &[]).unwrap_err().0,
            "No hypervisor found",
            "Nova's 404 for a pattern is an empty list"
        );
    }
}
