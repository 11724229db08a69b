"""nova_server with real Terraform against the local real cloud."""
import json
import os

import pytest

from conftest import PROVIDER_BLOCK, list_servers

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
OTHER_IMAGE = "76fa36fc-c930-4bf3-8c8a-ea2a2420deb6"

# a boot volume made from the image (2 GiB, type "fast") and a blank 1 GiB
# data volume, both deleted with the server
VOLUMES = f"""
  block_device {{
    source_type           = "image"
    uuid                  = "{CIRROS}"
    destination_type      = "volume"
    volume_size           = 2
    volume_type           = "fast"
    boot_index            = 0
    delete_on_termination = true
  }}
  block_device {{
    source_type           = "blank"
    destination_type      = "volume"
    volume_size           = 1
    delete_on_termination = true
  }}
"""


def server_tf(body, extra=""):
    return PROVIDER_BLOCK + 'provider "nova" {}\n' + extra + body


def test_image_boot_update_in_place_and_import(tf_cloud, sdk, cloud):
    tf = tf_cloud
    private, data = cloud["networks"]["private"], "9a6a8bf0-6c1b-4c3b-a1d8-0e9b21d4f3a7"

    def config(name, flavor, power, metadata, tags, image=CIRROS):
        return server_tf(f"""
resource "nova_server" "web" {{
  name        = "{name}"
  image_id    = "{image}"
  flavor_name = "{flavor}"
  description = "acceptance"
  metadata    = {{ {metadata} }}
  tags        = [{", ".join(f'"{t}"' for t in tags)}]
  power_state = "{power}"
  user_data   = "#cloud-config\\n"

  network {{
    uuid = "{private}"
  }}
  network {{
    uuid        = "{data}"
    fixed_ip_v4 = "10.20.0.50"
  }}
}}

output "addresses" {{
  value = nova_server.web.addresses
}}
""")

    tf.write(config("tf-acc-web", "m1.tiny", "active", 'role = "web"', ["blue"]))
    tf.init()
    tf.apply()
    v = tf.resources()["nova_server.web"]["values"]
    sid = v["id"]
    assert v["status"] == "ACTIVE" and v["flavor_id"] == "1"
    assert v["network"][1]["fixed_ip_v4"] == "10.20.0.50"
    assert v["network"][0]["fixed_ip_v4"].startswith("192.168.1.")
    # user data is write-only: only its hash is in state
    assert v["user_data"] is None and len(v["user_data_hash"]) == 64
    assert "cloud-config" not in open(os.path.join(tf.dir, "terraform.tfstate")).read()
    nets = {a["network"] for a in tf.output("addresses")}
    assert nets == {"private", "data"}
    s = sdk.compute.get_server(sid)
    assert s.metadata.get("role") == "web" and s.tags == ["blue"] and s.description == "acceptance"
    assert tf.plan_exit().returncode == 0

    # keys and tags set outside Terraform stay, and do not show as drift
    sdk.compute.set_server_metadata(sid, owner="ops")
    sdk.compute.add_tag_to_server(sid, "ops-tag") if hasattr(sdk.compute, "add_tag_to_server") else \
        sdk.compute.put(f"/servers/{sid}/tags/ops-tag", microversion="2.52")
    assert tf.plan_exit().returncode == 0

    # in place: rename, metadata, tags, resize with confirm, power off
    tf.write(config("tf-acc-web2", "m1.small", "shutoff", 'role = "api", tier = "1"', ["green"]))
    r = tf.plan_exit()
    assert "1 to change, 0 to destroy" in r.stdout, r.stdout
    tf.apply()
    s = sdk.compute.get_server(sid)
    assert s.name == "tf-acc-web2" and s.status == "SHUTOFF" and s.flavor.original_name == "m1.small"
    # the create token (for adopting lost creates) is gone once the server is ACTIVE
    assert s.metadata == {"role": "api", "tier": "1", "owner": "ops"}, s.metadata
    assert sorted(s.tags) == ["green", "ops-tag"]
    v = tf.resources()["nova_server.web"]["values"]
    assert v["id"] == sid and v["flavor_id"] == "2" and v["power_state"] == "shutoff"
    assert tf.plan_exit().returncode == 0

    # power on and rebuild from another image, still the same server
    tf.write(config("tf-acc-web2", "m1.small", "active", 'role = "api", tier = "1"', ["green"], image=OTHER_IMAGE))
    tf.apply()
    s = sdk.compute.get_server(sid)
    assert s.status == "ACTIVE" and s.image["id"] == OTHER_IMAGE
    assert tf.plan_exit().returncode == 0

    # changed user data replaces the server
    cfg = config("tf-acc-web2", "m1.small", "active", 'role = "api", tier = "1"', ["green"], image=OTHER_IMAGE)
    changed = cfg.replace("#cloud-config\\n", "#cloud-config\\nruncmd: []\\n")
    assert changed != cfg
    tf.write(changed)
    r = tf.plan_exit()
    assert "must be replaced" in r.stdout, r.stdout
    tf.write(cfg)

    # import by ID: the plan afterwards is empty for a matching config
    os.remove(os.path.join(tf.dir, "terraform.tfstate"))
    tf.run("import", "-no-color", "nova_server.web", sid)
    r = tf.plan_exit()
    # user data is never read back: the first apply after import records its hash in place
    assert r.returncode in (0, 2), r.stdout + r.stderr
    assert "must be replaced" not in r.stdout and "0 to destroy" in r.stdout or r.returncode == 0, r.stdout
    tf.apply()
    assert tf.plan_exit().returncode == 0
    assert tf.resources()["nova_server.web"]["values"]["id"] == sid

    tf.destroy()
    gone = [x for x in list_servers(sdk) if x["id"] == sid]
    assert not gone or gone[0]["status"] in ("SOFT_DELETED", "DELETED")


