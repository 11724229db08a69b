//! Typed compute API documents (responses the provider reads), each field
//! as Nova's API reference names it, read leniently: vendors send numbers
//! as strings, integer IDs, `policy` or `policies` (see [`super::wire`]).
//! Fields the provider does not know stay in `other`.
//!
//! Every field has `#[serde(default)]`: a document that lacks one (an
//! older microversion, a vendor that leaves it out) still reads.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value as J;

use super::wire::de;
use super::ApiError;

/// Reads document `what` (for the error) from a JSON value.
pub fn parse<T: DeserializeOwned>(what: &str, v: &J) -> Result<T, ApiError> {
    T::deserialize(v).map_err(|e| ApiError::Decode {
        what: what.to_string(),
        detail: e.to_string(),
    })
}

/// `rules` of a server group (microversion 2.64).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ServerGroupRules {
    #[serde(deserialize_with = "de::int")]
    pub max_server_per_host: Option<i64>,
}

/// A server group (`GET /os-server-groups/{id}`): `policy` and `rules`
/// from 2.64, a one-element `policies` before.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ServerGroup {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub policy: Option<String>,
    #[serde(deserialize_with = "de::strings")]
    pub policies: Vec<String>,
    #[serde(deserialize_with = "de::strings")]
    pub members: Vec<String>,
    #[serde(deserialize_with = "de::string")]
    pub project_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub user_id: Option<String>,
    pub rules: Option<ServerGroupRules>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

impl ServerGroup {
    /// The policy in either spelling: `policy` (2.64+) or the first of
    /// `policies`.
    pub fn policy(&self) -> Option<&str> {
        self.policy
            .as_deref()
            .or_else(|| self.policies.first().map(String::as_str))
    }

    /// `rules.max_server_per_host`, when the cloud reports one.
    pub fn max_server_per_host(&self) -> Option<i64> {
        self.rules.as_ref().and_then(|r| r.max_server_per_host)
    }
}

/// A key pair (`GET /os-keypairs/{name}`); `type` from 2.2, `user_id`
/// shown from 2.10.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Keypair {
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
    /// Kept as sent: a key's trailing newline is significant to compare.
    pub public_key: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub fingerprint: Option<String>,
    #[serde(rename = "type", deserialize_with = "de::string")]
    pub key_type: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub user_id: Option<String>,
    /// Only in the answer to a create that generated the key (before 2.92).
    pub private_key: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

/// A volume attachment (`GET /servers/{id}/os-volume_attachments/{volume_id}`):
/// `tag` from 2.70, `delete_on_termination` from 2.79, `attachment_id`
/// (the block storage attachment) from 2.89.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct VolumeAttachment {
    #[serde(rename = "serverId", deserialize_with = "de::string")]
    pub server_id: Option<String>,
    #[serde(rename = "volumeId", deserialize_with = "de::string")]
    pub volume_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub device: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub tag: Option<String>,
    #[serde(deserialize_with = "de::boolean")]
    pub delete_on_termination: Option<bool>,
    #[serde(deserialize_with = "de::string")]
    pub attachment_id: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

/// One fixed IP of an interface attachment.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FixedIp {
    #[serde(deserialize_with = "de::string")]
    pub ip_address: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub subnet_id: Option<String>,
}

/// An interface attachment (`GET /servers/{id}/os-interface/{port_id}`);
/// `tag` from 2.70.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct InterfaceAttachment {
    #[serde(deserialize_with = "de::string")]
    pub port_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub net_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub mac_addr: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub port_state: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub fixed_ips: Vec<FixedIp>,
    #[serde(deserialize_with = "de::string")]
    pub tag: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

impl InterfaceAttachment {
    /// The addresses of `fixed_ips`, in the cloud's order.
    pub fn addresses(&self) -> Vec<String> {
        self.fixed_ips
            .iter()
            .filter_map(|f| f.ip_address.clone())
            .collect()
    }
}

/// A network of the network API (`GET /v2.0/networks/{network_id}`,
/// Networking API reference "Show network details"): what names an
/// interface's network when the server's `addresses` do not.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Network {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

