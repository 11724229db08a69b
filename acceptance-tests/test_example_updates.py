"""Every resource example, applied against the local cloud, then changed one
argument at a time.

For each example under examples/resources/ the example (with the resources
it refers to from other examples) is applied and must plan clean. Then every
argument of the example's resource types (from `terraform providers schema
-json`: everything that is not computed-only, nested block arguments and
`timeouts` included) is given a new value on its own. Whether that is an
in-place change or a replacement is read from the plan, not assumed: an
argument that plans an update is applied, and the next plan (with refresh)
must be empty; one that plans a replacement is put back untouched. Changes
accumulate: each argument starts from the configuration the previous one
left. Some arguments take several steps (power_state: shutoff, then active
again); an optional argument without a computed value is afterwards removed
from the configuration again, which must be an in-place change as well.
What replaces, and what cannot be exercised here, are compared with the
expected constants below, so an argument can neither start replacing nor be
skipped unnoticed. Run with -s to see each change and the pairs covered.
"""
import glob
import json
import os
import re
import time
import uuid

import pytest

from conftest import PROVIDER_BLOCK, ROOT, purge_soft_deleted
from example_files import EXAMPLE_PROJECT, EXAMPLE_VOLUME, write_example_inputs

pytestmark = pytest.mark.cloud

ADDRESS = "registry.terraform.io/nova-project/nova"
CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
OTHER_IMAGE = "76fa36fc-c930-4bf3-8c8a-ea2a2420deb6"

EXAMPLES = sorted(os.path.basename(os.path.dirname(p))
                  for p in glob.glob(os.path.join(ROOT, "examples", "resources", "*", "resource.tf")))

# Arguments that plan a replacement when changed alone, per resource type.
# These are not applied (only in-place changes are); the list is checked so
# that an argument that starts (or stops) replacing is noticed.
EXPECTED_REPLACING = {
    "nova_aggregate": {"region"},
    "nova_flavor": {"region", "disk", "ephemeral", "flavor_id", "is_public", "name", "ram", "rx_tx_factor", "swap", "vcpus"},
    "nova_flavor_access": {"region", "flavor_id", "project_id"},
    "nova_interface_attachment": {"region", "fixed_ip", "network_id", "port_id", "server_id", "tag"},
    "nova_keypair": {"region", "algorithm", "name", "public_key", "rsa_bits", "type", "user_id"},
    "nova_server": {
        "region",
        "availability_zone", "config_drive", "disk_config", "host", "hypervisor_hostname", "key_name",
        "network_mode", "trusted_image_certificates", "user_data",
        "network.fixed_ip_v4", "network.fixed_ip_v6", "network.port", "network.subnet_id", "network.tag",
        "network.uuid",
        "block_device.boot_index", "block_device.delete_on_termination", "block_device.destination_type",
        "block_device.device_type", "block_device.disk_bus", "block_device.guest_format",
        "block_device.multiattach", "block_device.source_type", "block_device.tag", "block_device.uuid",
        "block_device.volume_size",
        "block_device.volume_type",
        "scheduler_hints.additional", "scheduler_hints.build_near_host_ip", "scheduler_hints.cidr",
        "scheduler_hints.different_cell", "scheduler_hints.different_host", "scheduler_hints.group",
        "scheduler_hints.query", "scheduler_hints.same_host", "scheduler_hints.target_cell",
        "personality",
    },
    "nova_server_group": {"region", "name", "policy", "rules.max_server_per_host"},
    "nova_volume_attachment": {"region", "delete_on_termination", "device", "server_id", "tag", "volume_id"},
    "nova_quota_set": {"region", "project_id"},
}

# Whole blocks added to a resource that has some, then removed again: each
# step must be an in-place update (a server's network blocks attach and
# detach interfaces; a changed argument of a block still replaces, above).
BLOCKS_IN_PLACE = {
    ("nova_server", "network"): lambda values, cloud: [
        {("network",): NewBlock(uuid=cloud["networks"]["private"])},
        {(f"network[{len(values['network'])}]",): REMOVE},
    ],
}

# Arguments that change in place, but whose removal from the configuration
# (after the change) plans a replacement, as documented: Nova cannot take an
# aggregate out of its zone.
EXPECTED_UNSET_REPLACING = {("nova_aggregate", "availability_zone")}

