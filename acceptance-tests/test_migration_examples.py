"""The established provider's documented example configurations for every
compute type (terraform-provider-openstack's docs/resources/compute_*_v2.md
and docs/data-sources/compute_*_v2.md), renamed by our migration table
(docs/migration.md), applied on the local cloud with real Terraform: each
must apply, and the plan after must show no change for it.

One case per documented example; its id is the doc file and the example's
heading. Each example is a module of its own (so the examples keep their own
resource names), and the examples of a group are applied together in one
working directory: one apply, one `plan -detailed-exitcode`, one destroy per
group. A case passes when its module applied, what it made is in the cloud,
and the plan after has no change in its module.

What the examples take from outside Terraform is made here as the local
cloud offers it: their openstack_blockstorage_volume_v3 volumes through the
volume API stand-in, their openstack_networking_* networks and ports through
the network API stand-in (the cloud's network "data" and ports on it), their
openstack_identity_project_v3 projects through Keystone, and the key pair
"my_key_pair_name" the server examples name through the compute API. Their
placeholders take the local cloud's values: the image "cirros", the networks
"private" and "data", the hosts compute1 and compute2.
"""
import json
import os
import re
import textwrap
import time
import uuid

import types

import pytest

from conftest import PROVIDER_BLOCK, purge_soft_deleted

pytestmark = pytest.mark.cloud

RES = "docs/resources/compute_{}_v2.md"
DS = "docs/data-sources/compute_{}_v2.md"
KEY_PAIR = "my_key_pair_name"
PUBLIC_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGpTK8+dgiGxAdBTl4KzfIGQIK4ZVuIZ+5hmxOeBy3i1 "
              "migration-examples")


class Example:
    """One documented example: `hcl` is its module's text, with @NAME@
    placeholders for the local cloud's values; `inputs` are the module
    block's arguments (for examples that name a thing another example
    makes); `volumes` and `ports` are what the stand-ins make for it first;
    `check(values, outputs, ctx)` asserts what it made."""

    def __init__(self, doc, heading, group, hcl, inputs="", volumes=(), ports=0, check=None, skip=None):
        self.doc, self.heading, self.group = doc, heading, group
        self.hcl, self.inputs, self.volumes, self.ports = hcl, inputs, volumes, ports
        self.check, self.skip = check, skip

    @property
    def id(self):
        return f"{self.doc}#{self.heading}"

    @property
    def module(self):
        base = self.doc.rsplit("/", 1)[-1][len("compute_"):-len("_v2.md")]
        kind = "ds" if "data-sources" in self.doc else "res"
        slug = "".join(c if c.isalnum() else "_" for c in self.heading.lower()).strip("_")
        while "__" in slug:
            slug = slug.replace("__", "_")
        return f"{kind}_{base}_{slug}"


def attached(ctx, sid):
    """The volumes attached to a server, as the server lists them (Nova's
    os-volume_attachments pages before it leaves out the server's image
    disk, so with the test cloud's page size of 2 one page is not all)."""
    return sorted(v["id"] for v in ctx.sdk.compute.get_server(sid).attached_volumes)


def server_checks(*addresses, status="ACTIVE"):
    def check(values, outputs, ctx):
        for a in addresses:
            v = values[a]
            s = ctx.sdk.compute.get_server(v["id"])
            assert s.status == status, (a, s.status)
    return check


EXAMPLES = []


def example(*args, **kw):
    EXAMPLES.append(Example(*args, **kw))


# ---------------------------------------------------------------- no servers
# Groups run in this order; "compute" comes first as it puts the hosts into an
# aggregate's zone, which Nova allows only while they hold no servers.

def check_agg_full(values, outputs, ctx):
    a = ctx.sdk.compute.get_aggregate(values["nova_aggregate.dell_servers"]["id"])
    assert a.availability_zone == "nova" and sorted(a.hosts) == ctx.hosts and a.metadata["cpus"] == "56", a


example(RES.format("aggregate"), "Full example", "compute", """
resource "nova_aggregate" "dell_servers" {
  name              = "dell_servers"
  availability_zone = "nova"
  metadata = {
    cpus = "56"
  }
  hosts = ["@HOST1@", "@HOST2@"]
}
""", check=check_agg_full)

example(RES.format("aggregate"), "Minimum required example", "compute", """
resource "nova_aggregate" "test" {
  name = "test"
}
output "name" {
  value = nova_aggregate.test.name
}
""", check=lambda v, o, ctx: ctx.sdk.compute.get_aggregate(v["nova_aggregate.test"]["id"]).hosts == [])

example(RES.format("keypair"), "Import an Existing Public Key", "compute", """
resource "nova_keypair" "test-keypair" {
  name       = "my-keypair"
  public_key = "@PUBLIC_KEY@"
}
""", check=lambda v, o, ctx: ctx.sdk.compute.get_keypair("my-keypair").public_key == PUBLIC_KEY)