/// A value that may be `null` (read as its default: empty, for lists and
/// maps).
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One address of a server's `addresses` (by network name).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Address {
    #[serde(deserialize_with = "de::string")]
    pub addr: Option<String>,
    #[serde(deserialize_with = "de::int")]
    pub version: Option<i64>,
    #[serde(rename = "OS-EXT-IPS-MAC:mac_addr", deserialize_with = "de::string")]
    pub mac_addr: Option<String>,
    #[serde(rename = "OS-EXT-IPS:type", deserialize_with = "de::string")]
    pub ip_type: Option<String>,
}

/// A server's `flavor`: `id` before 2.47, a copy with `original_name`
/// and its sizes from 2.47 (`ram` and `swap` in MiB, `disk` and
/// `ephemeral` in GiB).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FlavorRef {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub original_name: Option<String>,
    #[serde(deserialize_with = "de::int")]
    pub vcpus: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub ram: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub disk: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub ephemeral: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub swap: Option<i64>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

/// A server's fault (`fault`, shown while it is in ERROR).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Fault {
    #[serde(deserialize_with = "de::int")]
    pub code: Option<i64>,
    #[serde(deserialize_with = "de::string")]
    pub message: Option<String>,
}

/// An item of `os-extended-volumes:volumes_attached`;
/// `delete_on_termination` from 2.3.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct AttachedVolume {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::boolean")]
    pub delete_on_termination: Option<bool>,
}

/// A security group as a server lists it (by name).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct NamedGroup {
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
}

/// A server (`GET /servers/{id}`, `/servers/detail`), Nova API reference
/// "Show Server Details". `image` is `""` for a server booted from a
/// volume, an object with `id` otherwise. Fields whose absence means
/// something (an older microversion, or a field not shown to this user)
/// are `Option`s that stay `None` when left out: `tags` (2.26),
/// `description` (2.19), `security_groups`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Server {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub status: Option<String>,
    #[serde(rename = "hostId", deserialize_with = "de::string")]
    pub host_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub created: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub updated: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub flavor: FlavorRef,
    #[serde(deserialize_with = "image_id")]
    pub image: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub key_name: Option<String>,
    #[serde(
        rename = "OS-EXT-AZ:availability_zone",
        deserialize_with = "de::string"
    )]
    pub availability_zone: Option<String>,
    #[serde(deserialize_with = "present_strings")]
    pub tags: Option<Vec<String>>,
    #[serde(deserialize_with = "de::string_map")]
    pub metadata: BTreeMap<String, String>,
    #[serde(deserialize_with = "de::present_string")]
    pub description: Option<Option<String>>,
    #[serde(rename = "OS-DCF:diskConfig", deserialize_with = "de::string")]
    pub disk_config: Option<String>,
    #[serde(rename = "accessIPv4", deserialize_with = "de::string")]
    pub access_ip_v4: Option<String>,
    #[serde(rename = "accessIPv6", deserialize_with = "de::string")]
    pub access_ip_v6: Option<String>,
    #[serde(rename = "OS-EXT-SRV-ATTR:hostname", deserialize_with = "de::string")]
    pub hostname: Option<String>,
    #[serde(
        rename = "OS-EXT-SRV-ATTR:root_device_name",
        deserialize_with = "de::string"
    )]
    pub root_device_name: Option<String>,
    #[serde(
        rename = "os-extended-volumes:volumes_attached",
        deserialize_with = "null_as_default"
    )]
    pub volumes_attached: Vec<AttachedVolume>,
    /// `None` when the field is left out, null or not a list.
    #[serde(deserialize_with = "if_shaped")]
    pub security_groups: Option<Vec<NamedGroup>>,
    #[serde(deserialize_with = "null_as_default")]
    pub addresses: BTreeMap<String, Vec<Address>>,
    /// `None` unless the server has a fault object.
    #[serde(deserialize_with = "if_shaped")]
    pub fault: Option<Fault>,
    /// Whether the server is locked (2.9+); `None` when left out.
    #[serde(deserialize_with = "de::boolean")]
    pub locked: Option<bool>,
    /// Why the server is locked (2.73+): `Some(None)` when shown as null
    /// (not locked, or locked without a reason), `None` when left out.
    #[serde(deserialize_with = "de::present_string")]
    pub locked_reason: Option<Option<String>>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

