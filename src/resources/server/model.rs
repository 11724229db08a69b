//! `nova_server`'s model (configuration, plan and state) and its mapping
//! to and from compute API documents: the create request, and a server
//! document, its interfaces and its volumes read back into state.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use serde_json::{json, Map, Value as J};
use sha2::Digest;

use crate::client::documents::{self, InterfaceAttachment, VolumeAttachment};
use crate::client::microversion::{self as mv, Microversion};
use crate::framework::model::{StringMap, Strings};
use crate::framework::value::{same_text, same_zone};
use crate::framework::{Attr, Value};
use crate::tf_model;

/// Metadata key that marks a create request, so a server whose create
/// response was lost can be found and adopted instead of duplicated.
pub const CREATE_TOKEN_KEY: &str = "nova-provider:create-token";

tf_model! {
    /// A `network` block: one interface of the server.
    pub struct NetworkModel {
        pub uuid: Attr<String>,
        /// Looked up at plan time (see `lookups`); never sent.
        pub name: Attr<String>,
        pub port: Attr<String>,
        pub fixed_ip_v4: Attr<String>,
        pub fixed_ip_v6: Attr<String>,
        pub tag: Attr<String>,
        pub subnet_id: Attr<String>,
        pub mac: Attr<String>,
        /// Not sent: picks the access addresses (see `lookups`).
        pub access_network: Attr<bool>,
    }
}

tf_model! {
    /// A `block_device` block (`block_device_mapping_v2`); `volume_size`
    /// in GiB (MiB for swap).
    pub struct BlockDeviceModel {
        pub source_type: Attr<String>,
        pub destination_type: Attr<String>,
        pub uuid: Attr<String>,
        pub volume_size: Attr<i64>,
        pub boot_index: Attr<i64>,
        pub delete_on_termination: Attr<bool>,
        pub device_type: Attr<String>,
        pub disk_bus: Attr<String>,
        pub guest_format: Attr<String>,
        pub volume_type: Attr<String>,
        pub tag: Attr<String>,
        /// Not sent: recorded, and checked against the microversion.
        pub multiattach: Attr<bool>,
    }
}

tf_model! {
    /// The `scheduler_hints` block (`os:scheduler_hints`).
    pub struct SchedulerHintsModel {
        pub group: Attr<String>,
        pub different_host: Strings,
        pub same_host: Strings,
        pub query: Attr<String>,
        pub target_cell: Attr<String>,
        pub different_cell: Strings,
        pub build_near_host_ip: Attr<String>,
        pub cidr: Attr<String>,
        pub additional: StringMap,
    }
}

tf_model! {
    /// A `personality` block: a file injected at boot.
    pub struct PersonalityModel {
        pub file: Attr<String>,
        pub content: Attr<String>,
    }
}

tf_model! {
    /// The `vendor_options` block: how the provider works with clouds that
    /// act on their own; never sent to the cloud.
    pub struct VendorOptionsModel {
        pub ignore_resize_confirmation: Attr<bool>,
        pub detach_ports_before_destroy: Attr<bool>,
    }
}

tf_model! {
    /// An item of `addresses`.
    pub struct AddressModel {
        pub network: Attr<String>,
        pub addr: Attr<String>,
        pub version: Attr<i64>,
        pub r#type: Attr<String>,
        pub mac: Attr<String>,
    }
}

tf_model! {
    /// `flavor`: the flavor the server runs with (`ram` and `swap` in MiB,
    /// `disk` and `ephemeral` in GiB).
    pub struct FlavorModel {
        pub name: Attr<String>,
        pub vcpus: Attr<i64>,
        pub ram: Attr<i64>,
        pub disk: Attr<i64>,
        pub ephemeral: Attr<i64>,
        pub swap: Attr<i64>,
    }
}

tf_model! {
    /// `fault`: Nova's fault of a server in ERROR.
    pub struct FaultModel {
        pub code: Attr<i64>,
        pub message: Attr<String>,
    }
}

tf_model! {
    /// `nova_server` configuration, plan and state; the `nova_server` data
    /// source reads into it too (its view has the attributes only).
    ///
    /// Collections keep each element's null or unknown (`Strings`,
    /// `StringMap`), so a plan written back from the model is exactly the
    /// plan read.
    pub struct ServerModel {
        pub id: Attr<String>,
        pub name: Attr<String>,
        pub image_id: Attr<String>,
        pub image_name: Attr<String>,
        pub flavor_id: Attr<String>,
        pub flavor_name: Attr<String>,
        pub key_name: Attr<String>,
        pub on_key_name_change: Attr<String>,
        pub availability_zone: Attr<String>,
        pub user_data: Attr<String>,
        pub user_data_hash: Attr<String>,
        pub on_user_data_change: Attr<String>,
        pub metadata: StringMap,
        pub tags: Strings,
        pub description: Attr<String>,
        pub config_drive: Attr<bool>,
        pub disk_config: Attr<String>,
        pub admin_pass: Attr<String>,
        pub admin_pass_wo: Attr<String>,
        pub admin_pass_wo_version: Attr<f64>,
        pub security_groups: Strings,
        pub access_ip_v4: Attr<String>,
        pub access_ip_v6: Attr<String>,
        pub hostname: Attr<String>,
        pub host: Attr<String>,
        pub hypervisor_hostname: Attr<String>,
        pub trusted_image_certificates: Strings,
        pub network_mode: Attr<String>,
        pub power_state: Attr<String>,
        pub locked: Attr<bool>,
        pub locked_reason: Attr<String>,
        pub stop_before_destroy: Attr<bool>,
        pub force_delete: Attr<bool>,
        pub status: Attr<String>,
        pub addresses: Attr<Vec<AddressModel>>,
        pub created: Attr<String>,
        pub updated: Attr<String>,
        pub host_id: Attr<String>,
        pub all_metadata: Attr<BTreeMap<String, String>>,
        pub all_tags: Attr<Vec<String>>,
        pub volumes_attached: Attr<Vec<String>>,
        pub flavor: Attr<FlavorModel>,
        pub fault: Attr<FaultModel>,
        pub network: Attr<Vec<NetworkModel>>,
        pub block_device: Attr<Vec<BlockDeviceModel>>,
        pub scheduler_hints: Attr<SchedulerHintsModel>,
        pub personality: Attr<Vec<PersonalityModel>>,
        pub vendor_options: Attr<VendorOptionsModel>,
        pub timeouts: Value,
    }
}

impl ServerModel {
    /// The power state asked for (`active` when not given).
    pub fn power(&self) -> &str {
        self.power_state.as_deref().unwrap_or("active")
    }

    /// The network blocks (none while unknown).
    pub fn networks(&self) -> &[NetworkModel] {
        self.network.if_known().map_or(&[], Vec::as_slice)
    }

    /// The block devices (none while unknown).
    pub fn block_devices(&self) -> &[BlockDeviceModel] {
        self.block_device.if_known().map_or(&[], Vec::as_slice)
    }

    /// `vendor_options.ignore_resize_confirmation`: the cloud confirms
    /// resizes itself (false unless known to be true).
    pub fn ignores_resize_confirmation(&self) -> bool {
        self.vendor_options
            .if_known()
            .is_some_and(|v| v.ignore_resize_confirmation.if_known() == Some(&true))
    }

    /// `vendor_options.detach_ports_before_destroy` (false unless known to
    /// be true).
    pub fn detaches_ports_before_destroy(&self) -> bool {
        self.vendor_options
            .if_known()
            .is_some_and(|v| v.detach_ports_before_destroy.if_known() == Some(&true))
    }

    /// The administrator password to send: the write-only one from the
    /// configuration (`config`), else the stored one.
    pub fn admin_password<'a>(&'a self, config: &'a ServerModel) -> Option<&'a str> {
        config
            .admin_pass_wo
            .as_deref()
            .or_else(|| self.admin_pass.as_deref())
    }
}

/// The hash of the user data as written (before any encoding).
pub fn user_data_hash(s: &str) -> String {
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

/// Whether `s` is already base64 in the sense terraform-provider-openstack
/// gives it (through gophercloud): it decodes as standard, padded base64,
/// line breaks (`\r`, `\n`) ignored, bits after the last whole byte not
/// checked. Plain text that happens to be such ("abcd") counts as base64.
pub fn is_base64(s: &str) -> bool {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    let joined: String = s.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    LENIENT.decode(joined).is_ok()
}

/// `user_data` as the `POST /servers` body carries it: as written when it
/// is already base64 (`filebase64()`, `base64gzip()`, `cloudinit_config`),
/// else base64-encoded.
pub fn user_data_for_api(s: &str) -> String {
    if is_base64(s) {
        s.to_string()
    } else {
        base64::engine::general_purpose::STANDARD.encode(s)
    }
}

/// How a change of `user_data` or `key_name` is applied, by the choice in
/// `on_user_data_change` / `on_key_name_change`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeBy {
    /// The attribute does not change.
    Nothing,
    /// The server is replaced (the choice is `replace` or not set).
    Replace,
    /// The server is rebuilt in place (`rebuild`).
    Rebuild,
    /// The attribute changes, but the choice is not known yet.
    Undecided,
}

/// How a change is applied: `changes` says whether the attribute changes
/// (an unknown planned value counts: it may), `choice` is the opt-in.
pub fn change_by(changes: bool, choice: &Attr<String>) -> ChangeBy {
    match (changes, choice) {
        (false, _) => ChangeBy::Nothing,
        (true, Attr::Unknown) => ChangeBy::Undecided,
        (true, Attr::Known(c)) if c == "rebuild" => ChangeBy::Rebuild,
        (true, _) => ChangeBy::Replace,
    }
}

/// Whether the user data changes from `prior` to `planned` (through its
/// hash; unknown is a change). A prior without a hash (an import: user
/// data is never read back) records the configured one in place.
pub fn user_data_changes(prior: &ServerModel, planned: &ServerModel) -> bool {
    !prior.user_data_hash.is_null() && prior.user_data_hash != planned.user_data_hash
}

/// Whether `key_name` changes from `prior` to `planned` (unknown is a
/// change).
pub fn key_name_changes(prior: &ServerModel, planned: &ServerModel) -> bool {
    prior.key_name != planned.key_name
}

/// What of `user_data` and `key_name` an update from `old` to `new`
/// rebuilds in place: `(user_data, key_name)`.
pub fn rebuilt_fields(old: &ServerModel, new: &ServerModel) -> (bool, bool) {
    (
        change_by(user_data_changes(old, new), &new.on_user_data_change) == ChangeBy::Rebuild,
        change_by(key_name_changes(old, new), &new.on_key_name_change) == ChangeBy::Rebuild,
    )
}

/// The rebuild action an update from `old` to `new` sends, if any: for a
/// new image, and for `user_data` (microversion 2.57) or `key_name` (2.54)
/// rebuilt in place, each sent only when it changes (null removes it).
/// The image is the planned one (the same unless it changes). `config`
/// gives the write-only arguments (`user_data`, `admin_pass_wo`).
pub fn rebuild_request(old: &ServerModel, new: &ServerModel, config: &ServerModel) -> Option<J> {
    let image = new.image_id.if_known()?;
    let new_image = !old.image_id.is_null() && old.image_id != new.image_id;
    let (user_data, key_name) = rebuilt_fields(old, new);
    if !(new_image || user_data || key_name) {
        return None;
    }
    let mut rb = json!({ "imageRef": image });
    if user_data {
        rb["user_data"] = config.user_data.as_deref().map(user_data_for_api).into();
    }
    if key_name {
        rb["key_name"] = new.key_name.as_deref().into();
    }
    if let Some(pw) = new.admin_password(config) {
        rb["adminPass"] = pw.into();
    }
    Some(json!({ "rebuild": rb }))
}

