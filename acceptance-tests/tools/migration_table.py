"""The argument-by-argument migration table from terraform-provider-openstack
(docs/migration.md): every argument and attribute of its compute types, and
what it is here.

    python3 acceptance-tests/tools/migration_table.py     # rewrites docs/migration.md

`scripts/docs` runs it; `test_migration_table.py` fails when the file is
stale or when a name it gives for this provider is not in docs/.

OPENSTACK lists that provider's schema names (read from its resource and
data source definitions at commit 27f26125). An argument whose name is the
same here is found in docs/ and marked as such; every other one needs an
entry in DIFFERENT, so nothing is dropped without a word.
"""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# (kind, their type, our type, their names)
OPENSTACK = [
    ("resource", "openstack_compute_instance_v2", "nova_server",
     "access_ip_v4 access_ip_v6 admin_pass all_metadata all_tags availability_zone availability_zone_hints "
     "block_device block_device.boot_index block_device.delete_on_termination block_device.destination_type "
     "block_device.device_type block_device.disk_bus block_device.guest_format block_device.multiattach "
     "block_device.source_type block_device.uuid block_device.volume_size block_device.volume_type config_drive "
     "created flavor_id flavor_name force_delete hypervisor_hostname image_id image_name key_pair metadata name "
     "network network.access_network network.fixed_ip_v4 network.fixed_ip_v6 network.mac network.name "
     "network.port network.uuid network_mode personality personality.content personality.file power_state "
     "region scheduler_hints scheduler_hints.additional_properties scheduler_hints.build_near_host_ip "
     "scheduler_hints.different_cell scheduler_hints.different_host scheduler_hints.group scheduler_hints.query "
     "scheduler_hints.same_host scheduler_hints.target_cell security_groups stop_before_destroy tags updated "
     "user_data vendor_options vendor_options.detach_ports_before_destroy "
     "vendor_options.ignore_resize_confirmation"),
    ("resource", "openstack_compute_flavor_v2", "nova_flavor",
     "description disk ephemeral extra_specs flavor_id is_public name ram region rx_tx_factor swap vcpus"),
    ("resource", "openstack_compute_flavor_access_v2", "nova_flavor_access", "flavor_id region tenant_id"),
    ("resource", "openstack_compute_keypair_v2", "nova_keypair",
     "fingerprint name private_key public_key region user_id value_specs"),
    ("resource", "openstack_compute_aggregate_v2", "nova_aggregate", "hosts metadata name region zone"),
    ("resource", "openstack_compute_servergroup_v2", "nova_server_group",
     "members name policies region rules rules.max_server_per_host value_specs"),
    ("resource", "openstack_compute_volume_attach_v2", "nova_volume_attachment",
     "device instance_id multiattach region tag vendor_options vendor_options.ignore_volume_confirmation "
     "volume_id"),
    ("resource", "openstack_compute_interface_attach_v2", "nova_interface_attachment",
     "fixed_ip instance_id network_id port_id region"),
    ("resource", "openstack_compute_quotaset_v2", "nova_quota_set",
     "cores fixed_ips floating_ips injected_file_content_bytes injected_file_path_bytes injected_files instances "
     "key_pairs metadata_items project_id ram region security_group_rules security_groups server_group_members "
     "server_groups"),
    ("data source", "openstack_compute_instance_v2", "nova_server",
     "access_ip_v4 access_ip_v6 availability_zone created flavor_id flavor_name id image_id image_name key_pair "
     "metadata name network network.fixed_ip_v4 network.fixed_ip_v6 network.mac network.name network.port "
     "network.uuid power_state region security_groups tags updated user_data"),
    ("data source", "openstack_compute_flavor_v2", "nova_flavor",
     "description disk extra_specs flavor_id is_public min_disk min_ram name ram region rx_tx_factor swap vcpus"),
    ("data source", "openstack_compute_keypair_v2", "nova_keypair", "fingerprint name public_key region user_id"),
    ("data source", "openstack_compute_aggregate_v2", "nova_aggregate", "hosts metadata name region zone"),
    ("data source", "openstack_compute_servergroup_v2", "nova_server_group",
     "members metadata name policies project_id region rules rules.max_server_per_host user_id"),
    ("data source", "openstack_compute_availability_zones_v2", "nova_availability_zones", "names region state"),
    ("data source", "openstack_compute_hypervisor_v2", "nova_hypervisor",
     "disk host_ip hostname memory region state status type vcpus"),
    ("data source", "openstack_compute_limits_v2", "nova_limits",
     "max_image_meta max_personality max_personality_size max_security_group_rules max_security_groups "
     "max_server_group_members max_server_groups max_server_meta max_total_cores max_total_floating_ips "
     "max_total_instances max_total_keypairs max_total_ram_size project_id region total_cores_used "
     "total_floating_ips_used total_instances_used total_ram_used total_security_groups_used "
     "total_server_groups_used"),
    ("data source", "openstack_compute_quotaset_v2", "nova_quota_set",
     "cores fixed_ips floating_ips injected_file_content_bytes injected_file_path_bytes injected_files instances "
     "key_pairs metadata_items project_id ram region security_group_rules security_groups server_group_members "
     "server_groups"),
]