impl Server {
    /// The flavor's name (2.47+) or ID (before).
    pub fn flavor_name(&self) -> Option<&str> {
        self.flavor
            .original_name
            .as_deref()
            .or(self.flavor.id.as_deref())
    }

    /// Every address, IPv4 first then IPv6, each in the cloud's order.
    pub fn ips(&self) -> (Vec<String>, Vec<String>) {
        let (mut v4, mut v6) = (Vec::new(), Vec::new());
        for a in self.addresses.values().flatten() {
            let Some(addr) = a.addr.clone() else { continue };
            if a.version == Some(6) {
                v6.push(addr);
            } else {
                v4.push(addr);
            }
        }
        (v4, v6)
    }

    /// Whether the server has any address.
    pub fn has_addresses(&self) -> bool {
        self.addresses.values().any(|a| !a.is_empty())
    }

    /// The status in capitals; `UNKNOWN` when the document has none.
    pub fn status(&self) -> String {
        self.status
            .as_deref()
            .unwrap_or("UNKNOWN")
            .to_ascii_uppercase()
    }

    /// A partial record: what Nova answers (2.69+) for a server in a cell
    /// it cannot reach. Such records have no `name`, and `UNKNOWN` status.
    pub fn is_partial(&self) -> bool {
        self.name.is_none() && self.status.as_deref() == Some("UNKNOWN")
    }
}

/// A list of strings whose presence matters: `Some` when present (null
/// read as empty), `None` by `#[serde(default)]` when left out.
fn present_strings<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<String>>, D::Error> {
    Ok(Some(super::wire::strings(&J::deserialize(d)?)))
}

/// A value of the expected shape; `None` for null or anything else (a
/// vendor's odd value there does not make the whole document unreadable).
fn if_shaped<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(T::deserialize(J::deserialize(d)?).ok())
}

/// A volume of the block storage API (`GET /v3/{project_id}/volumes/{id}`):
/// what an import reads to tell how a server's volume was made. `size`
/// in GiB.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Volume {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::int")]
    pub size: Option<i64>,
    #[serde(deserialize_with = "de::string")]
    pub volume_type: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub snapshot_id: Option<String>,
    #[serde(deserialize_with = "de::string_map")]
    pub volume_image_metadata: BTreeMap<String, String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

/// `image`: `""` (booted from a volume) or `{"id": ...}`.
fn image_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = J::deserialize(d)?;
    Ok(super::wire::string(&v["id"]))
}

/// A host aggregate (`GET /os-aggregates/{id}`, an item of
/// `GET /os-aggregates`, the answer to `POST /os-aggregates`). Nova's
/// `id` is an integer; `uuid` comes from microversion 2.41. The answer to
/// a create has neither `hosts` nor `metadata`, and some clouds send them
/// as null: both read as empty. `metadata` holds the zone again under
/// `availability_zone`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Aggregate {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub uuid: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub availability_zone: Option<String>,
    #[serde(deserialize_with = "de::strings")]
    pub hosts: Vec<String>,
    #[serde(deserialize_with = "de::string_map")]
    pub metadata: BTreeMap<String, String>,
    #[serde(deserialize_with = "de::string")]
    pub created_at: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub updated_at: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

/// A zone of `GET /os-availability-zone`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct AvailabilityZone {
    #[serde(rename = "zoneName", deserialize_with = "de::string")]
    pub zone_name: Option<String>,
    #[serde(rename = "zoneState", deserialize_with = "null_as_default")]
    pub zone_state: ZoneState,
}

/// `zoneState` of an availability zone.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ZoneState {
    #[serde(deserialize_with = "de::boolean")]
    pub available: Option<bool>,
}

