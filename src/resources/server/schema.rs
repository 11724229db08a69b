//! Schema of `nova_server` and its plan-time validation rules.

use crate::framework::model::decode_checked;
use crate::framework::schema::ObjectNesting;
use crate::framework::validators::{
    IntBetween, IpAddress, MapEntryLength, MapKeysMatch, Matches, MaxItems, NovaName, OneOf,
    Printable, StringLength, Uuid,
};
use crate::framework::*;

use super::model::{BlockDeviceModel, NetworkModel, ServerModel};

pub const POWER_STATES: &[&str] = &[
    "active",
    "shutoff",
    "paused",
    "suspended",
    "shelved",
    "shelved_offloaded",
];
pub const SOURCE_TYPES: &[&str] = &["image", "volume", "snapshot", "blank"];
pub const DESTINATION_TYPES: &[&str] = &["local", "volume"];
pub const USER_DATA_MAX: usize = 65535;

fn tag_validator() -> Matches {
    Matches(
        regex::Regex::new(r"^[^/,]{1,60}$").expect("static regex"),
        "1 to 60 characters without '/' or ','",
    )
}

/// Server metadata keys as Nova takes them.
fn metadata_keys() -> MapKeysMatch {
    MapKeysMatch(
        regex::Regex::new(r"^[a-zA-Z0-9_:. \-]{1,255}$").expect("static regex"),
        "1 to 255 letters, digits, spaces and the characters - _ : .",
    )
}

/// The `network` block.
fn network_block() -> Block {
    Block::new("A network interface. Interfaces are matched to the cloud's by port and MAC address, not by position. A block added to an existing server attaches a new interface in place (`POST /servers/{id}/os-interface`; Nova adds it after the others, wherever the block is written), and a block removed detaches its interface in place; the other blocks are matched by `port`, else by network and the fixed addresses they give, and plan no change. A block whose own arguments change (`uuid`, `port`, a fixed address, `tag`, `subnet_id`), a block removed and another added in the same plan, or a new block with `subnet_id` replaces the server. Interfaces attached by others (`nova_interface_attachment`) are never detached by the server. Nova attaches and detaches interfaces only on an active, shutoff or paused server: a block added or removed while `power_state` stays `suspended`, `shelved` or `shelved_offloaded` is refused at plan time.")
        .attr(Attribute::string("uuid").optional_computed().validate(Uuid).description("Network ID; computed when `name` is given."))
        .attr(Attribute::string("name").optional_computed().validate(StringLength(1, 255)).description("Network name, instead of `uuid`: looked up through the network API at plan time (exactly one network of that name, else the plan fails naming it). Kept as written; a block given by `uuid` has none (unless the state has one for that same network, written before or moved). A changed name that finds the same network changes nothing; `uuid` and `name` together are refused."))
        .attr(Attribute::string("port").optional_computed().validate(Uuid).description("An existing port (must be unbound); computed otherwise."))
        .attr(Attribute::string("fixed_ip_v4").optional_computed().validate(IpAddress::V4).description("Fixed IPv4 address on the network."))
        .attr(Attribute::string("fixed_ip_v6").optional_computed().validate(IpAddress::V6).description("Fixed IPv6 address on the network."))
        .attr(Attribute::string("tag").optional().validate(tag_validator()).description("Device role tag (microversion 2.42)."))
        .attr(Attribute::string("subnet_id").optional().validate(Uuid).description("Subnet for the interface's address, on clouds that offer this extension (upstream Nova refuses it)."))
        .attr(Attribute::string("mac").computed().description("MAC address of the interface."))
        .attr(Attribute::bool("access_network").optional().description("Take `access_ip_v4`/`access_ip_v6` from this interface's fixed addresses when Nova has no access addresses of its own (see `access_ip_v4`). Nothing is sent for it; a change is applied in place. Absent and `false` mean the same."))
}

/// The `block_device` block.
fn block_device_block() -> Block {
    Block::new("A block device mapping: boot from volume, blank volumes, swap and ephemeral disks, attached volumes.")
        .attr(Attribute::string("source_type").required().validate(OneOf(SOURCE_TYPES)).description("`image`, `volume`, `snapshot` or `blank`."))
        .attr(Attribute::string("destination_type").optional().validate(OneOf(DESTINATION_TYPES)).description("`local` (hypervisor disk) or `volume`."))
        .attr(Attribute::string("uuid").optional().validate(Uuid).description("ID of the source image, volume or snapshot; none for `blank`."))
        .attr(Attribute::number("volume_size").optional().validate(IntBetween(1, 2147483647)).description("Size in GiB (swap: MiB)."))
        .attr(Attribute::number("boot_index").optional().validate(IntBetween(-1, 1024)).description("0 for the boot device; -1 or absent for others."))
        .attr(Attribute::bool("delete_on_termination").optional().description("Delete the volume with the server (default false)."))
        .attr(Attribute::string("device_type").optional().validate(OneOf(&["disk", "cdrom", "floppy", "lun"])).description("`disk` or `cdrom`..."))
        .attr(Attribute::string("disk_bus").optional().validate(OneOf(&["ide", "usb", "virtio", "scsi", "sata", "fdc", "xen", "lxc", "uml"])).description("Disk bus; the hypervisor chooses when absent."))
        .attr(Attribute::string("guest_format").optional().validate(OneOf(&["swap", "ext2", "ext3", "ext4", "xfs", "ntfs", "vfat"])).description("`swap` for a swap disk, or a filesystem for an ephemeral disk."))
        .attr(Attribute::string("volume_type").optional().validate(StringLength(1, 255)).description("Volume type of a created volume (microversion 2.67)."))
        .attr(Attribute::string("tag").optional().validate(tag_validator()).description("Device role tag (microversion 2.42)."))
        .attr(Attribute::bool("multiattach").optional().description("The volume is multiattach-capable (a property of the volume, from its volume type; the compute API has no such field in a block device mapping, so nothing is sent for it). `true` makes the plan check that the provider speaks compute microversion 2.60 or later, which Nova needs to boot from or attach such a volume, and is refused on a device with destination_type `local`. Absent and `false` mean the same; a `moved` block records terraform-provider-openstack's `false` as absent, so write it only as `true`."))
}