def check_generated(values, outputs, ctx):
    v = values["nova_keypair.test-keypair"]
    assert v["private_key"].startswith("-----BEGIN"), "a private key is generated"
    assert ctx.sdk.compute.get_keypair(v["name"]).public_key == v["public_key"]


# the same name in the doc as the example above: another here, as both are
# applied together
example(RES.format("keypair"), "Generate a Public/Private Key Pair", "compute", """
resource "nova_keypair" "test-keypair" {
  name = "my-keypair-generated"
}
output "name" {
  value = nova_keypair.test-keypair.name
}
""", check=check_generated)


def check_flavor(values, outputs, ctx):
    f = ctx.sdk.compute.get_flavor(values["nova_flavor.test-flavor"]["id"])
    assert (f.ram, f.vcpus, f.disk) == (8096, 2, 20), f
    assert f.extra_specs == {"hw:cpu_policy": "dedicated", "hw:cpu_thread_policy": "prefer"}, f.extra_specs


# their extra specs are placeholders ("CPU-POLICY"); Nova validates the
# values of the keys it knows (400 "'CPU-POLICY' is not one of: dedicated,
# shared, mixed"): valid ones here
example(RES.format("flavor"), "Example Usage", "compute", """
resource "nova_flavor" "test-flavor" {
  name  = "my-flavor"
  ram   = "8096"
  vcpus = "2"
  disk  = "20"

  extra_specs = {
    "hw:cpu_policy"        = "dedicated",
    "hw:cpu_thread_policy" = "prefer"
  }
}
""", check=check_flavor)


def check_flavor_access(values, outputs, ctx):
    fid = values["nova_flavor.flavor_1"]["id"]
    r = ctx.sdk.compute.get(f"/flavors/{fid}/os-flavor-access")
    assert [a["tenant_id"] for a in r.json()["flavor_access"]] == [ctx.project], r.text


# their openstack_identity_project_v3: a project made in Keystone (@PROJECT@)
example(RES.format("flavor_access"), "Example Usage", "compute", """
resource "nova_flavor" "flavor_1" {
  name      = "my-flavor-private"
  ram       = "8096"
  vcpus     = "2"
  disk      = "20"
  is_public = false
}

resource "nova_flavor_access" "access_1" {
  project_id = "@PROJECT@"
  flavor_id  = nova_flavor.flavor_1.id
}
""", check=check_flavor_access)


def check_quota(values, outputs, ctx):
    q = ctx.sdk.compute.get(f"/os-quota-sets/{ctx.project}").json()["quota_set"]
    want = {"key_pairs": 10, "ram": 40960, "cores": 32, "instances": 20, "server_groups": 4, "server_group_members": 8}
    assert {k: q[k] for k in want} == want, q


example(RES.format("quotaset"), "Example Usage", "compute", """
resource "nova_quota_set" "quotaset_1" {
  project_id           = "@PROJECT@"
  key_pairs            = 10
  ram                  = 40960
  cores                = 32
  instances            = 20
  server_groups        = 4
  server_group_members = 8
}
""", check=check_quota)

# the data sources that read what needs no server: the thing each names is
# made by another example of the group and given as the module's input. The
# limits and quotas read are another project's (@OTHER_PROJECT@, the local
# cloud's "alt" project) than the one the quota set example changes, as the
# examples are independent and applied together.

example(DS.format("aggregate"), "Example Usage", "compute", """
variable "name" {}
data "nova_aggregate" "test" {
  name = var.name
}
output "id" {
  value = data.nova_aggregate.test.id
}
""", inputs='name = module.res_aggregate_minimum_required_example.name\ndepends_on = [module.res_aggregate_minimum_required_example]',
    check=lambda v, o, ctx: o["id"] == str(ctx.values_of("res_aggregate_minimum_required_example")["nova_aggregate.test"]["id"]))

example(DS.format("availability_zones"), "Example Usage", "compute", """
data "nova_availability_zones" "zones" {}
output "names" {
  value = data.nova_availability_zones.zones.names
}
""", check=lambda v, o, ctx: "nova" in o["names"])

example(DS.format("flavor"), "Example Usage", "compute", """
data "nova_flavor" "small" {
  vcpus = 1
  ram   = 512
}
output "name" {
  value = data.nova_flavor.small.name
}
""", check=lambda v, o, ctx: o["name"] == "m1.tiny")

example(DS.format("hypervisor"), "Example Usage", "compute", """
data "nova_hypervisor" "host01" {
  hostname = "@HOST1@"
}
output "state" {
  value = data.nova_hypervisor.host01.state
}
""", check=lambda v, o, ctx: o["state"] == "up")

