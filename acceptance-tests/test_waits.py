"""Waits that know what the cloud did: a failed server action ends the
wait with Nova's own reason (its instance action), not a timeout; updates
follow what a server's state allows; drift in nested blocks shows; partial
records of a cell that is down keep the state."""
import contextlib
import os
import sys
import time

import pytest

from conftest import PROVIDER_BLOCK, purge_soft_deleted

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools"))
from faultproxy import FaultProxy  # noqa: E402

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
DATA_NET = "9a6a8bf0-6c1b-4c3b-a1d8-0e9b21d4f3a7"


def server(name, body="", flavor='flavor_name = "m1.tiny"', provider=""):
    """A configuration with one server `nova_server.s` and more `body`."""
    return PROVIDER_BLOCK + f"""
provider "nova" {{
{provider}
}}

resource "nova_server" "s" {{
  name     = "{name}"
  image_id = "{CIRROS}"
  {flavor}
{body}
}}
"""


@contextlib.contextmanager
def applied(tf, sdk, text):
    """Applies `text`; yields the server's ID; destroys and purges after,
    whatever happened."""
    tf.write(text)
    tf.init()
    server_id = None
    try:
        tf.apply()
        server_id = tf.resources()["nova_server.s"]["values"]["id"]
        yield server_id
    finally:
        tf.destroy(check=False)
        if server_id:
            purge_soft_deleted(sdk, [server_id])