REGION = ("region", "carried now: per resource and data source; unset, the provider's region (recorded in state); "
                     "a resource's replaces it on change; `moved` keeps theirs (\"\" there is the provider's region)")

# (kind, our type, their name) -> (our name or None, note)
DIFFERENT = {
    ("resource", "nova_server", "key_pair"):
        ("key_name", "Nova's name; a change replaces the server, as there, unless `on_key_name_change = \"rebuild\"` "
                     "(microversion 2.54) rebuilds it in place"),
    ("resource", "nova_server", "user_data"):
        ("user_data", "a change replaces the server, as there, unless `on_user_data_change = \"rebuild\"` "
                      "(microversion 2.57) rebuilds it in place, keeping its ID and addresses"),
    ("resource", "nova_server", "availability_zone_hints"):
        ("availability_zone", "kept as written, so a zone hint such as `nova:host1` shows no drift"),
    ("resource", "nova_server", "block_device.multiattach"):
        ("block_device.multiattach", "recorded, not sent (the compute API has no such field); `true` needs microversion 2.60"),
    ("resource", "nova_server", "image_name"):
        ("image_name", "looked up through the image API at plan time (one image of that name, else the plan fails "
                       "naming it); a renamed reference to the same image changes nothing, another image rebuilds in place"),
    ("resource", "nova_server", "network"):
        ("network", "a block added or removed attaches or detaches an interface in place (the server keeps its ID); "
                    "there, the server is replaced. A changed block still replaces"),
    ("resource", "nova_server", "network.name"):
        ("network.name", "looked up through the network API at plan time; kept as written, `uuid` computed"),
    ("resource", "nova_server", "access_ip_v4"):
        ("access_ip_v4", "also an argument here (sent as Nova's `accessIPv4`, kept as written); Nova's own address comes "
                         "first, then, when it has none, that provider's rule (the `access_network` block's fixed "
                         "address, else the first block's), where that provider puts its rule first"),
    ("resource", "nova_server", "access_ip_v6"): ("access_ip_v6", "as `access_ip_v4`, for IPv6"),
    ("resource", "nova_server", "network.access_network"):
        ("network.access_network", "the same rule: when Nova has no access addresses, `access_ip_v4`/`access_ip_v6` "
                                   "take this block's fixed address; a change is applied in place"),
    ("resource", "nova_server", "scheduler_hints.additional_properties"):
        ("scheduler_hints.additional", "the same map of further hints"),
    ("resource", "nova_server", "scheduler_hints.query"):
        ("scheduler_hints.query", "the JsonFilter query as JSON text, as Nova takes it: "
         "`jsonencode([\">=\", \"$free_ram_mb\", 1024])` for that provider's list; a moved state is converted"),
    ("resource", "nova_server", "power_state"):
        ("power_state", "also `suspended`; `shelved_offloaded` as there (shelve, then shelveOffload when the cloud "
         "does not offload by itself); `shelved` holds a server the cloud offloaded by itself, with no drift"),
    ("resource", "nova_server", "personality"):
        ("personality", "as there; on a cloud newer than 2.56 the create request alone is sent at 2.56 (the plan warns), "
         "unless compute_microversion is pinned"),
    ("resource", "nova_server", "vendor_options"):
        ("vendor_options", "a single block here (a set of one there); never sent to the cloud, changes in place; a moved state keeps it"),
    ("resource", "nova_server", "vendor_options.ignore_resize_confirmation"):
        ("vendor_options.ignore_resize_confirmation", "as there: no confirmResize, the resize waits for ACTIVE/SHUTOFF; "
         "without it, a resize on a cloud that confirms it itself is recognised too"),
    ("resource", "nova_server", "vendor_options.detach_ports_before_destroy"):
        ("vendor_options.detach_ports_before_destroy", "as there: every interface is detached, and the detach waited for, "
         "before the delete; ports given in `network.port` stay, unbound"),
    ("resource", "nova_flavor_access", "tenant_id"): ("project_id", "Keystone's current name"),
    ("resource", "nova_keypair", "value_specs"): (None, "not here: Nova takes no further key pair fields"),
    ("resource", "nova_aggregate", "zone"): ("availability_zone", "Nova's name"),
    ("resource", "nova_server_group", "policies"): ("policy", "one policy (a string), as Nova 2.64+ has it"),
    ("resource", "nova_server_group", "value_specs"): (None, "not here: Nova takes no further server group fields"),
    ("resource", "nova_volume_attachment", "instance_id"): ("server_id", "Nova's name"),
    ("resource", "nova_volume_attachment", "multiattach"):
        (None, "not needed: a multi-attach volume attaches like any other at microversion 2.60+, which the provider speaks"),
    ("resource", "nova_volume_attachment", "vendor_options"): (None, "not needed: see its setting"),
    ("resource", "nova_volume_attachment", "vendor_options.ignore_volume_confirmation"):
        (None, "not needed: the attachment is confirmed by its instance action and the server's attachment list, not by the volume API"),
    ("resource", "nova_interface_attachment", "instance_id"): ("server_id", "Nova's name"),
    ("data source", "nova_server", "key_pair"): ("key_name", "Nova's name"),
    ("data source", "nova_server", "image_name"): ("image_name", "read from the image API (null when it cannot be read)"),
    ("data source", "nova_server", "user_data"):
        (None, "not here: user data can hold secrets; `nova_server` keeps only its hash"),
    ("data source", "nova_aggregate", "zone"): ("availability_zone", "Nova's name"),
    ("data source", "nova_server_group", "policies"): ("policy", "one policy (a string)"),
    ("data source", "nova_server_group", "metadata"): (None, "not here: Nova's server groups have no metadata"),
}