/// A hypervisor of `GET /os-hypervisors/detail` (Nova API reference "List
/// Hypervisors Details"): `id` an integer before 2.53 and a UUID after;
/// sizes (`memory_mb`, `memory_mb_used` in MiB, `local_gb`,
/// `local_gb_used` in GiB, `vcpus`, `vcpus_used`) and `running_vms` gone
/// from 2.88.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Hypervisor {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub hypervisor_hostname: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub hypervisor_type: Option<String>,
    #[serde(deserialize_with = "de::int")]
    pub hypervisor_version: Option<i64>,
    #[serde(deserialize_with = "de::string")]
    pub host_ip: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub state: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub status: Option<String>,
    #[serde(deserialize_with = "de::int")]
    pub vcpus: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub vcpus_used: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub memory_mb: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub memory_mb_used: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub local_gb: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub local_gb_used: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub running_vms: Option<i64>,
    /// The compute service on the hypervisor; `None` when left out or not
    /// an object.
    #[serde(deserialize_with = "if_shaped")]
    pub service: Option<HypervisorService>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

/// `service` of a hypervisor: the compute service's `host`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct HypervisorService {
    #[serde(deserialize_with = "de::string")]
    pub host: Option<String>,
}

/// `GET /limits`: `limits.absolute` by the compute API's names; values
/// that are not numbers are left out.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Limits {
    #[serde(deserialize_with = "int_map")]
    pub absolute: BTreeMap<String, i64>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

/// `limits.absolute` of `GET /limits` field by field (Nova API reference
/// "Show Rate And Absolute Limits"); -1 is unlimited, RAM in MiB. Left out
/// by newer microversions: the security group and floating IP figures from
/// 2.36, `maxImageMeta` from 2.39, the personality ones from 2.57.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct AbsoluteLimits {
    #[serde(rename = "maxImageMeta", deserialize_with = "de::int")]
    pub max_image_meta: Option<i64>,
    #[serde(rename = "maxPersonality", deserialize_with = "de::int")]
    pub max_personality: Option<i64>,
    #[serde(rename = "maxPersonalitySize", deserialize_with = "de::int")]
    pub max_personality_size: Option<i64>,
    #[serde(rename = "maxSecurityGroupRules", deserialize_with = "de::int")]
    pub max_security_group_rules: Option<i64>,
    #[serde(rename = "maxSecurityGroups", deserialize_with = "de::int")]
    pub max_security_groups: Option<i64>,
    #[serde(rename = "maxServerGroupMembers", deserialize_with = "de::int")]
    pub max_server_group_members: Option<i64>,
    #[serde(rename = "maxServerGroups", deserialize_with = "de::int")]
    pub max_server_groups: Option<i64>,
    #[serde(rename = "maxServerMeta", deserialize_with = "de::int")]
    pub max_server_meta: Option<i64>,
    #[serde(rename = "maxTotalCores", deserialize_with = "de::int")]
    pub max_total_cores: Option<i64>,
    #[serde(rename = "maxTotalFloatingIps", deserialize_with = "de::int")]
    pub max_total_floating_ips: Option<i64>,
    #[serde(rename = "maxTotalInstances", deserialize_with = "de::int")]
    pub max_total_instances: Option<i64>,
    #[serde(rename = "maxTotalKeypairs", deserialize_with = "de::int")]
    pub max_total_keypairs: Option<i64>,
    #[serde(rename = "maxTotalRAMSize", deserialize_with = "de::int")]
    pub max_total_ram_size: Option<i64>,
    #[serde(rename = "totalCoresUsed", deserialize_with = "de::int")]
    pub total_cores_used: Option<i64>,
    #[serde(rename = "totalFloatingIpsUsed", deserialize_with = "de::int")]
    pub total_floating_ips_used: Option<i64>,
    #[serde(rename = "totalInstancesUsed", deserialize_with = "de::int")]
    pub total_instances_used: Option<i64>,
    #[serde(rename = "totalRAMUsed", deserialize_with = "de::int")]
    pub total_ram_used: Option<i64>,
    #[serde(rename = "totalSecurityGroupsUsed", deserialize_with = "de::int")]
    pub total_security_groups_used: Option<i64>,
    #[serde(rename = "totalServerGroupsUsed", deserialize_with = "de::int")]
    pub total_server_groups_used: Option<i64>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

