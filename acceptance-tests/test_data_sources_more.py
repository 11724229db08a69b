"""The data-source items of issue #19 (parity with terraform-provider-openstack),
with real Terraform against the local real cloud: nova_server's network,
nova_server_group's rules, nova_hypervisor, nova_limits by project and by
name, nova_availability_zones' state, nova_flavor's swap, rx_tx_factor and
description filters, and the provider's tenant_id/tenant_name aliases."""
import pytest

from conftest import PROVIDER_BLOCK

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
DATA_NET = "9a6a8bf0-6c1b-4c3b-a1d8-0e9b21d4f3a7"


def test_server_network_and_group_rules(tf_cloud, cloud, sdk):
    tf = tf_cloud
    private = cloud["networks"]["private"]
    tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server_group" "ruled" {{
  name   = "tf-acc-dsm-ruled"
  policy = "anti-affinity"
  rules {{
    max_server_per_host = 2
  }}
}}

resource "nova_server_group" "plain" {{
  name   = "tf-acc-dsm-plain"
  policy = "affinity"
}}

resource "nova_server" "two" {{
  name         = "tf-acc-dsm-two"
  image_id     = "{CIRROS}"
  flavor_name  = "m1.nano"
  force_delete = true
  network {{
    uuid = "{private}"
  }}
  network {{
    uuid        = "{DATA_NET}"
    fixed_ip_v4 = "10.20.0.61"
  }}
}}

resource "nova_server" "none" {{
  name         = "tf-acc-dsm-none"
  image_id     = "{CIRROS}"
  flavor_name  = "m1.nano"
  network_mode = "none"
  force_delete = true
}}

data "nova_server" "two" {{
  name = nova_server.two.name
}}

data "nova_server" "none" {{
  id = nova_server.none.id
}}

data "nova_server_group" "ruled" {{
  id = nova_server_group.ruled.id
}}

data "nova_server_group" "plain" {{
  name = nova_server_group.plain.name
}}

output "r" {{
  value = {{
    two   = data.nova_server.two.network
    none  = data.nova_server.none.network
    ruled = data.nova_server_group.ruled.rules.max_server_per_host
    plain = data.nova_server_group.plain.rules
  }}
}}
""")
    tf.init()
    try:
        tf.apply()
        r = tf.output("r")
        sid = tf.resources()["nova_server.two"]["values"]["id"]
        ifaces = {i.port_id: i for i in sdk.compute.server_interfaces(sid)}
        nets = r["two"]
        assert len(nets) == 2, nets
        assert {n["port"] for n in nets} == set(ifaces)
        # sorted by network name, whichever way the cloud lists the ports
        assert [n["name"] for n in nets] == ["data", "private"], nets
        by_name = {n["name"]: n for n in nets}
        assert by_name["private"]["uuid"] == private and by_name["data"]["uuid"] == DATA_NET
        assert by_name["data"]["fixed_ip_v4"] == "10.20.0.61"
        assert by_name["private"]["fixed_ip_v4"].startswith("192.168.1.")
        for n in nets:
            i = ifaces[n["port"]]
            assert n["mac"] == i.mac_addr and n["uuid"] == i.net_id
            assert n["fixed_ip_v6"] is None
        assert r["none"] == []
        assert r["ruled"] == 2
        assert r["plain"] == {"max_server_per_host": None}
        plan = tf.plan_exit()
        assert plan.returncode == 0, plan.stdout
    finally:
        tf.destroy()


def test_hypervisor_by_hostname(tf_cloud, cloud, sdk):
    """The figures are null at the cloud's newest microversion (2.88 dropped
    them) and known when the provider pins 2.87."""
    tf = tf_cloud
    host = cloud["compute_hosts"][0]
    tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

provider "nova" {{
  alias                = "old"
  compute_microversion = "2.87"
}}

data "nova_hypervisor" "new" {{
  hostname = "{host}"
}}

data "nova_hypervisor" "old" {{
  provider = nova.old
  hostname = "{host}"
}}

output "new" {{
  value = data.nova_hypervisor.new
}}

output "old" {{
  value = data.nova_hypervisor.old
}}
""")
    tf.init()
    tf.apply()
    new, old = tf.output("new"), tf.output("old")
    hv = next(h for h in sdk.compute.hypervisors(details=True) if h.name == host)
    for h in (new, old):
        assert h["hostname"] == host and h["host"] == host
        assert h["state"] == "up" and h["status"] == "enabled"
        assert h["type"] == hv.hypervisor_type and h["host_ip"] == hv.host_ip
    assert new["id"] == hv.id
    for figure in ("vcpus", "vcpus_used", "memory", "memory_used", "disk", "disk_used", "running_vms"):
        assert new[figure] is None, figure
        assert isinstance(old[figure], (int, float)), figure
    assert old["vcpus"] > 0 and old["memory"] > 0 and old["disk"] > 0


def test_limits_by_project_and_name(tf_cloud, cloud, sdk):
    tf = tf_cloud
    demo = cloud["projects"]["demo_project_id"]
    admin = cloud["projects"]["admin_project_id"]
    tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server" "s" {{
  name         = "tf-acc-dsm-limits"
  image_id     = "{CIRROS}"
  flavor_name  = "m1.nano"
  network_mode = "none"
  force_delete = true
}}

data "nova_limits" "mine" {{
  depends_on = [nova_server.s]
}}

