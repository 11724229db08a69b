"""Data sources with real Terraform against the local real cloud."""
import pytest

from conftest import PROVIDER_BLOCK

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"


def test_lookups(tf_cloud, cloud):
    tf = tf_cloud
    tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_keypair" "k" {{
  name = "tf-acc-ds-key"
}}

resource "nova_aggregate" "a" {{
  name              = "tf-acc-ds-agg"
  availability_zone = "tf-ds-zone"
  hosts             = ["{cloud['compute_hosts'][0]}"]
}}

resource "nova_server_group" "g" {{
  name   = "tf-acc-ds-group"
  policy = "anti-affinity"
}}

resource "nova_server" "s" {{
  name         = "tf-acc-ds-server"
  image_id     = "{CIRROS}"
  flavor_name  = "m1.nano"
  network_mode = "none"
  # in the aggregate's zone: destroyed before the aggregate gives up its host;
  # purged, since a soft-deleted server still holds the host in its zone
  availability_zone = nova_aggregate.a.availability_zone
  force_delete      = true
  scheduler_hints {{
    group = nova_server_group.g.id
  }}
}}

data "nova_flavor" "tiny" {{
  name = "m1.tiny"
}}

data "nova_flavor" "by_size" {{
  vcpus   = 2
  min_ram = 4096
}}

data "nova_flavors" "small_ones" {{
  vcpus = 1
}}

data "nova_keypair" "k" {{
  name = nova_keypair.k.name
}}

data "nova_aggregate" "a" {{
  name = nova_aggregate.a.name
}}

data "nova_server_group" "g" {{
  name       = nova_server_group.g.name
  depends_on = [nova_server.s]
}}

data "nova_server" "s" {{
  name = nova_server.s.name
}}

data "nova_image" "cirros" {{
  name = "cirros"
}}

data "nova_availability_zones" "all" {{
  depends_on = [nova_aggregate.a]
}}

data "nova_limits" "l" {{}}

data "nova_hypervisors" "h" {{}}

output "results" {{
  value = {{
    tiny_id      = data.nova_flavor.tiny.id
    by_size      = data.nova_flavor.by_size.name
    small_names  = [for f in data.nova_flavors.small_ones.flavors : f.name]
    key_fp_match = data.nova_keypair.k.fingerprint == nova_keypair.k.fingerprint
    agg_hosts    = data.nova_aggregate.a.hosts
    members      = data.nova_server_group.g.members
    server_id    = data.nova_server.s.id == nova_server.s.id
    server_flv   = data.nova_server.s.flavor.name
    image_id     = data.nova_image.cirros.id
    zones        = data.nova_availability_zones.all.names
    max_cores    = data.nova_limits.l.absolute["maxTotalCores"]
    hypervisors  = length(data.nova_hypervisors.h.hypervisors)
  }}
}}
""")
    tf.init()
    try:
        tf.apply()
        check_lookups(tf, cloud)
    finally:
        # leave no host in the test's zone, whatever failed
        tf.destroy()


def check_lookups(tf, cloud):
    r = tf.output("results")
    assert r["tiny_id"] == "1"
    assert r["by_size"] == "m1.medium"
    assert r["small_names"] == sorted(r["small_names"]) and {"m1.tiny", "m1.small", "m1.nano"} <= set(r["small_names"])
    assert r["key_fp_match"] is True
    assert r["agg_hosts"] == [cloud["compute_hosts"][0]]
    assert r["server_id"] is True and r["server_flv"] == "m1.nano"
    assert len(r["members"]) == 1
    assert r["image_id"] == CIRROS
    assert "tf-ds-zone" in r["zones"]
    assert r["max_cores"] != 0, "a limit, or -1 for unlimited"
    assert r["hypervisors"] == len(cloud["compute_hosts"])
    assert tf.plan_exit().returncode == 0


@pytest.mark.parametrize("block, message", [
    ('data "nova_flavor" "f" {\n  vcpus = 1\n}', "flavors match; narrow the filters. Candidates:"),
    ('data "nova_flavor" "f" {\n  name = "no-such-flavor"\n}', "No flavor matches the given name, ID and filters."),
    ('data "nova_image" "i" {\n  name = "fakeimage123456"\n}', "Set most_recent = true or give the id."),
    ('data "nova_aggregate" "a" {}', "Give name or id."),
    ('data "nova_hypervisor" "h" {\n  hostname = "compute"\n}',
     'No hypervisor has hostname "compute". Hypervisors with similar names: compute1, compute2.'),
    ('data "nova_hypervisor" "h" {\n  hostname = ""\n}', "hostname"),
    ('data "nova_availability_zones" "z" {\n  state = "broken"\n}', "state"),
    ('data "nova_limits" "l" {\n  project_id = ""\n}', "project_id"),
])
def test_lookup_errors(tf_cloud, block, message):
    tf = tf_cloud
    tf.write(PROVIDER_BLOCK + 'provider "nova" {}\n' + block + "\n")
    tf.init()
    r = tf.plan_exit()
    assert r.returncode == 1
    out = " ".join((r.stdout + r.stderr).split())
    assert message in out, out


def test_servers_list_with_filters(tf_cloud, sdk):
    tf = tf_cloud
    tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server" "s" {{
  count        = 3
  name         = "tf-acc-list-${{count.index}}"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
  tags         = count.index < 2 ? ["listed"] : ["other"]
  power_state  = count.index == 1 ? "shutoff" : "active"
  force_delete = true
}}

data "nova_servers" "tagged" {{
  name_regex = "^tf-acc-list-"
  tags       = ["listed"]
  depends_on = [nova_server.s]
}}

data "nova_servers" "active" {{
  name_regex = "^tf-acc-list-"
  status     = "ACTIVE"
  depends_on = [nova_server.s]
}}

output "tagged" {{
  value = data.nova_servers.tagged.servers[*].name
}}

output "active" {{
  value = data.nova_servers.active.ids
}}

output "first" {{
  value = data.nova_servers.tagged.servers[0]
}}
""")
    tf.init()
    tf.apply()
    ids = [r["values"]["id"] for a, r in sorted(tf.resources().items()) if r["type"] == "nova_server"]
    assert tf.output("tagged") == ["tf-acc-list-0", "tf-acc-list-1"]
    assert sorted(tf.output("active")) == sorted([ids[0], ids[2]])
    first = tf.output("first")
    assert first["status"] == "ACTIVE" and first["image_id"] == CIRROS and first["flavor_name"] == "m1.nano"
    assert first["tags"] == ["listed"]
    tf.destroy()
