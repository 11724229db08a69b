"""nova_volume_attachment and nova_interface_attachment with real Terraform."""
import os

import pytest

from conftest import PROVIDER_BLOCK, RequestLog

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
DATA_NET = "9a6a8bf0-6c1b-4c3b-a1d8-0e9b21d4f3a7"


def test_volume_and_interface_attach_detach(tf_cloud, sdk, cloud):
    tf = tf_cloud
    vol = sdk.block_storage.create_volume(size=1, name="tf-acc-attach")
    base = PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server" "s" {{
  name     = "tf-acc-attach"
  image_id = "{CIRROS}"
  flavor_id = "42"
  force_delete = true
  network {{
    uuid = "{cloud['networks']['private']}"
  }}
}}
"""
    attachments = f"""
resource "nova_volume_attachment" "v" {{
  server_id = nova_server.s.id
  volume_id = "{vol.id}"
  tag       = "data"
}}

resource "nova_interface_attachment" "i" {{
  server_id  = nova_server.s.id
  network_id = "{DATA_NET}"
  fixed_ip   = "10.20.0.77"
}}

data "nova_volume_attachments" "s" {{
  server_id  = nova_server.s.id
  depends_on = [nova_volume_attachment.v]
}}
"""
    tf.write(base + attachments)
    tf.init()
    tf.apply()
    res = tf.resources()
    sid = res["nova_server.s"]["values"]["id"]
    va = res["nova_volume_attachment.v"]["values"]
    assert va["id"] == f"{sid}/{vol.id}" and va["device"]
    ia = res["nova_interface_attachment.i"]["values"]
    assert ia["fixed_ip"] == "10.20.0.77" and ia["mac"]
    assert vol.id in [a.volume_id for a in sdk.compute.volume_attachments(sid)]
    assert ia["port_id"] in [i.port_id for i in sdk.compute.server_interfaces(sid)]
    # the data source lists the server's attached volumes as the API does
    listed = tf.resources()["data.nova_volume_attachments.s"]["values"]
    assert listed["volume_ids"] == [vol.id], listed
    (a,) = listed["volume_attachments"]
    assert (a["id"], a["device"], a["tag"]) == (va["id"], va["device"], "data"), a
    assert a["device"] == [x.device for x in sdk.compute.volume_attachments(sid) if x.volume_id == vol.id][0]
    assert tf.plan_exit().returncode == 0

    # import both by ID into fresh state entries
    tf.run("state", "rm", "nova_volume_attachment.v", "nova_interface_attachment.i")
    tf.run("import", "-no-color", "nova_volume_attachment.v", f"{sid}/{vol.id}")
    tf.run("import", "-no-color", "nova_interface_attachment.i", f"{sid}/{ia['port_id']}")
    assert tf.plan_exit().returncode == 0

    # the server imported too: the import recovers a block per interface,
    # the attachment's included; the configuration's one block adopts its
    # own, and the other leaves the state in place (no replacement, no call)
    tf.run("state", "rm", "nova_server.s")
    tf.run("import", "-no-color", "nova_server.s", sid)
    imported = tf.resources()["nova_server.s"]["values"]["network"]
    assert len(imported) == 2, imported
    r = tf.plan_exit()
    assert "must be replaced" not in r.stdout and "0 to add, 1 to change, 0 to destroy" in r.stdout, r.stdout
    log = RequestLog(cloud)
    tf.apply()
    writes = [c for c in log.compute() if not c.startswith("GET ")]
    assert writes == [], writes
    kept = tf.resources()["nova_server.s"]["values"]["network"]
    assert [n["port"] for n in kept] == [n["port"] for n in imported if n["port"] != ia["port_id"]], kept
    assert tf.plan_exit().returncode == 0

    # removing them detaches, and waits for it
    tf.write(base)
    tf.apply()
    assert vol.id not in [a.volume_id for a in sdk.compute.volume_attachments(sid)]
    assert ia["port_id"] not in [i.port_id for i in sdk.compute.server_interfaces(sid)]
    tf.destroy()


def test_every_attachment_is_listed_past_novas_pages(tf_cloud, sdk, cloud):
    """Nova pages the attachment listing over all block devices (the image
    root included) and sends no next link: at the test cloud's page size of
    2, the second volume is on no page the listing links to. The data
    source and the server's import still see both."""
    tf = tf_cloud
    vols = [sdk.block_storage.create_volume(size=1, name=f"tf-acc-pages-{i}") for i in range(2)]
    tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server" "s" {{
  name         = "tf-acc-pages"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
  force_delete = true
}}

resource "nova_volume_attachment" "a" {{
  server_id = nova_server.s.id
  volume_id = "{vols[0].id}"
}}

resource "nova_volume_attachment" "b" {{
  server_id  = nova_server.s.id
  volume_id  = "{vols[1].id}"
  depends_on = [nova_volume_attachment.a]
}}

data "nova_volume_attachments" "s" {{
  server_id  = nova_server.s.id
  depends_on = [nova_volume_attachment.a, nova_volume_attachment.b]
}}
""")
    tf.init()
    try:
        tf.apply()
        sid = tf.resources()["nova_server.s"]["values"]["id"]
        first = sdk.compute.get(f"/servers/{sid}/os-volume_attachments").json()["volumeAttachments"]
        assert len(first) < 2, "the cloud's first page holds fewer than both (else this test shows nothing)"
        listed = tf.resources()["data.nova_volume_attachments.s"]["values"]
        assert sorted(listed["volume_ids"]) == sorted(v.id for v in vols), listed
        assert tf.plan_exit().returncode == 0
    finally:
        tf.destroy(check=False)
        for v in vols:
            sdk.block_storage.delete_volume(v, ignore_missing=True)