example(DS.format("keypair"), "Example Usage", "compute", """
variable "name" {}
data "nova_keypair" "kp" {
  name = var.name
}
output "public_key" {
  value = data.nova_keypair.kp.public_key
}
""", inputs='name = module.res_keypair_generate_a_public_private_key_pair.name\ndepends_on = [module.res_keypair_generate_a_public_private_key_pair]',
    check=lambda v, o, ctx: o["public_key"] == ctx.sdk.compute.get_keypair("my-keypair-generated").public_key)

example(DS.format("limits"), "Example Usage", "compute", """
data "nova_limits" "limits" {
  project_id = "@OTHER_PROJECT@"
}
output "max_total_instances" {
  value = data.nova_limits.limits.max_total_instances
}
""", check=lambda v, o, ctx: o["max_total_instances"] == ctx.sdk.compute.get(
    f"/os-quota-sets/{ctx.other_project}").json()["quota_set"]["instances"])

example(DS.format("quotaset"), "Example Usage", "compute", """
data "nova_quota_set" "quota" {
  project_id = "@OTHER_PROJECT@"
}
output "metadata_items" {
  value = data.nova_quota_set.quota.metadata_items
}
""", check=lambda v, o, ctx: o["metadata_items"] == ctx.sdk.compute.get(
    f"/os-quota-sets/{ctx.other_project}").json()["quota_set"]["metadata_items"])

# ---------------------------------------------------------------- servers

COMMON = """
  image_id        = "@IMAGE@"
  flavor_id       = "3"
  key_name        = "@KEY_PAIR@"
  security_groups = ["default"]
"""

example(RES.format("instance"), "Basic Instance", "servers", """
resource "nova_server" "basic" {
  name            = "basic"
@COMMON@
  metadata = {
    this = "that"
  }

  network {
    name = "private"
  }
}
output "id" {
  value = nova_server.basic.id
}
""", check=server_checks("nova_server.basic"))


def check_attached(values, outputs, ctx):
    sid = values["nova_server.myinstance"]["id"]
    assert attached(ctx, sid) == [ctx.volumes["myvol"]]


example(RES.format("instance"), "Instance With Attached Volume", "servers", """
resource "nova_server" "myinstance" {
  name            = "myinstance"
@COMMON@
  network {
    name = "private"
  }
}

resource "nova_volume_attachment" "attached" {
  server_id = nova_server.myinstance.id
  volume_id = "@VOLUME:myvol@"
}
""", volumes=[("myvol", 1, False)], check=check_attached)


def check_bfv(address, volume=None):
    def check(values, outputs, ctx):
        server_checks(address)(values, outputs, ctx)
        att = attached(ctx, values[address]["id"])
        assert len(att) == 1, att
        if volume:
            assert att == [ctx.volumes[volume]]
    return check


example(RES.format("instance"), "Boot From Volume", "servers", """
resource "nova_server" "boot-from-volume" {
  name            = "boot-from-volume"
  flavor_id       = "3"
  key_name        = "@KEY_PAIR@"
  security_groups = ["default"]

  block_device {
    uuid                  = "@IMAGE@"
    source_type           = "image"
    volume_size           = 5
    boot_index            = 0
    destination_type      = "volume"
    delete_on_termination = true
  }

  network {
    name = "private"
  }
}
""", check=check_bfv("nova_server.boot-from-volume"))

example(RES.format("instance"), "Boot From an Existing Volume", "servers", """
resource "nova_server" "boot-from-volume" {
  name            = "bootfromvolume"
  flavor_id       = "3"
  key_name        = "@KEY_PAIR@"
  security_groups = ["default"]

  block_device {
    uuid                  = "@VOLUME:myvol@"
    source_type           = "volume"
    boot_index            = 0
    destination_type      = "volume"
    delete_on_termination = true
  }

  network {
    name = "private"
  }
}
""", volumes=[("myvol", 5, True)], check=check_bfv("nova_server.boot-from-volume", "myvol"))

example(RES.format("instance"), "Boot Instance, Create Volume, and Attach Volume as a Block Device", "servers", """
resource "nova_server" "instance_1" {
  name            = "instance_1"
@COMMON@
  block_device {
    uuid                  = "@IMAGE@"
    source_type           = "image"
    destination_type      = "local"
    boot_index            = 0
    delete_on_termination = true
  }

  block_device {
    source_type           = "blank"
    destination_type      = "volume"
    volume_size           = 1
    boot_index            = 1
    delete_on_termination = true
  }

  # the doc's example has no network: with the two networks of the local
  # cloud's project Nova cannot choose (409 "Multiple possible networks
  # found, use a Network ID to be more specific"), so one is named
  network {
    name = "private"
  }
}
""", check=check_bfv("nova_server.instance_1"))