# (type, argument, reason) of the arguments this test does not apply a
# change of.
EXPECTED_SKIPPED = {
    ("nova_quota_set", limit, f"removed from quota sets at microversion {removed}: refused at plan time at the "
                              "negotiated one (test_quota_set.py sets it with a pinned microversion)")
    for limit, removed in (("fixed_ips", "2.36"), ("floating_ips", "2.36"), ("security_groups", "2.36"),
                           ("security_group_rules", "2.36"), ("networks", "2.36"), ("injected_files", "2.57"),
                           ("injected_file_content_bytes", "2.57"), ("injected_file_path_bytes", "2.57"))
}
# Of those, the ones whose change is still planned, and must plan an update.
PLAN_ONLY = set()

REMOVE = object()  # an edit that removes the argument from the configuration
PROVIDER = "provider"  # an edit of the provider block (its body) for one step


class NewBlock(dict):
    """A nested block added with these arguments."""


# --------------------------------------------------------------------------
# A small HCL reader/editor: enough of the syntax for the examples (blocks,
# attributes, strings with templates, nested brackets, comments).

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
PAIRS = {"{": "}", "[": "]", "(": ")"}


def _line_end(text, i):
    j = text.find("\n", i)
    return len(text) if j < 0 else j


def _string_end(text, i):
    """Index after the string literal opening at text[i] == '"'."""
    i += 1
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
        elif c == '"':
            return i + 1
        elif c in "$%" and text.startswith(c + c + "{", i):
            i += 3
        elif c in "$%" and text.startswith("{", i + 1):
            i = _code_end(text, i + 2, "}")
        else:
            i += 1
    raise ValueError("unterminated string")


def _code_end(text, i, close):
    """Index after the `close` that ends the expression starting at i."""
    while i < len(text):
        c = text[i]
        if c == '"':
            i = _string_end(text, i)
        elif c == "#" or text.startswith("//", i):
            i = _line_end(text, i)
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 2
        elif text.startswith("<<", i):
            raise ValueError("heredocs are not supported here")
        elif c in PAIRS:
            i = _code_end(text, i + 1, PAIRS[c])
        elif c == close:
            return i + 1
        else:
            i += 1
    raise ValueError(f"no closing {close!r}")


class Item:
    def __init__(self, kind, name, labels, start, end, body=None):
        self.kind, self.name, self.labels, self.start, self.end, self.body = kind, name, labels, start, end, body


def hcl_items(text, start=0, end=None):
    """The attributes and blocks of a body, with their spans; a block's
    body is (index after its '{', index of its '}')."""
    end = len(text) if end is None else end
    out, i = [], start
    while True:
        while i < end:
            if text[i] in " \t\r\n":
                i += 1
            elif text[i] == "#" or text.startswith("//", i):
                i = _line_end(text, i)
            elif text.startswith("/*", i):
                i = text.index("*/", i) + 2
            else:
                break
        if i >= end:
            return out
        m = IDENT.match(text, i)
        if not m:
            raise ValueError(f"cannot read HCL at {text[i:i + 40]!r}")
        j = m.end()
        while text[j] in " \t":
            j += 1
        if text[j] == "=":
            k = j + 1
            while k < end and text[k] != "\n":
                c = text[k]
                if c == '"':
                    k = _string_end(text, k)
                elif c in PAIRS:
                    k = _code_end(text, k + 1, PAIRS[c])
                elif c == "#" or text.startswith("//", k):
                    k = _line_end(text, k)
                elif text.startswith("<<", k):
                    raise ValueError("heredocs are not supported here")
                else:
                    k += 1
            out.append(Item("attr", m.group(), [], i, k))
            i = k
        else:
            labels = []
            while text[j] == '"':
                e = _string_end(text, j)
                labels.append(json.loads(text[j:e]))
                j = e
                while text[j] in " \t":
                    j += 1
            if text[j] != "{":
                raise ValueError(f"cannot read HCL at {text[i:j + 20]!r}")
            close = _code_end(text, j + 1, "}")
            out.append(Item("block", m.group(), labels, i, close, (j + 1, close - 1)))
            i = close


def resource_blocks(text):
    return {(it.labels[0], it.labels[1]): it for it in hcl_items(text)
            if it.kind == "block" and it.name == "resource"}


def has_block(text, rtype, rname, block):
    res = resource_blocks(text)[(rtype, rname)]
    return any(it.kind == "block" and it.name == block for it in hcl_items(text, *res.body))