/// The `scheduler_hints` block.
fn hints_block() -> Block {
    Block::new("Scheduler hints (`os:scheduler_hints`).")
        .attr(
            Attribute::string("group")
                .optional()
                .validate(Uuid)
                .description("Server group ID."),
        )
        .attr(
            Attribute::string_list("different_host")
                .optional()
                .description("Server IDs whose hosts to avoid."),
        )
        .attr(
            Attribute::string_list("same_host")
                .optional()
                .description("Server IDs whose hosts to prefer."),
        )
        .attr(
            Attribute::string("query")
                .optional()
                .description("JsonFilter query."),
        )
        .attr(
            Attribute::string("target_cell")
                .optional()
                .description("Target cell (cells v1)."),
        )
        .attr(
            Attribute::string_list("different_cell")
                .optional()
                .description("Cells to avoid (cells v1)."),
        )
        .attr(
            Attribute::string("build_near_host_ip")
                .optional()
                .validate(IpAddress::Any)
                .description("Build near this host IP (with cidr)."),
        )
        .attr(
            Attribute::string("cidr")
                .optional()
                .validate(Matches(
                    regex::Regex::new(r"^/[0-9a-f.:]+$").expect("static regex"),
                    "a prefix such as \"/24\"",
                ))
                .description("Prefix for build_near_host_ip, e.g. \"/24\"."),
        )
        .attr(
            Attribute::string_map("additional")
                .optional()
                .description("Vendor hints, such as `tenancy` and `dedicated_host_id`."),
        )
}

/// The `personality` block.
fn personality_block() -> Block {
    Block::new("A file injected at boot. Nova accepts files up to compute microversion 2.56: on a cloud that speaks a newer one, the server's create request is sent at 2.56 (its other requests at the newer one), and the plan says so in a warning; the arguments that need a newer microversion (`hostname`, `host`, `hypervisor_hostname`, `trusted_image_certificates`, `block_device.volume_type`, multi-attach volumes) cannot be combined with it. With `compute_microversion` pinned above 2.56 the plan refuses it.")
        .attr(
            Attribute::string("file")
                .required()
                .validate(StringLength(1, 255))
                .description("Path of the file."),
        )
        .attr(
            Attribute::string("content")
                .required()
                .description("Content (plain text; the provider encodes it)."),
        )
}

/// The `vendor_options` block (terraform-provider-openstack's): settings
/// of the provider's own, never sent to the cloud.
fn vendor_options_block() -> Block {
    Block::new("How the provider works with clouds that act on their own. Nothing here is sent to the cloud; a change applies in place with no API call.")
        .attr(
            Attribute::bool("ignore_resize_confirmation")
                .default(false)
                .description("The cloud confirms resizes itself: after a resize the provider sends no `confirmResize` and waits for the server to be ACTIVE (or SHUTOFF) again. Without it, a resize that stops in VERIFY_RESIZE is confirmed, and a cloud that confirms by itself is recognised as well."),
        )
        .attr(
            Attribute::bool("detach_ports_before_destroy")
                .default(false)
                .description("On destroy, detach every interface (`DELETE /servers/{id}/os-interface/{port_id}`) and wait until each is gone before deleting the server, so ports given in `network.port` stay, unbound, for other use (ports the cloud made for the server are deleted by the cloud at the detach)."),
        )
}

/// The computed `flavor` and `fault` objects.
fn computed_nested(b: Block) -> Block {
    b.attr(
        Attribute::nested(
            "flavor",
            ObjectNesting::Single,
            vec![
                Attribute::string("name")
                    .computed()
                    .description("Flavor name."),
                Attribute::number("vcpus")
                    .computed()
                    .description("Virtual CPUs."),
                Attribute::number("ram")
                    .computed()
                    .description("Memory (MiB)."),
                Attribute::number("disk")
                    .computed()
                    .description("Root disk (GiB)."),
                Attribute::number("ephemeral")
                    .computed()
                    .description("Ephemeral disk (GiB)."),
                Attribute::number("swap")
                    .computed()
                    .description("Swap (MiB)."),
            ],
        )
        .computed()
        .description("The flavor the server runs with."),
    )
    .attr(
        Attribute::nested(
            "fault",
            ObjectNesting::Single,
            vec![
                Attribute::number("code")
                    .computed()
                    .description("HTTP-style fault code."),
                Attribute::string("message")
                    .computed()
                    .description("Nova's fault message."),
            ],
        )
        .computed()
        .description("Nova's fault, when the server is in ERROR."),
    )
}

/// The schema of `nova_server` (built once per process: its validators
/// hold compiled regular expressions, and every plan and read of a server
/// uses it).
pub fn schema() -> Schema {
    SCHEMA.clone()
}

/// The value type of [`schema`], for models' `to_value`.
pub fn ty() -> &'static Type {
    static TY: std::sync::LazyLock<Type> = std::sync::LazyLock::new(|| SCHEMA.ty());
    &TY
}

/// The values of `on_user_data_change` and `on_key_name_change`.
pub const REBUILD_CHOICES: &[&str] = &["replace", "rebuild"];

static SCHEMA: std::sync::LazyLock<Schema> = std::sync::LazyLock::new(build);