example(RES.format("instance"), "Boot Instance and Attach Existing Volume as a Block Device", "servers", """
resource "nova_server" "instance_1" {
  name            = "instance_1"
@COMMON@
  block_device {
    uuid                  = "@IMAGE@"
    source_type           = "image"
    destination_type      = "local"
    boot_index            = 0
    delete_on_termination = true
  }

  block_device {
    uuid                  = "@VOLUME:volume_1@"
    source_type           = "volume"
    destination_type      = "volume"
    boot_index            = 1
    delete_on_termination = true
  }

  # the doc's example has no network: with the two networks of the local
  # cloud's project Nova cannot choose (409 "Multiple possible networks
  # found, use a Network ID to be more specific"), so one is named
  network {
    name = "private"
  }
}
""", volumes=[("volume_1", 1, False)], check=check_bfv("nova_server.instance_1", "volume_1"))


def check_multi_net(values, outputs, ctx):
    server_checks("nova_server.multi-net")(values, outputs, ctx)
    sid = values["nova_server.multi-net"]["id"]
    ports = {i.port_id: i.net_id for i in ctx.sdk.compute.server_interfaces(sid)}
    assert ports.get(outputs["vm_port"]) == ctx.cloud["networks"]["data"], (ports, outputs)


# their floating IP and its association are not offered by the local cloud's
# network stand-in; what the port lookup found is the output here
example(RES.format("instance"), "Instance With Multiple Networks", "servers", """
resource "nova_server" "multi-net" {
  name            = "multi-net"
@COMMON@
  network {
    name = "private"
  }

  network {
    name = "data"
  }
}

output "vm_port" {
  value = nova_server.multi-net.network[1].port
}
""", check=check_multi_net)

example(RES.format("instance"), "Instance With Personality", "servers", """
resource "nova_server" "personality" {
  name            = "personality"
@COMMON@
  personality {
    file    = "/path/to/file/on/instance.txt"
    content = "contents of file"
  }

  network {
    name = "private"
  }
}
""", check=server_checks("nova_server.personality"))

# Nova refuses ephemeral disks larger than the flavor's ephemeral size (400
# "Ephemeral disks requested are larger than the instance type allows"): the
# flavor here is one with 2 GiB of it, made through the compute API
example(RES.format("instance"), "Instance with Multiple Ephemeral Disks", "servers", """
resource "nova_server" "multi-eph" {
  name            = "multi_eph"
  image_id        = "@IMAGE@"
  flavor_id       = "@EPHEMERAL_FLAVOR@"
  key_name        = "@KEY_PAIR@"
  security_groups = ["default"]
  block_device {
    boot_index            = 0
    delete_on_termination = true
    destination_type      = "local"
    source_type           = "image"
    uuid                  = "@IMAGE@"
  }

  block_device {
    boot_index            = -1
    delete_on_termination = true
    destination_type      = "local"
    source_type           = "blank"
    volume_size           = 1
    guest_format          = "ext4"
  }

  block_device {
    boot_index            = -1
    delete_on_termination = true
    destination_type      = "local"
    source_type           = "blank"
    volume_size           = 1
  }

  # the doc's example has no network: with the two networks of the local
  # cloud's project Nova cannot choose (409 "Multiple possible networks
  # found, use a Network ID to be more specific"), so one is named
  network {
    name = "private"
  }
}
""", check=server_checks("nova_server.multi-eph"))

def check_swap(values, outputs, ctx):
    """No image_id in the example: the boot device's image is the server's."""
    server_checks("nova_server.vm-swap")(values, outputs, ctx)
    v = values["nova_server.vm-swap"]
    assert v["image_id"] == ctx.cloud["images"]["cirros"], v["image_id"]
    assert ctx.sdk.compute.get_server(v["id"]).image.id == ctx.cloud["images"]["cirros"]


example(RES.format("instance"), "Instance with Boot Disk and Swap Disk", "servers", """
resource "nova_flavor" "flavor-with-swap" {
  name  = "flavor-with-swap"
  ram   = "8096"
  vcpus = "2"
  disk  = "20"
  swap  = "4096"
}

resource "nova_server" "vm-swap" {
  name            = "vm_swap"
  flavor_id       = nova_flavor.flavor-with-swap.id
  key_name        = "@KEY_PAIR@"
  security_groups = ["default"]

  block_device {
    boot_index            = 0
    delete_on_termination = true
    destination_type      = "local"
    source_type           = "image"
    uuid                  = "@IMAGE@"
  }

  block_device {
    boot_index            = -1
    delete_on_termination = true
    destination_type      = "local"
    source_type           = "blank"
    guest_format          = "swap"
    volume_size           = 4
  }

  # the doc's example has no network: with the two networks of the local
  # cloud's project Nova cannot choose (409 "Multiple possible networks
  # found, use a Network ID to be more specific"), so one is named
  network {
    name = "private"
  }
}
""", check=check_swap)