/// How `imageRef` is sent for a server that boots from a volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootVolumeImageRef {
    Omit,
    Empty,
    Image,
}

impl BootVolumeImageRef {
    pub fn parse(s: &str) -> BootVolumeImageRef {
        match s {
            "empty" => BootVolumeImageRef::Empty,
            "image" => BootVolumeImageRef::Image,
            _ => BootVolumeImageRef::Omit,
        }
    }
}

pub struct CreateOptions<'a> {
    pub microversion: Microversion,
    pub flavor_ref: &'a str,
    pub boot_volume_image_ref: BootVolumeImageRef,
    pub create_token: Option<&'a str>,
}

/// Inserts `key` when the value is known. At apply, an unknown planned
/// value is a computed one the configuration left out: the cloud chooses.
fn put_str(m: &mut Map<String, J>, key: &str, v: &Attr<String>) {
    if let Some(s) = v.if_known() {
        m.insert(key.to_string(), J::String(s.clone()));
    }
}

/// A list of strings, or nothing when it is empty.
fn put_list(m: &mut Map<String, J>, key: &str, items: Vec<String>) {
    if !items.is_empty() {
        m.insert(key.to_string(), items.into());
    }
}

/// One `block_device_mapping_v2` item.
pub fn block_device_mapping(b: &BlockDeviceModel) -> J {
    let mut m = Map::new();
    put_str(&mut m, "source_type", &b.source_type);
    put_str(&mut m, "destination_type", &b.destination_type);
    put_str(&mut m, "uuid", &b.uuid);
    if let Some(n) = b.volume_size.if_known() {
        m.insert("volume_size".into(), (*n).into());
    }
    if let Some(n) = b.boot_index.if_known() {
        m.insert("boot_index".into(), (*n).into());
    }
    if let Some(d) = b.delete_on_termination.if_known() {
        m.insert("delete_on_termination".into(), (*d).into());
    }
    put_str(&mut m, "device_type", &b.device_type);
    put_str(&mut m, "disk_bus", &b.disk_bus);
    put_str(&mut m, "guest_format", &b.guest_format);
    put_str(&mut m, "volume_type", &b.volume_type);
    put_str(&mut m, "tag", &b.tag);
    J::Object(m)
}

/// One `networks` item: by network or port, with a fixed IP (IPv4 first).
pub fn network_request(n: &NetworkModel) -> J {
    let mut m = Map::new();
    put_str(&mut m, "uuid", &n.uuid);
    put_str(&mut m, "port", &n.port);
    if let Some(ip) = n.fixed_ip_v4.as_deref().or(n.fixed_ip_v6.as_deref()) {
        m.insert("fixed_ip".into(), ip.into());
    }
    put_str(&mut m, "tag", &n.tag);
    put_str(&mut m, "subnet_id", &n.subnet_id);
    J::Object(m)
}

/// The image of the first block device (`boot_index` 0) when it copies an
/// image to the local disk (`source_type` "image", `destination_type`
/// "local"): known, unknown (`Attr::Unknown`), or `None` when the server
/// does not boot that way or the device gives no uuid.
pub fn boot_device_image(bds: &[BlockDeviceModel]) -> Option<&Attr<String>> {
    bds.iter()
        .find(|b| {
            b.boot_index.if_known() == Some(&0)
                && b.source_type.as_deref() == Some("image")
                && b.destination_type.as_deref() == Some("local")
        })
        .map(|b| &b.uuid)
        .filter(|u| !u.is_null())
}

/// `imageRef` of a server without `image_id` (booted from a volume), as
/// the cloud wants it.
fn boot_volume_image_ref(p: &ServerModel, how: BootVolumeImageRef) -> Option<String> {
    match how {
        BootVolumeImageRef::Omit => None,
        BootVolumeImageRef::Empty => Some(String::new()),
        BootVolumeImageRef::Image => p
            .block_devices()
            .iter()
            .find(|b| {
                b.boot_index.if_known() == Some(&0) && b.source_type.as_deref() == Some("image")
            })
            .and_then(|b| b.uuid.if_known().cloned()),
    }
}

/// `networks`: the mode, the blocks, or from 2.37 (where it is required)
/// `auto`.
fn networks(p: &ServerModel, microversion: Microversion) -> Option<J> {
    if let Some(mode) = p.network_mode.if_known() {
        Some(mode.as_str().into())
    } else if !p.networks().is_empty() {
        Some(p.networks().iter().map(network_request).collect())
    } else if microversion >= mv::NETWORK_MODE {
        Some("auto".into())
    } else {
        None
    }
}

/// `metadata`: the planned keys, and the create token that finds the
/// server again if the answer to the request is lost.
fn put_metadata(s: &mut Map<String, J>, p: &ServerModel, token: Option<&str>) {
    let md = p.metadata.known_so_far().into_iter();
    let mut md: Map<String, J> = md.map(|(k, v)| (k, J::String(v))).collect();
    if let Some(t) = token {
        md.insert(CREATE_TOKEN_KEY.into(), t.into());
    }
    if !md.is_empty() {
        s.insert("metadata".into(), J::Object(md));
    }
}

/// The `POST /servers` body. `p` is the plan, `config` the configuration,
/// which alone holds the write-only arguments (user data, write-only
/// administrator password).
pub fn create_body(p: &ServerModel, config: &ServerModel, o: &CreateOptions) -> J {
    let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
    let mut s = Map::new();
    put_str(&mut s, "name", &p.name);
    s.insert("flavorRef".into(), o.flavor_ref.into());
    let image = match p.image_id.if_known() {
        Some(img) => Some(img.clone()),
        // Nova takes an image copied to the local disk only with the same
        // image as imageRef
        None => match boot_device_image(p.block_devices()).and_then(|u| u.if_known()) {
            Some(img) => Some(img.clone()),
            None => boot_volume_image_ref(p, o.boot_volume_image_ref),
        },
    };
    if let Some(img) = image {
        s.insert("imageRef".into(), img.into());
    }
    put_str(&mut s, "key_name", &p.key_name);
    put_str(&mut s, "availability_zone", &p.availability_zone);
    if let Some(ud) = config.user_data.if_known() {
        s.insert("user_data".into(), user_data_for_api(ud).into());
    }
    put_metadata(&mut s, p, o.create_token);
    put_list(&mut s, "tags", p.tags.known_so_far());
    put_str(&mut s, "description", &p.description);
    if let Some(cd) = p.config_drive.if_known() {
        s.insert("config_drive".into(), (*cd).into());
    }
    put_str(&mut s, "OS-DCF:diskConfig", &p.disk_config);
    if let Some(pw) = p.admin_password(config) {
        s.insert("adminPass".into(), pw.into());
    }
    let sgs = p.security_groups.known_so_far().into_iter();
    let sgs: Vec<J> = sgs.map(|n| json!({ "name": n })).collect();
    if !sgs.is_empty() {
        s.insert("security_groups".into(), J::Array(sgs));
    }
    put_str(&mut s, "accessIPv4", &p.access_ip_v4);
    put_str(&mut s, "accessIPv6", &p.access_ip_v6);
    put_str(&mut s, "hostname", &p.hostname);
    put_str(&mut s, "host", &p.host);
    put_str(&mut s, "hypervisor_hostname", &p.hypervisor_hostname);
    put_list(
        &mut s,
        "trusted_image_certificates",
        p.trusted_image_certificates.known_so_far(),
    );
    let files: Vec<J> = p
        .personality
        .if_known()
        .into_iter()
        .flatten()
        .map(|f| json!({"path": f.file.as_deref(), "contents": b64(f.content.as_deref().unwrap_or_default())}))
        .collect();
    if !files.is_empty() {
        s.insert("personality".into(), J::Array(files));
    }
    if let Some(n) = networks(p, o.microversion) {
        s.insert("networks".into(), n);
    }
    if !p.block_devices().is_empty() {
        let bdm = p.block_devices().iter().map(block_device_mapping).collect();
        s.insert("block_device_mapping_v2".into(), J::Array(bdm));
    }
    let mut body = json!({"server": J::Object(s)});
    let hints = p
        .scheduler_hints
        .if_known()
        .map(scheduler_hints)
        .unwrap_or_default();
    if !hints.is_empty() {
        body["os:scheduler_hints"] = J::Object(hints);
    }
    body
}

/// `os:scheduler_hints`: the named hints, then the vendor ones.
pub fn scheduler_hints(h: &SchedulerHintsModel) -> Map<String, J> {
    let mut m = Map::new();
    put_str(&mut m, "group", &h.group);
    put_str(&mut m, "query", &h.query);
    put_str(&mut m, "target_cell", &h.target_cell);
    put_str(&mut m, "build_near_host_ip", &h.build_near_host_ip);
    put_str(&mut m, "cidr", &h.cidr);
    put_list(&mut m, "different_host", h.different_host.known_so_far());
    put_list(&mut m, "same_host", h.same_host.known_so_far());
    put_list(&mut m, "different_cell", h.different_cell.known_so_far());
    for (k, v) in h.additional.known_so_far() {
        m.insert(k, J::String(v));
    }
    m
}

/// A microversion an argument needs: its attribute, the version, and
/// whether the provider must speak at least (`true`) or at most that one.
pub type Requirement = (&'static str, Microversion, bool);

/// The microversions the configuration `c` needs for the arguments it
/// sets that differ from `prior` (all of them at create).
pub fn version_requirements(c: &ServerModel, prior: Option<&ServerModel>) -> Vec<Requirement> {
    let mut out = Vec::new();
    macro_rules! need {
        ($field:ident, $set:expr, $v:expr, $at_least:expr) => {
            if $set && prior.is_none_or(|p| p.$field != c.$field) {
                out.push((stringify!($field), $v, $at_least));
            }
        };
    }
    need!(
        description,
        !c.description.is_null(),
        mv::SERVER_DESCRIPTION,
        true
    );
    let tags = c.tags.if_known().is_some_and(|t| !t.is_empty());
    need!(tags, tags, mv::SERVER_TAGS, true);
    need!(
        network_mode,
        !c.network_mode.is_null(),
        mv::NETWORK_MODE,
        true
    );
    need!(hostname, !c.hostname.is_null(), mv::SERVER_HOSTNAME, true);
    need!(host, !c.host.is_null(), mv::HOST_AT_CREATE, true);
    need!(
        hypervisor_hostname,
        !c.hypervisor_hostname.is_null(),
        mv::HOST_AT_CREATE,
        true
    );
    need!(
        trusted_image_certificates,
        !c.trusted_image_certificates.is_null(),
        mv::TRUSTED_CERTS,
        true
    );
    let typed = c.block_devices().iter().any(|b| !b.volume_type.is_null());
    need!(block_device, typed, mv::BDM_VOLUME_TYPE, true);
    // Nova refuses a multiattach volume below 2.60; the mapping itself
    // carries no such field
    let shared = c
        .block_devices()
        .iter()
        .any(|b| b.multiattach.if_known() == Some(&true));
    if shared && prior.is_none_or(|p| p.block_device != c.block_device) {
        out.push(("block_device.multiattach", mv::MULTIATTACH, true));
    }
    let files = c.personality.if_known().is_some_and(|p| !p.is_empty());
    need!(personality, files, mv::PERSONALITY_MAX, false);
    out
}

/// The microversions `locked` (2.9) and `locked_reason` (2.73) need when
/// set and changed from `prior`. They are kept apart from
/// [`version_requirements`]: the lock is its own request after the create,
/// so they take no part in choosing the create request's microversion.
pub fn lock_requirements(c: &ServerModel, prior: Option<&ServerModel>) -> Vec<Requirement> {
    let mut out = Vec::new();
    let changed = |p: &ServerModel| p.locked != c.locked || p.locked_reason != c.locked_reason;
    if !c.locked.is_null() && prior.is_none_or(|p| p.locked != c.locked) {
        out.push(("locked", mv::SERVER_LOCKED, true));
    }
    if !c.locked_reason.is_null() && prior.is_none_or(changed) {
        out.push(("locked_reason", mv::SERVER_LOCKED_REASON, true));
    }
    out
}

/// What an update does about the lock: unlock before the other changes,
/// and lock (with the reason given) after them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockSteps {
    pub unlock_first: bool,
    pub lock_last: Option<Option<String>>,
}