fn build() -> Schema {
    let b = computed_nested(Block::new("A server (instance). Created from an image or booted from a volume, waited for until ACTIVE (or the requested power state); Nova's fault message is reported when it ends in ERROR.")
        .attr(Attribute::string("id").computed().use_state_for_unknown().description("The server ID."))
        .attr(Attribute::string("name").required().validate(StringLength(1, 255)).validate(NovaName).description("Name; changes in place."))
        .attr(Attribute::string("image_id").optional_computed().recomputed().validate(Uuid).use_state_for_unknown().description("Image to boot from; a change rebuilds an image-backed server in place. Computed when `image_name` is given, and taken from the first block device when that copies an image to the local disk (`boot_index = 0`, `source_type = \"image\"`, `destination_type = \"local\"`): Nova takes that only with the same image."))
        .attr(Attribute::string("image_name").optional_computed().recomputed().validate(StringLength(1, 255)).description("Image name, instead of `image_id`: looked up through the image API at plan time (exactly one image of that name, else the plan fails naming it and, for several, listing their IDs). A changed name that finds the same image changes nothing; one that finds another image rebuilds, as an `image_id` change does. Kept as written; a server given by `image_id` has none (the image API is not called for it), unless the state has one for that same image (written before, moved, or imported: an import fills it from the image API). `image_id` and `image_name` together are refused."))
        .attr(Attribute::string("flavor_id").optional_computed().recomputed().validate(StringLength(1, 255)).description("Flavor ID; a change resizes in place (and confirms the resize)."))
        .attr(Attribute::string("flavor_name").optional_computed().recomputed().validate(StringLength(1, 255)).description("Flavor name, instead of flavor_id."))
        .attr(Attribute::string("key_name").optional().validate(StringLength(1, 255)).description("Key pair name. A change replaces the server, or rebuilds it in place with `on_key_name_change = \"rebuild\"`."))
        .attr(Attribute::string("on_key_name_change").optional().local().validate(OneOf(REBUILD_CHOICES)).description("What a change of `key_name` does: `replace` (when not set) destroys the server and creates a new one; `rebuild` rebuilds it in place (microversion 2.54), keeping its ID, addresses and volumes, and sends the new key pair (none when `key_name` is removed) with the rebuild: the disk is re-imaged from the server's image (the planned one when `image_id` changes too), so whatever was written on it is lost. The plan shows which: `forces replacement`, or an in-place update with a warning. A change of this argument alone changes nothing in the cloud."))
        .attr(Attribute::string("availability_zone").optional_computed().requires_replace().use_state_for_unknown().recomputed().validate(StringLength(1, 255)).description("Availability zone."))
        .attr(Attribute::string("user_data").optional().write_only().description("User data (cloud-init); never stored. Text that already decodes as standard, padded base64 (line breaks ignored), as `filebase64()`, `base64gzip()` or `cloudinit_config` give, is sent as written; anything else is base64-encoded first. This is terraform-provider-openstack's rule, so plain text that happens to be valid base64 (such as `abcd`) is sent as it is: write `base64encode(\"abcd\")` for it. At most 65535 bytes as sent. A change (seen through `user_data_hash`) replaces the server, or rebuilds it in place with `on_user_data_change = \"rebuild\"`."))
        .attr(Attribute::string("on_user_data_change").optional().local().validate(OneOf(REBUILD_CHOICES)).description("What a change of `user_data` does: `replace` (when not set) destroys the server and creates a new one; `rebuild` rebuilds it in place (microversion 2.57), keeping its ID, addresses and volumes, and sends the new user data (none when `user_data` is removed) with the rebuild: the disk is re-imaged from the server's image (the planned one when `image_id` changes too), so whatever was written on it is lost. Only an image-backed server can be rebuilt. The plan shows which: `forces replacement`, or an in-place update with a warning. A change of this argument alone changes nothing in the cloud."))
        .attr(Attribute::string("user_data_hash").computed().description("SHA-256 (hex) of `user_data` as written in the configuration, before any base64 encoding."))
        .attr(Attribute::string_map("metadata").optional().validate(MapEntryLength(255)).validate(metadata_keys()).description("Metadata managed by Terraform; keys set by others are left alone (see `all_metadata`). While a server is being created it also carries the key `nova-provider:create-token` (to find it again if the answer to the create is lost), which counts towards the project's metadata items until the server is ACTIVE, and is then removed."))
        .attr(Attribute::string_set("tags").optional().validate(MaxItems(50)).description("Tags (microversion 2.52), up to 50, without '/' or ','; tags set by others are left alone."))
        .attr(Attribute::string("description").optional().validate(StringLength(0, 255)).validate(Printable).description("Description (microversion 2.19)."))
        .attr(Attribute::bool("config_drive").optional().requires_replace().description("Attach a config drive."))
        .attr(Attribute::string("disk_config").optional_computed().requires_replace().use_state_for_unknown().validate(OneOf(&["AUTO", "MANUAL"])).description("`AUTO` or `MANUAL` partitioning."))
        .attr(Attribute::string("admin_pass").optional().sensitive().description("Administrator password; a change calls changePassword."))
        .attr(Attribute::string("admin_pass_wo").optional().write_only().sensitive().description("Administrator password, never stored; applied when `admin_pass_wo_version` changes."))
        .attr(Attribute::number("admin_pass_wo_version").optional().description("Bump to apply `admin_pass_wo` again."))
        .attr(Attribute::string_set("security_groups").optional_computed().use_state_for_unknown().description("Security group names; changes in place."))
        .attr(Attribute::string("access_ip_v4").optional_computed().use_state_for_unknown().validate(IpAddress::V4).description("Access IPv4 address (Nova's `accessIPv4`); a value written here is sent and kept as written. When Nova has none, the state holds, as terraform-provider-openstack's does, the fixed IPv4 address of the last `network` block with `access_network = true` that has one, else of the first block that has one (with no blocks, the server's first fixed IPv4 address); this is not sent to Nova."))
        .attr(Attribute::string("access_ip_v6").optional_computed().use_state_for_unknown().validate(IpAddress::V6).description("Access IPv6 address (Nova's `accessIPv6`), filled as `access_ip_v4` is, from IPv6 addresses."))
        .attr(Attribute::string("hostname").optional_computed().use_state_for_unknown().validate(StringLength(1, 255)).description("Hostname (microversion 2.90)."))
        .attr(Attribute::string("host").optional().requires_replace().description("Compute host to build on (microversion 2.74, admin)."))
        .attr(Attribute::string("hypervisor_hostname").optional().requires_replace().description("Hypervisor to build on (microversion 2.74, admin)."))
        .attr(Attribute::string_list("trusted_image_certificates").optional().requires_replace().validate(MaxItems(50)).description("Trusted certificate IDs (microversion 2.63)."))
        .attr(Attribute::string("network_mode").optional().requires_replace().validate(OneOf(&["auto", "none"])).description("`auto` or `none` instead of network blocks (microversion 2.37)."))
        .attr(Attribute::string("power_state").default("active").validate(OneOf(POWER_STATES)).description("`active` (default), `shutoff`, `paused`, `suspended`, `shelved` or `shelved_offloaded`; changes in place. `shelved` is reached by shelve and holds whether or not the cloud then offloads the server by itself (Nova's `shelved_offload_time`): a server the cloud offloaded reads as `shelved` while `shelved` is written, which is no drift. `shelved_offloaded` is reached by shelve and, unless the cloud offloads by itself, shelveOffload; a server that is shelved but not offloaded shows as a change to it. Both go back to `active` or `shutoff` by unshelve."))
        .attr(Attribute::bool("locked").optional_computed().use_state_for_unknown().description("Whether the server is locked (Nova's `locked`, microversion 2.9); changes in place by lock and unlock. Left unset, the lock is not managed: nothing is sent and the state shows the cloud's value (a server locked by someone else shows `true`, with no diff). A locked server refuses most actions, so an update that changes other things unlocks it first and locks it again last; destroying a server whose state says `locked = true` unlocks it first."))
        .attr(Attribute::string("locked_reason").optional_computed().use_state_for_unknown().recomputed().validate(StringLength(1, 255)).description("Why the server is locked (Nova's `locked_reason`, microversion 2.73), sent with the lock; only with `locked = true`. A change unlocks the server and locks it again with the new reason. Left unset, it shows the reason the cloud reports."))
        .attr(Attribute::bool("stop_before_destroy").default(false).local().description("Stop the server before deleting it."))
        .attr(Attribute::bool("force_delete").default(false).local().description("Purge with forceDelete when the cloud keeps deleted servers (soft delete / recycle bin)."))
        .attr(Attribute::string("status").computed().description("Server status."))
        .attr(Attribute::new("addresses", Type::list(Type::object([("network", Type::String), ("addr", Type::String), ("version", Type::Number), ("type", Type::String), ("mac", Type::String)]))).computed().description("Addresses per network: fixed and floating IPs with MAC and IP version."))
        .attr(Attribute::string("created").computed().use_state_for_unknown().description("Creation time."))
        .attr(Attribute::string("updated").computed().description("Last update time."))
        .attr(Attribute::string("host_id").computed().description("Opaque host identifier."))
        .attr(Attribute::string_map("all_metadata").computed().description("All metadata, including keys set outside Terraform."))
        .attr(Attribute::string_set("all_tags").computed().description("All tags, including those set outside Terraform."))
        .attr(Attribute::string_list("volumes_attached").computed().description("IDs of attached volumes.")))
        .block(NestedBlock::new("network", Nesting::List, network_block()).requires_replace())
        .block(NestedBlock::new("block_device", Nesting::List, block_device_block()).requires_replace())
        .block(NestedBlock::new("scheduler_hints", Nesting::Single, hints_block()).requires_replace())
        .block(NestedBlock::new("personality", Nesting::Set, personality_block()).requires_replace())
        .block(NestedBlock::new("vendor_options", Nesting::Single, vendor_options_block()).local())
        .block(timeouts_block(&["create", "update", "delete"], "30m"));
    Schema::new(0, b)
}