data "nova_limits" "demo" {{
  project_id = "{demo}"
}}

output "mine" {{
  value = data.nova_limits.mine
}}

output "demo" {{
  value = data.nova_limits.demo
}}
""")
    tf.init()
    try:
        tf.apply()
        mine, other = tf.output("mine"), tf.output("demo")
        assert mine["project_id"] == admin and other["project_id"] == demo
        for lim in (mine, other):
            a = lim["absolute"]
            assert lim["max_total_cores"] == a["maxTotalCores"]
            assert lim["max_total_ram_size"] == a["maxTotalRAMSize"]
            assert lim["total_instances_used"] == a["totalInstancesUsed"]
            assert lim["max_server_group_members"] == a["maxServerGroupMembers"]
            # gone from microversion 2.36
            assert lim["max_security_groups"] is None and "maxSecurityGroups" not in a
        assert mine["total_instances_used"] >= 1 and mine["total_cores_used"] >= 1
        # the other project's, as the compute API answers an administrator
        theirs = sdk.compute.get(f"/limits?tenant_id={demo}").json()["limits"]["absolute"]
        assert other["total_instances_used"] == theirs["totalInstancesUsed"]
        assert other["max_total_instances"] == theirs["maxTotalInstances"]
        ours = sdk.compute.get("/limits").json()["limits"]["absolute"]
        assert mine["total_instances_used"] == ours["totalInstancesUsed"] != theirs["totalInstancesUsed"]
        assert tf.plan_exit().returncode == 0
    finally:
        tf.destroy()


def test_zones_by_state(tf_cloud, sdk):
    tf = tf_cloud
    tf.write(PROVIDER_BLOCK + """
provider "nova" {}

data "nova_availability_zones" "default" {}

data "nova_availability_zones" "up" {
  state = "available"
}

data "nova_availability_zones" "down" {
  state = "unavailable"
}

output "r" {
  value = {
    default = data.nova_availability_zones.default.names
    up      = data.nova_availability_zones.up.names
    down    = data.nova_availability_zones.down.names
    zones   = data.nova_availability_zones.down.zones
  }
}
""")
    tf.init()
    tf.apply()
    r = tf.output("r")
    zones = list(sdk.compute.availability_zones())
    assert r["default"] == r["up"] == sorted(z.name for z in zones if z.state["available"])
    assert "nova" in r["up"]
    assert r["down"] == sorted(z.name for z in zones if not z.state["available"])
    assert {z["name"] for z in r["zones"]} == {z.name for z in zones}


def test_flavor_swap_rxtx_description_filters(tf_cloud):
    tf = tf_cloud
    tf.write(PROVIDER_BLOCK + """
provider "nova" {}

resource "nova_flavor" "f" {
  name         = "tf-acc-dsm-flavor"
  ram          = 128
  vcpus        = 1
  swap         = 512
  rx_tx_factor = 2.5
  description  = "tf-acc-dsm swap flavor"
}

data "nova_flavor" "by_description" {
  description = nova_flavor.f.description
}

data "nova_flavor" "by_swap_and_factor" {
  swap         = 512
  rx_tx_factor = 2.5
  depends_on   = [nova_flavor.f]
}

data "nova_flavors" "swapped" {
  swap       = 512
  depends_on = [nova_flavor.f]
}

data "nova_flavors" "factor_two" {
  rx_tx_factor = 2
  depends_on   = [nova_flavor.f]
}

output "r" {
  value = {
    by_description = data.nova_flavor.by_description.id
    by_swap        = data.nova_flavor.by_swap_and_factor.id
    swap           = data.nova_flavor.by_swap_and_factor.swap
    swapped        = data.nova_flavors.swapped.flavors[*].name
    factor_two     = data.nova_flavors.factor_two.flavors[*].name
  }
}
""")
    tf.init()
    try:
        tf.apply()
        r = tf.output("r")
        fid = tf.resources()["nova_flavor.f"]["values"]["id"]
        assert r["by_description"] == fid and r["by_swap"] == fid
        assert r["swap"] == 512
        assert r["swapped"] == ["tf-acc-dsm-flavor"]
        assert r["factor_two"] == []
        assert tf.plan_exit().returncode == 0
    finally:
        tf.destroy()


def test_tenant_aliases(tf_cloud, cloud):
    """tenant_name scopes as project_name does; an alias with its argument
    is an error naming the alias."""
    tf = tf_cloud
    demo = cloud["projects"]["demo_project_id"]
    tf.write(PROVIDER_BLOCK + """
provider "nova" {
  tenant_name = "demo"
}

provider "nova" {
  alias     = "by_id"
  tenant_id = "%s"
}

data "nova_limits" "by_name" {}

data "nova_limits" "by_id" {
  provider = nova.by_id
}

output "projects" {
  value = [data.nova_limits.by_name.project_id, data.nova_limits.by_id.project_id]
}
""" % demo)
    tf.init()
    tf.apply()
    assert tf.output("projects") == [demo, demo]

    tf.write(PROVIDER_BLOCK + """
provider "nova" {
  project_id = "%s"
  tenant_id  = "%s"
}

data "nova_limits" "l" {}
""" % (demo, demo))
    r = tf.plan_exit()
    assert r.returncode == 1
    out = " ".join((r.stdout + r.stderr).split())
    assert "tenant_id is another name for project_id: give one of them." in out, out