def failed_apply(tf, *args):
    out = tf.run(*(args or ("apply", "-auto-approve", "-no-color")), check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    # the cloud's reason, not the time limit
    assert "timed out" not in text, text
    return text


HUGE = """
# more memory than any compute host of the local cloud has
resource "nova_flavor" "huge" {
  name  = "waits-huge"
  ram   = 2000000
  vcpus = 1
  disk  = 1
}
"""


def test_resize_no_host_can_fit_fails_with_novas_reason(tf_cloud, sdk):
    tf = tf_cloud
    body = '  network_mode = "none"\n  timeouts {\n    update = "4m"\n  }'
    with applied(tf, sdk, server("waits-resize", body) + HUGE) as sid:
        tf.write(server("waits-resize", body, flavor="flavor_id = nova_flavor.huge.id") + HUGE)
        started = time.monotonic()
        text = failed_apply(tf)
        print(f"resize failure reported after {time.monotonic() - started:.1f}s")
        assert "resize action failed" in text and "No valid host" in text, text
        # still there, on its old flavor; the resize is still wanted
        assert sdk.compute.get_server(sid).status == "ACTIVE"
        assert tf.plan_exit().returncode == 2


def test_resize_on_a_cloud_that_confirms_itself(tf_cloud, sdk):
    tf = tf_cloud
    body = '  network_mode = "none"\n  metadata = { "test-auto-confirm-resize" = "yes" }'
    with applied(tf, sdk, server("waits-auto-confirm", body)) as sid:
        tf.write(server("waits-auto-confirm", body, flavor='flavor_name = "m1.small"'))
        tf.apply()
        s = sdk.compute.get_server(sid)
        assert (s.status, s.flavor["original_name"]) == ("ACTIVE", "m1.small")
        assert tf.resources()["nova_server.s"]["values"]["flavor_name"] == "m1.small"
        assert tf.plan_exit().returncode == 0


def test_unshelve_and_metadata_in_one_apply(tf_cloud, sdk):
    """Nova takes no metadata for a shelved-offloaded server: the unshelve
    goes first; a shelve with a metadata change goes last."""
    tf = tf_cloud

    def body(power, step):
        return f'  network_mode = "none"\n  power_state = "{power}"\n  metadata = {{ step = "{step}" }}'

    with applied(tf, sdk, server("waits-shelve", body("active", 1))) as sid:
        tf.write(server("waits-shelve", body("shelved", 2)))
        tf.apply()
        assert sdk.compute.get_server(sid).status in ("SHELVED", "SHELVED_OFFLOADED")
        tf.write(server("waits-shelve", body("active", 3)))
        tf.apply()
        s = sdk.compute.get_server(sid)
        assert (s.status, s.metadata.get("step")) == ("ACTIVE", "3")
        assert tf.plan_exit().returncode == 0


def test_interface_detached_outside_terraform_is_drift(tf_cloud, sdk, cloud):
    tf = tf_cloud
    nets = f'  network {{\n    uuid = "{cloud["networks"]["private"]}"\n  }}\n  network {{\n    uuid = "{DATA_NET}"\n  }}'
    with applied(tf, sdk, server("waits-two-nics", nets)) as sid:
        assert tf.plan_exit().returncode == 0
        port = tf.resources()["nova_server.s"]["values"]["network"][1]["port"]
        sdk.compute.delete_server_interface(port, server=sid)
        for _ in range(60):
            if port not in [i.port_id for i in sdk.compute.server_interfaces(sid)]:
                break
            time.sleep(1)
        plan = tf.plan_exit()
        assert plan.returncode == 2, plan.stdout + plan.stderr
        assert "network" in plan.stdout, plan.stdout


def test_failed_volume_detach_reports_novas_reason(tf_cloud, sdk):
    """The compute host fails the detach (test-fail-actions): destroy ends
    with the instance action's failure, not the delete timeout."""
    tf = tf_cloud
    vol = sdk.block_storage.create_volume(size=1, name="waits-detach")
    attachment = f"""
resource "nova_volume_attachment" "v" {{
  server_id = nova_server.s.id
  volume_id = "{vol.id}"
  timeouts {{
    delete = "4m"
  }}
}}
"""

    def text(fail):
        body = f'  network_mode = "none"\n  metadata = {{ "test-fail-actions" = "{fail}" }}'
        return server("waits-detach", body) + attachment

    try:
        with applied(tf, sdk, text("detach_volume")) as sid:
            out = failed_apply(tf, "destroy", "-auto-approve", "-no-color", "-target=nova_volume_attachment.v")
            assert "detach_volume" in out and "failed" in out, out
            # still attached, and still in state
            assert vol.id in [a.volume_id for a in sdk.compute.volume_attachments(sid)]
            assert "nova_volume_attachment.v" in tf.resources()
            # the host recovers: the detach goes through
            tf.write(text(""))
            tf.apply()
            tf.destroy()
    finally:
        sdk.block_storage.delete_volume(vol.id, ignore_missing=True)


def test_server_in_a_down_cell_keeps_its_state(tf_cloud, sdk, cloud):
    """Reads that get partial records (a cell that is down) keep the prior
    state and warn, instead of planning a replacement."""
    tf = tf_cloud
    body = '  network_mode = "none"'
    with applied(tf, sdk, server("waits-down-cell", body)):
        before = tf.resources()["nova_server.s"]["values"]
        try:
            with FaultProxy(cloud["compute_url"]) as proxy:
                proxy.add_rule("GET", r"/servers(/detail|/[0-9a-f-]{36})(\?|$)", "partial")
                tf.write(server("waits-down-cell", body,
                                provider=f'  endpoint_overrides = {{ compute = "{proxy.url}" }}'))
                plan = tf.plan_exit()
                out = plan.stdout + plan.stderr
                assert plan.returncode == 0, out
                assert "partly unavailable" in out, out
                assert any(f == "partial" for _, _, f in proxy.faulted()), proxy.faulted()
                tf.run("apply", "-refresh-only", "-auto-approve", "-no-color")
            assert tf.resources()["nova_server.s"]["values"] == before
        finally:
            # destroyed through the cloud itself
            tf.write(server("waits-down-cell", body))


def test_failed_volume_attach_reports_novas_reason(tf_cloud, sdk):
    """The compute host fails the attach after the API accepted it: the
    apply ends with the instance action's failure instead of success."""
    tf = tf_cloud
    vol = sdk.block_storage.create_volume(size=1, name="waits-attach")
    body = '  network_mode = "none"\n  metadata = { "test-fail-actions" = "attach_volume" }'
    attachment = f"""
resource "nova_volume_attachment" "v" {{
  server_id = nova_server.s.id
  volume_id = "{vol.id}"
}}
"""
    try:
        with applied(tf, sdk, server("waits-attach", body)) as sid:
            tf.write(server("waits-attach", body) + attachment)
            out = failed_apply(tf)
            assert "attach_volume" in out and "failed" in out, out
            assert vol.id not in [a.volume_id for a in sdk.compute.volume_attachments(sid)]
    finally:
        sdk.block_storage.delete_volume(vol.id, ignore_missing=True)


def test_volume_detached_outside_terraform_is_drift(tf_cloud, sdk):
    tf = tf_cloud
    vol = sdk.block_storage.create_volume(size=1, name="waits-drift-vol")
    text = server("waits-drift-vol", '  network_mode = "none"') + f"""
resource "nova_volume_attachment" "v" {{
  server_id = nova_server.s.id
  volume_id = "{vol.id}"
}}
"""
    try:
        with applied(tf, sdk, text) as sid:
            assert tf.plan_exit().returncode == 0
            sdk.compute.delete_volume_attachment(sid, vol.id)
            for _ in range(60):
                if vol.id not in [a.volume_id for a in sdk.compute.volume_attachments(sid)]:
                    break
                time.sleep(1)
            plan = tf.plan_exit()
            assert plan.returncode == 2, plan.stdout + plan.stderr
            assert "nova_volume_attachment.v will be created" in plan.stdout, plan.stdout
    finally:
        sdk.block_storage.delete_volume(vol.id, ignore_missing=True)