/// Rules across attributes that can be checked before calling the cloud.
/// Values not known yet are checked when they are.
/// `locked_reason` goes with `locked = true` only: refused with `locked`
/// unset or false; judged later while either is unknown.
pub(super) fn lock_reason_diagnostic(c: &ServerModel) -> Option<Diagnostic> {
    if c.locked_reason.if_known().is_none()
        || c.locked.is_unknown()
        || c.locked.if_known() == Some(&true)
    {
        return None;
    }
    Some(
        Diagnostic::error(
            "locked_reason without a lock",
            "locked_reason is recorded when the server is locked: set locked = true with it, or remove locked_reason.",
        )
        .at(AttrPath::attr("locked_reason")),
    )
}

pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let Some(c) = decode_checked::<ServerModel>(config, diags) else {
        return;
    };
    let at = |name: &str| AttrPath::attr(name);
    match (c.flavor_id.is_null(), c.flavor_name.is_null()) {
        (false, false) => diags.error_at(
            at("flavor_name"),
            "Conflicting arguments",
            "Give flavor_id or flavor_name, not both.",
        ),
        (true, true) => diags.error_at(
            at("flavor_id"),
            "Missing flavor",
            "Give flavor_id or flavor_name.",
        ),
        _ => {}
    }
    if let Some(d) = lock_reason_diagnostic(&c) {
        diags.push(d);
    }
    if !c.network_mode.is_null() && !c.networks().is_empty() {
        diags.error_at(
            at("network_mode"),
            "Conflicting arguments",
            "network_mode (auto/none) cannot be combined with network blocks.",
        );
    }
    if let Some(ud) = c.user_data.if_known() {
        let encoded = super::model::user_data_for_api(ud).len();
        if encoded > USER_DATA_MAX {
            diags.error_at(
                at("user_data"),
                "User data too large",
                format!("user_data is {} bytes as sent (base64); the compute API takes at most {USER_DATA_MAX}.", encoded),
            );
        }
    }
    for (i, tag) in c.tags.if_known().into_iter().flatten().enumerate() {
        if let Some(t) = tag.if_known() {
            if t.is_empty() || t.chars().count() > 60 || t.contains('/') || t.contains(',') {
                diags.error_at(
                    at("tags").then_index(i),
                    "Invalid tag",
                    format!("tags must be 1 to 60 characters without '/' or ','; \"{t}\" is not."),
                );
            }
        }
    }
    for (i, n) in c.networks().iter().enumerate() {
        validate_network(n, at("network").then_index(i), diags);
    }
    validate_block_devices(c.block_devices(), diags);
    let boots_from_volume = c.block_devices().iter().any(|b| {
        b.boot_index.if_known() == Some(&0) && b.destination_type.as_deref() == Some("volume")
    });
    // an image copied to the local disk by the first block device names
    // the image itself: it is sent as `imageRef` (Nova refuses that mapping
    // without one), as terraform-provider-openstack's examples write it
    let boots_from_image_device = super::model::boot_device_image(c.block_devices()).is_some();
    let order_known = c.block_devices().iter().all(|b| !b.boot_index.is_unknown());
    if !c.image_id.is_null() && !c.image_name.is_null() {
        diags.error_at(
            at("image_name"),
            "Conflicting arguments",
            "Give image_id or image_name, not both.",
        );
    }
    if c.image_id.is_null()
        && c.image_name.is_null()
        && !boots_from_volume
        && !boots_from_image_device
        && order_known
    {
        diags.error_at(
            at("image_id"),
            "Missing boot source",
            "Give image_id or image_name, or a block_device with boot_index 0 and destination_type \"volume\", or one with boot_index 0, source_type \"image\", destination_type \"local\" and the image's uuid.",
        );
    }
    if c.security_groups.if_known().is_some_and(|g| g.is_empty()) {
        diags.error_at(
            at("security_groups"),
            "No security groups",
            "Nova puts a server without security groups in the project's \"default\" group, so an empty set cannot hold: leave security_groups unset for the default group, or name the groups.",
        );
    }
    if !c.admin_pass.is_null() && !c.admin_pass_wo.is_null() {
        diags.error_at(
            at("admin_pass_wo"),
            "Conflicting arguments",
            "Give admin_pass or admin_pass_wo, not both.",
        );
    }
}