/// An image of the image API (`GET /v2/images/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Image {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub status: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub visibility: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub disk_format: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub container_format: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub created_at: Option<String>,
    /// Bytes.
    #[serde(deserialize_with = "de::int")]
    pub size: Option<i64>,
    /// MiB.
    #[serde(deserialize_with = "de::int")]
    pub min_ram: Option<i64>,
    /// GiB.
    #[serde(deserialize_with = "de::int")]
    pub min_disk: Option<i64>,
    #[serde(deserialize_with = "de::strings")]
    pub tags: Vec<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

/// A map of integers ([`super::wire::int`]); entries that are not numbers
/// are dropped, null is empty.
fn int_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, i64>, D::Error> {
    let v = J::deserialize(d)?;
    Ok(v.as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, x)| super::wire::int(x).map(|n| (k.clone(), n)))
        .collect())
}

/// A flavor (`GET /flavors/{flavor_id}`, Nova API reference "Show Flavor
/// Details"; also the items of `GET /flavors/detail` and the answer to
/// `POST /flavors`). Sizes: `ram` and `swap` in MiB, `disk` and
/// `ephemeral` in GiB. Vendors send numbers as strings and `swap: ""` for
/// no swap (read as 0 by [`super::wire::int`]).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Flavor {
    #[serde(deserialize_with = "de::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::int")]
    pub ram: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub vcpus: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub disk: Option<i64>,
    #[serde(rename = "OS-FLV-EXT-DATA:ephemeral", deserialize_with = "de::int")]
    pub ephemeral: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub swap: Option<i64>,
    #[serde(deserialize_with = "de::float")]
    pub rxtx_factor: Option<f64>,
    #[serde(
        rename = "os-flavor-access:is_public",
        deserialize_with = "de::boolean"
    )]
    pub is_public: Option<bool>,
    /// From 2.55: `Some(None)` when the flavor has none (null or `""`),
    /// `None` when the cloud does not report descriptions at all.
    #[serde(deserialize_with = "de::present_string")]
    pub description: Option<Option<String>>,
    /// From 2.61: `Some(Some(..))` when sent as an object, `Some(None)` when
    /// sent but not an object; `None` when not sent (read
    /// `/flavors/{id}/os-extra_specs` instead).
    #[serde(deserialize_with = "de::present_string_map")]
    pub extra_specs: Option<Option<BTreeMap<String, String>>>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

impl Flavor {
    /// Whether the document carries `extra_specs` at all (2.61+).
    pub fn has_extra_specs(&self) -> bool {
        self.extra_specs.is_some()
    }

    /// The extra specs sent with the document, when sent as an object.
    pub fn extra_specs(&self) -> Option<&BTreeMap<String, String>> {
        self.extra_specs.as_ref().and_then(Option::as_ref)
    }
}

/// A flavor's extra specs (`GET /flavors/{flavor_id}/os-extra_specs`,
/// Nova API reference "List Extra Specs For A Flavor"); null or missing
/// `extra_specs` read as none, values that are not strings as JSON text.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ExtraSpecs {
    #[serde(deserialize_with = "de::string_map")]
    pub extra_specs: BTreeMap<String, String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