def our_names():
    """(kind, type) -> the attribute names in docs/, nested ones as `block.name`."""
    out = {}
    for kind, folder in (("resource", "resources"), ("data source", "data-sources")):
        d = os.path.join(ROOT, "docs", folder)
        for f in sorted(os.listdir(d)):
            names, prefix = set(), ""
            with open(os.path.join(d, f)) as fh:
                for line in fh:
                    m = re.match(r"### Nested Schema for `([^`]+)`", line)
                    if m:
                        prefix = m.group(1) + "."
                    m = re.match(r"- `([a-z0-9_]+)`", line)
                    if m:
                        names.add(prefix + m.group(1))
            out[(kind, "nova_" + f[:-3])] = names
    return out


def has(names, name):
    """`name` is an attribute, or a field of an object attribute described
    in its parent's text (data source lists of objects)."""
    if name in names:
        return True
    parent = name.split(".")[0]
    nested = any(n.startswith(parent + ".") for n in names)
    return "." in name and parent in names and not nested


def rows():
    """(kind, their type, our type, their name, our name or None, note), and
    the problems found (names given for this provider that docs/ lacks)."""
    ours = our_names()
    out, problems = [], []
    for kind, theirs, mine, names in OPENSTACK:
        present = ours.get((kind, mine))
        if present is None:
            problems.append(f"{kind} {mine}: no page in docs/")
            continue
        for name in names.split():
            key = (kind, mine, name)
            if name == "region":
                here, note = REGION
            elif key in DIFFERENT:
                here, note = DIFFERENT[key]
            elif has(present, name):
                here, note = name, "same"
            else:
                problems.append(f"{kind} {mine}: {theirs}'s {name} is neither here nor in DIFFERENT")
                continue
            if key in DIFFERENT and has(present, name) and DIFFERENT[key][0] is None:
                problems.append(f"{kind} {mine}: {name} is here now; drop its DIFFERENT entry")
            if here is not None and not has(present, here):
                problems.append(f"{kind} {mine}: {here} (for {name}) is not in docs/")
            out.append((kind, theirs, mine, name, here, note))
    return out, problems


def render():
    table, _ = rows()
    lines = [
        "# Migrating from terraform-provider-openstack: every argument",
        "",
        "Generated by `acceptance-tests/tools/migration_table.py` (run by `scripts/docs`); do not edit by hand.",
        "",
        "Every argument and attribute of terraform-provider-openstack's compute resources and data sources,",
        "and what it is in this provider. \"same\" means the same name and meaning. How to move state is in",
        "the README's migration section.",
        "",
    ]
    current = None
    for kind, theirs, mine, name, here, note in table:
        if (kind, theirs) != current:
            current = (kind, theirs)
            lines += ["", f"## {kind} `{theirs}` → `{mine}`", "",
                      "| theirs | here | notes |", "|---|---|---|"]
        lines.append(f"| `{name}` | {'`' + here + '`' if here else '—'} | {'' if note == 'same' and here == name else note} |")
    missing = sum(1 for r in table if r[4] is None)
    lines += ["", f"{len(table)} names; {len(table) - missing} have a counterpart here, {missing} do not (each says why).", ""]
    return "\n".join(lines)


def main():
    _, problems = rows()
    for p in problems:
        print(p, file=sys.stderr)
    with open(os.path.join(ROOT, "docs", "migration.md"), "w") as f:
        f.write(render())
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
