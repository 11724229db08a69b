"""`terraform query` with real Terraform 1.15: list blocks find servers, key
pairs, flavors, aggregates and server groups made outside Terraform, `-generate-config-out` writes configuration
and import blocks for them, and that configuration plans with no changes."""
import json
import os
import re

import pytest

from conftest import PROVIDER_BLOCK, purge_soft_deleted

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDu2qV6x3yqAD7HnzbQYyq8r3QxHiAbPpbf3t5TQrD7U query"

QUERY = """
list "nova_server" "web" {
  provider         = nova
  include_resource = true
  config {
    name_regex = "^tf-query-web-"
    status     = "ACTIVE"
  }
}

list "nova_keypair" "keys" {
  provider = nova
  config {
    name_regex = "^tf-query-"
  }
}

list "nova_flavor" "flavors" {
  provider = nova
  config {
    name_regex = "^tf-query-"
  }
}

list "nova_aggregate" "aggregates" {
  provider = nova
  config {
    name_regex = "^tf-query-"
  }
}

list "nova_server_group" "groups" {
  provider = nova
  config {
    name_regex = "^tf-query-"
  }
}
"""


def test_query_lists_and_generates_configuration_that_plans_clean(tf_cloud, sdk, cloud):
    tf = tf_cloud
    private = cloud["networks"]["private"]
    kp = sdk.compute.create_keypair(name="tf-query-key", public_key=PUBLIC_KEY)
    servers = [
        sdk.compute.create_server(name=name, image_id=CIRROS, flavor_id="42", key_name=kp.name,
                                  metadata={"role": "web"}, networks=[{"uuid": private}])
        for name in ("tf-query-web-1", "tf-query-web-2", "tf-query-db-1")
    ]
    servers = [sdk.compute.wait_for_server(s, wait=120) for s in servers]
    ids = [s.id for s in servers]
    flavor = sdk.compute.create_flavor(name="tf-query-flavor", ram=256, vcpus=1, disk=1, is_public=False)
    agg = sdk.compute.create_aggregate(name="tf-query-agg", availability_zone="tf-query-zone")
    sdk.compute.set_aggregate_metadata(agg, {"ssd": "true"})
    group = sdk.compute.create_server_group(name="tf-query-group", policy="anti-affinity")
    try:
        tf.write(PROVIDER_BLOCK + 'provider "nova" {}\n')
        tf.write(QUERY, name="servers.tfquery.hcl")
        tf.init()
        r = tf.run("query", "-no-color", "-json")
        found = [json.loads(line) for line in r.stdout.splitlines() if line.strip().startswith("{")]
        results = [m for m in found if m.get("type") == "list_resource_found"]
        names = sorted(m["list_resource_found"]["display_name"] for m in results)
        assert names == ["tf-query-agg", "tf-query-flavor", "tf-query-group", "tf-query-key",
                         "tf-query-web-1", "tf-query-web-2"], r.stdout

        r = tf.run("query", "-no-color", "-generate-config-out=generated.tf")
        generated = open(os.path.join(tf.dir, "generated.tf")).read()
        assert generated.count('resource "nova_server"') == 2 and generated.count('resource "nova_keypair"') == 1, generated
        # arguments only: nothing computed, user data never (it is not read back)
        assert "all_metadata" not in generated and "addresses" not in generated and "status" not in generated, generated
        assert re.search(r"user_data\s+= null", generated) and re.search(r'key_name\s+= "tf-query-key"', generated), generated
        r = tf.plan_exit()
        assert "6 to import, 0 to add, 0 to change, 0 to destroy" in r.stdout, generated + r.stdout + r.stderr
        tf.apply()
        assert sorted(x["values"]["id"] for a, x in tf.resources().items() if a.startswith("nova_server.")) == sorted(ids[:2])
        assert tf.plan_exit().returncode == 0
        tf.destroy()
    finally:
        # what Terraform deleted is soft-deleted: purged; the rest deleted
        purge_soft_deleted(sdk, ids)
        for sid in ids:
            if sdk.compute.find_server(sid, ignore_missing=True):
                sdk.compute.delete_server(sid, force=True)
        if sdk.compute.find_keypair("tf-query-key", ignore_missing=True):
            sdk.compute.delete_keypair("tf-query-key")
        for find, delete, ref in ((sdk.compute.find_flavor, sdk.compute.delete_flavor, flavor.id),
                                  (sdk.compute.find_aggregate, sdk.compute.delete_aggregate, agg.id),
                                  (sdk.compute.find_server_group, sdk.compute.delete_server_group, group.id)):
            if find(ref, ignore_missing=True):
                delete(ref)


def test_query_limit_stops_the_server_listing_early(tf_cloud, sdk, cloud):
    """`limit` on a `list "nova_server"` block: the first servers by name
    are found, and the listing stops at the page where that many matched
    (the test cloud pages by 2), instead of reading every page."""
    from conftest import RequestLog

    tf = tf_cloud
    private = cloud["networks"]["private"]
    names = [f"tf-query-lim-{i}" for i in range(1, 6)]
    servers = [sdk.compute.create_server(name=n, image_id=CIRROS, flavor_id="42", networks=[{"uuid": private}])
               for n in reversed(names)]
    ids = [s.id for s in servers]
    try:
        for s in servers:
            sdk.compute.wait_for_server(s, wait=120)
        tf.write(PROVIDER_BLOCK + 'provider "nova" {}\n')
        query = """
list "nova_server" "first" {
  provider = nova
  limit    = LIMIT
  config {
    name_regex = "^tf-query-lim-"
  }
}
"""
        tf.init()
        for limit, pages in ((2, 1), (3, 2), (100, 3)):
            tf.write(query.replace("LIMIT", str(limit)), name="servers.tfquery.hcl")
            log = RequestLog(cloud)
            r = tf.run("query", "-no-color", "-json")
            found = [json.loads(line) for line in r.stdout.splitlines() if line.strip().startswith("{")]
            shown = [m["list_resource_found"]["display_name"] for m in found if m.get("type") == "list_resource_found"]
            assert shown == names[:limit], (limit, shown, log.compute())
            # the list block's own listing (name filter, name order); the
            # found servers are then read as an import reads them
            listing = [c for c in log.compute() if c.startswith("GET /servers/detail?") and "name=" in c]
            assert len(listing) == pages, log.compute()
            assert all("sort_key=display_name" in c for c in listing), listing
    finally:
        purge_soft_deleted(sdk, ids)
        for sid in ids:
            if sdk.compute.find_server(sid, ignore_missing=True):
                sdk.compute.delete_server(sid, force=True)
        for sid in ids:
            server = sdk.compute.find_server(sid, ignore_missing=True)
            if server:
                sdk.compute.wait_for_delete(server, wait=60)
