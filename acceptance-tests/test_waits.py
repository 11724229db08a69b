"""Waits that know what the cloud did: a failed server action ends the
wait with Nova's own reason (its instance action), not a timeout."""
import time

import pytest

from conftest import PROVIDER_BLOCK, purge_soft_deleted

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"


def config(flavor_ref):
    return PROVIDER_BLOCK + f"""
provider "nova" {{}}

# more memory than any compute host of the local cloud has
resource "nova_flavor" "huge" {{
  name  = "waits-huge"
  ram   = 2000000
  vcpus = 1
  disk  = 1
}}

resource "nova_server" "s" {{
  name        = "waits-resize"
  image_id    = "{CIRROS}"
  flavor_id   = {flavor_ref}
  network_mode = "none"
  timeouts {{
    update = "4m"
  }}
}}
"""


def test_resize_no_host_can_fit_fails_with_novas_reason(tf_cloud, sdk, cloud):
    tf = tf_cloud
    tiny = cloud["flavors"]["m1.tiny"]
    tf.write(config(f'"{tiny}"'))
    tf.init()
    server_id = None
    try:
        tf.apply()
        server_id = tf.resources()["nova_server.s"]["values"]["id"]
        tf.write(config("nova_flavor.huge.id"))
        started = time.monotonic()
        out = tf.apply(check=False)
        waited = time.monotonic() - started
        text = out.stdout + out.stderr
        assert out.returncode != 0, text
        # the cloud's reason, not the 4-minute timeout
        assert "timed out" not in text, text
        assert "resize action failed" in text, text
        assert "No valid host" in text, text
        print(f"resize failure reported after {waited:.1f}s")
        # the server is still there, on its old flavor, and the state says so
        s = sdk.compute.get_server(server_id)
        assert s.status == "ACTIVE"
        assert tf.plan_exit().returncode == 2  # the resize is still wanted
    finally:
        tf.destroy(check=False)
        if server_id:
            purge_soft_deleted(sdk, [server_id])


def shelved_config(power, metadata):
    return PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server" "s" {{
  name         = "waits-shelve"
  image_id     = "{CIRROS}"
  flavor_name  = "m1.tiny"
  network_mode = "none"
  power_state  = "{power}"
  metadata     = {{ {metadata} }}
}}
"""


def test_unshelve_and_metadata_in_one_apply(tf_cloud, sdk):
    """Nova takes no metadata for a shelved-offloaded server: the unshelve
    goes first; a shelve with a metadata change goes last."""
    tf = tf_cloud
    tf.write(shelved_config("active", 'step = "1"'))
    tf.init()
    server_id = None
    try:
        tf.apply()
        server_id = tf.resources()["nova_server.s"]["values"]["id"]
        tf.write(shelved_config("shelved", 'step = "2"'))
        tf.apply()
        assert sdk.compute.get_server(server_id).status in ("SHELVED", "SHELVED_OFFLOADED")
        tf.write(shelved_config("active", 'step = "3"'))
        tf.apply()
        s = sdk.compute.get_server(server_id)
        assert s.status == "ACTIVE"
        assert s.metadata.get("step") == "3"
        assert tf.plan_exit().returncode == 0
    finally:
        tf.destroy(check=False)
        if server_id:
            purge_soft_deleted(sdk, [server_id])


def test_interface_detached_outside_terraform_is_drift(tf_cloud, sdk, cloud):
    tf = tf_cloud
    private, data = cloud["networks"]["private"], "9a6a8bf0-6c1b-4c3b-a1d8-0e9b21d4f3a7"
    tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server" "s" {{
  name        = "waits-two-nics"
  image_id    = "{CIRROS}"
  flavor_name = "m1.tiny"
  network {{
    uuid = "{private}"
  }}
  network {{
    uuid = "{data}"
  }}
}}
""")
    tf.init()
    server_id = None
    try:
        tf.apply()
        values = tf.resources()["nova_server.s"]["values"]
        server_id = values["id"]
        assert tf.plan_exit().returncode == 0
        port = values["network"][1]["port"]
        sdk.compute.delete_server_interface(port, server=server_id)
        for _ in range(60):
            if port not in [i.port_id for i in sdk.compute.server_interfaces(server_id)]:
                break
            time.sleep(1)
        plan = tf.plan_exit()
        assert plan.returncode == 2, plan.stdout + plan.stderr
        assert "network" in plan.stdout, plan.stdout
    finally:
        tf.destroy(check=False)
        if server_id:
            purge_soft_deleted(sdk, [server_id])


