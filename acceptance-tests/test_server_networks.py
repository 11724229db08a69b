"""nova_server `network` blocks added and removed in place: interfaces
attached and detached on the running server (its ID kept), with real
Terraform against the local real cloud."""
import time

import pytest

from conftest import PROVIDER_BLOCK, RequestLog

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
DATA_NET = "9a6a8bf0-6c1b-4c3b-a1d8-0e9b21d4f3a7"


def config(private, blocks="", attachment=True):
    """A server with a NIC on `private` and more `blocks`; beside it, an
    interface attached by `nova_interface_attachment` (10.20.0.77)."""
    att = f"""
resource "nova_interface_attachment" "i" {{
  server_id  = nova_server.s.id
  network_id = "{DATA_NET}"
  fixed_ip   = "10.20.0.77"
}}
""" if attachment else ""
    return PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server" "s" {{
  name         = "tf-acc-networks"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  force_delete = true
  network {{
    uuid = "{private}"
  }}
{blocks}}}
""" + att


DATA_BLOCK = f"""
  network {{
    uuid        = "{DATA_NET}"
    fixed_ip_v4 = "10.20.0.60"
  }}
"""


def ports(sdk, sid):
    return sorted(i.port_id for i in sdk.compute.server_interfaces(sid))


def in_place(r):
    """The plan changes the server in place and replaces nothing."""
    assert r.returncode == 2, r.stdout + r.stderr
    assert "must be replaced" not in r.stdout and "forces replacement" not in r.stdout, r.stdout
    assert '~ resource "nova_server" "s"' in r.stdout, r.stdout
    assert "0 to add, 1 to change, 0 to destroy" in r.stdout, r.stdout


def test_network_blocks_added_and_removed_in_place(tf_cloud, sdk, cloud):
    tf = tf_cloud
    private = cloud["networks"]["private"]
    tf.write(config(private))
    tf.init()
    try:
        tf.apply()
        res = tf.resources()
        sid = res["nova_server.s"]["values"]["id"]
        att_port = res["nova_interface_attachment.i"]["values"]["port_id"]
        (first,) = res["nova_server.s"]["values"]["network"]
        assert ports(sdk, sid) == sorted([first["port"], att_port])
        assert tf.plan_exit().returncode == 0

        # a second block: attached in place, the first block unchanged
        tf.write(config(private, DATA_BLOCK))
        r = tf.plan_exit()
        in_place(r)
        assert '+ network {' in r.stdout and "- network {" not in r.stdout, r.stdout
        log = RequestLog(cloud)
        tf.apply()
        writes = [c for c in log.compute() if not c.startswith("GET ")]
        assert writes == [f"POST /servers/{sid}/os-interface"], writes
        s = tf.resources()["nova_server.s"]["values"]
        assert s["id"] == sid
        assert s["network"][0] == first, s["network"]
        added = s["network"][1]
        assert (added["uuid"], added["fixed_ip_v4"]) == (DATA_NET, "10.20.0.60") and added["port"] and added["mac"]
        assert ports(sdk, sid) == sorted([first["port"], added["port"], att_port])
        assert "10.20.0.60" in [a["addr"] for a in s["addresses"]], s["addresses"]
        assert tf.plan_exit().returncode == 0

        # drift: its interface detached outside Terraform; the next apply
        # attaches it again in place
        sdk.compute.delete_server_interface(added["port"], server=sid)
        deadline = time.time() + 60
        while added["port"] in ports(sdk, sid):
            assert time.time() < deadline, "the interface was not detached"
            time.sleep(0.5)
        r = tf.plan_exit()
        in_place(r)
        tf.apply()
        s = tf.resources()["nova_server.s"]["values"]
        again = s["network"][1]
        assert s["id"] == sid and s["network"][0] == first
        assert again["fixed_ip_v4"] == "10.20.0.60" and again["port"] != added["port"]
        assert ports(sdk, sid) == sorted([first["port"], again["port"], att_port])
        assert tf.plan_exit().returncode == 0

        # the block removed: detached in place; the attachment's interface
        # is not the server's to detach
        tf.write(config(private))
        r = tf.plan_exit()
        in_place(r)
        assert "- network {" in r.stdout, r.stdout
        log = RequestLog(cloud)
        tf.apply()
        writes = [c for c in log.compute() if not c.startswith("GET ")]
        assert writes == [f"DELETE /servers/{sid}/os-interface/{again['port']}"], writes
        s = tf.resources()["nova_server.s"]["values"]
        assert s["id"] == sid and s["network"] == [first], s["network"]
        assert ports(sdk, sid) == sorted([first["port"], att_port])
        assert tf.plan_exit().returncode == 0
    finally:
        tf.destroy()


def test_network_attach_refused_by_nova_ends_with_its_message(tf_cloud, sdk, cloud):
    tf = tf_cloud
    private = cloud["networks"]["private"]
    tf.write(config(private))
    tf.init()
    try:
        tf.apply()
        sid = tf.resources()["nova_server.s"]["values"]["id"]
        before = ports(sdk, sid)
        # the attachment holds 10.20.0.77 already
        taken = f"""
  network {{
    uuid        = "{DATA_NET}"
    fixed_ip_v4 = "10.20.0.77"
  }}