example(RES.format("instance"), "Instance with User Data (cloud-init)", "servers", """
resource "nova_server" "instance_1" {
  name            = "basic"
@COMMON@
  user_data       = "#cloud-config\\nhostname: instance_1.example.com\\nfqdn: instance_1.example.com"

  network {
    name = "private"
  }
}
""", check=server_checks("nova_server.instance_1"))


def check_group(values, outputs, ctx):
    g = values["nova_server_group.test-sg"]
    s = values["nova_server.test-instance"]
    assert ctx.sdk.compute.get_server_group(g["id"]).member_ids == [s["id"]]


example(RES.format("servergroup"), "Compute service API version 2.63 or below:", "servers", """
resource "nova_server_group" "test-sg" {
  name   = "my-sg"
  policy = "anti-affinity"
}

resource "nova_server" "test-instance" {
  name      = "my-instance"
  image_id  = "@IMAGE@"
  flavor_id = "3"

  scheduler_hints {
    group = nova_server_group.test-sg.id
  }

  network {
    name = "private"
  }
}
output "name" {
  value = nova_server_group.test-sg.name
}
""", check=check_group)

example(RES.format("servergroup"), "Compute service API version 2.64 or above:", "servers", """
resource "nova_server_group" "test-sg" {
  name   = "my-sg-rules"
  policy = "anti-affinity"
  rules {
    max_server_per_host = 3
  }
}

resource "nova_server" "test-instance" {
  name      = "my-instance"
  image_id  = "@IMAGE@"
  flavor_id = "3"

  scheduler_hints {
    group = nova_server_group.test-sg.id
  }

  network {
    name = "private"
  }
}
""", check=check_group)

# The volume and interface attachment examples' servers name no image,
# flavor or network (their doc leaves them out): the local cloud's are given.
BARE = """
  image_id        = "@IMAGE@"
  flavor_id       = "1"
  security_groups = ["default"]
  network {
    name = "private"
  }
"""


def check_volumes_attached(server, *names):
    def check(values, outputs, ctx):
        sid = values[server]["id"]
        got = attached(ctx, sid)
        assert got == sorted(ctx.volumes[n] for n in names), got
    return check


example(RES.format("volume_attach"), "Basic attachment of a single volume to a single instance", "servers", """
resource "nova_server" "instance_1" {
  name = "instance_1"
@BARE@
}

resource "nova_volume_attachment" "va_1" {
  server_id = nova_server.instance_1.id
  volume_id = "@VOLUME:volume_1@"
}
""", volumes=[("volume_1", 1, False)], check=check_volumes_attached("nova_server.instance_1", "volume_1"))

example(RES.format("volume_attach"), "Attaching multiple volumes to a single instance", "servers", """
variable "volumes" {
  default = ["@VOLUME:vol-01@", "@VOLUME:vol-02@"]
}

resource "nova_server" "instance_1" {
  name = "instance_1"
@BARE@
}

resource "nova_volume_attachment" "attachments" {
  count     = 2
  server_id = nova_server.instance_1.id
  volume_id = var.volumes[count.index]
}

output "volume_devices" {
  value = nova_volume_attachment.attachments.*.device
}
""", volumes=[("vol-01", 1, False), ("vol-02", 1, False)],
    check=check_volumes_attached("nova_server.instance_1", "vol-01", "vol-02"))

# the doc's output names `attachments`, which this example does not declare
# (a slip of the doc): here it lists the two attachments it has
example(RES.format("volume_attach"), "Attaching multiple volumes to a single instance (in order)", "servers", """
variable "volumes" {
  default = ["@VOLUME:vol-01@", "@VOLUME:vol-02@"]
}

resource "nova_server" "instance_1" {
  name = "instance_1"
@BARE@
}

resource "nova_volume_attachment" "attach_1" {
  server_id = nova_server.instance_1.id
  volume_id = var.volumes[0]
}

resource "nova_volume_attachment" "attach_2" {
  server_id = nova_server.instance_1.id
  volume_id = var.volumes[1]

  depends_on = [nova_volume_attachment.attach_1]
}

output "volume_devices" {
  value = [nova_volume_attachment.attach_1.device, nova_volume_attachment.attach_2.device]
}
""", volumes=[("vol-01", 1, False), ("vol-02", 1, False)],
    check=check_volumes_attached("nova_server.instance_1", "vol-01", "vol-02"))


def check_multiattach(values, outputs, ctx):
    for s in ("nova_server.instance_1", "nova_server.instance_2"):
        att = attached(ctx, values[s]["id"])
        assert att == [MULTIATTACH_VOLUME], att