/// A `network` block: a network or a port, and fixed IPs of the right
/// version that only a new port can take.
fn validate_network(n: &NetworkModel, p: AttrPath, diags: &mut Diagnostics) {
    if n.uuid.is_null() && n.name.is_null() && n.port.is_null() {
        diags.error_at(
            p.then_attr("uuid"),
            "Missing network",
            "Each network block needs uuid, name or port.",
        );
    }
    if !n.uuid.is_null() && !n.name.is_null() {
        diags.error_at(
            p.then_attr("name"),
            "Conflicting arguments",
            "Give the network's uuid or its name, not both.",
        );
    }
    if !n.port.is_null() && (!n.fixed_ip_v4.is_null() || !n.fixed_ip_v6.is_null()) {
        diags.error_at(
            p.then_attr("port"),
            "Conflicting arguments",
            "A fixed IP cannot be given with an existing port: the port has its own.",
        );
    }
}

/// The `block_device` blocks: each source with what it needs, one swap
/// device at most, and boot indexes 0, 1, 2... once known.
fn validate_block_devices(bds: &[BlockDeviceModel], diags: &mut Diagnostics) {
    let mut boot_indexes = Vec::new();
    let mut swaps = 0;
    for (i, b) in bds.iter().enumerate() {
        let p = AttrPath::attr("block_device").then_index(i);
        if b.guest_format.as_deref() == Some("swap") {
            swaps += 1;
        }
        validate_block_device(b, &p, swaps, diags);
        if let Some(&bi) = b.boot_index.if_known() {
            if bi >= 0 {
                boot_indexes.push((bi, i));
            }
        }
    }
    if bds.is_empty() || bds.iter().any(|b| b.boot_index.is_unknown()) {
        return;
    }
    let mut sorted: Vec<i64> = boot_indexes.iter().map(|(b, _)| *b).collect();
    sorted.sort();
    let expected: Vec<i64> = (0..sorted.len() as i64).collect();
    if sorted != expected {
        let i = boot_indexes.last().map(|(_, i)| *i).unwrap_or(0);
        diags.error_at(
            AttrPath::attr("block_device")
                .then_index(i)
                .then_attr("boot_index"),
            "Invalid boot order",
            format!("Boot indexes must run 0, 1, 2... without gaps or repeats; found {sorted:?}."),
        );
    }
}