"""
        tf.write(config(private, taken))
        in_place(tf.plan_exit())
        r = tf.apply(check=False)
        assert r.returncode == 1, r.stdout
        err = " ".join(r.stderr.split())
        print(err)
        assert "Cannot attach the interface of network[1]" in err, r.stderr
        assert "10.20.0.77" in err and "already" in err, r.stderr
        s = tf.resources()["nova_server.s"]["values"]
        assert s["id"] == sid and len(s["network"]) == 1, s["network"]
        assert ports(sdk, sid) == before
        # nothing was attached: the plan still says what it will try
        in_place(tf.plan_exit())
        tf.write(config(private))
        assert tf.plan_exit().returncode == 0
    finally:
        tf.destroy()


def test_a_block_inserted_first_does_not_take_the_name_of_the_block_it_displaced(tf_cloud, sdk, cloud):
    """Terraform proposes `network.name` by position: a block given by port
    inserted before a block given by name is attached with no name (its
    port is on another network), and the named block keeps its name."""
    tf = tf_cloud
    private = cloud["networks"]["private"]
    port = sdk.network.create_port(network_id=private, name="tf-acc-networks-port",
                                   tenant_id=sdk.current_project_id)
    named = """
  network {
    name = "data"
  }
"""

    def cfg(blocks):
        return PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server" "s" {{
  name         = "tf-acc-networks-names"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  force_delete = true
{blocks}}}
"""
    by_port = f"""
  network {{
    port = "{port.id}"
  }}
"""
    tf.write(cfg(named))
    tf.init()
    try:
        tf.apply()
        sid = tf.resources()["nova_server.s"]["values"]["id"]
        tf.write(cfg(by_port + named))
        in_place(tf.plan_exit())
        tf.apply()
        s = tf.resources()["nova_server.s"]["values"]
        assert s["id"] == sid
        first, second = s["network"]
        assert (first["port"], first["uuid"], first["name"]) == (port.id, private, None), first
        assert (second["uuid"], second["name"]) == (DATA_NET, "data"), second
        assert tf.plan_exit().returncode == 0
    finally:
        tf.destroy()


def test_interfaces_of_a_suspended_server_are_refused_at_plan(tf_cloud, sdk, cloud):
    """Nova attaches and detaches interfaces only on an active, shutoff or
    paused server: a block added while the server stays suspended is
    refused at plan time, naming `network`, before any API call; resumed
    in the same apply, it is attached in place."""
    tf = tf_cloud
    private = cloud["networks"]["private"]

    def cfg(power, blocks=""):
        return config(private, blocks, attachment=False).replace(
            'force_delete = true', f'force_delete = true\n  power_state  = "{power}"')
    tf.write(cfg("suspended"))
    tf.init()
    try:
        tf.apply()
        sid = tf.resources()["nova_server.s"]["values"]["id"]
        before = ports(sdk, sid)
        tf.write(cfg("suspended", DATA_BLOCK))
        log = RequestLog(cloud)
        r = tf.plan_exit()
        assert r.returncode == 1, r.stdout + r.stderr
        err = " ".join(r.stderr.split())
        assert "Interfaces cannot change in this power state" in err, err
        assert "network: a block added or removed" in err and "would be suspended" in err, err
        assert [c for c in log.compute() if not c.startswith("GET ")] == []
        assert ports(sdk, sid) == before
        tf.write(cfg("active", DATA_BLOCK))
        in_place(tf.plan_exit())
        tf.apply()
        s = tf.resources()["nova_server.s"]["values"]
        assert s["id"] == sid and s["status"] == "ACTIVE" and len(s["network"]) == 2, s
        assert tf.plan_exit().returncode == 0
    finally:
        tf.destroy()
