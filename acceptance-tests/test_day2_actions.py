"""Day-2 server actions with real Terraform 1.15 on the local cloud:
lock/unlock, rescue/unrescue, snapshot, migrate. Each is invoked with
`-invoke`, checked on the cloud through the admin SDK, and made to fail
once through real Nova, whose own message must reach the user."""
import pytest

from conftest import PROVIDER_BLOCK, purge_soft_deleted

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
MISSING = "0b7c3bc0-2d2c-4d44-9a8e-4b0b3a7c9e01"


def server_block(name="tf-acc-day2"):
    return f"""
resource "nova_server" "s" {{
  name         = "{name}"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
  force_delete = true
}}
"""


def flat(r):
    return " ".join((r.stdout + r.stderr).split())


def test_lock_and_unlock(tf_cloud, sdk):
    tf = tf_cloud
    actions = """
provider "nova" {}

provider "nova" {
  alias                = "old"
  compute_microversion = "2.72"
}

action "nova_server_lock" "lock" {
  config {
    server_id     = nova_server.s.id
    locked_reason = "change freeze"
  }
}

action "nova_server_lock" "plain" {
  config {
    server_id = nova_server.s.id
  }
}

action "nova_server_lock" "unlock" {
  config {
    server_id = nova_server.s.id
    locked    = false
  }
}
"""
    tf.write(PROVIDER_BLOCK + server_block("tf-acc-lock") + actions)
    tf.init()
    tf.apply()
    sid = tf.resources()["nova_server.s"]["values"]["id"]
    try:
        r = tf.apply("-invoke=action.nova_server_lock.lock")
        s = sdk.compute.get(f"/servers/{sid}", microversion="2.73").json()["server"]
        assert s["locked"] is True and s["locked_reason"] == "change freeze", s
        assert f"lock: server {sid} is locked: change freeze" in r.stdout, r.stdout

        r = tf.apply("-invoke=action.nova_server_lock.unlock")
        s = sdk.compute.get(f"/servers/{sid}", microversion="2.73").json()["server"]
        assert s["locked"] is False and s["locked_reason"] is None, s
        assert f"unlock: server {sid} is unlocked" in r.stdout, r.stdout

        r = tf.apply("-invoke=action.nova_server_lock.plain")
        s = sdk.compute.get(f"/servers/{sid}", microversion="2.73").json()["server"]
        assert s["locked"] is True and s["locked_reason"] is None, s
        tf.apply("-invoke=action.nova_server_lock.unlock")

        # a reason with unlocking: refused at plan time, naming locked_reason
        tf.write(PROVIDER_BLOCK + server_block("tf-acc-lock") + actions.replace(
            "locked    = false", "locked    = false\n    locked_reason = \"x\""))
        r = tf.plan_exit("-invoke=action.nova_server_lock.unlock")
        assert r.returncode == 1 and "locked_reason" in flat(r) and "unlocking" in flat(r), flat(r)

        # a reason on a cloud spoken to below 2.73: refused at plan time, naming it
        tf.write(PROVIDER_BLOCK + server_block("tf-acc-lock") + actions.replace(
            "  config {\n    server_id     = nova_server.s.id\n    locked_reason",
            "  provider = nova.old\n  config {\n    server_id     = nova_server.s.id\n    locked_reason"))
        r = tf.plan_exit("-invoke=action.nova_server_lock.lock")
        out = flat(r)
        assert r.returncode == 1 and "locked_reason needs compute API microversion 2.73" in out, out
        assert "2.72" in out, out
        assert sdk.compute.get(f"/servers/{sid}", microversion="2.73").json()["server"]["locked"] is False

        # Nova's own error: a server that does not exist
        tf.write(PROVIDER_BLOCK + server_block("tf-acc-lock") + actions.replace(
            "server_id = nova_server.s.id\n  }\n}\n\naction \"nova_server_lock\" \"unlock\"",
            f"server_id = \"{MISSING}\"\n  }}\n}}\n\naction \"nova_server_lock\" \"unlock\""))
        r = tf.apply("-invoke=action.nova_server_lock.plain", check=False)
        out = flat(r)
        assert r.returncode == 1, out
        assert "Cannot lock the server" in out and f"Instance {MISSING} could not be found" in out, out
        tf.write(PROVIDER_BLOCK + server_block("tf-acc-lock") + actions)
    finally:
        tf.destroy()
        purge_soft_deleted(sdk, [sid])
