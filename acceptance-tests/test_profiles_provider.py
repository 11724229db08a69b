"""The provider on every vendor profile of the local cloud (cloud/PROFILES.md):
a server's life (create, read back with an empty plan, change in place,
destroy leaving nothing behind, the recycle bin included) and a key pair's,
through each profile's own catalog region. Runs when the test cloud was
started with profiles (NOVA_TEST_CLOUD_PROFILE, as scripts/test does);
skipped otherwise."""
import time

import pytest

from conftest import PROVIDER_BLOCK, list_servers, purge_soft_deleted

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
PREFIX = "tf-prof-"
PROFILES = ["seed-000", "seed-001", "seed-002", "seed-003"]


@pytest.fixture
def profile_tf(request, tf_cloud, cloud, sdk):
    name = request.param
    if name not in (cloud.get("profiles") or {}):
        pytest.skip(f"the test cloud was started without the {name} profile")
    tf_cloud.env["OS_REGION_NAME"] = cloud["profiles"][name]["region"]
    tf_cloud.profile = name
    yield tf_cloud
    tf_cloud.destroy(check=False)
    left = [s["id"] for s in list_servers(sdk) if (s["name"] or "").startswith(PREFIX + name)]
    for sid in left:
        sdk.compute.delete_server(sid, force=True)
    purge_soft_deleted(sdk, left)
    for k in sdk.compute.keypairs():
        if k.name.startswith(PREFIX + name):
            sdk.compute.delete_keypair(k.name)


def server_config(profile, private, role):
    return PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_keypair" "k" {{
  name = "{PREFIX}{profile}-key"
}}

resource "nova_server" "s" {{
  name         = "{PREFIX}{profile}"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  key_name     = nova_keypair.k.name
  metadata     = {{ role = "{role}" }}
  force_delete = true
  network {{
    uuid = "{private}"
  }}
}}
"""


@pytest.mark.parametrize("profile_tf", PROFILES, indirect=True)
def test_server_and_keypair_life_on_each_profile(profile_tf, cloud, sdk):
    tf = profile_tf
    name = tf.profile
    private = cloud["networks"]["private"]
    tf.write(server_config(name, private, "web"))
    tf.init()
    tf.apply()
    v = tf.resources()["nova_server.s"]["values"]
    sid = v["id"]
    assert v["status"] == "ACTIVE", v
    r = tf.plan_exit()
    assert r.returncode == 0, r.stdout + r.stderr
    tf.write(server_config(name, private, "db"))
    r = tf.plan_exit()
    assert r.returncode == 2 and "1 to change, 0 to destroy" in r.stdout, r.stdout + r.stderr
    tf.apply()
    assert sdk.compute.get_server(sid).metadata.get("role") == "db"
    assert tf.plan_exit().returncode == 0
    tf.destroy()
    # nothing left: not even in a recycle bin
    deadline = time.time() + 60
    while time.time() < deadline:
        left = [s for s in list_servers(sdk, "all_tenants=1&deleted=True") if s["id"] == sid
                and s["status"] not in ("DELETED",)]
        if not left and sdk.compute.find_server(sid, ignore_missing=True) is None:
            break
        time.sleep(1)
    assert sdk.compute.find_server(sid, ignore_missing=True) is None