# Nova's volume fixture treats this volume as multi-attach (the stand-in
# makes no volumes of a multiattach type); their `multiattach = true` is not
# needed here (docs/migration.md)
MULTIATTACH_VOLUME = "4757d51f-54eb-4442-8684-3399a6431f67"
EPHEMERAL_FLAVOR = "migration-examples-eph"
example(RES.format("volume_attach"), "Using Multiattach-enabled volumes", "servers", """
resource "nova_server" "instance_1" {
  name = "instance_1"
@BARE@
}

resource "nova_server" "instance_2" {
  name = "instance_2"
@BARE@
}

resource "nova_volume_attachment" "va_1" {
  server_id = nova_server.instance_1.id
  volume_id = "@MULTIATTACH@"
}

resource "nova_volume_attachment" "va_2" {
  server_id = nova_server.instance_2.id
  volume_id = "@MULTIATTACH@"

  depends_on = [nova_volume_attachment.va_1]
}
""", check=check_multiattach)


def check_interfaces(server, want):
    """`want(ctx, interfaces)` holds for the server's interfaces."""
    def check(values, outputs, ctx):
        sid = values[server]["id"]
        ifs = list(ctx.sdk.compute.server_interfaces(sid))
        assert want(ctx, ifs), [(i.port_id, i.net_id, i.fixed_ips) for i in ifs]
    return check


def on_data(ctx, ifs):
    return [i for i in ifs if i.net_id == ctx.cloud["networks"]["data"]]


# their openstack_networking_network_v2 "network_1": the cloud's network "data"
example(RES.format("interface_attach"), "Basic Attachment", "servers", """
resource "nova_server" "instance_1" {
  name = "instance_1"
@BARE@
}

resource "nova_interface_attachment" "ai_1" {
  server_id  = nova_server.instance_1.id
  network_id = "@DATA_NETWORK@"
}
""", check=check_interfaces("nova_server.instance_1", lambda ctx, ifs: len(on_data(ctx, ifs)) == 1))

# the doc's network_id names openstack_networking_port_v2.network_1, which it
# does not declare (a slip of the doc for its network_1): the network here
example(RES.format("interface_attach"), "Attachment Specifying a Fixed IP", "servers", """
resource "nova_server" "instance_1" {
  name = "instance_1"
@BARE@
}

resource "nova_interface_attachment" "ai_1" {
  server_id  = nova_server.instance_1.id
  network_id = "@DATA_NETWORK@"
  fixed_ip   = "10.20.0.110"
}
""", check=check_interfaces("nova_server.instance_1", lambda ctx, ifs: [
    f["ip_address"] for i in on_data(ctx, ifs) for f in i.fixed_ips] == ["10.20.0.110"]))

example(RES.format("interface_attach"), "Attachment Using an Existing Port", "servers", """
resource "nova_server" "instance_1" {
  name = "instance_1"
@BARE@
}

resource "nova_interface_attachment" "ai_1" {
  server_id = nova_server.instance_1.id
  port_id   = "@PORT:0@"
}
""", ports=1, check=check_interfaces("nova_server.instance_1", lambda ctx, ifs: [
    i.port_id for i in on_data(ctx, ifs)] == ctx.ports))

example(RES.format("interface_attach"), "Attaching Multiple Interfaces", "servers", """
variable "ports" {
  default = ["@PORT:0@", "@PORT:1@"]
}

resource "nova_server" "instance_1" {
  name = "instance_1"
@BARE@
}

resource "nova_interface_attachment" "attachments" {
  count     = 2
  port_id   = var.ports[count.index]
  server_id = nova_server.instance_1.id
}
""", ports=2, check=check_interfaces("nova_server.instance_1", lambda ctx, ifs: sorted(
    i.port_id for i in on_data(ctx, ifs)) == sorted(ctx.ports)))

example(RES.format("interface_attach"), "Attaching Multiple Interfaces (in order)", "servers", """
variable "ports" {
  default = ["@PORT:0@", "@PORT:1@"]
}

resource "nova_server" "instance_1" {
  name = "instance_1"
@BARE@
}

resource "nova_interface_attachment" "ai_1" {
  server_id = nova_server.instance_1.id
  port_id   = var.ports[0]
}

resource "nova_interface_attachment" "ai_2" {
  server_id = nova_server.instance_1.id
  port_id   = var.ports[1]
}
""", ports=2, check=check_interfaces("nova_server.instance_1", lambda ctx, ifs: sorted(
    i.port_id for i in on_data(ctx, ifs)) == sorted(ctx.ports)))

# the data sources that read a server or its group: given by the examples above

example(DS.format("instance"), "Example Usage", "servers", """
variable "id" {}
data "nova_server" "instance" {
  id = var.id
}
output "name" {
  value = data.nova_server.instance.name
}
""", inputs="id = module.res_instance_basic_instance.id\ndepends_on = [module.res_instance_basic_instance]", check=lambda v, o, ctx: o["name"] == "basic")