def hcl_value(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v).replace("${", "$${").replace("%{", "%%{")
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(hcl_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {hcl_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def _insert_at_end(text, end, lines):
    """Inserts lines (each without its newline) at the end of the body
    whose closing brace is at text[end], indented two more than the brace."""
    nl = text.rfind("\n", 0, end)
    if nl >= 0 and not text[nl + 1:end].strip():
        indent = text[nl + 1:end] + "  "
        return text[:nl + 1] + "".join(indent + l + "\n" for l in lines) + text[nl + 1:]
    return text[:end] + "\n" + "".join("  " + l + "\n" for l in lines) + text[end:]


def block_segment(seg):
    """"name" or "name[i]": the block's name and index (default 0)."""
    m = re.fullmatch(r"(\w+)(?:\[(\d+)\])?", seg)
    return m.group(1), int(m.group(2) or 0)


def set_argument(text, rtype, rname, path, value):
    """The configuration with the argument at `path` (block names, each
    with an optional [index], then the argument's name) of resource
    rtype.rname set to `value` (REMOVE: removed; NewBlock: a block of that
    name added). Missing blocks on the way are created."""
    while True:
        start, end = resource_blocks(text)[(rtype, rname)].body
        missing = None
        for seg in path[:-1]:
            b, n = block_segment(seg)
            found = [it for it in hcl_items(text, start, end) if it.kind == "block" and it.name == b]
            if len(found) <= n:
                assert n == 0, f"{rtype}.{rname} has no block {seg}"
                missing = b
                break
            start, end = found[n].body
        if missing is None:
            break
        if value is REMOVE:
            return text
        text = _insert_at_end(text, end, [f"{missing} {{", "}"])
    name = path[-1]
    if isinstance(value, NewBlock):
        return _insert_at_end(text, end, [f"{name} {{"] + [f"  {k} = {hcl_value(v)}" for k, v in value.items()] + ["}"])
    if value is REMOVE and "[" in name:  # one block: the n-th of that name
        b, n = block_segment(name)
        it = [it for it in hcl_items(text, start, end) if it.kind == "block" and it.name == b][n]
        return text[:it.start] + text[it.end:]
    if value is REMOVE:  # an attribute, or every block of that name
        for it in reversed(hcl_items(text, start, end)):
            if it.name == name:
                text = text[:it.start] + text[it.end:]
        return text
    attr = next((it for it in hcl_items(text, start, end) if it.kind == "attr" and it.name == name), None)
    line = f"{name} = {hcl_value(value)}"
    if attr is not None:
        return text[:attr.start] + line + text[attr.end:]
    return _insert_at_end(text, end, [line])


REF = re.compile(r"(?<![\w.])(nova_[a-z_]+)\.([A-Za-z_][\w-]*)")


def example_configuration(example):
    """The example's resource.tf, followed by the resources of other
    examples it refers to (and those they refer to), as one configuration;
    also the resource types defined by the example itself."""
    texts = {}
    for f in sorted(glob.glob(os.path.join(ROOT, "examples", "resources", "*", "resource.tf"))):
        texts[os.path.basename(os.path.dirname(f))] = open(f).read()
    blocks = {}
    for text in texts.values():
        for key, it in resource_blocks(text).items():
            blocks[key] = text[it.start:it.end]
    main = texts[example]
    own = resource_blocks(main)
    wanted, todo = [], [main]
    while todo:
        for m in REF.finditer(todo.pop()):
            key = (m.group(1), m.group(2))
            if key in blocks and key not in own and key not in wanted:
                wanted.append(key)
                todo.append(blocks[key])
    text = main + "".join(f"\n# from the {k[0]} example\n{blocks[k]}\n" for k in sorted(wanted))
    types = []
    for (t, _n) in own:
        if t not in types:
            types.append(t)
    return text, types, [k for k in own]


# --------------------------------------------------------------------------
# The arguments of a type, and a new value for each


def arguments(block, prefix=()):
    """(path, schema, kind) of every argument that is not computed-only:
    kind "attr" for attributes, "block" for a nested block as a whole."""
    out = []
    for name, a in sorted(block.get("attributes", {}).items()):
        if a.get("required") or a.get("optional"):
            out.append((prefix + (name,), a, "attr"))
    for name, bt in sorted(block.get("block_types", {}).items()):
        out.append((prefix + (name,), bt, "block"))
    return out


UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def generic_new_value(path, typ, cur):
    """A new value of the attribute's type, derived from the current one."""
    if path[0] == "timeouts" and cur is None:
        return "21m"
    if typ == "string":
        if cur is None:
            return "tf-acc-new"
        if UUID_RE.match(cur):
            return str(uuid.uuid4())
        m = re.fullmatch(r"(\d+)m", cur)
        if m:  # a duration
            return f"{int(m.group(1)) + 1}m"
        return cur + "-new"
    if typ == "number":
        return 1 if cur is None else cur + 1
    if typ == "bool":
        return not cur
    if typ == ["map", "string"]:
        new = dict(cur or {})
        new["tf-acc"] = "new" if new.get("tf-acc") != "new" else "newer"
        return new
    if typ in (["set", "string"], ["list", "string"]):
        return list(cur or []) + ["tf-acc-new"]
    raise NotImplementedError(f"no generic new value for {typ}")


def other(cur, *choices):
    return next(c for c in choices if c != cur)


# Explicit new values, where a generic one would not be valid. Each entry
# gives the steps (each a dict of path -> value, applied in turn) from the
# current value `cur`, the resource's state `values` and the cloud. A step may
# set companions: an argument that conflicts with another removes it.
def other_region(cur, cloud):
    """Another region of the catalog: one of the profiles' (a change of
    region plans a replacement, not applied here)."""
    regions = sorted(p["region"] for p in cloud.get("profiles", {}).values() if p.get("region"))
    return other(cur, *regions)


NEW_VALUES = {
    **{(t, "region"): (lambda cur, values, cloud: [{("region",): other_region(cur, cloud)}])
       for t in EXPECTED_REPLACING},
    # a generated key pair made RSA instead (rsa_bits only with it)
    ("nova_keypair", "algorithm"): lambda cur, values, cloud: [{("algorithm",): other(cur, "rsa", "ed25519")}],
    ("nova_keypair", "rsa_bits"): lambda cur, values, cloud: [
        {("algorithm",): "rsa", ("rsa_bits",): other(cur, 2048, 4096)}],
    ("nova_aggregate", "hosts"): lambda cur, values, cloud: [
        {("hosts",): cloud["compute_hosts"][:1]}, {("hosts",): cloud["compute_hosts"]}],
    ("nova_keypair", "type"): lambda cur, values, cloud: [{("type",): other(cur, "x509", "ssh")}],
    ("nova_keypair", "public_key"): lambda cur, values, cloud: [{("public_key",): (
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPu1bH1B3Nq9fE8g0rVt0yA1kzv1rWm2rHk3kq9Y5Qxe tf-acc")}],
    # rules are for anti-affinity only
    ("nova_server_group", "policy"): lambda cur, values, cloud: [{("policy",): other(cur, "affinity", "anti-affinity"), ("rules",): REMOVE}],
    ("nova_interface_attachment", "fixed_ip"): lambda cur, values, cloud: [{("fixed_ip",): other(cur, "10.20.0.21", "10.20.0.22")}],
    # an existing port is instead of a network and fixed IP
    ("nova_interface_attachment", "port_id"): lambda cur, values, cloud: [{
        ("port_id",): str(uuid.uuid4()), ("network_id",): REMOVE, ("fixed_ip",): REMOVE}],
    ("nova_volume_attachment", "device"): lambda cur, values, cloud: [{("device",): other(cur, "/dev/vdc", "/dev/vdd")}],
    ("nova_server", "access_ip_v4"): lambda cur, values, cloud: [{("access_ip_v4",): other(cur, "192.0.2.10", "192.0.2.11")}],
    ("nova_server", "access_ip_v6"): lambda cur, values, cloud: [{("access_ip_v6",): other(cur, "2001:db8::10", "2001:db8::11")}],
    # admin_pass_wo is write-only: it is applied when its version changes
    ("nova_server", "admin_pass_wo"): lambda cur, values, cloud: [{
        ("admin_pass_wo",): "tf-acc-secret-wo", ("admin_pass_wo_version",): (values.get("admin_pass_wo_version") or 0) + 1,
        ("admin_pass",): REMOVE}],
    ("nova_server", "admin_pass_wo_version"): lambda cur, values, cloud: [{
        ("admin_pass_wo",): "tf-acc-secret-wo2", ("admin_pass_wo_version",): (cur or 0) + 1, ("admin_pass",): REMOVE}],
    ("nova_server", "availability_zone"): lambda cur, values, cloud: [{("availability_zone",): other(cur, "nova", "az-other")}],
    ("nova_server", "disk_config"): lambda cur, values, cloud: [{("disk_config",): other(cur, "MANUAL", "AUTO")}],
    ("nova_server", "flavor_id"): lambda cur, values, cloud: [{
        ("flavor_id",): other(cur, cloud["flavors"]["m1.medium"], cloud["flavors"]["m1.small"]), ("flavor_name",): REMOVE}],
    ("nova_server", "flavor_name"): lambda cur, values, cloud: [{
        ("flavor_name",): other(cur, "m1.small", "m1.medium"), ("flavor_id",): REMOVE}],
    ("nova_server", "host"): lambda cur, values, cloud: [{("host",): cloud["compute_hosts"][-1]}],
    ("nova_server", "hypervisor_hostname"): lambda cur, values, cloud: [{("hypervisor_hostname",): cloud["compute_hosts"][-1]}],
    ("nova_server", "image_id"): lambda cur, values, cloud: [{("image_id",): other(cur, OTHER_IMAGE, CIRROS), ("image_name",): REMOVE}],
    # an image by ID or by name, not both (the image_id step left OTHER_IMAGE: back to cirros by name)
    ("nova_server", "image_name"): lambda cur, values, cloud: [{("image_name",): "cirros", ("image_id",): REMOVE}],
    # network_mode is instead of network blocks
    ("nova_server", "network_mode"): lambda cur, values, cloud: [{("network_mode",): "none", ("network",): REMOVE}],
    ("nova_server", "power_state"): lambda cur, values, cloud: [{("power_state",): "shutoff"}, {("power_state",): "active"}],
    # the cloud has one security group: take it away, then give it back
    ("nova_server", "security_groups"): lambda cur, values, cloud: [{("security_groups",): ["default", "web"]}, {("security_groups",): ["default"]}],
    ("nova_server", "user_data"): lambda cur, values, cloud: [{("user_data",): "#cloud-config\nruncmd: []\n"}],
    # the choice alone: in place, nothing sent to the cloud
    ("nova_server", "on_user_data_change"): lambda cur, values, cloud: [
        {("on_user_data_change",): other(cur, "rebuild", "replace")}],
    ("nova_server", "on_key_name_change"): lambda cur, values, cloud: [
        {("on_key_name_change",): other(cur, "rebuild", "replace")}],
    ("nova_server", "vendor_options"): lambda cur, values, cloud: [{("vendor_options",): NewBlock(ignore_resize_confirmation=True)}],
    ("nova_server", "network.fixed_ip_v4"): lambda cur, values, cloud: [{("network", "fixed_ip_v4"): other(cur, "192.168.1.50", "192.168.1.51")}],
    ("nova_server", "network.fixed_ip_v6"): lambda cur, values, cloud: [{("network", "fixed_ip_v6"): other(cur, "fd00::50", "fd00::51")}],
    # a network by uuid or by name, not both
    ("nova_server", "network.uuid"): lambda cur, values, cloud: [{
        ("network", "uuid"): other(cur, cloud["networks"]["private"], "9a6a8bf0-6c1b-4c3b-a1d8-0e9b21d4f3a7"),
        ("network", "name"): REMOVE}],
    # the same network by its name: the block changes in place
    ("nova_server", "network.name"): lambda cur, values, cloud: [{
        ("network", "name"): next(n for n, i in cloud["networks"].items() if i == values["network"][0]["uuid"]),
        ("network", "uuid"): REMOVE}],
    ("nova_server", "network.subnet_id"): lambda cur, values, cloud: [{("network", "subnet_id"): cloud["subnets"]["private-subnet"]}],
    # the boot volume (the first block) keeps boot index 0 and destination
    # "volume" (the server needs a boot source): the data volume changes
    ("nova_server", "block_device.boot_index"): lambda cur, values, cloud: [{("block_device[1]", "boot_index"): -1}],
    ("nova_server", "block_device.destination_type"): lambda cur, values, cloud: [{("block_device[1]", "destination_type"): "local"}],
    ("nova_server", "block_device.source_type"): lambda cur, values, cloud: [{("block_device", "source_type"): other(cur, "snapshot", "image")}],
    ("nova_server", "block_device.device_type"): lambda cur, values, cloud: [{("block_device", "device_type"): other(cur, "disk", "cdrom")}],
    ("nova_server", "block_device.disk_bus"): lambda cur, values, cloud: [{("block_device", "disk_bus"): other(cur, "virtio", "scsi")}],
    ("nova_server", "block_device.guest_format"): lambda cur, values, cloud: [{("block_device", "guest_format"): other(cur, "ext4", "xfs")}],
    ("nova_server", "block_device.volume_type"): lambda cur, values, cloud: [{("block_device", "volume_type"): other(cur, "lvm-1", "fast")}],
    ("nova_server", "scheduler_hints.build_near_host_ip"): lambda cur, values, cloud: [{("scheduler_hints", "build_near_host_ip"): "192.168.1.1"}],
    ("nova_server", "scheduler_hints.cidr"): lambda cur, values, cloud: [{("scheduler_hints", "cidr"): "/24"}],
    ("nova_server", "scheduler_hints.query"): lambda cur, values, cloud: [{("scheduler_hints", "query"): '[">=", "$free_ram_mb", 1]'}],
    ("nova_server", "scheduler_hints.different_host"): lambda cur, values, cloud: [{("scheduler_hints", "different_host"): [str(uuid.uuid4())]}],
    ("nova_server", "scheduler_hints.same_host"): lambda cur, values, cloud: [{("scheduler_hints", "same_host"): [str(uuid.uuid4())]}],
    # personality is refused after compute microversion 2.56: planned with
    # the provider at 2.56, without the hostname (2.90) and locked_reason
    # (2.73) set before
    ("nova_server", "personality"): lambda cur, values, cloud: [{
        ("personality",): NewBlock(file="/etc/motd", content="hello"), ("hostname",): REMOVE,
        ("locked_reason",): REMOVE,
        PROVIDER: 'compute_microversion = "2.56"'}],
}


def current_value(values, path):
    v = values
    for seg in path[:-1]:
        b, n = block_segment(seg)
        v = v.get(b)
        if isinstance(v, list):  # a block: its n-th instance
            v = v[n] if len(v) > n else None
        if v is None:
            return None
    return v.get(path[-1])


# --------------------------------------------------------------------------

SCHEMA = {}


def provider_schema(tf):
    if not SCHEMA:
        r = tf.run("providers", "schema", "-json")
        SCHEMA.update(json.loads(r.stdout)["provider_schemas"][ADDRESS]["resource_schemas"])
    return SCHEMA


def tail(r, n=4000):
    out = (r.stdout or "") + "\n" + (r.stderr or "")
    return out if len(out) <= n else "...\n" + out[-n:]


PROVIDER_TF = PROVIDER_BLOCK + 'provider "nova" {\n%s\n}\n'


class Run:
    """Changes the arguments of one example, one at a time."""

    def __init__(self, tf, cloud, text):
        self.tf, self.cloud, self.text = tf, cloud, text
        self.in_place, self.replacing, self.skipped, self.failures = [], [], [], []
        self.unset_replacing = []
        self.server_ids, self.volume_ids = set(), set()

    def write(self, text, provider=""):
        self.tf.write(text, name="main.tf")
        self.tf.write(PROVIDER_TF % provider, name="provider.tf")

    def remember(self):
        for r in self.tf.resources().values():
            if r["type"] == "nova_server" and r["mode"] == "managed":
                self.server_ids.add(r["values"]["id"])
                self.volume_ids.update(r["values"].get("volumes_attached") or [])

    def values(self, address):
        return self.tf.resources()[address]["values"]

    def classify(self, address):
        """The planned action on `address` ("update", "replace", "no-op",
        "error"), with the plan output."""
        r = self.tf.run("plan", "-input=false", "-no-color", "-refresh=false", "-out=step.tfplan", check=False)
        if r.returncode != 0:
            return "error", r
        plan = json.loads(self.tf.run("show", "-json", "-no-color", "step.tfplan").stdout)
        actions = next((c["change"]["actions"] for c in plan.get("resource_changes", []) if c["address"] == address), None)
        if actions == ["update"]:
            return "update", r
        if actions in (["delete", "create"], ["create", "delete"]):
            return "replace", r
        return "no-op" if actions in (None, ["no-op"]) else "+".join(actions), r

    def restore(self, what):
        """Back to the last configuration that applied cleanly."""
        self.write(self.text)
        r = self.tf.apply(check=False)
        p = self.tf.plan_exit()
        if r.returncode != 0 or p.returncode != 0:
            self.failures.append((what, "restoring the previous configuration failed", tail(r) + tail(p)))
            return False
        return True

    def exercise(self, rtype, address, path, steps, plan_only=False, unset=False):
        """Applies the steps of one argument in turn (plan_only: plans the
        first, which must be an in-place update; unset: the last step
        removes the argument, and may plan a replacement, which is recorded
        and not applied); returns False when this example cannot go on."""
        what = f"{rtype}.{'.'.join(path)}"
        rname = address.split(".")[1]
        for i, step in enumerate(steps):
            text, provider = self.text, step.get(PROVIDER, "")
            edits = {p: v for p, v in step.items() if p != PROVIDER}
            for p, v in edits.items():
                text = set_argument(text, rtype, rname, p, v)
            shown = {".".join(p): ("<removed>" if v is REMOVE else v) for p, v in edits.items()}
            values = self.values(address)
            old = {".".join(p): current_value(values, p) for p in edits}
            change = f"{old} -> {shown}" + (f" (provider: {provider})" if provider else "")
            self.write(text, provider)
            action, r = self.classify(address)
            if action == "replace" and i == 0 and not plan_only:
                print(f"  {what}: replaces: {change}")
                self.replacing.append((rtype, ".".join(path)))
                self.write(self.text)
                return True
            if action == "replace" and unset and i == len(steps) - 1:
                print(f"  {what}: removing it replaces: {change}")
                self.unset_replacing.append((rtype, ".".join(path)))
                self.write(self.text)
                break
            if action != "update":
                self.failures.append((what, f"step {i + 1}: {change}: planned {action}, not an in-place update", tail(r)))
                self.write(self.text)
                return True
            if plan_only:
                print(f"  {what}: plans an in-place update, not applied: {change}")
                self.write(self.text)
                return True
            t0 = time.time()
            a = self.tf.run("apply", "-input=false", "-no-color", "step.tfplan", check=False)
            self.remember()
            if a.returncode != 0:
                self.failures.append((what, f"step {i + 1}: {change}: apply failed", tail(a)))
                return self.restore(what)
            p = self.tf.plan_exit()
            if p.returncode != 0:
                self.failures.append((what, f"step {i + 1}: {change}: plan after apply not empty (exit {p.returncode})", tail(p)))
                return self.restore(what)
            print(f"  {what}: in place: {change} ({time.time() - t0:.1f}s)")
            if provider:
                self.write(text)
            self.text = text
        self.in_place.append((rtype, ".".join(path)))
        return True


def teardown(run, sdk, check):
    tf = run.tf
    if os.path.exists(os.path.join(tf.dir, "terraform.tfstate")):
        run.remember()
    tf.destroy(check=check)
    purge_soft_deleted(sdk, sorted(run.server_ids))
    for vid in sorted(run.volume_ids):
        v = sdk.block_storage.find_volume(vid, ignore_missing=True)
        if v is not None:
            sdk.block_storage.wait_for_status(v, status="available", wait=60)
            sdk.block_storage.delete_volume(v)


def test_every_resource_example_is_covered():
    assert set(EXPECTED_REPLACING) >= {t for e in EXAMPLES for t in example_configuration(e)[1]}
    assert EXAMPLES, "resource examples found"


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_arguments_change_in_place(example, tf_cloud, sdk, cloud):
    tf = tf_cloud
    t_start = time.time()
    text, types, own = example_configuration(example)
    volume = None
    if EXAMPLE_VOLUME in text:
        volume = sdk.block_storage.create_volume(size=1, name="tf-acc-example-updates-volume")
        sdk.block_storage.wait_for_status(volume, status="available", wait=60)
        text = text.replace(EXAMPLE_VOLUME, volume.id)
    text = text.replace(EXAMPLE_PROJECT, cloud["projects"]["demo_project_id"])
    write_example_inputs(tf.dir)
    run = Run(tf, cloud, text)
    go_on, seen = False, set()
    run.write(text)
    try:
        tf.init()
        tf.apply()
        run.remember()
        r = tf.plan_exit()
        assert r.returncode == 0, f"the example does not plan clean after apply:\n{tail(r)}"
        schema = provider_schema(tf)
        go_on = True
        seen = set()
        for rtype in types:
            names = [n for (t, n) in own if t == rtype]
            print(f"\n{example}: {rtype} ({', '.join(names)})")
            for path, typ, kind in arguments(schema[rtype]["block"]):
                if not go_on:
                    break
                if kind == "block":
                    block = schema[rtype]["block"]["block_types"][path[0]]
                    # the instance that has the block, else the first
                    name = next((n for n in names if has_block(run.text, rtype, n, path[0])), names[0])
                    if path[0] == "timeouts" or has_block(run.text, rtype, name, path[0]):
                        # each argument of the block (timeouts: created if absent)
                        todo = [(path + (a,), at, "attr") for (a,), at, _ in arguments(block["block"])]
                    else:
                        todo = [(path, block, "block")]
                else:
                    name = names[0]
                    todo = [(path, typ, kind)]  # typ: the attribute's schema
                address = f"{rtype}.{name}"
                for p, t, k in todo:
                    key = (rtype, ".".join(p))
                    seen.add(key)
                    skip = next((s for s in EXPECTED_SKIPPED if s[:2] == key), None)
                    if skip:
                        run.skipped.append(skip)
                        print(f"  {rtype}.{key[1]}: skipped: {skip[2]}")
                        if key not in PLAN_ONLY:
                            continue
                    values = run.values(address)
                    cur = current_value(values, p)
                    if key in NEW_VALUES:
                        steps = NEW_VALUES[key](cur, values, cloud)
                    elif k == "block":
                        raise AssertionError(f"{key}: no new value for the absent block; add one to NEW_VALUES")
                    else:
                        steps = [{p: generic_new_value(p, t["type"], cur)}]
                    # an optional argument without a computed value (nor a
                    # write-only one) set by the steps is then unset again
                    unset = False
                    if (k == "attr" and t.get("optional") and not t.get("computed") and not t.get("write_only")
                            and key not in PLAN_ONLY and steps[-1].get(p, REMOVE) is not REMOVE):
                        steps.append({p: REMOVE})
                        unset = True
                    go_on = run.exercise(rtype, address, p, steps, plan_only=key in PLAN_ONLY, unset=unset)
                    if not go_on:
                        break
            # blocks added and removed as a whole, on the first instance
            # that has some
            for (bt, block), make in BLOCKS_IN_PLACE.items():
                name = next((n for n in names if has_block(run.text, rtype, n, block)), None)
                if bt != rtype or name is None or not go_on:
                    continue
                address = f"{rtype}.{name}"
                seen.add((rtype, f"{block} (whole)"))
                go_on = run.exercise(rtype, address, (f"{block} (whole)",), make(run.values(address), cloud))
    except BaseException:
        try:
            teardown(run, sdk, check=False)
            if volume is not None:
                sdk.block_storage.delete_volume(volume, ignore_missing=True)
        except Exception as e:  # the test's own failure is the one to report
            print(f"cleanup after failure failed: {e!r}")
        raise
    finally:
        print(f"\n{example}: in place: {sorted(run.in_place)}")
        print(f"{example}: replacing: {sorted(run.replacing)}")
        print(f"{example}: skipped: {sorted(run.skipped)}")
        print(f"{example}: changed in place, removing replaces: {sorted(run.unset_replacing)}")
    teardown(run, sdk, check=True)
    if volume is not None:
        sdk.block_storage.wait_for_status(volume, status="available", wait=60)
        sdk.block_storage.delete_volume(volume)
    print(f"{example}: {time.time() - t_start:.0f}s")
    if go_on:  # every explicit value is for an argument that exists
        assert {k for k in NEW_VALUES if k[0] in types} <= seen, {k for k in NEW_VALUES if k[0] in types} - seen
    assert not run.failures, "\n\n".join(f"{w}: {m}\n{out}" for w, m, out in run.failures)
    assert {(t, a) for t, a in run.replacing} == {(t, a) for t in types for a in EXPECTED_REPLACING[t]}
    assert {(t, f"{b} (whole)") for t, b in BLOCKS_IN_PLACE if t in types} <= set(run.in_place), run.in_place
    assert set(run.skipped) == {s for s in EXPECTED_SKIPPED if s[0] in types}
    assert set(run.unset_replacing) == {s for s in EXPECTED_UNSET_REPLACING if s[0] in types}
