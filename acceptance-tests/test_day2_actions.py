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


def test_rescue_and_unrescue(tf_cloud, sdk):
    tf = tf_cloud
    config = PROVIDER_BLOCK + server_block("tf-acc-rescue") + f"""
provider "nova" {{}}

action "nova_server_rescue" "rescue" {{
  config {{
    server_id  = nova_server.s.id
    image_id   = "{CIRROS}"
    admin_pass = "rescue-Pa55"
  }}
}}

action "nova_server_rescue" "unrescue" {{
  config {{
    server_id = nova_server.s.id
    rescue    = false
  }}
}}
"""
    tf.write(config)
    tf.init()
    tf.apply()
    sid = tf.resources()["nova_server.s"]["values"]["id"]
    try:
        # Nova's own refusal: a server that is not rescued cannot be unrescued
        r = tf.apply("-invoke=action.nova_server_rescue.unrescue", check=False)
        out = flat(r)
        assert r.returncode == 1, out
        assert "Cannot unrescue the server" in out and "Cannot 'unrescue' instance" in out and "vm_state active" in out, out

        r = tf.apply("-invoke=action.nova_server_rescue.rescue")
        assert sdk.compute.get_server(sid).status == "RESCUE"
        assert f"rescue: server {sid} is RESCUE after" in r.stdout, r.stdout
        assert "rescue-Pa55" not in r.stdout + r.stderr
        r = tf.apply("-invoke=action.nova_server_rescue.unrescue")
        assert sdk.compute.get_server(sid).status == "ACTIVE"
        assert f"unrescue: server {sid} is ACTIVE after" in r.stdout, r.stdout
        assert [a.action for a in sdk.compute.server_actions(sid)].count("rescue") == 1

        # an image for unrescuing: refused at plan time, naming image_id
        tf.write(config.replace("rescue    = false", f"rescue    = false\n    image_id  = \"{CIRROS}\""))
        r = tf.plan_exit("-invoke=action.nova_server_rescue.unrescue")
        assert r.returncode == 1 and "image_id" in flat(r), flat(r)
        tf.write(config)
    finally:
        tf.destroy()
        purge_soft_deleted(sdk, [sid])


def test_snapshot_becomes_an_active_image(tf_cloud, sdk):
    tf = tf_cloud
    config = PROVIDER_BLOCK + server_block("tf-acc-snapshot") + """
provider "nova" {}

action "nova_server_snapshot" "daily" {
  config {
    server_id = nova_server.s.id
    name      = "tf-acc-snapshot-daily"
    metadata  = { purpose = "acceptance" }
  }
}
"""
    tf.write(config)
    tf.init()
    tf.apply()
    sid = tf.resources()["nova_server.s"]["values"]["id"]
    made = []
    try:
        r = tf.apply("-invoke=action.nova_server_snapshot.daily")
        images = [i for i in sdk.image.images() if i.name == "tf-acc-snapshot-daily"
                  and (i.instance_uuid or (i.properties or {}).get("instance_uuid")) == sid]
        made = [i.id for i in images]
        assert len(images) == 1, images
        img = images[0]
        # the image API lists it, active, with what Nova and the action put on it
        assert img.status == "active" and img.visibility == "private", img
        props = img.properties or {}
        assert props.get("purpose") == "acceptance" and (img.instance_uuid or props.get("instance_uuid")) == sid, props
        assert props.get("image_type") == "snapshot", props
        # the progress followed the image through Glance's statuses
        assert f"snapshot: image {img.id} is saving" in r.stdout, r.stdout
        assert f"snapshot: image {img.id} \"tf-acc-snapshot-daily\" is active after" in r.stdout, r.stdout
        assert "createImage" in [a.action for a in sdk.compute.server_actions(sid)]

        # Nova's own error: a server that does not exist
        tf.write(config.replace("server_id = nova_server.s.id", f'server_id = "{MISSING}"'))
        r = tf.apply("-invoke=action.nova_server_snapshot.daily", check=False)
        out = flat(r)
        assert r.returncode == 1, out
        assert "Cannot snapshot the server" in out and f"Instance {MISSING} could not be found" in out, out
        # a name Nova would refuse: refused at plan time, naming it
        tf.write(config.replace('name      = "tf-acc-snapshot-daily"', 'name      = ""'))
        r = tf.plan_exit("-invoke=action.nova_server_snapshot.daily")
        assert r.returncode == 1 and "name must be 1 to 255 characters" in flat(r), flat(r)
        tf.write(config)
    finally:
        for i in made:
            sdk.image.delete_image(i, ignore_missing=True)
        tf.destroy()
        purge_soft_deleted(sdk, [sid])


def test_cold_migration_moves_to_the_other_host(tf_cloud, sdk, cloud):
    tf = tf_cloud
    config = PROVIDER_BLOCK + server_block("tf-acc-migrate") + """
provider "nova" {}

action "nova_server_migrate" "cold" {
  config {
    server_id = nova_server.s.id
  }
}

action "nova_server_migrate" "nowhere" {
  config {
    server_id = nova_server.s.id
    host      = "no-such-host"
  }
}
"""
    tf.write(config)
    tf.init()
    tf.apply()
    sid = tf.resources()["nova_server.s"]["values"]["id"]
    try:
        before = sdk.compute.get_server(sid).compute_host
        assert before in ("compute1", "compute2"), before
        other = "compute2" if before == "compute1" else "compute1"

        r = tf.apply("-invoke=action.nova_server_migrate.cold")
        s = sdk.compute.get_server(sid)
        assert s.status == "ACTIVE" and s.compute_host == other, (s.status, s.compute_host)
        assert f"migration: server {sid} from {before}" in r.stdout, r.stdout
        assert "is VERIFY_RESIZE; confirming" in r.stdout, r.stdout
        assert f"migration: server {sid} is ACTIVE on {other} after" in r.stdout, r.stdout
        # progress from the server's migration record
        assert f"({before} -> {other})" in r.stdout, r.stdout
        assert tf.plan_exit().returncode == 0

        # Nova's own error: a host it does not know
        r = tf.apply("-invoke=action.nova_server_migrate.nowhere", check=False)
        out = flat(r)
        assert r.returncode == 1, out
        assert "Cannot start the migration" in out and "no-such-host" in out, out
        assert sdk.compute.get_server(sid).compute_host == other

        # block_migration without live: refused at plan time, naming it
        tf.write(config.replace('host      = "no-such-host"', 'block_migration = "true"'))
        r = tf.plan_exit("-invoke=action.nova_server_migrate.nowhere")
        assert r.returncode == 1 and "block_migration applies to live migration" in flat(r), flat(r)
        tf.write(config)
    finally:
        tf.destroy()
        purge_soft_deleted(sdk, [sid])
