"""Batched reads and shared polling give the same state as one request per
server, with fewer requests (real Terraform, local real cloud)."""
import re

import pytest

from conftest import PROVIDER_BLOCK, RequestLog, purge_soft_deleted

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
N = 5

CONFIG = PROVIDER_BLOCK + f"""
variable "batch" {{
  type    = bool
  default = true
}}

provider "nova" {{
  batch_reads = var.batch
}}

resource "nova_server" "net" {{
  count       = {N}
  name        = "tf-acc-batch-${{count.index}}"
  image_id    = "{CIRROS}"
  flavor_name = "m1.nano"
  metadata    = {{ index = tostring(count.index) }}
  tags        = ["batch"]
  # the test cloud keeps deleted servers on their hosts unless purged
  force_delete = true

  network {{
    uuid = "PRIVATE"
  }}
}}

resource "nova_server" "bare" {{
  name         = "tf-acc-batch-bare"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
  force_delete = true
}}
"""

SINGLE_GET = re.compile(r"^GET /servers/[0-9a-f-]{36}$")


def values(tf):
    return {a: r["values"] for a, r in tf.resources().items()}


def test_batched_reads_equal_single_reads(tf_cloud, cloud, sdk):
    tf = tf_cloud
    tf.write(CONFIG.replace("PRIVATE", cloud["networks"]["private"]))
    tf.init()

    log = RequestLog(cloud)
    tf.apply()
    created = values(tf)
    assert len(created) == N + 1
    compute = log.compute()
    # every wait was answered by shared listings, not by a GET per server and tick
    listings = [c for c in compute if c.startswith("GET /servers/detail?changes-since=")]
    assert listings, compute
    assert len([c for c in compute if SINGLE_GET.match(c)]) < N + 1, compute
    # no per-server interface look-ups after the waits: ports came from the network API
    assert not [c for c in compute if c.endswith("/os-interface")], compute
    assert log.other("network"), "ports were looked up through the network API"

    # refresh with batching: one listing answers every server
    log = RequestLog(cloud)
    tf.apply("-refresh-only")
    batched = values(tf)
    compute = log.compute()
    assert [c for c in compute if c.startswith("GET /servers/detail")], compute
    # reads gather by what is in flight: only a read with no other read in
    # flight goes alone (on a busy machine, the first of the refresh can),
    # with its interfaces; every read that overlaps another shares the listing
    alone = [c for c in compute if SINGLE_GET.match(c)]
    assert len(alone) <= 1, compute
    assert [c for c in compute if c.endswith("/os-interface")] in ([], [a + "/os-interface" for a in alone]), compute

    # the same refresh, one request per server
    log = RequestLog(cloud)
    tf.apply("-refresh-only", "-var", "batch=false")
    single = values(tf)
    compute = log.compute()
    assert len([c for c in compute if SINGLE_GET.match(c)]) == N + 1, compute
    assert not [c for c in compute if c.startswith("GET /servers/detail")], compute

    assert batched == single
    assert batched == created

    # drift is seen through the listing too: one server renamed, one deleted
    ids = {a: v["id"] for a, v in created.items()}
    sdk.compute.update_server(ids["nova_server.net[0]"], name="renamed-outside")
    gone = sdk.compute.get_server(ids["nova_server.net[1]"])
    sdk.compute.delete_server(gone)
    sdk.compute.wait_for_status(gone, "SOFT_DELETED" if cloud["soft_delete"] else "DELETED", interval=1) \
        if cloud["soft_delete"] else sdk.compute.wait_for_delete(gone, interval=1)
    r = tf.plan_exit()
    assert r.returncode == 2, r.stdout
    assert "1 to add, 1 to change, 0 to destroy" in r.stdout, r.stdout
    purge_soft_deleted(sdk, [gone.id])

    log = RequestLog(cloud)
    tf.destroy()
    compute = log.compute()
    assert [c for c in compute if c.startswith("GET /servers/detail?changes-since=")], compute
    for sid in ids.values():
        s = sdk.compute.find_server(sid)
        assert s is None or s.status in ("DELETED", "SOFT_DELETED"), s