example(DS.format("servergroup"), "Example Usage", "servers", """
variable "name" {}
data "nova_server_group" "test" {
  name = var.name
}
output "policy" {
  value = data.nova_server_group.test.policy
}
""", inputs="name = module.res_servergroup_compute_service_api_version_2_63_or_below.name\ndepends_on = [module.res_servergroup_compute_service_api_version_2_63_or_below]",
    check=lambda v, o, ctx: o["policy"] == "anti-affinity")


GROUPS = ["compute", "servers"]
assert len({e.module for e in EXAMPLES}) == len(EXAMPLES), "module names are unique"
assert {e.group for e in EXAMPLES} <= set(GROUPS)


class Group:
    """One group of examples applied together in one working directory."""

    def __init__(self, name, tf, sdk, cloud, project):
        self.name, self.tf, self.sdk, self.cloud, self.project = name, tf, sdk, cloud, project
        self.hosts = sorted(cloud["compute_hosts"][:2])
        self.examples = [e for e in EXAMPLES if e.group == name and not e.skip]
        self.volumes, self.volume_ids, self.ports = {}, [], {}
        self.apply_error, self.plan_changes, self.plan_code = "", {}, None

    def values_of(self, module):
        return {a.split(".", 2)[2]: r["values"] for a, r in self.resources.items() if a.startswith(f"module.{module}.")}

    def render(self, e):
        volumes = {}
        for name, size, from_image in e.volumes:
            kw = {"size": size, "name": f"{name}-{e.module}"[:60]}
            if from_image:
                kw["image_id"] = self.cloud["images"]["cirros"]
            v = self.sdk.block_storage.create_volume(**kw)
            self.volume_ids.append(v.id)
            volumes[name] = v.id
        ports = []
        for i in range(e.ports):
            # owned by the project the server is made in (Nova refuses another's)
            p = self.sdk.network.create_port(network_id=self.cloud["networks"]["data"],
                                             name=f"port-{i + 1:02d}-{e.module}"[:60],
                                             tenant_id=self.sdk.current_project_id)
            ports.append(p.id)
        self.ports[e.module] = ports
        text = e.hcl.replace("@COMMON@", COMMON.strip("\n")).replace("@BARE@", BARE.strip("\n"))
        subs = {"IMAGE": self.cloud["images"]["cirros"], "KEY_PAIR": KEY_PAIR, "PUBLIC_KEY": PUBLIC_KEY,
                "HOST1": self.hosts[0], "HOST2": self.hosts[1], "PROJECT": self.project,
                "OTHER_PROJECT": self.cloud["projects"]["alt_project_id"],
                "DATA_NETWORK": self.cloud["networks"]["data"], "MULTIATTACH": MULTIATTACH_VOLUME,
                "EPHEMERAL_FLAVOR": EPHEMERAL_FLAVOR}
        subs.update({f"VOLUME:{k}": v for k, v in volumes.items()})
        subs.update({f"PORT:{i}": p for i, p in enumerate(ports)})
        for k, v in subs.items():
            text = text.replace(f"@{k}@", v)
        assert not re.search(r"@[A-Za-z0-9_:-]+@", text), f"{e.id}: placeholder left in\n{text}"
        return text, volumes

    def apply(self):
        tf = self.tf
        root = [PROVIDER_BLOCK, 'provider "nova" {}\n']
        for e in self.examples:
            d = os.path.join(tf.dir, e.module)
            os.mkdir(d)
            text, volumes = self.render(e)
            self.volumes[e.module] = volumes
            with open(os.path.join(d, "main.tf"), "w") as f:
                f.write(PROVIDER_BLOCK + text)
            root.append(f'module "{e.module}" {{\n  source = "./{e.module}"\n{textwrap.indent(e.inputs, "  ")}\n}}\n')
            # a module's outputs, as one root output each
            root.append(f'output "{e.module}" {{\n  value = module.{e.module}\n}}\n')
        tf.write("\n".join(root))
        for vid in self.volume_ids:
            self.sdk.block_storage.wait_for_status(self.sdk.block_storage.get_volume(vid), status="available", wait=60)
        tf.init()
        t = time.time()
        r = tf.apply(check=False)
        self.apply_seconds = time.time() - t
        if r.returncode != 0:
            self.apply_error = r.stderr
        self.resources = {}
        self.outputs = json.loads(tf.run("output", "-json").stdout)
        for m in (tf.state().get("values") or {}).get("root_module", {}).get("child_modules", []):
            for res in m.get("resources", []):
                self.resources[res["address"]] = res
        t = time.time()
        p = tf.run("plan", "-input=false", "-no-color", "-detailed-exitcode", "-out=after.tfplan", check=False)
        self.plan_seconds = time.time() - t
        self.plan_code, self.plan_output = p.returncode, p.stdout + p.stderr
        print(f"\n[{self.name}] {len(self.examples)} examples: apply {self.apply_seconds:.0f}s, "
              f"plan after {self.plan_seconds:.0f}s (exit {p.returncode})")
        if p.returncode == 2:
            plan = json.loads(tf.run("show", "-json", "after.tfplan").stdout)
            for c in plan.get("resource_changes", []):
                if c["change"]["actions"] != ["no-op"]:
                    module = c["address"].split(".")[1]
                    self.plan_changes.setdefault(module, []).append(f'{c["address"]}: {c["change"]["actions"]}')

    def context(self, e):
        """What an example's check sees: the cloud, and what was made for it."""
        return types.SimpleNamespace(sdk=self.sdk, cloud=self.cloud, project=self.project, hosts=self.hosts,
                                     other_project=self.cloud["projects"]["alt_project_id"],
                                     volumes=self.volumes.get(e.module, {}), ports=self.ports.get(e.module, []),
                                     values_of=self.values_of)

    def destroy(self):
        ids = [r["values"]["id"] for r in self.resources.values() if r["type"] == "nova_server" and r["mode"] == "managed"]
        r = self.tf.destroy(check=False)
        purge_soft_deleted(self.sdk, ids)
        for vid in self.volume_ids:
            v = self.sdk.block_storage.find_volume(vid, ignore_missing=True)
            if v is not None:
                self.sdk.block_storage.delete_volume(v, ignore_missing=True)
        for ports in self.ports.values():
            for p in ports:
                self.sdk.network.delete_port(p, ignore_missing=True)
        assert r.returncode == 0, f"destroy of group {self.name} failed:\n{r.stdout[-3000:]}\n{r.stderr}"