/// One block device: its source and destination, and what they need.
/// `swaps`: the swap devices so far, this one included.
fn validate_block_device(
    b: &BlockDeviceModel,
    p: &AttrPath,
    swaps: usize,
    diags: &mut Diagnostics,
) {
    let Some(src) = b.source_type.as_deref() else {
        return;
    };
    let has_uuid = !b.uuid.is_null();
    match src {
        "blank" if has_uuid => diags.error_at(
            p.then_attr("uuid"),
            "Unexpected uuid",
            "A blank block device has no source: remove uuid.",
        ),
        "image" | "volume" | "snapshot" if !has_uuid => diags.error_at(
            p.then_attr("uuid"),
            "Missing uuid",
            format!("A block device with source_type \"{src}\" needs the uuid of the {src}."),
        ),
        _ => {}
    }
    // an unknown destination is checked once known
    let dest = match &b.destination_type {
        Attr::Unknown => return,
        d => d.as_deref().unwrap_or("local"),
    };
    if matches!(src, "volume" | "snapshot") && dest != "volume" {
        diags.error_at(
            p.then_attr("destination_type"),
            "Invalid combination",
            format!("source_type \"{src}\" needs destination_type \"volume\"."),
        );
    }
    if dest == "volume" && matches!(src, "image" | "blank") && b.volume_size.is_null() {
        diags.error_at(
            p.then_attr("volume_size"),
            "Missing volume_size",
            format!("A volume created from source_type \"{src}\" needs volume_size (GiB)."),
        );
    }
    if b.multiattach.if_known() == Some(&true) && dest != "volume" {
        diags.error_at(
            p.then_attr("multiattach"),
            "Invalid combination",
            "multiattach applies to volumes (destination_type \"volume\"); a local disk cannot be shared.",
        );
    }
    let creates_volume = dest == "volume" && matches!(src, "image" | "blank" | "snapshot");
    if !b.volume_type.is_null() && !creates_volume {
        diags.error_at(p.then_attr("volume_type"), "Invalid combination", "volume_type applies to volumes created from image, blank or snapshot sources (destination_type \"volume\").");
    }
    if b.guest_format.as_deref() == Some("swap") {
        if src != "blank" || dest != "local" {
            diags.error_at(
                p.then_attr("guest_format"),
                "Invalid swap device",
                "A swap device has source_type \"blank\" and destination_type \"local\".",
            );
        }
        if swaps > 1 {
            diags.error_at(
                p.then_attr("guest_format"),
                "Several swap devices",
                "A server has at most one swap device.",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::null_object(&schema().ty());
        v.set("network", Value::List(vec![]));
        v.set("block_device", Value::List(vec![]));
        for (k, x) in pairs {
            v.set(k, x.clone());
        }
        v
    }

    fn bd(pairs: &[(&str, Value)]) -> Value {
        let ty = schema().block.nested("block_device").unwrap().block.ty();
        let mut v = Value::null_object(&ty);
        for (k, x) in pairs {
            v.set(k, x.clone());
        }
        v
    }

    fn errors(c: &Value) -> Vec<String> {
        let mut d = Diagnostics::default();
        validate(c, &mut d);
        d.0.iter()
            .map(|d| d.path.as_ref().map(|p| p.to_string()).unwrap_or_default())
            .collect()
    }

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    #[test]
    fn valid_image_boot_has_no_errors() {
        assert!(errors(&cfg(&[
            ("image_id", s("155d900f-4e14-4e4c-a73d-069cbf4541e6")),
            ("flavor_id", s("1"))
        ]))
        .is_empty());
    }

    /// What boots the server: image_id or image_name, a volume as the first
    /// block device, or an image the first block device copies to the
    /// local disk (terraform-provider-openstack's "Instance with Boot Disk
    /// and Swap Disk" example, which gives no image_id). Anything else is
    /// refused at plan, naming image_id; an unknown boot order or image is
    /// not read as missing.
    #[test]
    fn boot_source_rules() {
        const IMG: &str = "155d900f-4e14-4e4c-a73d-069cbf4541e6";
        let dev = |src: &str, dest: &str, index: Value, uuid: Value| {
            bd(&[
                ("source_type", s(src)),
                ("destination_type", s(dest)),
                ("boot_index", index),
                ("uuid", uuid),
            ])
        };
        let swap = bd(&[
            ("source_type", s("blank")),
            ("destination_type", s("local")),
            ("boot_index", Value::Number(-1.0)),
            ("guest_format", s("swap")),
            ("volume_size", Value::Number(4.0)),
        ]);
        let zero = || Value::Number(0.0);
        let table: Vec<(&str, Vec<Value>, bool)> = vec![
            ("nothing", vec![], true),
            (
                "image to local, first",
                vec![dev("image", "local", zero(), s(IMG)), swap.clone()],
                false,
            ),
            (
                "image to local, image unknown",
                vec![dev("image", "local", zero(), Value::Unknown)],
                false,
            ),
            (
                "image to local, no uuid",
                vec![dev("image", "local", zero(), Value::Null), swap.clone()],
                true,
            ),
            (
                "image to local, not first",
                vec![dev("image", "local", Value::Number(1.0), s(IMG))],
                true,
            ),
            (
                "image to volume, first",
                vec![dev("image", "volume", zero(), s(IMG))],
                false,
            ),
            (
                "boot order unknown",
                vec![dev("image", "local", Value::Unknown, s(IMG))],
                false,
            ),
            ("swap alone", vec![swap], true),
        ];
        for (name, devices, missing) in table {
            let errs = errors(&cfg(&[
                ("flavor_id", s("1")),
                ("block_device", Value::List(devices)),
            ]));
            assert_eq!(
                errs.contains(&"image_id".to_string()),
                missing,
                "{name}: {errs:?}"
            );
        }
        // image_id given: never missing, whatever the devices
        let errs = errors(&cfg(&[("flavor_id", s("1")), ("image_id", s(IMG))]));
        assert!(!errs.contains(&"image_id".to_string()), "{errs:?}");
        let errs = errors(&cfg(&[("flavor_id", s("1")), ("image_id", Value::Unknown)]));
        assert!(!errs.contains(&"image_id".to_string()), "{errs:?}");
    }

    /// The size limit is on what is sent: base64 as written, or the text
    /// once encoded.
    #[test]
    fn user_data_size_is_counted_as_sent() {
        let base = [
            ("image_id", s("155d900f-4e14-4e4c-a73d-069cbf4541e6")),
            ("flavor_id", s("1")),
        ];
        let table: [(Value, bool); 6] = [
            // 60000 bytes of base64, sent as written
            (s(&"QUJD".repeat(15000)), false),
            (s(&"QUJD".repeat(16384)), true),
            // 49152 bytes of text, 65536 once encoded
            (s(&"# ".repeat(24576)), true),
            (s(&"# ".repeat(24000)), false),
            (Value::Null, false),
            (Value::Unknown, false),
        ];
        for (i, (ud, too_large)) in table.into_iter().enumerate() {
            let mut pairs = base.to_vec();
            pairs.push(("user_data", ud));
            let errs = errors(&cfg(&pairs));
            assert_eq!(
                errs.contains(&"user_data".to_string()),
                too_large,
                "row {i}: {errs:?}"
            );
        }
    }

    /// Every address Nova's JSON schema checks as an IP (`accessIPv4`,
    /// `accessIPv6`, `networks[].fixed_ip`, `build_near_host_ip`) is checked
    /// at plan: `""` included, which the cloud refuses with a 400.
    #[test]
    fn ip_addresses_are_checked_at_plan() {
        let base = [
            ("image_id", s("155d900f-4e14-4e4c-a73d-069cbf4541e6")),
            ("flavor_id", s("1")),
        ];
        let net_ty = schema().block.nested("network").unwrap().block.ty();
        let hints_ty = schema().block.nested("scheduler_hints").unwrap().block.ty();
        let nested = |ty: &Type, k: &str, x: Value| {
            let mut v = Value::null_object(ty);
            v.set("uuid", s("3cb9bc59-5699-4588-a4b1-b87f96708bc6"));
            v.set(k, x);
            v
        };
        type Case = (&'static str, Value, Option<&'static str>);
        let unknown = || Value::Unknown;
        let cases: Vec<Case> = vec![
            ("access_ip_v4", s("192.0.2.7"), None),
            ("access_ip_v4", s(""), Some("access_ip_v4")),
            ("access_ip_v4", s("fd00::7"), Some("access_ip_v4")),
            ("access_ip_v4", Value::Null, None),
            ("access_ip_v4", unknown(), None),
            ("access_ip_v6", s("fd00::7"), None),
            ("access_ip_v6", s(""), Some("access_ip_v6")),
            ("access_ip_v6", s("192.0.2.7"), Some("access_ip_v6")),
            ("access_ip_v6", Value::Null, None),
            ("access_ip_v6", unknown(), None),
            ("fixed_ip_v4", s("10.0.0.5"), None),
            ("fixed_ip_v4", s(""), Some("network[0].fixed_ip_v4")),
            (
                "fixed_ip_v4",
                s("10.0.0.300"),
                Some("network[0].fixed_ip_v4"),
            ),
            ("fixed_ip_v4", Value::Null, None),
            ("fixed_ip_v4", unknown(), None),
            ("fixed_ip_v6", s("fd00::5"), None),
            ("fixed_ip_v6", s(""), Some("network[0].fixed_ip_v6")),
            ("fixed_ip_v6", s("10.0.0.5"), Some("network[0].fixed_ip_v6")),
            ("fixed_ip_v6", unknown(), None),
            ("build_near_host_ip", s("10.0.0.5"), None),
            ("build_near_host_ip", s("fd00::5"), None),
            (
                "build_near_host_ip",
                s(""),
                Some("scheduler_hints.build_near_host_ip"),
            ),
            (
                "build_near_host_ip",
                s("compute1"),
                Some("scheduler_hints.build_near_host_ip"),
            ),
            ("build_near_host_ip", Value::Null, None),
            ("build_near_host_ip", unknown(), None),
        ];
        for (attr, value, want) in cases {
            let mut pairs = base.to_vec();
            match attr {
                "fixed_ip_v4" | "fixed_ip_v6" => pairs.push((
                    "network",
                    Value::List(vec![nested(&net_ty, attr, value.clone())]),
                )),
                "build_near_host_ip" => {
                    let mut h = Value::null_object(&hints_ty);
                    h.set(attr, value.clone());
                    pairs.push(("scheduler_hints", h));
                }
                _ => pairs.push((attr, value.clone())),
            }
            let c = cfg(&pairs);
            let mut d = Diagnostics::default();
            crate::framework::schema::validate_config(
                &schema().block,
                &c,
                &AttrPath::root(),
                &mut d,
            );
            validate(&c, &mut d);
            let paths: Vec<String> =
                d.0.iter()
                    .map(|d| d.path.as_ref().map(|p| p.to_string()).unwrap_or_default())
                    .collect();
            match want {
                None => assert!(paths.is_empty(), "{attr} = {value:?}: {paths:?}"),
                Some(p) => {
                    assert_eq!(paths, vec![p.to_string()], "{attr} = {value:?}");
                    assert!(
                        d.0[0].detail.contains(attr) && d.0[0].detail.contains("address"),
                        "{attr} = {value:?}: {}",
                        d.0[0].detail
                    );
                }
            }
        }
    }

    #[test]
    fn rules_table() {
        let img = ("image_id", s("155d900f-4e14-4e4c-a73d-069cbf4541e6"));
        let fl = ("flavor_id", s("1"));
        let uuid = s("155d900f-4e14-4e4c-a73d-069cbf4541e6");
        let cases: Vec<(Value, &str)> = vec![
            (cfg(&[img.clone()]), "flavor_id"),
            (
                cfg(&[img.clone(), fl.clone(), ("flavor_name", s("m1"))]),
                "flavor_name",
            ),
            (cfg(&[fl.clone()]), "image_id"),
            (
                cfg(&[
                    img.clone(),
                    fl.clone(),
                    ("network_mode", s("auto")),
                    (
                        "network",
                        Value::List(vec![Value::Object(Default::default())]),
                    ),
                ]),
                "network_mode",
            ),
            (
                cfg(&[
                    img.clone(),
                    fl.clone(),
                    ("tags", Value::Set(vec![s("a/b")])),
                ]),
                "tags[0]",
            ),
            (
                cfg(&[
                    img.clone(),
                    fl.clone(),
                    ("user_data", s(&"# ".repeat(25000))),
                ]),
                "user_data",
            ),
            (
                cfg(&[
                    fl.clone(),
                    (
                        "block_device",
                        Value::List(vec![bd(&[
                            ("source_type", s("image")),
                            ("destination_type", s("volume")),
                            ("boot_index", 0.into()),
                        ])]),
                    ),
                ]),
                "block_device[0].uuid",
            ),
            (
                cfg(&[
                    fl.clone(),
                    (
                        "block_device",
                        Value::List(vec![bd(&[
                            ("source_type", s("image")),
                            ("uuid", uuid.clone()),
                            ("destination_type", s("volume")),
                            ("boot_index", 0.into()),
                        ])]),
                    ),
                ]),
                "block_device[0].volume_size",
            ),
            (
                cfg(&[
                    img.clone(),
                    fl.clone(),
                    (
                        "block_device",
                        Value::List(vec![bd(&[
                            ("source_type", s("blank")),
                            ("uuid", uuid.clone()),
                        ])]),
                    ),
                ]),
                "block_device[0].uuid",
            ),
            (
                cfg(&[
                    img.clone(),
                    fl.clone(),
                    (
                        "block_device",
                        Value::List(vec![bd(&[
                            ("source_type", s("volume")),
                            ("uuid", uuid.clone()),
                            ("destination_type", s("local")),
                        ])]),
                    ),
                ]),
                "block_device[0].destination_type",
            ),
            (
                cfg(&[
                    img.clone(),
                    fl.clone(),
                    (
                        "block_device",
                        Value::List(vec![
                            bd(&[
                                ("source_type", s("blank")),
                                ("guest_format", s("swap")),
                                ("volume_size", 512.into()),
                            ]),
                            bd(&[
                                ("source_type", s("blank")),
                                ("guest_format", s("swap")),
                                ("volume_size", 512.into()),
                            ]),
                        ]),
                    ),
                ]),
                "block_device[1].guest_format",
            ),
            (
                cfg(&[
                    img.clone(),
                    fl.clone(),
                    (
                        "block_device",
                        Value::List(vec![bd(&[
                            ("source_type", s("blank")),
                            ("destination_type", s("volume")),
                            ("volume_size", 1.into()),
                            ("boot_index", 1.into()),
                        ])]),
                    ),
                ]),
                "block_device[0].boot_index",
            ),
            (
                cfg(&[
                    img.clone(),
                    fl.clone(),
                    (
                        "block_device",
                        Value::List(vec![bd(&[
                            ("source_type", s("volume")),
                            ("uuid", uuid.clone()),
                            ("destination_type", s("volume")),
                            ("volume_type", s("fast")),
                        ])]),
                    ),
                ]),
                "block_device[0].volume_type",
            ),
            (
                cfg(&[
                    img.clone(),
                    fl.clone(),
                    (
                        "block_device",
                        Value::List(vec![bd(&[
                            ("source_type", s("blank")),
                            ("destination_type", s("local")),
                            ("multiattach", Value::Bool(true)),
                        ])]),
                    ),
                ]),
                "block_device[0].multiattach",
            ),
        ];
        for (i, (c, path)) in cases.iter().enumerate() {
            let e = errors(c);
            assert!(
                e.iter().any(|p| p == path),
                "case {i}: expected an error at {path}, got {e:?}"
            );
        }
    }

    /// `multiattach = true` only on a volume; false, null and unknown
    /// anywhere (an unknown destination is checked once known).
    #[test]
    fn multiattach_only_on_volumes() {
        let dev = |src: &str, dest: Value, m: Value| {
            cfg(&[
                ("flavor_id", s("1")),
                (
                    "block_device",
                    Value::List(vec![bd(&[
                        ("source_type", s(src)),
                        ("uuid", s("155d900f-4e14-4e4c-a73d-069cbf4541e6")),
                        ("destination_type", dest),
                        ("boot_index", Value::Number(0.into())),
                        ("volume_size", Value::Number(1.into())),
                        ("multiattach", m),
                    ])]),
                ),
            ])
        };
        let table = [
            (dev("volume", s("volume"), Value::Bool(true)), false),
            (dev("image", s("volume"), Value::Bool(true)), false),
            (dev("image", s("local"), Value::Bool(true)), true),
            (dev("image", Value::Null, Value::Bool(true)), true),
            (dev("image", Value::Unknown, Value::Bool(true)), false),
            (dev("image", s("local"), Value::Bool(false)), false),
            (dev("image", s("local"), Value::Null), false),
            (dev("image", s("local"), Value::Unknown), false),
        ];
        for (i, (c, refused)) in table.iter().enumerate() {
            let e = errors(c);
            assert_eq!(
                e.contains(&"block_device[0].multiattach".to_string()),
                *refused,
                "row {i}: {e:?}"
            );
        }
    }

    /// `locked_reason` with `locked` unset or false is refused naming
    /// `locked_reason`; while either is unknown it waits for the values.
    #[test]
    fn locked_reason_needs_locked_true() {
        let base = [
            ("image_id", s("155d900f-4e14-4e4c-a73d-069cbf4541e6")),
            ("flavor_id", s("1")),
        ];
        let table: [(Value, Value, bool); 9] = [
            (Value::Bool(true), s("maintenance"), false),
            (Value::Bool(false), s("maintenance"), true),
            (Value::Null, s("maintenance"), true),
            (Value::Unknown, s("maintenance"), false),
            (Value::Bool(true), Value::Unknown, false),
            (Value::Bool(false), Value::Unknown, false),
            (Value::Null, Value::Null, false),
            (Value::Bool(false), Value::Null, false),
            (Value::Unknown, Value::Null, false),
        ];
        for (i, (locked, reason, refused)) in table.into_iter().enumerate() {
            let mut pairs = base.to_vec();
            pairs.push(("locked", locked));
            pairs.push(("locked_reason", reason));
            let errs = errors(&cfg(&pairs));
            assert_eq!(
                errs.contains(&"locked_reason".to_string()),
                refused,
                "row {i}: {errs:?}"
            );
            assert!(!errs.contains(&"locked".to_string()), "row {i}: {errs:?}");
        }
    }
}