def test_power_state_cycle(tf_cloud, sdk, cloud):
    """active -> paused -> suspended -> shelved -> shutoff -> active, in
    place, each state reached on the cloud and each plan afterwards empty."""
    tf = tf_cloud

    def config(power):
        return server_tf(f"""
resource "nova_server" "p" {{
  name         = "tf-acc-power"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  power_state  = "{power}"
  force_delete = true
  network {{
    uuid = "{cloud['networks']['private']}"
  }}
}}
""")

    tf.write(config("paused"))
    tf.init()
    tf.apply()
    sid = tf.resources()["nova_server.p"]["values"]["id"]
    expected = {"paused": ("PAUSED",), "suspended": ("SUSPENDED",),
                "shelved": ("SHELVED", "SHELVED_OFFLOADED"), "shutoff": ("SHUTOFF",), "active": ("ACTIVE",)}
    assert sdk.compute.get_server(sid).status == "PAUSED"
    assert tf.plan_exit().returncode == 0
    for power in ["suspended", "shelved", "shutoff", "active"]:
        tf.write(config(power))
        r = tf.plan_exit()
        assert "1 to change, 0 to destroy" in r.stdout, (power, r.stdout)
        tf.apply()
        v = tf.resources()["nova_server.p"]["values"]
        assert v["id"] == sid and v["power_state"] == power, v
        assert sdk.compute.get_server(sid).status in expected[power], power
        assert v["status"] in expected[power], v
        assert tf.plan_exit().returncode == 0, power

    # a state changed outside Terraform shows as drift and is put back
    sdk.compute.pause_server(sid)
    sdk.compute.wait_for_server(sdk.compute.get_server(sid), status="PAUSED", wait=60)
    r = tf.plan_exit()
    assert r.returncode == 2 and '~ power_state' in r.stdout and '"paused" -> "active"' in r.stdout, r.stdout
    tf.apply()
    assert sdk.compute.get_server(sid).status == "ACTIVE"
    tf.destroy()