/// The lock steps of an update from `old` (the state, as the cloud showed
/// it) to `new` (the plan); `others`: the update changes other things,
/// which a locked server refuses. A `locked` the configuration does not
/// set (null) or that is not known is left alone. A server to stay locked
/// is unlocked for the other changes, or for a new reason, and locked
/// again with the planned reason.
pub fn lock_steps(old: &ServerModel, new: &ServerModel, others: bool) -> LockSteps {
    let was = old.locked.if_known() == Some(&true);
    match new.locked.if_known() {
        None => LockSteps::default(),
        Some(false) => LockSteps {
            unlock_first: was,
            lock_last: None,
        },
        Some(true) => {
            let reason = new.locked_reason.if_known().cloned();
            let relock = was && (others || old.locked_reason != new.locked_reason);
            LockSteps {
                unlock_first: relock,
                lock_last: (!was || relock).then_some(reason),
            }
        }
    }
}

/// The planned `locked_reason` when the configuration does not set one:
/// none once the server is unlocked, or locked anew (without a reason);
/// unknown while `locked` is; else what the framework planned (the state's
/// value, or the cloud's to tell at create).
pub fn plan_locked_reason(
    config: &ServerModel,
    prior: Option<&ServerModel>,
    planned: &mut ServerModel,
) {
    if !config.locked_reason.is_null() {
        return;
    }
    let was = prior.is_some_and(|p| p.locked.if_known() == Some(&true));
    match config.locked {
        Attr::Unknown => planned.locked_reason = Attr::Unknown,
        Attr::Known(false) => planned.locked_reason = Attr::Null,
        Attr::Known(true) if !was => planned.locked_reason = Attr::Null,
        _ => {}
    }
}

/// The microversion a create request goes out at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateVersion {
    /// The negotiated one: it accepts every argument set.
    Negotiated,
    /// `version`, older than the negotiated one: the highest that accepts
    /// argument `because` (and every other argument set).
    Lowered {
        version: Microversion,
        because: &'static str,
    },
}

/// Why no microversion can carry a create request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionConflict {
    /// `attr` is accepted up to `at_most`, and the user pinned `pinned`,
    /// above it.
    Pinned {
        attr: &'static str,
        at_most: Microversion,
        pinned: Microversion,
    },
    /// `old_attr` is accepted up to `at_most`; `new_attr` needs
    /// `at_least`, above it.
    Both {
        old_attr: &'static str,
        at_most: Microversion,
        new_attr: &'static str,
        at_least: Microversion,
    },
}

/// The microversion to send a create request at, for the requirements of
/// the arguments set (`reqs`, from [`version_requirements`]): the
/// negotiated one when it accepts every argument; else, unless the user
/// pinned it, the highest that accepts the arguments kept up to an older
/// one (`personality`: 2.56), when it also has every argument that needs
/// a newer one. (Whether the cloud speaks those newer ones at all is
/// checked on its own.)
pub fn create_version(
    reqs: &[Requirement],
    negotiated: Microversion,
    pinned: bool,
) -> Result<CreateVersion, VersionConflict> {
    let Some(&(because, highest, _)) = reqs
        .iter()
        .filter(|(_, _, at_least)| !at_least)
        .min_by_key(|(_, v, _)| *v)
    else {
        return Ok(CreateVersion::Negotiated);
    };
    if negotiated <= highest {
        return Ok(CreateVersion::Negotiated);
    }
    if pinned {
        return Err(VersionConflict::Pinned {
            attr: because,
            at_most: highest,
            pinned: negotiated,
        });
    }
    if let Some(&(new_attr, at_least, _)) = reqs
        .iter()
        .filter(|(_, v, at_least)| *at_least && *v > highest)
        .max_by_key(|(_, v, _)| *v)
    {
        return Err(VersionConflict::Both {
            old_attr: because,
            at_most: highest,
            new_attr,
            at_least,
        });
    }
    Ok(CreateVersion::Lowered {
        version: highest,
        because,
    })
}

/// One volume of a server as seen at import: its attachment
/// (`os-volume_attachments`), whether the server deletes it, and the block
/// storage record when the volume API could be read.
pub struct SeenVolume<'a> {
    pub attachment: &'a VolumeAttachment,
    pub delete_on_termination: Option<bool>,
    pub volume: Option<&'a documents::Volume>,
}

/// How a volume was made, read from what Nova leaves on it: a volume it
/// made from an image carries the image's metadata, from a snapshot the
/// snapshot ID, a blank one the name `<server>-blank-vol`. Any other volume
/// is a pre-existing one: a `volume` source when it is the root one, and
/// `None` (left to `nova_volume_attachment`) otherwise.
fn volume_source(
    server_id: &str,
    v: &SeenVolume,
    is_root: bool,
) -> Option<(&'static str, Option<String>)> {
    let vol = v.volume.cloned().unwrap_or_default();
    let name = vol.name.unwrap_or_default();
    let made_by_nova = name.is_empty();
    if name == format!("{server_id}-blank-vol") {
        Some(("blank", None))
    } else if let Some(img) = vol
        .volume_image_metadata
        .get("image_id")
        .filter(|_| made_by_nova)
    {
        Some(("image", Some(img.clone())))
    } else if let Some(snap) = vol.snapshot_id.filter(|_| made_by_nova) {
        Some(("snapshot", Some(snap)))
    } else if is_root {
        Some(("volume", v.attachment.volume_id.clone()))
    } else {
        None
    }
}

/// Rebuilds `block_device` entries from a server's volumes (import), the
/// root one first (see [`volume_source`]). Local disks (swap, ephemeral)
/// are not visible through the compute API.
///
/// A volume of the cloud's default type (`default_type`) is taken to have
/// been created without `volume_type`.
pub fn recovered_block_devices(
    server_id: &str,
    root_device: Option<&str>,
    default_type: Option<&str>,
    seen: &[SeenVolume],
) -> Vec<BlockDeviceModel> {
    let device = |v: &SeenVolume| v.attachment.device.clone().unwrap_or_default();
    let mut ordered: Vec<&SeenVolume> = seen.iter().collect();
    ordered.sort_by_key(|v| (Some(device(v).as_str()) != root_device, device(v)));
    let mut out = Vec::new();
    for v in ordered {
        let is_root = Some(device(v).as_str()) == root_device;
        let Some((source, uuid)) = volume_source(server_id, v, is_root) else {
            continue;
        };
        let vol = v.volume.cloned().unwrap_or_default();
        let created = source != "volume";
        out.push(BlockDeviceModel {
            source_type: Attr::Known(source.into()),
            destination_type: Attr::Known("volume".into()),
            uuid: Attr::from_option(uuid),
            volume_size: Attr::from_option(vol.size.filter(|_| created)),
            volume_type: Attr::from_option(
                vol.volume_type
                    .filter(|t| created && Some(t.as_str()) != default_type),
            ),
            boot_index: if is_root { Attr::Known(0) } else { Attr::Null },
            delete_on_termination: Attr::from_option(v.delete_on_termination),
            tag: Attr::from_option(v.attachment.tag.clone()),
            // as a configuration writes it: true, or left out
            multiattach: match vol.other.get("multiattach") {
                Some(J::Bool(true)) => Attr::Known(true),
                _ => Attr::Null,
            },
            ..Default::default()
        });
    }
    out
}

/// The server's security groups as the configuration wrote them: the cloud
/// reports names; an entry written as an ID stays while the group of that
/// ID (`names_by_id`, from the network API) is on the server. Groups gone
/// leave, groups added by others join by name: drift shows.
pub fn security_groups_as_written(
    written: &[String],
    reported: &BTreeSet<String>,
    names_by_id: &std::collections::HashMap<String, String>,
) -> BTreeSet<String> {
    let mut left = reported.clone();
    let mut out = BTreeSet::new();
    for w in written {
        let name = names_by_id.get(w).unwrap_or(w);
        if left.remove(name) {
            out.insert(w.clone());
        }
    }
    out.extend(left);
    out
}

/// `status` to the `power_state` argument's vocabulary. `written`: the
/// power state the configuration (or the prior state) asks for. A server
/// the cloud offloaded by itself (`shelved_offload_time`) is still
/// `shelved` when `shelved` is asked for: both are shelved. A server that
/// is shelved but not offloaded reads as `shelved`, so `shelved_offloaded`
/// asked for shows the change.
pub fn power_state_of(status: &str, written: Option<&str>) -> Option<&'static str> {
    Some(match status {
        "ACTIVE" => "active",
        "SHUTOFF" => "shutoff",
        "PAUSED" => "paused",
        "SUSPENDED" => "suspended",
        "SHELVED" => "shelved",
        "SHELVED_OFFLOADED" if written == Some("shelved") => "shelved",
        "SHELVED_OFFLOADED" => "shelved_offloaded",
        _ => return None,
    })
}

/// The keys or tags Terraform manages: those of the prior state (`prior`),
/// or all of them when nothing is known yet (import).
fn managed(all: &[String], prior: Option<BTreeSet<String>>) -> Vec<&String> {
    match prior {
        None => all.iter().collect(),
        Some(keep) => all.iter().filter(|k| keep.contains(*k)).collect(),
    }
}

