"""nova_server `locked` and `locked_reason` with real Terraform on the local
cloud: a server created locked with a reason, the reason changed, metadata
changed while locked (unlock, change, lock again), unlocked, locked by
someone else outside Terraform with the attribute unset (no diff), and
destroyed while the state says locked = true. Every step is checked on the
cloud through the admin SDK at microversion 2.73."""
import pytest

from conftest import PROVIDER_BLOCK, RequestLog, purge_soft_deleted

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"


def config(lock="", role="web", extra=""):
    return PROVIDER_BLOCK + f"""
provider "nova" {{}}

provider "nova" {{
  alias                = "old"
  compute_microversion = "2.72"
}}

resource "nova_server" "s" {{
  name         = "tf-acc-server-lock"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
  force_delete = true
  metadata     = {{ role = "{role}" }}
{lock}
}}
{extra}
"""


def flat(r):
    return " ".join((r.stdout + r.stderr).split())


def on_cloud(sdk, sid):
    return sdk.compute.get(f"/servers/{sid}", microversion="2.73").json()["server"]


def in_state(tf):
    v = tf.resources()["nova_server.s"]["values"]
    return v["locked"], v["locked_reason"]


def test_plan_time_refusals(tf_cloud):
    tf = tf_cloud
    # a reason without locked = true: refused naming locked_reason
    for lock in ['  locked_reason = "x"', '  locked = false\n  locked_reason = "x"']:
        tf.write(config(lock))
        tf.init()
        r = tf.plan_exit()
        out = flat(r)
        assert r.returncode == 1, out
        assert "locked_reason without a lock" in out and "locked_reason" in out, out
    # a reason on a cloud spoken to below 2.73: refused naming the microversion
    tf.write(config('  provider = nova.old\n  locked = true\n  locked_reason = "x"'))
    r = tf.plan_exit()
    out = flat(r)
    assert r.returncode == 1, out
    assert "locked_reason" in out and "2.73" in out and "2.72" in out, out
    # locked alone needs 2.9 only: fine at 2.72
    tf.write(config("  provider = nova.old\n  locked = true"))
    r = tf.plan_exit()
    assert r.returncode == 2, flat(r)


def test_server_lock_lifecycle(tf_cloud, cloud, sdk):
    tf = tf_cloud
    tf.write(config('  locked = true\n  locked_reason = "change freeze"'))
    tf.init()
    tf.apply()
    sid = tf.resources()["nova_server.s"]["values"]["id"]
    try:
        s = on_cloud(sdk, sid)
        assert s["status"] == "ACTIVE", s
        assert s["locked"] is True and s["locked_reason"] == "change freeze", s
        assert in_state(tf) == (True, "change freeze")
        assert tf.plan_exit().returncode == 0

        # a new reason: unlocked and locked again with it
        tf.write(config('  locked = true\n  locked_reason = "audit"'))
        r = tf.plan_exit()
        assert r.returncode == 2 and "1 to change" in r.stdout, r.stdout
        tf.apply()
        s = on_cloud(sdk, sid)
        assert s["locked"] is True and s["locked_reason"] == "audit", s
        assert in_state(tf) == (True, "audit")
        assert tf.plan_exit().returncode == 0

        # metadata while locked: unlock, change, lock (in that order)
        tf.write(config('  locked = true\n  locked_reason = "audit"', role="db"))
        log = RequestLog(cloud)
        tf.apply()
        s = on_cloud(sdk, sid)
        assert s["metadata"].get("role") == "db", s
        assert s["locked"] is True and s["locked_reason"] == "audit", s
        calls = [c for c in log.compute() if c.startswith("POST")]
        assert calls == [
            f"POST /servers/{sid}/action",
            f"POST /servers/{sid}/metadata",
            f"POST /servers/{sid}/action",
        ], calls
        assert tf.plan_exit().returncode == 0

        # unlocked: no reason left
        tf.write(config("  locked = false", role="db"))
        tf.apply()
        s = on_cloud(sdk, sid)
        assert s["locked"] is False and s["locked_reason"] is None, s
        assert in_state(tf) == (False, None)
        assert tf.plan_exit().returncode == 0

        # unmanaged: locked by someone else, nothing planned, state shows it
        tf.write(config("", role="db"))
        sdk.compute.post(f"/servers/{sid}/action", json={"lock": {"locked_reason": "ops"}},
                         microversion="2.73")
        r = tf.plan_exit()
        assert r.returncode == 0, r.stdout
        tf.apply()
        assert in_state(tf) == (True, "ops")
        s = on_cloud(sdk, sid)
        assert s["locked"] is True and s["locked_reason"] == "ops", s

        # managed again, as the cloud has it: no diff; destroy unlocks first
        tf.write(config("  locked = true", role="db"))
        assert tf.plan_exit().returncode == 0
        tf.destroy()
        assert sdk.compute.get(f"/servers/{sid}", raise_exc=False).status_code == 404
    finally:
        if tf.resources().get("nova_server.s"):
            sdk.compute.post(f"/servers/{sid}/action", json={"unlock": None})
            tf.destroy()
        purge_soft_deleted(sdk, [sid])