def test_boot_from_volume_blank_volume_and_swap(tf_cloud, sdk, cloud):
    tf = tf_cloud
    tf.write(server_tf(f"""
resource "nova_flavor" "swap" {{
  name = "tf-acc-swap"
  ram  = 256
  vcpus = 1
  disk = 0
  swap = 512
}}

resource "nova_server" "bfv" {{
  name         = "tf-acc-bfv"
  flavor_id    = nova_flavor.swap.id
  network_mode = "none"
  force_delete = true

{VOLUMES}  block_device {{
    source_type      = "blank"
    destination_type = "local"
    guest_format     = "swap"
    volume_size      = 512
  }}
}}
"""))
    tf.init()
    tf.apply()
    v = tf.resources()["nova_server.bfv"]["values"]
    assert v["status"] == "ACTIVE" and v["image_id"] is None
    assert len(v["volumes_attached"]) == 2
    sizes = sorted(sdk.block_storage.get_volume(vid).size for vid in v["volumes_attached"])
    assert sizes == [1, 2]
    assert tf.plan_exit().returncode == 0
    sid = v["id"]
    tf.destroy()
    # force_delete purges even though the cloud keeps deleted servers
    # (Nova keeps the row of a purged server with status DELETED)
    statuses = {x["id"]: x["status"] for x in list_servers(sdk, "all_tenants=1&deleted=True")}
    assert statuses.get(sid, "DELETED") == "DELETED", statuses


def test_import_recovers_block_devices_and_networks(tf_cloud, sdk, cloud):
    """A server booted from a volume made from an image, with a blank data
    volume: imported by identity, it plans with no changes."""
    from conftest import purge_soft_deleted

    tf = tf_cloud
    tf.write(server_tf(f"""
resource "nova_server" "bfv" {{
  name      = "tf-acc-bfv-import"
  flavor_id = "42"

  network {{
    uuid = "{cloud['networks']['private']}"
  }}
{VOLUMES}}}
"""))
    tf.init()
    tf.apply()
    before = tf.resources()["nova_server.bfv"]["values"]
    sid = before["id"]
    tf.import_by_identity("nova_server.bfv", id=sid)
    after = tf.resources()["nova_server.bfv"]["values"]
    assert after["block_device"] == before["block_device"], (after["block_device"], before["block_device"])
    assert after["network"] == before["network"]
    assert tf.plan_exit().returncode == 0
    tf.destroy()
    purge_soft_deleted(sdk, [sid])


def test_error_is_surfaced_tainted_and_replaced(tf_cloud, sdk):
    tf = tf_cloud

    def config(disk):
        # no fake host has a million GiB of disk: scheduling fails (quota does not count disk)
        return server_tf(f"""
resource "nova_flavor" "f" {{
  name  = "tf-acc-disk-{disk}"
  ram   = 256
  vcpus = 1
  disk  = {disk}
}}

resource "nova_server" "s" {{
  name         = "tf-acc-error"
  image_id     = "{CIRROS}"
  flavor_id    = nova_flavor.f.id
  network_mode = "none"
}}
""")

    tf.write(config(1000000))
    tf.init()
    r = tf.apply(check=False)
    out = " ".join((r.stdout + r.stderr).split())
    assert r.returncode == 1
    assert "Server did not become ACTIVE" in out and "No valid host was found" in out, out
    state = json.loads(open(os.path.join(tf.dir, "terraform.tfstate")).read())
    inst = [x for x in state["resources"] if x["type"] == "nova_server"][0]["instances"][0]
    assert inst["status"] == "tainted"
    assert inst["attributes"]["status"] == "ERROR" and "No valid host" in inst["attributes"]["fault"]["message"]
    bad_id = inst["attributes"]["id"]
    # a fixed configuration replaces the tainted server
    tf.write(config(1))
    r = tf.plan_exit()
    assert "is tainted, so must be replaced" in r.stdout, r.stdout
    tf.apply()
    good = tf.resources()["nova_server.s"]["values"]
    assert good["status"] == "ACTIVE" and good["id"] != bad_id
    tf.destroy()