/// Copies a server document (`GET /servers/{id}`) into `m`. `prior` (the
/// prior state; `None` at import) decides which metadata keys and tags
/// are Terraform's; with nothing known yet every argument is read back.
pub fn flatten(s: &documents::Server, prior: Option<&ServerModel>, m: &mut ServerModel) {
    let importing = prior.is_none_or(|p| p.name.is_null());
    let status = s.status();
    m.id = Attr::from_option(s.id.clone());
    m.name = Attr::from_option(s.name.clone());
    if let Some(p) = power_state_of(&status, m.power_state.as_deref()) {
        m.power_state = Attr::Known(p.into());
    }
    m.status = Attr::Known(status);
    // image: {"id": ...} for image-backed servers, "" for volume-backed ones
    match &s.image {
        Some(img) => m.image_id = Attr::Known(img.clone()),
        None if m.image_id.is_unknown() => m.image_id = Attr::Null,
        None => {}
    }
    flatten_flavor(&s.flavor, s.flavor_name(), m);
    let keyed = prior.is_some_and(|p| !p.key_name.is_null());
    if importing || keyed || m.key_name.is_unknown() {
        m.key_name = Attr::from_option(s.key_name.clone());
    }
    // a shelved-offloaded server is on no host and reports no zone: the
    // zone it was placed in stays; `zone:host` as written stays while the
    // server is in that zone
    match &s.availability_zone {
        Some(z) => m.availability_zone = m.availability_zone.as_written(Some(z.clone()), same_zone),
        None if m.availability_zone.if_known().is_some() => {}
        None => m.availability_zone = Attr::Null,
    }
    flatten_metadata_and_tags(s, prior, importing, m);
    // "" and null (and surrounding spaces) are the same description
    if let Some(d) = &s.description {
        m.description = m.description.as_written(d.clone(), same_text);
    }
    if let Some(dc) = &s.disk_config {
        m.disk_config = Attr::Known(dc.clone());
    }
    match &s.hostname {
        Some(h) => m.hostname = Attr::Known(h.clone()),
        None if m.hostname.is_unknown() => m.hostname = Attr::Null,
        None => {}
    }
    m.created = Attr::from_option(s.created.clone());
    m.updated = Attr::from_option(s.updated.clone());
    m.host_id = Attr::from_option(s.host_id.clone());
    m.volumes_attached = Attr::Known(
        s.volumes_attached
            .iter()
            .filter_map(|v| v.id.clone())
            .collect(),
    );
    match &s.security_groups {
        Some(groups) => {
            let names: BTreeSet<String> = groups.iter().filter_map(|g| g.name.clone()).collect();
            m.security_groups = Attr::from_known(names);
        }
        None if m.security_groups.is_unknown() => m.security_groups = Attr::Known(vec![]),
        None => {}
    }
    m.addresses = Attr::Known(addresses(s));
    flatten_lock(s, m);
    m.fault = Attr::from_option(s.fault.as_ref().map(|f| FaultModel {
        code: Attr::from_option(f.code),
        message: Attr::from_option(f.message.clone()),
    }));
    // Nova's own, else derived from the blocks as they are so far (the
    // resource derives them again once its interfaces are read)
    super::lookups::fill_access_addresses(s, m);
}

/// `locked` (2.9) and `locked_reason` (2.73) as the server shows them; a
/// cloud that does not show one leaves the value known before as it was
/// (an unknown one becomes null).
fn flatten_lock(s: &documents::Server, m: &mut ServerModel) {
    match s.locked {
        Some(l) => m.locked = Attr::Known(l),
        None if m.locked.is_unknown() => m.locked = Attr::Null,
        None => {}
    }
    match &s.locked_reason {
        Some(r) => m.locked_reason = Attr::from_option(r.clone()),
        None if m.locked_reason.is_unknown() => m.locked_reason = Attr::Null,
        None => {}
    }
}

/// `flavor_id`, `flavor_name` (when the document has them) and `flavor`.
fn flatten_flavor(f: &documents::FlavorRef, name: Option<&str>, m: &mut ServerModel) {
    if let Some(n) = &f.original_name {
        m.flavor_name = Attr::Known(n.clone());
    }
    if let Some(id) = &f.id {
        m.flavor_id = Attr::Known(id.clone());
    }
    m.flavor = Attr::Known(FlavorModel {
        name: Attr::from_option(name.map(str::to_string)),
        vcpus: Attr::from_option(f.vcpus),
        ram: Attr::from_option(f.ram),
        disk: Attr::from_option(f.disk),
        ephemeral: Attr::from_option(f.ephemeral),
        swap: Attr::from_option(f.swap),
    });
}

/// `metadata` and `tags`: Terraform's own keys and tags (see [`managed`]):
/// none for an import (`importing` with a prior state), all of them for a
/// read with no prior state at all (the data source); `all_metadata` and
/// `all_tags`: everything but the create token.
fn flatten_metadata_and_tags(
    s: &documents::Server,
    prior: Option<&ServerModel>,
    importing: bool,
    m: &mut ServerModel,
) {
    let mut all_md = s.metadata.clone();
    all_md.remove(CREATE_TOKEN_KEY);
    let mut all_tags = s.tags.clone().unwrap_or_default();
    all_tags.sort();
    if importing && prior.is_some() {
        // an imported server owns no keys and tags until an apply sets
        // them: what others set stays theirs
        m.metadata = Attr::Null;
        m.tags = Attr::Null;
        m.all_metadata = Attr::Known(all_md);
        m.all_tags = Attr::Known(all_tags);
        return;
    }
    let keys: Vec<String> = all_md.keys().cloned().collect();
    let prior_md = prior.map_or(&Attr::Null, |p| &p.metadata);
    if importing || !prior_md.is_null() {
        let known = prior_md.if_known().map(|p| p.keys().cloned().collect());
        let mine = managed(&keys, known);
        m.metadata = if importing && mine.is_empty() {
            Attr::Null
        } else {
            Attr::from_known_entries(mine.into_iter().map(|k| (k.clone(), all_md[k].clone())))
        };
    }
    m.all_metadata = Attr::Known(all_md);
    let prior_tags = prior.map_or(&Attr::Null, |p| &p.tags);
    if (importing || !prior_tags.is_null()) && s.tags.is_some() {
        let known = prior_tags
            .if_known()
            .map(|_| prior_tags.known_so_far().into_iter().collect());
        let mine = managed(&all_tags, known);
        m.tags = if importing && mine.is_empty() {
            Attr::Null
        } else {
            Attr::from_known(mine.into_iter().cloned())
        };
    }
    m.all_tags = Attr::Known(all_tags);
}

/// `addresses`, network by network (in name order), each in the cloud's
/// order.
fn addresses(s: &documents::Server) -> Vec<AddressModel> {
    let mut out = Vec::new();
    for (net, list) in &s.addresses {
        for a in list {
            out.push(AddressModel {
                network: Attr::Known(net.clone()),
                addr: Attr::from_option(a.addr.clone()),
                version: Attr::from_option(a.version),
                r#type: Attr::from_option(a.ip_type.clone()),
                mac: Attr::from_option(a.mac_addr.clone()),
            });
        }
    }
    out
}

/// The first address of an interface that parses as an `A` address.
pub(super) fn first_ip<A: std::str::FromStr>(i: &InterfaceAttachment) -> Option<String> {
    i.addresses().into_iter().find(|ip| ip.parse::<A>().is_ok())
}

/// Two spellings of the same IP address (case, IPv6 zero compression).
pub(super) fn same_ip(written: &str, reported: &str) -> bool {
    !written.is_empty()
        && written.parse::<std::net::IpAddr>().ok() == reported.parse::<std::net::IpAddr>().ok()
}

/// The interface a network block stands for: by port, then MAC, then
/// (for a block without a known port) network; a block with nothing to
/// match on (import) takes the next interface. `used` marks interfaces
/// already taken.
fn match_interface(
    b: &NetworkModel,
    interfaces: &[InterfaceAttachment],
    used: &mut [bool],
) -> Option<usize> {
    let mut pick = |pred: &dyn Fn(&InterfaceAttachment) -> bool| {
        let i = (0..interfaces.len()).find(|i| !used[*i] && pred(&interfaces[*i]))?;
        used[i] = true;
        Some(i)
    };
    let (port, mac, net) = (b.port.as_deref(), b.mac.as_deref(), b.uuid.as_deref());
    if let Some(p) = port {
        if let Some(i) = pick(&|x| x.port_id.as_deref() == Some(p)) {
            return Some(i);
        }
    }
    if let Some(m) = mac {
        if let Some(i) = pick(&|x| {
            x.mac_addr
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(m))
        }) {
            return Some(i);
        }
    }
    // a block whose port is known stands for that interface alone: once
    // it is gone (detached outside Terraform) the block does not take
    // another interface on its network, such as one that
    // `nova_interface_attachment` attached
    if let (Some(n), None) = (net, port) {
        if let Some(i) = pick(&|x| x.net_id.as_deref() == Some(n)) {
            return Some(i);
        }
    }
    if port.is_none() && mac.is_none() && net.is_none() {
        return pick(&|_| true);
    }
    None
}

