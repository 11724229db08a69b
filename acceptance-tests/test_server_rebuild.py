"""nova_server `on_user_data_change` and `on_key_name_change` with real
Terraform on the local cloud: with `rebuild`, a change of `user_data` or
`key_name` rebuilds the server in place (same ID, same addresses, a
"rebuild" instance action, the new key pair on the server), the plan an
in-place update with a warning and empty after; without it the plan still
replaces the server; the choice alone changes nothing in the cloud; below
the microversion a rebuild needs, the plan is refused naming the attribute
and the version."""
import base64

import pytest

from conftest import PROVIDER_BLOCK, RequestLog

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"


def config(private, user_data, key, choices="", provider=""):
    return PROVIDER_BLOCK + f"""
provider "nova" {{}}

provider "nova" {{
  alias                = "old"
  compute_microversion = "2.53"
}}

resource "nova_keypair" "a" {{
  name = "tf-acc-rebuild-a"
}}

resource "nova_keypair" "b" {{
  name = "tf-acc-rebuild-b"
}}

resource "nova_server" "s" {{
  name         = "tf-acc-rebuild"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  force_delete = true
  key_name     = nova_keypair.{key}.name
  user_data    = "#cloud-config\\nhostname: {user_data}\\n"
  network {{
    uuid = "{private}"
  }}
{choices}{provider}}}
"""


REBUILD = '  on_user_data_change = "rebuild"\n  on_key_name_change  = "rebuild"\n'


def flat(r):
    return " ".join((r.stdout + r.stderr).split())


def actions(sdk, sid):
    """The server's instance actions, oldest first."""
    r = sdk.compute.get(f"/servers/{sid}/os-instance-actions")
    r.raise_for_status()
    return [a["action"] for a in reversed(r.json()["instanceActions"])]


def on_cloud(sdk, sid):
    s = sdk.compute.get(f"/servers/{sid}", microversion="2.57").json()["server"]
    ips = sorted(a["addr"] for net in s["addresses"].values() for a in net)
    return s, ips


def sent(hostname):
    """The user data as Nova stores it (base64 of the text)."""
    return base64.b64encode(f"#cloud-config\nhostname: {hostname}\n".encode()).decode()


def in_place_rebuild(r, attr):
    out = flat(r)
    assert r.returncode == 2, out
    assert "forces replacement" not in r.stdout and "must be replaced" not in r.stdout, r.stdout
    assert '~ resource "nova_server" "s"' in r.stdout, r.stdout
    assert "0 to add, 1 to change, 0 to destroy" in r.stdout, r.stdout
    assert "Server will be rebuilt in place" in out and attr in out and "re-imaged" in out, out


def replaces(r, attr):
    assert r.returncode == 2, flat(r)
    assert "must be replaced" in r.stdout, r.stdout
    assert "forces replacement" in r.stdout, r.stdout
    line = next(l for l in r.stdout.splitlines() if "forces replacement" in l)
    # user_data is write-only and not shown: its hash carries the mark
    assert (attr if attr != "user_data" else "user_data_hash") in line, line
    assert "1 to add, 0 to change, 1 to destroy" in r.stdout, r.stdout
    assert "rebuilt in place" not in flat(r), flat(r)


def test_rebuild_on_user_data_and_key_name(tf_cloud, cloud, sdk):
    tf = tf_cloud
    private = cloud["networks"]["private"]
    tf.write(config(private, "one", "a", REBUILD))
    tf.init()
    tf.apply()
    v = tf.resources()["nova_server.s"]["values"]
    sid, hash_one = v["id"], v["user_data_hash"]
    s, ips = on_cloud(sdk, sid)
    assert ips and s["key_name"] == "tf-acc-rebuild-a", s
    assert s["OS-EXT-SRV-ATTR:user_data"] == sent("one"), s
    assert "rebuild" not in actions(sdk, sid)

    # the user data changes: planned and applied as a rebuild in place
    tf.write(config(private, "two", "a", REBUILD))
    r = tf.plan_exit()
    in_place_rebuild(r, "user_data")
    tf.apply()
    v = tf.resources()["nova_server.s"]["values"]
    assert v["id"] == sid
    assert v["user_data_hash"] != hash_one
    s, after = on_cloud(sdk, sid)
    assert after == ips, (ips, after)
    assert s["status"] == "ACTIVE" and s["key_name"] == "tf-acc-rebuild-a", s
    assert s["OS-EXT-SRV-ATTR:user_data"] == sent("two"), s
    assert actions(sdk, sid).count("rebuild") == 1, actions(sdk, sid)
    r = tf.plan_exit()
    assert r.returncode == 0, r.stdout

    # the key pair changes: rebuilt again, the new key on the server
    tf.write(config(private, "two", "b", REBUILD))
    r = tf.plan_exit()
    in_place_rebuild(r, "key_name")
    tf.apply()
    v = tf.resources()["nova_server.s"]["values"]
    assert v["id"] == sid and v["key_name"] == "tf-acc-rebuild-b"
    s, after = on_cloud(sdk, sid)
    assert after == ips, (ips, after)
    assert s["key_name"] == "tf-acc-rebuild-b", s
    assert s["OS-EXT-SRV-ATTR:user_data"] == sent("two"), "the key alone leaves the user data"
    assert actions(sdk, sid).count("rebuild") == 2, actions(sdk, sid)
    r = tf.plan_exit()
    assert r.returncode == 0, r.stdout

    # the choices removed: nothing in the cloud, then changes replace
    log = RequestLog(cloud)
    tf.write(config(private, "two", "b"))
    r = tf.plan_exit()
    assert r.returncode == 2 and "0 to add, 1 to change, 0 to destroy" in r.stdout, r.stdout
    tf.apply()
    writes = [c for c in log.compute() if not c.startswith("GET ")]
    assert writes == [], writes
    assert actions(sdk, sid).count("rebuild") == 2
    r = tf.plan_exit()
    assert r.returncode == 0, r.stdout
    tf.write(config(private, "three", "b"))
    replaces(tf.plan_exit(), "user_data")
    tf.write(config(private, "two", "a"))
    replaces(tf.plan_exit(), "key_name")

    # below the microversion a rebuild needs: refused at plan time
    for ud, key, attr, version in [("three", "b", "user_data", "2.57"), ("two", "a", "key_name", "2.54")]:
        tf.write(config(private, ud, key, REBUILD, "  provider = nova.old\n"))
        r = tf.plan_exit()
        out = flat(r)
        assert r.returncode == 1, out
        assert attr in out and version in out and "2.53" in out, out

    tf.write(config(private, "two", "b"))
    tf.destroy()