def test_soft_deleted_server_counts_as_gone(tf_cloud, sdk):
    tf = tf_cloud
    tf.write(server_tf(f"""
resource "nova_server" "s" {{
  name         = "tf-acc-soft"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
}}
"""))
    tf.init()
    tf.apply()
    sid = tf.resources()["nova_server.s"]["values"]["id"]
    # deleted outside Terraform into the cloud's recycle bin
    sdk.compute.delete_server(sid)
    sdk.compute.wait_for_server(sdk.compute.get_server(sid), status="SOFT_DELETED", wait=60)
    r = tf.plan_exit()
    assert r.returncode == 2 and "nova_server.s will be created" in r.stdout, r.stdout
    sdk.compute.delete_server(sid, force=True)


def test_user_data_already_base64_is_sent_as_given(tf_cloud, sdk):
    """user_data that is base64 already (base64gzip, as cloudinit_config
    gives) reaches Nova as written; plain text is encoded once. Nova's copy
    (OS-EXT-SRV-ATTR:user_data, 2.3) is what was sent; user_data_hash is
    the SHA-256 of the text as written."""
    import base64
    import gzip
    import hashlib

    tf = tf_cloud
    text = "#cloud-config\nruncmd: [echo hi]\n"
    body = ""
    for name, ud in (("plain", json.dumps(text)), ("gz", f"base64gzip({json.dumps(text)})")):
        body += f"""
resource "nova_server" "{name}" {{
  name         = "tf-acc-userdata-{name}"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
  force_delete = true
  user_data    = {ud}
}}
"""
    tf.write(server_tf(body))
    tf.init()
    try:
        tf.apply()
        res = tf.resources()
        stored = {}
        for name in ("plain", "gz"):
            sid = res[f"nova_server.{name}"]["values"]["id"]
            r = sdk.compute.get(f"/servers/{sid}", microversion="2.3")
            r.raise_for_status()
            stored[name] = r.json()["server"]["OS-EXT-SRV-ATTR:user_data"]
        assert stored["plain"] == base64.b64encode(text.encode()).decode(), stored
        assert gzip.decompress(base64.b64decode(stored["gz"])).decode() == text, stored
        # the hash is of what the configuration wrote: the text, or the base64 as given
        assert res["nova_server.plain"]["values"]["user_data_hash"] == hashlib.sha256(text.encode()).hexdigest()
        assert res["nova_server.gz"]["values"]["user_data_hash"] == hashlib.sha256(stored["gz"].encode()).hexdigest()
        assert tf.plan_exit().returncode == 0
    finally:
        tf.destroy()


def test_block_device_multiattach_is_checked_at_plan(tf_cloud):
    """block_device.multiattach is no field of the compute API: true plans
    (the provider speaks 2.60 or later), is refused on a local disk, and is
    refused when the provider is held below 2.60. Nothing is created."""
    tf = tf_cloud

    def config(dest, provider_args=""):
        return PROVIDER_BLOCK + f"""
provider "nova" {{
{provider_args}
}}

resource "nova_server" "shared" {{
  name         = "tf-acc-multiattach"
  flavor_id    = "42"
  network_mode = "none"
  block_device {{
    source_type           = "image"
    uuid                  = "{CIRROS}"
    destination_type      = "{dest}"
    volume_size           = 1
    boot_index            = 0
    delete_on_termination = true
    multiattach           = true
  }}
}}
"""

    tf.write(config("volume"))
    tf.init()
    r = tf.plan_exit()
    assert r.returncode == 2 and "1 to add" in r.stdout, r.stdout + r.stderr
    assert "multiattach" in r.stdout and "= true" in r.stdout, r.stdout
    tf.write(config("local"))
    r = tf.plan_exit()
    assert r.returncode == 1 and "multiattach applies to volumes" in r.stderr, r.stdout + r.stderr
    tf.write(config("volume", '  compute_microversion = "2.59"'))
    r = tf.plan_exit()
    assert r.returncode == 1 and "block_device.multiattach needs compute API microversion 2.60" in r.stderr, r.stdout + r.stderr