@pytest.fixture(scope="module")
def groups(mirror, cloud, sdk, tmp_path_factory):
    """Applies each group when its first case asks for it (the one before is
    destroyed first), and the last at the end."""
    from conftest import Terraform, base_env, cloud_env

    env = base_env(mirror)
    env.update(cloud_env(cloud))
    project = sdk.identity.create_project(name=f"my-project-{uuid.uuid4().hex[:8]}", domain_id="default")
    if not sdk.compute.find_keypair(KEY_PAIR):
        sdk.compute.create_keypair(name=KEY_PAIR, public_key=PUBLIC_KEY)
    if not sdk.compute.find_flavor(EPHEMERAL_FLAVOR, ignore_missing=True):
        sdk.compute.create_flavor(id=EPHEMERAL_FLAVOR, name=EPHEMERAL_FLAVOR, ram=768, vcpus=1, disk=1, ephemeral=2)
    state = {"current": None}

    def get(name):
        cur = state["current"]
        if cur is not None and cur.name == name:
            return cur
        if cur is not None:
            state["current"] = None
            cur.destroy()
        tf = Terraform(str(tmp_path_factory.mktemp(f"examples-{name}")), env)
        g = Group(name, tf, sdk, cloud, project.id)
        state["current"] = g
        g.apply()
        return g

    yield get
    try:
        if state["current"] is not None:
            state["current"].destroy()
    finally:
        sdk.compute.delete_keypair(KEY_PAIR, ignore_missing=True)
        sdk.compute.delete_flavor(EPHEMERAL_FLAVOR, ignore_missing=True)
        sdk.compute.delete(f"/os-quota-sets/{project.id}")
        sdk.identity.delete_project(project)


def ordered(examples):
    return sorted(examples, key=lambda e: GROUPS.index(e.group))


@pytest.mark.parametrize("ex", [pytest.param(e, id=e.id, marks=[pytest.mark.skip(reason=e.skip)] if e.skip else [])
                                for e in ordered(EXAMPLES)])
def test_documented_example_applies_with_an_empty_plan_after(ex, groups):
    g = groups(ex.group)
    mine = [e for e in re.split(r"\n(?=(?:\S+ )?Error: )", g.apply_error) if f"with module.{ex.module}." in e]
    assert not mine, f"apply of {ex.id} failed:\n" + "\n".join(mine)
    values = g.values_of(ex.module)
    # data sources included: a data source read is in the state too
    assert values, f"{ex.id}: nothing in state; the apply said:\n{g.apply_error}"
    assert g.plan_code in (0, 2), f"plan after apply failed:\n{g.plan_output}"
    assert not g.plan_changes.get(ex.module), f"{ex.id}: the plan after apply has changes: {g.plan_changes[ex.module]}\n{g.plan_output}"
    # a change the plan has outside every module's resources (an output) is
    # everyone's
    assert g.plan_code == 0 or g.plan_changes, f"the plan after apply has changes:\n{g.plan_output}"
    outputs = (g.outputs.get(ex.module) or {}).get("value") or {}
    assert ex.check(values, outputs, g.context(ex)) is not False, f"{ex.id}: what it made is not as configured"