def test_failed_volume_detach_reports_novas_reason(tf_cloud, sdk, cloud):
    """The compute host fails the detach (test-fail-actions): destroy ends
    with the instance action's failure, not the delete timeout."""
    tf = tf_cloud
    vol = sdk.block_storage.create_volume(size=1, name="waits-detach")

    def config(fail):
        return PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server" "s" {{
  name         = "waits-detach"
  image_id     = "{CIRROS}"
  flavor_name  = "m1.tiny"
  network_mode = "none"
  metadata     = {{ "test-fail-actions" = "{fail}" }}
}}

resource "nova_volume_attachment" "v" {{
  server_id = nova_server.s.id
  volume_id = "{vol.id}"
  timeouts {{
    delete = "4m"
  }}
}}
"""
    tf.write(config("detach_volume"))
    tf.init()
    server_id = None
    try:
        tf.apply()
        server_id = tf.resources()["nova_server.s"]["values"]["id"]
        out = tf.run("destroy", "-auto-approve", "-no-color", "-target=nova_volume_attachment.v", check=False)
        text = out.stdout + out.stderr
        assert out.returncode != 0, text
        assert "timed out" not in text, text
        assert "detach_volume" in text and "failed" in text, text
        # still attached, and still in state
        assert vol.id in [a.volume_id for a in sdk.compute.volume_attachments(server_id)]
        assert "nova_volume_attachment.v" in tf.resources()
        # the host recovers: the detach goes through
        tf.write(config(""))
        tf.apply()
        tf.destroy()
    finally:
        tf.destroy(check=False)
        if server_id:
            purge_soft_deleted(sdk, [server_id])
        sdk.block_storage.delete_volume(vol.id, ignore_missing=True)


def resize_config(flavor, extra_md=""):
    return PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server" "s" {{
  name         = "waits-auto-confirm"
  image_id     = "{CIRROS}"
  flavor_name  = "{flavor}"
  network_mode = "none"
  metadata     = {{ "test-auto-confirm-resize" = "yes" }}
}}
"""


def test_resize_on_a_cloud_that_confirms_itself(tf_cloud, sdk):
    tf = tf_cloud
    tf.write(resize_config("m1.tiny"))
    tf.init()
    server_id = None
    try:
        tf.apply()
        server_id = tf.resources()["nova_server.s"]["values"]["id"]
        tf.write(resize_config("m1.small"))
        tf.apply()
        s = sdk.compute.get_server(server_id)
        assert s.status == "ACTIVE"
        assert s.flavor["original_name"] == "m1.small"
        assert tf.resources()["nova_server.s"]["values"]["flavor_name"] == "m1.small"
        assert tf.plan_exit().returncode == 0
    finally:
        tf.destroy(check=False)
        if server_id:
            purge_soft_deleted(sdk, [server_id])


def test_server_in_a_down_cell_keeps_its_state(tf_cloud, sdk, cloud):
    """Reads that get partial records (a cell that is down) keep the prior
    state and warn, instead of planning a replacement."""
    import os
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools"))
    from faultproxy import FaultProxy

    tf = tf_cloud
    body = f"""
resource "nova_server" "s" {{
  name         = "waits-down-cell"
  image_id     = "{CIRROS}"
  flavor_name  = "m1.tiny"
  network_mode = "none"
}}
"""
    tf.write(PROVIDER_BLOCK + 'provider "nova" {}\n' + body)
    tf.init()
    server_id = None
    try:
        tf.apply()
        server_id = tf.resources()["nova_server.s"]["values"]["id"]
        before = tf.resources()["nova_server.s"]["values"]
        with FaultProxy(cloud["compute_url"]) as proxy:
            proxy.add_rule("GET", r"/servers(/detail|/[0-9a-f-]{36})(\?|$)", "partial")
            tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{
  endpoint_overrides = {{ compute = "{proxy.url}" }}
}}
""" + body)
            plan = tf.plan_exit()
            text = plan.stdout + plan.stderr
            assert plan.returncode == 0, text
            assert "partly unavailable" in text, text
            assert any(f == "partial" for _, _, f in proxy.faulted()), proxy.faulted()
            tf.run("apply", "-refresh-only", "-auto-approve", "-no-color")
        assert tf.resources()["nova_server.s"]["values"] == before
    finally:
        tf.write(PROVIDER_BLOCK + 'provider "nova" {}\n' + body)
        tf.destroy(check=False)
        if server_id:
            purge_soft_deleted(sdk, [server_id])