/// Fills the network blocks from the server's interfaces (see
/// [`match_interface`]). MAC and addresses stay as written when the
/// cloud's spelling means the same. A block whose port is gone (detached
/// outside Terraform) leaves the state: drift. Ports added by others (or
/// by `nova_interface_attachment`) are not blocks.
pub fn flatten_networks(interfaces: &[InterfaceAttachment], m: &mut ServerModel) {
    let blocks = m.networks().to_vec();
    let mut used = vec![false; interfaces.len()];
    let mut out = Vec::with_capacity(blocks.len());
    for b in blocks {
        let mut nb = b.clone();
        match match_interface(&b, interfaces, &mut used) {
            Some(i) => {
                let x = &interfaces[i];
                nb.uuid = Attr::from_option(x.net_id.clone());
                nb.port = Attr::from_option(x.port_id.clone());
                nb.mac = nb.mac.as_written(x.mac_addr.clone(), |w, r| {
                    !w.is_empty() && w.eq_ignore_ascii_case(r)
                });
                nb.fixed_ip_v4 = nb
                    .fixed_ip_v4
                    .as_written(first_ip::<std::net::Ipv4Addr>(x), same_ip);
                nb.fixed_ip_v6 = nb
                    .fixed_ip_v6
                    .as_written(first_ip::<std::net::Ipv6Addr>(x), same_ip);
            }
            None if b.port.if_known().is_some() => continue,
            None => {
                for a in [
                    &mut nb.uuid,
                    &mut nb.port,
                    &mut nb.mac,
                    &mut nb.fixed_ip_v4,
                    &mut nb.fixed_ip_v6,
                ] {
                    if a.is_unknown() {
                        *a = Attr::Null;
                    }
                }
            }
        }
        out.push(nb);
    }
    m.network = Attr::Known(out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::model::Model;
    use crate::resources::server::schema::schema;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    fn k(x: &str) -> Attr<String> {
        Attr::Known(x.to_string())
    }

    fn doc(j: J) -> documents::Server {
        documents::parse("server", &j).unwrap()
    }

    /// The model as the state Terraform would see.
    fn state(m: &ServerModel) -> Value {
        m.to_value(&schema().ty())
    }

    #[test]
    fn the_model_fits_the_schema() {
        ServerModel::check_against(&schema().ty()).unwrap();
    }

    /// A plan read into the model and written back is the plan read, with
    /// unknown and null elements where they were.
    #[test]
    fn a_plan_survives_the_model() {
        let ty = schema().ty();
        let mut v = Value::null_object(&ty);
        v.set("name", s("web"));
        v.set("tags", Value::Set(vec![s("a"), Value::Unknown]));
        v.set(
            "metadata",
            Value::Map([("k".to_string(), Value::Unknown)].into()),
        );
        v.set("security_groups", Value::Unknown);
        v.set("network", Value::Unknown);
        v.set("block_device", Value::List(vec![]));
        let m = ServerModel::from_value(&v).unwrap();
        assert!(
            m.tags.known_elements().is_err(),
            "an unknown tag is not read as none"
        );
        assert!(m.metadata.known_entries().is_err());
        assert!(m.network.is_unknown());
        assert_eq!(m.to_value(&ty), v);
    }

    /// F-000-create-bfv (DIGEST §7.1), as the provider writes it: the seed's
    /// string numbers become integers, imageRef repeats the image (the
    /// "image" setting, which is what that cloud's sample does).
    #[test]
    fn seed_000_boot_from_volume_body() {
        let planned = ServerModel {
            name: k("Ubuntu24"),
            key_name: k("Docs Writter"),
            disk_config: k("AUTO"),
            network: Attr::Known(vec![NetworkModel {
                uuid: k("8ae2b710-ad3d-469e-a75a-c3e203887d2e"),
                ..Default::default()
            }]),
            block_device: Attr::Known(vec![BlockDeviceModel {
                boot_index: Attr::Known(0),
                uuid: k("b4d9c688-1b96-4604-8cf1-d78c5c80a984"),
                source_type: k("image"),
                volume_size: Attr::Known(10),
                destination_type: k("volume"),
                volume_type: k("nvmer3"),
                delete_on_termination: Attr::Known(true),
                ..Default::default()
            }]),
            ..Default::default()
        };
        let none = ServerModel::default();
        let o = CreateOptions {
            microversion: Microversion(2, 67),
            flavor_ref: "468c0c15-08bd-4e1d-8564-5053ce12966b",
            boot_volume_image_ref: BootVolumeImageRef::Image,
            create_token: None,
        };
        insta::assert_json_snapshot!(create_body(&planned, &none, &o), @r#"
        {
          "server": {
            "OS-DCF:diskConfig": "AUTO",
            "block_device_mapping_v2": [
              {
                "boot_index": 0,
                "delete_on_termination": true,
                "destination_type": "volume",
                "source_type": "image",
                "uuid": "b4d9c688-1b96-4604-8cf1-d78c5c80a984",
                "volume_size": 10,
                "volume_type": "nvmer3"
              }
            ],
            "flavorRef": "468c0c15-08bd-4e1d-8564-5053ce12966b",
            "imageRef": "b4d9c688-1b96-4604-8cf1-d78c5c80a984",
            "key_name": "Docs Writter",
            "name": "Ubuntu24",
            "networks": [
              {
                "uuid": "8ae2b710-ad3d-469e-a75a-c3e203887d2e"
              }
            ]
          }
        }
        "#);
        // the other two settings for volume-booted servers
        let omit = CreateOptions {
            boot_volume_image_ref: BootVolumeImageRef::Omit,
            ..o
        };
        assert!(create_body(&planned, &none, &omit)["server"]
            .get("imageRef")
            .is_none());
        let empty = CreateOptions {
            boot_volume_image_ref: BootVolumeImageRef::Empty,
            ..omit
        };
        assert_eq!(
            create_body(&planned, &none, &empty)["server"]["imageRef"],
            ""
        );
    }

    /// A server whose first block device copies an image to the local disk,
    /// with no image_id (terraform-provider-openstack's "Instance with Boot
    /// Disk and Swap Disk"): Nova refuses that mapping without imageRef, so
    /// the device's image is sent as imageRef, whatever the setting for
    /// volume-booted servers. Given image_id wins.
    #[test]
    fn image_to_local_boot_device_is_the_image_ref() {
        let local = |index: i64, uuid: Attr<String>| BlockDeviceModel {
            boot_index: Attr::Known(index),
            uuid,
            source_type: k("image"),
            destination_type: k("local"),
            delete_on_termination: Attr::Known(true),
            ..Default::default()
        };
        let swap = BlockDeviceModel {
            boot_index: Attr::Known(-1),
            source_type: k("blank"),
            destination_type: k("local"),
            guest_format: k("swap"),
            volume_size: Attr::Known(4),
            delete_on_termination: Attr::Known(true),
            ..Default::default()
        };
        let planned = ServerModel {
            name: k("vm_swap"),
            image_id: Attr::Unknown,
            network: Attr::Known(vec![NetworkModel {
                uuid: k("3cb9bc59-5699-4588-a4b1-b87f96708bc6"),
                ..Default::default()
            }]),
            block_device: Attr::Known(vec![
                local(0, k("155d900f-4e14-4e4c-a73d-069cbf4541e6")),
                swap.clone(),
            ]),
            ..Default::default()
        };
        let none = ServerModel::default();
        let o = CreateOptions {
            microversion: Microversion(2, 96),
            flavor_ref: "fe8a6a7a-7e53-4a5e-8e43-4f0e7a0f1e2d",
            boot_volume_image_ref: BootVolumeImageRef::Omit,
            create_token: None,
        };
        insta::assert_json_snapshot!(create_body(&planned, &none, &o), @r#"
        {
          "server": {
            "block_device_mapping_v2": [
              {
                "boot_index": 0,
                "delete_on_termination": true,
                "destination_type": "local",
                "source_type": "image",
                "uuid": "155d900f-4e14-4e4c-a73d-069cbf4541e6"
              },
              {
                "boot_index": -1,
                "delete_on_termination": true,
                "destination_type": "local",
                "guest_format": "swap",
                "source_type": "blank",
                "volume_size": 4
              }
            ],
            "flavorRef": "fe8a6a7a-7e53-4a5e-8e43-4f0e7a0f1e2d",
            "imageRef": "155d900f-4e14-4e4c-a73d-069cbf4541e6",
            "name": "vm_swap",
            "networks": [
              {
                "uuid": "3cb9bc59-5699-4588-a4b1-b87f96708bc6"
              }
            ]
          }
        }
        "#);
        let image_ref = |p: &ServerModel, how| {
            let o = CreateOptions {
                boot_volume_image_ref: how,
                ..o
            };
            create_body(p, &none, &o)["server"].get("imageRef").cloned()
        };
        // whatever the setting for volume-booted servers
        for how in [
            BootVolumeImageRef::Omit,
            BootVolumeImageRef::Empty,
            BootVolumeImageRef::Image,
        ] {
            assert_eq!(
                image_ref(&planned, how),
                Some(json!("155d900f-4e14-4e4c-a73d-069cbf4541e6"))
            );
        }
        // image_id given: it is sent
        let given = ServerModel {
            image_id: k("a3bf7a3d-f842-4bb7-b005-cbe8e42fc843"),
            ..planned.clone()
        };
        assert_eq!(
            image_ref(&given, BootVolumeImageRef::Omit),
            Some(json!("a3bf7a3d-f842-4bb7-b005-cbe8e42fc843"))
        );
        // a device that is not the first, or not local, is no image to send
        for devices in [
            vec![
                swap.clone(),
                local(1, k("155d900f-4e14-4e4c-a73d-069cbf4541e6")),
            ],
            vec![swap],
        ] {
            let p = ServerModel {
                block_device: Attr::Known(devices),
                ..planned.clone()
            };
            assert_eq!(image_ref(&p, BootVolumeImageRef::Omit), None);
        }
    }

    /// F-001-create-ha-disabled: a legacy v2 cloud (no microversions), vendor metadata.
    #[test]
    fn seed_001_minimal_body() {
        let planned = ServerModel {
            name: k("Testvm1"),
            image_id: k("a3bf7a3d-f842-4bb7-b005-cbe8e42fc843"),
            metadata: Attr::from_known_entries([("HA_Enabled".to_string(), "false".to_string())]),
            ..Default::default()
        };
        let o = CreateOptions {
            microversion: mv::BASE,
            flavor_ref: "1CPU-4GB",
            boot_volume_image_ref: BootVolumeImageRef::Omit,
            create_token: None,
        };
        assert_eq!(
            create_body(&planned, &ServerModel::default(), &o),
            json!({"server": {"flavorRef": "1CPU-4GB", "name": "Testvm1", "imageRef": "a3bf7a3d-f842-4bb7-b005-cbe8e42fc843",
                              "metadata": {"HA_Enabled": "false"}}})
        );
    }

    /// `user_data` in the create body: sent as written when it decodes as
    /// standard padded base64 (line breaks ignored), else encoded; null
    /// and unknown send none.
    #[test]
    fn user_data_already_base64_is_sent_as_written() {
        use base64::engine::general_purpose::STANDARD;
        // base64gzip("#cloud-config\nruncmd: [echo hi]\n"), as
        // cloudinit_config with gzip = true and base64_encode = true gives
        let gzip = "H4sIAAAAAAACA1NOzskvTdFNzs9Ly0znKirNS85NsVKITk3OyFfIyIzlAgDomIXjIAAAAA==";
        assert_eq!(
            STANDARD.decode(gzip).unwrap()[..2],
            [0x1f, 0x8b],
            "gzip magic"
        );
        let o = CreateOptions {
            microversion: Microversion(2, 90),
            flavor_ref: "1",
            boot_volume_image_ref: BootVolumeImageRef::Omit,
            create_token: None,
        };
        let planned = ServerModel {
            name: k("a"),
            ..Default::default()
        };
        let table: [(&str, Attr<String>, Option<&str>); 12] = [
            (
                "plain text",
                k("#cloud-config\n"),
                Some("I2Nsb3VkLWNvbmZpZwo="),
            ),
            (
                "base64 of text (filebase64)",
                k("I2Nsb3VkLWNvbmZpZwo="),
                Some("I2Nsb3VkLWNvbmZpZwo="),
            ),
            ("base64 of gzip bytes", k(gzip), Some(gzip)),
            ("text that is valid base64", k("abcd"), Some("abcd")),
            ("the way to send that text", k("YWJjZA=="), Some("YWJjZA==")),
            ("length not a multiple of 4", k("abc"), Some("YWJj")),
            ("missing padding", k("YWJjZA"), Some("WVdKalpB")),
            ("padding inside", k("ab==cd=="), Some("YWI9PWNkPT0=")),
            (
                "line breaks in base64",
                k("SGVsbG8s\r\nIHdvcmxk\n"),
                Some("SGVsbG8s\r\nIHdvcmxk\n"),
            ),
            ("empty", k(""), Some("")),
            ("null", Attr::Null, None),
            ("unknown", Attr::Unknown, None),
        ];
        for (what, ud, want) in table {
            let config = ServerModel {
                user_data: ud,
                ..Default::default()
            };
            let b = create_body(&planned, &config, &o);
            assert_eq!(
                b["server"].get("user_data").and_then(J::as_str),
                want,
                "{what}"
            );
        }
        // bits past the last byte are not checked, as that provider's
        // decoder does not ("YWJjZB==" and "YWJjZA==" both decode to "abcd")
        assert!(is_base64("YWJjZB==") && is_base64("YWJjZA=="));
        assert!(
            !is_base64("YWJj ZA==") && !is_base64("YWJj-A=="),
            "spaces and URL-safe letters are not base64"
        );
        // the hash is of the text as written, encoded or not
        assert_eq!(
            user_data_hash("abcd"),
            hex::encode(sha2::Sha256::digest(b"abcd"))
        );
        assert_ne!(
            user_data_hash(gzip),
            user_data_hash("#cloud-config\nruncmd: [echo hi]\n")
        );
    }

    #[test]
    fn write_only_values_come_from_config_and_hints_are_a_sibling() {
        let planned = ServerModel {
            name: k("a"),
            image_id: k("155d900f-4e14-4e4c-a73d-069cbf4541e6"),
            network_mode: k("none"),
            scheduler_hints: Attr::Known(SchedulerHintsModel {
                group: k("4f72629e-35e6-40de-a648-7f4ae106a7fa"),
                additional: Attr::from_known_entries([(
                    "tenancy".to_string(),
                    "dedicated".to_string(),
                )]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let config = ServerModel {
            user_data: k("#cloud-config\n"),
            admin_pass_wo: k("pw"),
            ..Default::default()
        };
        let o = CreateOptions {
            microversion: Microversion(2, 90),
            flavor_ref: "1",
            boot_volume_image_ref: BootVolumeImageRef::Omit,
            create_token: Some("tok"),
        };
        let b = create_body(&planned, &config, &o);
        assert_eq!(b["server"]["user_data"], "I2Nsb3VkLWNvbmZpZwo=");
        assert_eq!(b["server"]["adminPass"], "pw");
        assert_eq!(b["server"]["networks"], "none");
        assert_eq!(b["server"]["metadata"][CREATE_TOKEN_KEY], "tok");
        assert_eq!(
            b["os:scheduler_hints"],
            json!({"group": "4f72629e-35e6-40de-a648-7f4ae106a7fa", "tenancy": "dedicated"})
        );
    }

    #[test]
    fn flatten_keeps_only_managed_metadata_and_tags() {
        let prior = ServerModel {
            name: k("n"),
            metadata: Attr::from_known_entries([("role".to_string(), "web".to_string())]),
            tags: Attr::from_known(["mine".to_string()]),
            ..Default::default()
        };
        let d = doc(
            json!({"id": "x", "name": "n", "status": "SHUTOFF", "image": "", "flavor": {"original_name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 0, "swap": 0},
            "metadata": {"role": "web", "owner": "someone-else", CREATE_TOKEN_KEY: "t"}, "tags": ["mine", "theirs"],
            "addresses": {"private": [{"addr": "192.168.1.10", "version": 4, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"}]},
            "OS-DCF:diskConfig": " MANUAL", "os-extended-volumes:volumes_attached": [{"id": "v1"}]}),
        );
        let mut m = prior.clone();
        flatten(&d, Some(&prior), &mut m);
        let st = state(&m);
        assert_eq!(
            st.get("metadata"),
            &Value::from_string_map([("role", "web")])
        );
        assert_eq!(
            st.get("all_metadata").as_map().unwrap().len(),
            2,
            "the create token is hidden"
        );
        assert_eq!(st.get("tags"), &Value::Set(vec![s("mine")]));
        assert_eq!(st.get("all_tags").walk().len(), 2);
        assert_eq!(st.get("power_state"), &s("shutoff"));
        assert_eq!(st.get("disk_config"), &s("MANUAL"));
        assert_eq!(st.get("flavor_name"), &s("m1.tiny"));
        assert_eq!(
            st.get("addresses").walk()[0].get("mac"),
            &s("fa:16:3e:00:00:01")
        );
        assert_eq!(st.get("volumes_attached"), &Value::List(vec![s("v1")]));
    }

    #[test]
    fn block_devices_are_recovered_from_the_volumes() {
        let att = |dev: &str, vid: &str| -> VolumeAttachment {
            documents::parse(
                "attachment",
                &json!({"device": dev, "volumeId": vid, "serverId": "srv"}),
            )
            .unwrap()
        };
        let vol = |j: J| -> documents::Volume { documents::parse("volume", &j).unwrap() };
        let (a_root, a_blank, a_later) = (
            att("/dev/vda", "v-root"),
            att("/dev/vdb", "v-blank"),
            att("/dev/vdc", "v-later"),
        );
        let root = vol(
            json!({"name": "", "size": 2, "volume_type": "fast", "volume_image_metadata": {"image_id": "img"},
                "multiattach": true}),
        );
        let blank = vol(
            json!({"name": "srv-blank-vol", "size": 1, "volume_type": "lvm-1", "multiattach": false}),
        );
        let later = vol(json!({"name": "data", "size": 5, "volume_type": "lvm-1"}));
        // listed out of order: the root one comes first all the same
        let seen = [
            SeenVolume {
                attachment: &a_later,
                delete_on_termination: Some(false),
                volume: Some(&later),
            },
            SeenVolume {
                attachment: &a_blank,
                delete_on_termination: Some(true),
                volume: Some(&blank),
            },
            SeenVolume {
                attachment: &a_root,
                delete_on_termination: Some(true),
                volume: Some(&root),
            },
        ];
        let got = recovered_block_devices("srv", Some("/dev/vda"), Some("lvm-1"), &seen);
        assert_eq!(
            got.len(),
            2,
            "a volume attached later is left to nova_volume_attachment"
        );
        assert_eq!(got[0].source_type, k("image"));
        assert_eq!(got[0].uuid, k("img"));
        assert_eq!(got[0].boot_index, Attr::Known(0));
        assert_eq!(got[0].volume_size, Attr::Known(2));
        assert_eq!(got[0].volume_type, k("fast"));
        assert_eq!(got[0].destination_type, k("volume"));
        assert_eq!(got[1].source_type, k("blank"));
        assert_eq!(got[1].uuid, Attr::Null);
        assert_eq!(
            got[1].volume_type,
            Attr::Null,
            "the default type is not recovered"
        );
        assert_eq!(got[1].boot_index, Attr::Null);
        assert_eq!(got[1].delete_on_termination, Attr::Known(true));
        // multiattach as a configuration writes it: true, or left out
        assert_eq!(got[0].multiattach, Attr::Known(true));
        assert_eq!(got[1].multiattach, Attr::Null);
        // without the block storage record only the root volume is known
        let blind = [
            SeenVolume {
                attachment: &a_root,
                delete_on_termination: None,
                volume: None,
            },
            SeenVolume {
                attachment: &a_blank,
                delete_on_termination: None,
                volume: None,
            },
        ];
        let got = recovered_block_devices("srv", Some("/dev/vda"), None, &blind);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].source_type, k("volume"));
        assert_eq!(got[0].uuid, k("v-root"));
        assert_eq!(got[0].volume_size, Attr::Null);
        assert_eq!(got[0].delete_on_termination, Attr::Null);
        assert_eq!(got[0].multiattach, Attr::Null);
    }

    /// An imported server owns no keys or tags; the data source (no prior
    /// state at all) shows them all.
    #[test]
    fn an_import_owns_no_metadata_or_tags() {
        let d = doc(
            json!({"id": "x", "name": "n", "status": "ACTIVE", "image": "",
            "metadata": {"owner": "sdk"}, "tags": ["sdk-tag"]}),
        );
        let imported = ServerModel {
            id: k("x"),
            ..Default::default()
        };
        let mut m = imported.clone();
        flatten(&d, Some(&imported), &mut m);
        assert_eq!(
            (m.metadata.clone(), m.tags.clone()),
            (Attr::Null, Attr::Null)
        );
        assert_eq!(
            m.all_metadata,
            Attr::Known([("owner".to_string(), "sdk".to_string())].into())
        );
        assert_eq!(m.all_tags, Attr::Known(vec!["sdk-tag".to_string()]));
        let mut read = ServerModel::default();
        flatten(&d, None, &mut read);
        assert_eq!(
            read.metadata,
            Attr::from_known_entries([("owner".to_string(), "sdk".to_string())])
        );
        assert_eq!(read.tags, Attr::from_known(["sdk-tag".to_string()]));
    }

    /// The status read back as `power_state`, beside what is written:
    /// offloaded by the cloud is still `shelved` when `shelved` is written;
    /// shelved but not offloaded is `shelved`, so `shelved_offloaded`
    /// written shows the change.
    #[test]
    fn shelved_statuses_read_as_written() {
        let table = [
            ("SHELVED_OFFLOADED", Some("shelved"), Some("shelved")),
            (
                "SHELVED_OFFLOADED",
                Some("shelved_offloaded"),
                Some("shelved_offloaded"),
            ),
            ("SHELVED_OFFLOADED", None, Some("shelved_offloaded")),
            (
                "SHELVED_OFFLOADED",
                Some("active"),
                Some("shelved_offloaded"),
            ),
            ("SHELVED", Some("shelved_offloaded"), Some("shelved")),
            ("SHELVED", Some("shelved"), Some("shelved")),
            ("SHELVED", None, Some("shelved")),
            ("ACTIVE", Some("shelved"), Some("active")),
            ("BUILD", Some("active"), None),
        ];
        for (status, written, want) in table {
            assert_eq!(
                power_state_of(status, written),
                want,
                "{status} {written:?}"
            );
        }
        // through flatten: null (import) and unknown (a plan) are not "shelved"
        let d = doc(json!({"id": "x", "name": "n", "status": "SHELVED_OFFLOADED"}));
        for (before, want) in [
            (k("shelved"), "shelved"),
            (k("shelved_offloaded"), "shelved_offloaded"),
            (Attr::Null, "shelved_offloaded"),
            (Attr::Unknown, "shelved_offloaded"),
        ] {
            let mut m = ServerModel {
                name: k("n"),
                power_state: before.clone(),
                ..Default::default()
            };
            flatten(&d, Some(&m.clone()), &mut m);
            assert_eq!(m.power_state, k(want), "{before:?}");
        }
    }

    #[test]
    fn an_offloaded_server_keeps_its_zone() {
        let mut m = ServerModel {
            availability_zone: k("nova"),
            ..Default::default()
        };
        let d = doc(
            json!({"id": "x", "name": "n", "status": "SHELVED_OFFLOADED", "OS-EXT-AZ:availability_zone": ""}),
        );
        flatten(&d, Some(&m.clone()), &mut m);
        assert_eq!(m.availability_zone, k("nova"));
        assert_eq!(m.power_state, k("shelved_offloaded"));
        // nothing known before (import): null
        let mut fresh = ServerModel::default();
        flatten(&d, None, &mut fresh);
        assert_eq!(fresh.availability_zone, Attr::Null);
    }

    #[test]
    fn networks_match_by_port_then_mac_not_position() {
        let iface = |j: J| -> InterfaceAttachment { documents::parse("interface", &j).unwrap() };
        let mut m = ServerModel {
            network: Attr::Known(vec![
                NetworkModel {
                    uuid: k("net-a"),
                    mac: k("fa:16:3e:00:00:0a"),
                    ..Default::default()
                },
                NetworkModel {
                    uuid: k("net-b"),
                    port: k("port-b"),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        };
        // the cloud lists the interfaces in the other order
        let ifaces = vec![
            iface(
                json!({"port_id": "port-b", "net_id": "net-b", "mac_addr": "fa:16:3e:00:00:0b", "fixed_ips": [{"ip_address": "10.0.0.5"}]}),
            ),
            iface(
                json!({"port_id": "port-a", "net_id": "net-a", "mac_addr": "fa:16:3e:00:00:0a", "fixed_ips": [{"ip_address": "192.168.1.9"}, {"ip_address": "fd00::9"}]}),
            ),
        ];
        flatten_networks(&ifaces, &mut m);
        let nets = m.networks();
        assert_eq!(nets[0].port, k("port-a"));
        assert_eq!(nets[0].fixed_ip_v4, k("192.168.1.9"));
        assert_eq!(nets[0].fixed_ip_v6, k("fd00::9"));
        assert_eq!(nets[1].fixed_ip_v4, k("10.0.0.5"));
        // port-b is detached outside Terraform: its block leaves the state
        // (drift); a port attached by others adds no block
        let after = vec![
            ifaces[1].clone(),
            iface(
                json!({"port_id": "port-c", "net_id": "net-c", "mac_addr": "fa:16:3e:00:00:0c", "fixed_ips": []}),
            ),
        ];
        let mut again = m.clone();
        flatten_networks(&after, &mut again);
        let nets = again.networks();
        assert_eq!(nets.len(), 1);
        assert_eq!(nets[0].port, k("port-a"));
        // nor does it take another interface on its network (one that
        // nova_interface_attachment attached)
        let mut beside = after.clone();
        beside.push(iface(
            json!({"port_id": "port-d", "net_id": "net-b", "mac_addr": "fa:16:3e:00:00:0d", "fixed_ips": [{"ip_address": "10.0.0.77"}]}),
        ));
        let mut third = m.clone();
        flatten_networks(&beside, &mut third);
        let ports: Vec<_> = third.networks().iter().map(|n| n.port.clone()).collect();
        assert_eq!(ports, vec![k("port-a")]);
        // a MAC and an IPv6 address as written stay; a changed one shows
        let mut written = again.clone();
        let mut n0 = nets[0].clone();
        n0.mac = k("FA:16:3E:00:00:0A");
        n0.fixed_ip_v6 = k("fd00:0:0:0:0:0:0:9");
        written.network = Attr::Known(vec![n0]);
        flatten_networks(&after, &mut written);
        let n = &written.networks()[0];
        assert_eq!(n.mac, k("FA:16:3E:00:00:0A"));
        assert_eq!(n.fixed_ip_v6, k("fd00:0:0:0:0:0:0:9"));
        let mut moved = after.clone();
        moved[0].fixed_ips = vec![documents::FixedIp {
            ip_address: Some("fd00::10".into()),
            subnet_id: None,
        }];
        flatten_networks(&moved, &mut written);
        assert_eq!(written.networks()[0].fixed_ip_v6, k("fd00::10"));
    }

    #[test]
    fn security_groups_keep_ids_as_written() {
        let set = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<BTreeSet<_>>();
        let ids = std::collections::HashMap::from([(
            "5f0d2b3c-0000-4000-8000-000000000001".to_string(),
            "web".to_string(),
        )]);
        let written = vec![
            "5f0d2b3c-0000-4000-8000-000000000001".to_string(),
            "default".to_string(),
        ];
        assert_eq!(
            security_groups_as_written(&written, &set(&["default", "web"]), &ids),
            set(&["5f0d2b3c-0000-4000-8000-000000000001", "default"])
        );
        // removed outside Terraform, and one added: both show
        assert_eq!(
            security_groups_as_written(&written, &set(&["default", "ops"]), &ids),
            set(&["default", "ops"])
        );
    }

    #[test]
    fn down_cell_records_are_partial() {
        // the compute API reference's down-cell example (2.69)
        let partial = doc(
            json!({"id": "33748c23-38dd-4f70-b774-522fc69e7b67", "status": "UNKNOWN",
            "tenant_id": "6f70656e737461636b20342065766572", "created": "2018-12-03T21:06:18Z",
            "links": []}),
        );
        assert!(partial.is_partial());
        assert!(!doc(json!({"id": "x", "name": "web", "status": "UNKNOWN"})).is_partial());
        assert!(!doc(json!({"id": "x", "name": "web", "status": "ACTIVE"})).is_partial());
    }

    /// `multiattach = true` asks for 2.60 and sends nothing in the mapping;
    /// false, null and unknown ask for nothing (an unknown one is checked
    /// once known).
    #[test]
    fn multiattach_needs_2_60_and_is_not_sent() {
        let with = |m: Attr<bool>| ServerModel {
            name: k("a"),
            block_device: Attr::Known(vec![BlockDeviceModel {
                source_type: k("volume"),
                destination_type: k("volume"),
                uuid: k("b4d9c688-1b96-4604-8cf1-d78c5c80a984"),
                boot_index: Attr::Known(0),
                multiattach: m,
                ..Default::default()
            }]),
            ..Default::default()
        };
        let needs = |c: &ServerModel| {
            version_requirements(c, None).contains(&(
                "block_device.multiattach",
                mv::MULTIATTACH,
                true,
            ))
        };
        let table = [
            (Attr::Known(true), true),
            (Attr::Known(false), false),
            (Attr::Null, false),
            (Attr::Unknown, false),
        ];
        let o = CreateOptions {
            microversion: Microversion(2, 60),
            flavor_ref: "1",
            boot_volume_image_ref: BootVolumeImageRef::Omit,
            create_token: None,
        };
        for (m, want) in table {
            let c = with(m.clone());
            assert_eq!(needs(&c), want, "{m:?}");
            let b = create_body(&c, &ServerModel::default(), &o);
            assert_eq!(
                b["server"]["block_device_mapping_v2"],
                json!([{"source_type": "volume", "destination_type": "volume",
                    "uuid": "b4d9c688-1b96-4604-8cf1-d78c5c80a984", "boot_index": 0}]),
                "{m:?}"
            );
        }
        // unchanged since the prior state: nothing to check
        let c = with(Attr::Known(true));
        assert!(version_requirements(&c, Some(&c)).is_empty());
    }

    #[test]
    fn personality_needs_an_old_microversion() {
        let c = ServerModel {
            personality: Attr::Known(vec![PersonalityModel {
                file: k("/etc/motd"),
                content: k("hi"),
            }]),
            tags: Attr::from_known(["t".to_string()]),
            ..Default::default()
        };
        let req = version_requirements(&c, None);
        assert!(req.contains(&("personality", mv::PERSONALITY_MAX, false)));
        assert!(req.contains(&("tags", mv::SERVER_TAGS, true)));
        // unchanged since the prior state: nothing to check
        assert!(version_requirements(&c, Some(&c)).is_empty());
    }

    /// A create with a file and tags, at the microversion chosen for it:
    /// the file base64-encoded, networks "auto" (2.37+), tags (2.52+).
    #[test]
    fn personality_create_body_at_2_56() {
        let planned = ServerModel {
            name: k("files"),
            image_id: k("155d900f-4e14-4e4c-a73d-069cbf4541e6"),
            tags: Attr::from_known(["blue".to_string()]),
            personality: Attr::Known(vec![PersonalityModel {
                file: k("/etc/motd"),
                content: k("hello from terraform\n"),
            }]),
            ..Default::default()
        };
        let reqs = version_requirements(&planned, None);
        let Ok(CreateVersion::Lowered { version, .. }) =
            create_version(&reqs, Microversion(2, 100), false)
        else {
            panic!("lowered expected");
        };
        let o = CreateOptions {
            microversion: version,
            flavor_ref: "1",
            boot_volume_image_ref: BootVolumeImageRef::Omit,
            create_token: None,
        };
        let body = create_body(&planned, &ServerModel::default(), &o);
        insta::assert_json_snapshot!(
            "personality-create-at-2.56",
            json!({"microversion": version.to_string(), "body": body})
        );
    }

    /// The microversion of the create request, from the configuration's
    /// arguments: null, unknown and empty `personality`, other arguments
    /// that need a newer microversion (unknown counts as set: it may be),
    /// pinned or negotiated.
    #[test]
    fn create_version_table() {
        let file = || {
            Attr::Known(vec![PersonalityModel {
                file: k("/etc/motd"),
                content: k("hi"),
            }])
        };
        let newest = Microversion(2, 100);
        let lowered = Ok(CreateVersion::Lowered {
            version: mv::PERSONALITY_MAX,
            because: "personality",
        });
        type Row = (
            &'static str,
            ServerModel,
            Microversion,
            bool,
            Result<CreateVersion, VersionConflict>,
        );
        let table: Vec<Row> = vec![
            (
                "no personality",
                ServerModel::default(),
                newest,
                false,
                Ok(CreateVersion::Negotiated),
            ),
            (
                "personality unknown",
                ServerModel {
                    personality: Attr::Unknown,
                    ..Default::default()
                },
                newest,
                false,
                Ok(CreateVersion::Negotiated),
            ),
            (
                "personality empty",
                ServerModel {
                    personality: Attr::Known(vec![]),
                    ..Default::default()
                },
                newest,
                false,
                Ok(CreateVersion::Negotiated),
            ),
            (
                "a file",
                ServerModel {
                    personality: file(),
                    ..Default::default()
                },
                newest,
                false,
                lowered,
            ),
            (
                "a file, at 2.56 already",
                ServerModel {
                    personality: file(),
                    ..Default::default()
                },
                mv::PERSONALITY_MAX,
                false,
                Ok(CreateVersion::Negotiated),
            ),
            (
                "a file, on a legacy cloud",
                ServerModel {
                    personality: file(),
                    ..Default::default()
                },
                mv::BASE,
                false,
                Ok(CreateVersion::Negotiated),
            ),
            (
                "a file, pinned 2.56",
                ServerModel {
                    personality: file(),
                    ..Default::default()
                },
                mv::PERSONALITY_MAX,
                true,
                Ok(CreateVersion::Negotiated),
            ),
            (
                "a file, pinned 2.90",
                ServerModel {
                    personality: file(),
                    ..Default::default()
                },
                Microversion(2, 90),
                true,
                Err(VersionConflict::Pinned {
                    attr: "personality",
                    at_most: mv::PERSONALITY_MAX,
                    pinned: Microversion(2, 90),
                }),
            ),
            (
                "a file and tags (2.52)",
                ServerModel {
                    personality: file(),
                    tags: Attr::from_known(["t".to_string()]),
                    description: k("d"),
                    ..Default::default()
                },
                newest,
                false,
                lowered,
            ),
            (
                "a file and hostname (2.90)",
                ServerModel {
                    personality: file(),
                    hostname: k("h"),
                    ..Default::default()
                },
                newest,
                false,
                Err(VersionConflict::Both {
                    old_attr: "personality",
                    at_most: mv::PERSONALITY_MAX,
                    new_attr: "hostname",
                    at_least: mv::SERVER_HOSTNAME,
                }),
            ),
            (
                "a file and a hostname not known yet",
                ServerModel {
                    personality: file(),
                    hostname: Attr::Unknown,
                    ..Default::default()
                },
                newest,
                false,
                Err(VersionConflict::Both {
                    old_attr: "personality",
                    at_most: mv::PERSONALITY_MAX,
                    new_attr: "hostname",
                    at_least: mv::SERVER_HOSTNAME,
                }),
            ),
            (
                "a file and host (2.74) and hostname (2.90): the newest is named",
                ServerModel {
                    personality: file(),
                    host: k("c1"),
                    hostname: k("h"),
                    ..Default::default()
                },
                newest,
                false,
                Err(VersionConflict::Both {
                    old_attr: "personality",
                    at_most: mv::PERSONALITY_MAX,
                    new_attr: "hostname",
                    at_least: mv::SERVER_HOSTNAME,
                }),
            ),
            (
                "hostname null, no file",
                ServerModel {
                    hostname: Attr::Null,
                    tags: Attr::Unknown,
                    ..Default::default()
                },
                newest,
                false,
                Ok(CreateVersion::Negotiated),
            ),
        ];
        for (name, c, negotiated, pinned, want) in table {
            let reqs = version_requirements(&c, None);
            assert_eq!(create_version(&reqs, negotiated, pinned), want, "{name}");
        }
    }

    fn lock(locked: Attr<bool>, reason: Attr<String>) -> ServerModel {
        ServerModel {
            locked,
            locked_reason: reason,
            ..Default::default()
        }
    }

    /// `locked` and `locked_reason` as the cloud shows them: left out
    /// below 2.9 / 2.73 keeps a known value and makes an unknown one null.
    #[test]
    fn flatten_reads_the_lock_by_microversion() {
        let t = || Attr::Known(true);
        let table = [
            // (document, before, after)
            (
                json!({"id": "x"}),
                lock(Attr::Unknown, Attr::Unknown),
                lock(Attr::Null, Attr::Null),
            ),
            (json!({"id": "x"}), lock(t(), k("r")), lock(t(), k("r"))),
            (
                json!({"id": "x", "locked": true}),
                lock(Attr::Unknown, Attr::Unknown),
                lock(t(), Attr::Null),
            ),
            (
                json!({"id": "x", "locked": true, "locked_reason": "maintenance"}),
                lock(Attr::Null, Attr::Null),
                lock(t(), k("maintenance")),
            ),
            (
                json!({"id": "x", "locked": false, "locked_reason": null}),
                lock(t(), k("old")),
                lock(Attr::Known(false), Attr::Null),
            ),
        ];
        for (j, before, want) in table {
            let mut m = before.clone();
            flatten(&doc(j.clone()), Some(&before), &mut m);
            assert_eq!(
                (m.locked, m.locked_reason),
                (want.locked, want.locked_reason),
                "{j}"
            );
        }
    }

    /// The lock steps of an update: null and unknown `locked` touch
    /// nothing; a locked server is unlocked for other changes and for a
    /// new reason, and locked again with the planned reason.
    #[test]
    fn lock_steps_table() {
        let t = || Attr::Known(true);
        let f = || Attr::Known(false);
        let n = || Attr::<String>::Null;
        let steps = |unlock_first, lock_last: Option<Option<&str>>| LockSteps {
            unlock_first,
            lock_last: lock_last.map(|r| r.map(str::to_string)),
        };
        let table = [
            // (old, new, others, steps)
            (
                lock(f(), n()),
                lock(Attr::Null, n()),
                true,
                steps(false, None),
            ),
            (
                lock(t(), n()),
                lock(Attr::Null, n()),
                true,
                steps(false, None),
            ),
            (
                lock(t(), n()),
                lock(Attr::Unknown, n()),
                true,
                steps(false, None),
            ),
            (
                lock(f(), n()),
                lock(t(), n()),
                false,
                steps(false, Some(None)),
            ),
            (
                lock(Attr::Null, n()),
                lock(t(), k("r")),
                true,
                steps(false, Some(Some("r"))),
            ),
            (
                lock(t(), k("r")),
                lock(t(), k("r")),
                false,
                steps(false, None),
            ),
            (
                lock(t(), k("r")),
                lock(t(), k("s")),
                false,
                steps(true, Some(Some("s"))),
            ),
            (
                lock(t(), k("r")),
                lock(t(), k("r")),
                true,
                steps(true, Some(Some("r"))),
            ),
            (
                lock(t(), n()),
                lock(t(), n()),
                true,
                steps(true, Some(None)),
            ),
            (lock(t(), k("r")), lock(f(), n()), true, steps(true, None)),
            (lock(f(), n()), lock(f(), n()), true, steps(false, None)),
        ];
        for (i, (old, new, others, want)) in table.into_iter().enumerate() {
            assert_eq!(lock_steps(&old, &new, others), want, "row {i}");
        }
    }

    /// The planned reason when the configuration gives none: null after an
    /// unlock or a new lock, unknown while `locked` is, else as planned.
    #[test]
    fn planned_locked_reason_table() {
        let t = || Attr::Known(true);
        let f = || Attr::Known(false);
        let table = [
            // (config, prior, framework's plan, want)
            (
                lock(f(), Attr::Null),
                Some(lock(t(), k("r"))),
                k("r"),
                Attr::Null,
            ),
            (lock(t(), Attr::Null), None, Attr::Unknown, Attr::Null),
            (
                lock(t(), Attr::Null),
                Some(lock(f(), Attr::Null)),
                Attr::Null,
                Attr::Null,
            ),
            (
                lock(t(), Attr::Null),
                Some(lock(t(), k("r"))),
                k("r"),
                k("r"),
            ),
            (
                lock(Attr::Unknown, Attr::Null),
                Some(lock(t(), k("r"))),
                k("r"),
                Attr::Unknown,
            ),
            (
                lock(Attr::Null, Attr::Null),
                Some(lock(t(), k("r"))),
                k("r"),
                k("r"),
            ),
            (
                lock(Attr::Null, Attr::Null),
                None,
                Attr::Unknown,
                Attr::Unknown,
            ),
            (lock(t(), k("s")), Some(lock(t(), k("r"))), k("s"), k("s")),
            (lock(t(), Attr::Unknown), None, Attr::Unknown, Attr::Unknown),
        ];
        for (i, (config, prior, planned, want)) in table.into_iter().enumerate() {
            let mut p = lock(config.locked.clone(), planned);
            plan_locked_reason(&config, prior.as_ref(), &mut p);
            assert_eq!(p.locked_reason, want, "row {i}");
        }
    }

    /// `locked` needs 2.9 and `locked_reason` 2.73 when set and changed;
    /// neither takes part in the create request's microversion.
    #[test]
    fn lock_requirements_table() {
        let t = || Attr::Known(true);
        let names = |c: &ServerModel, p: Option<&ServerModel>| -> Vec<(&str, Microversion)> {
            lock_requirements(c, p)
                .into_iter()
                .map(|(a, v, _)| (a, v))
                .collect()
        };
        let l = ("locked", mv::SERVER_LOCKED);
        let r = ("locked_reason", mv::SERVER_LOCKED_REASON);
        assert_eq!(names(&lock(Attr::Null, Attr::Null), None), vec![]);
        assert_eq!(names(&lock(t(), Attr::Null), None), vec![l]);
        assert_eq!(names(&lock(t(), k("x")), None), vec![l, r]);
        assert_eq!(names(&lock(Attr::Unknown, Attr::Unknown), None), vec![l, r]);
        let prior = lock(t(), k("x"));
        assert_eq!(names(&lock(t(), k("x")), Some(&prior)), vec![]);
        assert_eq!(names(&lock(t(), k("y")), Some(&prior)), vec![r]);
        assert_eq!(
            names(&lock(Attr::Known(false), Attr::Null), Some(&prior)),
            vec![l]
        );
        let c = ServerModel {
            personality: Attr::Known(vec![Default::default()]),
            ..lock(t(), k("x"))
        };
        assert_eq!(
            create_version(&version_requirements(&c, None), Microversion(2, 100), false),
            Ok(CreateVersion::Lowered {
                version: mv::PERSONALITY_MAX,
                because: "personality"
            }),
            "the lock is no part of the create request"
        );
    }

    /// How a change is applied, by its choice: null and unknown included.
    #[test]
    fn a_change_is_applied_by_its_choice() {
        let table = [
            (false, Attr::Null, ChangeBy::Nothing),
            (false, Attr::Unknown, ChangeBy::Nothing),
            (false, k("rebuild"), ChangeBy::Nothing),
            (true, Attr::Null, ChangeBy::Replace),
            (true, k("replace"), ChangeBy::Replace),
            (true, k("rebuild"), ChangeBy::Rebuild),
            (true, Attr::Unknown, ChangeBy::Undecided),
        ];
        for (changes, choice, want) in table {
            assert_eq!(change_by(changes, &choice), want, "{changes} {choice:?}");
        }
        let prior = ServerModel {
            user_data_hash: k("h1"),
            key_name: k("a"),
            ..Default::default()
        };
        for (hash, changes) in [
            (k("h1"), false),
            (k("h2"), true),
            (Attr::Unknown, true),
            (Attr::Null, true),
        ] {
            let planned = ServerModel {
                user_data_hash: hash.clone(),
                ..prior.clone()
            };
            assert_eq!(user_data_changes(&prior, &planned), changes, "{hash:?}");
        }
        let imported = ServerModel {
            user_data_hash: Attr::Null,
            ..prior.clone()
        };
        let planned = ServerModel {
            user_data_hash: k("h2"),
            ..prior.clone()
        };
        assert!(
            !user_data_changes(&imported, &planned),
            "a hash recorded after import"
        );
        for (key, changes) in [
            (k("a"), false),
            (k("b"), true),
            (Attr::Unknown, true),
            (Attr::Null, true),
        ] {
            let planned = ServerModel {
                key_name: key.clone(),
                ..prior.clone()
            };
            assert_eq!(key_name_changes(&prior, &planned), changes, "{key:?}");
        }
    }

    /// The rebuild request: the image (the same unless it changes), and
    /// user data (base64) or the key (null to remove either) only when
    /// they change and the configuration opts in.
    #[test]
    fn rebuild_request_bodies() {
        let old = ServerModel {
            image_id: k("img-1"),
            user_data_hash: k(&user_data_hash("#cloud-config\n")),
            key_name: k("key-1"),
            ..Default::default()
        };
        let rebuild = || k("rebuild");
        let with = |f: &dyn Fn(&mut ServerModel, &mut ServerModel)| {
            let (mut new, mut config) = (old.clone(), old.clone());
            f(&mut new, &mut config);
            rebuild_request(&old, &new, &config)
        };
        let new_ud = |n: &mut ServerModel, c: &mut ServerModel| {
            c.user_data = k("#cloud-config\nhostname: b\n");
            n.user_data_hash = k(&user_data_hash("#cloud-config\nhostname: b\n"));
        };
        assert_eq!(with(&|_, _| {}), None, "nothing changes");
        assert_eq!(
            with(&|n, _| n.on_user_data_change = rebuild()),
            None,
            "the choice alone"
        );
        assert_eq!(
            with(&|n, c| new_ud(n, c)),
            None,
            "user data replaced, not rebuilt"
        );
        assert_eq!(
            with(&|n, _| n.key_name = k("key-2")),
            None,
            "key replaced, not rebuilt"
        );
        insta::assert_json_snapshot!(with(&|n, c| { new_ud(n, c); n.on_user_data_change = rebuild(); }), @r#"
        {
          "rebuild": {
            "imageRef": "img-1",
            "user_data": "I2Nsb3VkLWNvbmZpZwpob3N0bmFtZTogYgo="
          }
        }
        "#);
        insta::assert_json_snapshot!(with(&|n, c| {
            n.user_data_hash = Attr::Null;
            c.user_data = Attr::Null;
            n.on_user_data_change = rebuild();
        }), @r#"
        {
          "rebuild": {
            "imageRef": "img-1",
            "user_data": null
          }
        }
        "#);
        insta::assert_json_snapshot!(with(&|n, _| { n.key_name = k("key-2"); n.on_key_name_change = rebuild(); }), @r#"
        {
          "rebuild": {
            "imageRef": "img-1",
            "key_name": "key-2"
          }
        }
        "#);
        insta::assert_json_snapshot!(with(&|n, _| { n.key_name = Attr::Null; n.on_key_name_change = rebuild(); }), @r#"
        {
          "rebuild": {
            "imageRef": "img-1",
            "key_name": null
          }
        }
        "#);
        // a new image with both, and the administrator password
        insta::assert_json_snapshot!(with(&|n, c| {
            new_ud(n, c);
            n.image_id = k("img-2");
            n.key_name = k("key-2");
            n.on_user_data_change = rebuild();
            n.on_key_name_change = rebuild();
            n.admin_pass = k("pw");
        }), @r#"
        {
          "rebuild": {
            "adminPass": "pw",
            "imageRef": "img-2",
            "key_name": "key-2",
            "user_data": "I2Nsb3VkLWNvbmZpZwpob3N0bmFtZTogYgo="
          }
        }
        "#);
        // a new image alone: as before, the image only
        insta::assert_json_snapshot!(with(&|n, _| n.image_id = k("img-2")), @r#"
        {
          "rebuild": {
            "imageRef": "img-2"
          }
        }
        "#);
        assert_eq!(
            with(&|n, c| {
                new_ud(n, c);
                n.on_user_data_change = rebuild();
                n.image_id = Attr::Unknown;
            }),
            None,
            "no image known: nothing to rebuild from"
        );
    }
}