/// One entry of a flavor's access list (`GET
/// /flavors/{flavor_id}/os-flavor-access`, Nova API reference "List Flavor
/// Access Information For Given Flavor").
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FlavorAccess {
    #[serde(deserialize_with = "de::string")]
    pub flavor_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub tenant_id: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

/// The answer of `GET /flavors/{flavor_id}/os-flavor-access`; a null or
/// missing list is empty.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FlavorAccessList {
    #[serde(deserialize_with = "de::nullable")]
    pub flavor_access: Vec<FlavorAccess>,
    #[serde(flatten)]
    pub other: BTreeMap<String, J>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_addresses() {
        for (server, empty) in [
            (json!({}), true),
            (json!({"addresses": null}), true),
            (json!({"addresses": {}}), true),
            (json!({"addresses": {"private": []}}), true),
            (
                json!({"addresses": {"private": [{"addr": "10.0.0.3"}]}}),
                false,
            ),
        ] {
            let s: Server = parse("server", &server).unwrap();
            assert_eq!(!s.has_addresses(), empty, "{server}");
        }
    }

    /// Fields whose absence means something stay `None` when left out,
    /// and odd vendor values there do not make the document unreadable.
    #[test]
    fn server_fields_whose_presence_matters() {
        let bare: Server = parse("server", &json!({"id": "x"})).unwrap();
        assert_eq!(
            (
                bare.tags,
                bare.description,
                bare.security_groups,
                bare.fault
            ),
            (None, None, None, None)
        );
        let full: Server = parse(
            "server",
            &json!({"id": "x", "tags": null, "description": null, "security_groups": "odd",
                    "fault": {"code": "500", "message": "No valid host was found."}}),
        )
        .unwrap();
        assert_eq!(full.tags, Some(vec![]));
        assert_eq!(full.description, Some(None));
        assert_eq!(full.security_groups, None);
        assert_eq!(full.fault.unwrap().code, Some(500));
    }

    /// `locked` (2.9) and `locked_reason` (2.73): left out below those
    /// microversions, and a null reason is told apart from none shown.
    #[test]
    fn server_lock_fields_by_microversion() {
        let table = [
            (json!({"id": "x"}), None, None),
            (json!({"id": "x", "locked": false}), Some(false), None),
            (
                json!({"id": "x", "locked": true, "locked_reason": null}),
                Some(true),
                Some(None),
            ),
            (
                json!({"id": "x", "locked": true, "locked_reason": "maintenance"}),
                Some(true),
                Some(Some("maintenance".to_string())),
            ),
            (json!({"id": "x", "locked": "True"}), Some(true), None),
        ];
        for (doc, locked, reason) in table {
            let s: Server = parse("server", &doc).unwrap();
            assert_eq!((s.locked, s.locked_reason), (locked, reason), "{doc}");
        }
    }

    #[test]
    fn server_groups_in_both_shapes_and_vendor_spellings() {
        let modern: ServerGroup = parse(
            "server group",
            &json!({"id": "g1", "name": "web", "policy": "anti-affinity",
                    "rules": {"max_server_per_host": "2"}, "members": ["a"], "project_id": "p"}),
        )
        .unwrap();
        assert_eq!(modern.policy(), Some("anti-affinity"));
        assert_eq!(
            modern.max_server_per_host(),
            Some(2),
            "a number as a string"
        );
        let old: ServerGroup = parse(
            "server group",
            &json!({"id": 7, "name": "web", "policies": ["affinity"], "members": null, "metadata": {}}),
        )
        .unwrap();
        assert_eq!(old.policy(), Some("affinity"));
        assert_eq!(old.id.as_deref(), Some("7"), "an integer ID");
        assert!(old.members.is_empty(), "null members");
        assert_eq!(
            old.other.get("metadata"),
            Some(&json!({})),
            "unknown fields kept"
        );
        assert_eq!(old.max_server_per_host(), None);
    }

    #[test]
    fn keypairs_keep_the_key_as_sent() {
        let k: Keypair = parse(
            "key pair",
            &json!({"name": "k", "public_key": "ssh-ed25519 AAAA x\n", "type": "ssh", "fingerprint": "f"}),
        )
        .unwrap();
        assert_eq!(k.public_key.as_deref(), Some("ssh-ed25519 AAAA x\n"));
        assert_eq!(k.key_type.as_deref(), Some("ssh"));
        assert_eq!(k.user_id, None);
        let e = parse::<Keypair>("key pair", &json!({"name": "k", "public_key": 5})).unwrap_err();
        assert!(
            e.to_string()
                .contains("cannot decode the response of key pair"),
            "{e}"
        );
    }

    #[test]
    fn attachments_read_with_their_microversion_fields() {
        let v: VolumeAttachment = parse(
            "volume attachment",
            &json!({"device": "/dev/vdd", "id": "a26887c6", "serverId": "s", "volumeId": "v",
                    "delete_on_termination": "True", "tag": null}),
        )
        .unwrap();
        assert_eq!(
            (v.server_id.as_deref(), v.volume_id.as_deref()),
            (Some("s"), Some("v"))
        );
        assert_eq!(v.delete_on_termination, Some(true), "a boolean as a string");
        assert_eq!(v.tag, None);
        assert_eq!(v.other.get("id"), Some(&json!("a26887c6")));
        let i: InterfaceAttachment = parse(
            "interface attachment",
            &json!({"port_id": "p", "net_id": "n", "mac_addr": "fa:16:3e:4c:2c:30",
                    "fixed_ips": [{"ip_address": "192.168.1.3", "subnet_id": "x"}]}),
        )
        .unwrap();
        assert_eq!(i.addresses(), ["192.168.1.3"]);
        let none: InterfaceAttachment = parse(
            "interface attachment",
            &json!({"port_id": "p", "fixed_ips": null}),
        )
        .unwrap();
        assert!(none.addresses().is_empty());
    }

    #[test]
    fn servers_read_both_flavor_shapes_and_volume_boots() {
        let s: Server = parse(
            "server",
            &json!({"id": "i", "name": "n", "status": "ACTIVE", "hostId": "h",
                    "flavor": {"original_name": "m1.tiny", "vcpus": 1}, "image": {"id": "img"},
                    "OS-EXT-AZ:availability_zone": "nova", "tags": ["t"], "metadata": {"k": 1},
                    "addresses": {"private": [{"addr": "10.0.0.3", "version": 4},
                                              {"addr": "fd00::3", "version": "6"}]}}),
        )
        .unwrap();
        assert_eq!(s.flavor_name(), Some("m1.tiny"));
        assert_eq!(s.image.as_deref(), Some("img"));
        assert_eq!(
            s.ips(),
            (vec!["10.0.0.3".to_string()], vec!["fd00::3".to_string()])
        );
        assert_eq!(s.metadata.get("k").map(String::as_str), Some("1"));
        let bfv: Server = parse(
            "server",
            &json!({"id": "j", "image": "", "flavor": {"id": "42"}, "addresses": null, "tags": null}),
        )
        .unwrap();
        assert_eq!(bfv.image, None, "booted from a volume");
        assert_eq!(bfv.flavor_name(), Some("42"));
        assert!(bfv.ips().0.is_empty());
    }

    #[test]
    fn aggregates_in_vendor_spellings() {
        // the shape of the compute API reference (an integer ID), and a
        // create answer with null hosts and no metadata
        let a: Aggregate = parse(
            "aggregate",
            &json!({"availability_zone": "london", "created_at": "2016-12-27T23:47:32.911515",
                    "deleted": false, "deleted_at": null, "hosts": ["compute"], "id": 1,
                    "metadata": {"availability_zone": "london", "ssd": true}, "name": "name",
                    "updated_at": null, "uuid": "6ba28ba7-f29b-45cc-a30b-6e3a40c2fb14"}),
        )
        .unwrap();
        assert_eq!(a.id.as_deref(), Some("1"), "an integer ID");
        assert_eq!(a.hosts, vec!["compute".to_string()]);
        assert_eq!(a.metadata.get("ssd").map(String::as_str), Some("true"));
        assert_eq!(a.updated_at, None);
        assert_eq!(
            a.other.get("deleted"),
            Some(&json!(false)),
            "unknown fields kept"
        );
        let created: Aggregate = parse(
            "aggregate",
            &json!({"id": "7", "name": "n", "availability_zone": null, "hosts": null}),
        )
        .unwrap();
        assert!(created.hosts.is_empty(), "null hosts");
        assert!(created.metadata.is_empty(), "no metadata");
        assert_eq!(created.availability_zone, None);
        assert_eq!(created.uuid, None, "before 2.41");
    }

    #[test]
    fn cloud_lookups_read_every_microversion() {
        let z: AvailabilityZone = parse(
            "zone",
            &json!({"zoneName": "nova", "zoneState": {"available": "true"}, "hosts": null}),
        )
        .unwrap();
        assert_eq!(
            (z.zone_name.as_deref(), z.zone_state.available),
            (Some("nova"), Some(true))
        );
        let h: Hypervisor = parse(
            "hypervisor",
            &json!({"id": 1, "hypervisor_hostname": "c1", "vcpus": "8", "state": "up"}),
        )
        .unwrap();
        assert_eq!(
            (h.id.as_deref(), h.vcpus, h.memory_mb),
            (Some("1"), Some(8), None)
        );
        let l: Limits = parse(
            "limits",
            &json!({"absolute": {"maxTotalCores": 20, "totalCoresUsed": "2", "maxImageMeta": null}, "rate": []}),
        )
        .unwrap();
        assert_eq!(l.absolute.len(), 2, "{:?}", l.absolute);
        let i: Image = parse(
            "image",
            &json!({"id": "i", "size": null, "min_ram": 0, "tags": []}),
        )
        .unwrap();
        assert_eq!((i.size, i.min_ram), (None, Some(0)));
    }

    #[test]
    fn flavors_in_vendor_spellings() {
        // F-002-flavors-list (DIGEST §7.8), first item, and a vendor's strings
        let seed: Flavor = parse(
            "flavor",
            &json!({"name": "1-512-20", "links": [], "ram": 512, "vcpus": 1, "description": null,
                    "extra_specs": {}, "swap": "", "os-flavor-access:is_public": true, "rxtx_factor": 1.0,
                    "OS-FLV-EXT-DATA:ephemeral": 0, "disk": 0, "id": "1"}),
        )
        .unwrap();
        assert_eq!(seed.swap, Some(0), "swap: \"\" means no swap");
        assert_eq!(seed.is_public, Some(true));
        assert_eq!(seed.description, Some(None), "sent, and null");
        assert_eq!(seed.extra_specs(), Some(&BTreeMap::new()));
        assert!(seed.other.contains_key("links"), "unknown fields kept");
        let vendor: Flavor = parse(
            "flavor",
            &json!({"id": 42, "name": " m1.big", "ram": "4096", "vcpus": "2", "disk": "40",
                    "OS-FLV-EXT-DATA:ephemeral": "10", "swap": 512, "rxtx_factor": "1.5",
                    "os-flavor-access:is_public": "False", "extra_specs": {"hw:numa_nodes": 2}}),
        )
        .unwrap();
        assert_eq!(vendor.id.as_deref(), Some("42"), "an integer ID");
        assert_eq!(vendor.name.as_deref(), Some("m1.big"));
        assert_eq!(
            (vendor.ram, vendor.vcpus, vendor.disk),
            (Some(4096), Some(2), Some(40))
        );
        assert_eq!(vendor.ephemeral, Some(10));
        assert_eq!(vendor.rxtx_factor, Some(1.5));
        assert_eq!(vendor.is_public, Some(false), "a boolean as a string");
        assert_eq!(vendor.description, None, "no description before 2.55");
        assert_eq!(
            vendor
                .extra_specs()
                .and_then(|s| s.get("hw:numa_nodes"))
                .map(String::as_str),
            Some("2")
        );
        let old: Flavor = parse("flavor", &json!({"id": "1", "extra_specs": null})).unwrap();
        assert!(old.has_extra_specs() && old.extra_specs().is_none());
        let older: Flavor = parse("flavor", &json!({"id": "1"})).unwrap();
        assert!(!older.has_extra_specs(), "before 2.61: read os-extra_specs");
        let specs: ExtraSpecs = parse(
            "extra specs",
            &json!({"extra_specs": {"a": "1", "b": null}}),
        )
        .unwrap();
        assert_eq!(specs.extra_specs.len(), 1);
        let access: FlavorAccessList = parse(
            "flavor access",
            &json!({"flavor_access": [{"flavor_id": "10", "tenant_id": "p1"}]}),
        )
        .unwrap();
        assert_eq!(access.flavor_access[0].tenant_id.as_deref(), Some("p1"));
        let none: FlavorAccessList =
            parse("flavor access", &json!({"flavor_access": null})).unwrap();
        assert!(none.flavor_access.is_empty());
    }
}
