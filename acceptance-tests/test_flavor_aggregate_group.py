"""nova_flavor, nova_flavor_access, nova_aggregate and nova_server_group with
real Terraform against the local real cloud."""
import os

import pytest

from conftest import PROVIDER_BLOCK

pytestmark = pytest.mark.cloud


def test_flavor_lifecycle(tf_cloud, sdk, cloud):
    tf = tf_cloud
    demo = cloud["projects"]["demo_project_id"]

    def config(description, specs):
        return PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_flavor" "f" {{
  name        = "tf-acc-flavor"
  flavor_id   = "tf-acc.large"
  ram         = 1024
  vcpus       = 2
  disk        = 10
  swap        = 512
  is_public   = false
  description = "{description}"
  extra_specs = {{ {specs} }}
}}

resource "nova_flavor_access" "demo" {{
  flavor_id  = nova_flavor.f.id
  project_id = "{demo}"
}}
"""

    tf.write(config("first", '"hw:mem_page_size" = "large", "quota:cpu_shares" = "100"'))
    tf.init()
    tf.apply()
    f = sdk.compute.get_flavor("tf-acc.large")
    assert (f.ram, f.vcpus, f.disk, f.swap, f.is_public) == (1024, 2, 10, 512, False)
    assert f.description == "first"
    assert sdk.compute.fetch_flavor_extra_specs(f).extra_specs == {"hw:mem_page_size": "large", "quota:cpu_shares": "100"}
    access = sdk.compute.get_flavor_access(f)
    assert demo in [a["tenant_id"] for a in access]
    assert tf.plan_exit().returncode == 0

    # in place: description and extra specs (a key changed, one removed, one added)
    tf.write(config("second", '"hw:mem_page_size" = "small", "hw:cpu_policy" = "dedicated"'))
    r = tf.plan_exit()
    assert r.returncode == 2 and "1 to change, 0 to destroy" in r.stdout, r.stdout
    tf.apply()
    f = sdk.compute.get_flavor("tf-acc.large")
    assert f.description == "second"
    assert sdk.compute.fetch_flavor_extra_specs(f).extra_specs == {"hw:mem_page_size": "small", "hw:cpu_policy": "dedicated"}
    assert tf.plan_exit().returncode == 0

    # a change made outside Terraform shows in the next plan
    sdk.compute.update_flavor_extra_specs_property(f, "hw:mem_page_size", "huge")
    r = tf.plan_exit()
    assert r.returncode == 2 and '"hw:mem_page_size" = "huge" -> "small"' in r.stdout, r.stdout
    tf.apply()

    # a size change replaces the flavor
    tf.write(config("second", '"hw:mem_page_size" = "small", "hw:cpu_policy" = "dedicated"').replace("ram         = 1024", "ram         = 2048"))
    r = tf.plan_exit()
    assert "must be replaced" in r.stdout and "# forces replacement" in r.stdout, r.stdout

    # import by ID and by identity
    tf.write(config("second", '"hw:mem_page_size" = "small", "hw:cpu_policy" = "dedicated"'))
    os.remove(os.path.join(tf.dir, "terraform.tfstate"))
    tf.run("import", "-no-color", "nova_flavor.f", "tf-acc.large")
    tf.write(f"""
import {{
  to       = nova_flavor_access.demo
  identity = {{
    flavor_id  = "tf-acc.large"
    project_id = "{demo}"
  }}
}}
""", name="imports.tf")
    tf.apply()
    os.remove(os.path.join(tf.dir, "imports.tf"))
    assert tf.plan_exit().returncode == 0

    tf.destroy()
    assert "tf-acc.large" not in [x.id for x in sdk.compute.flavors(is_public=None)]


def test_aggregate_lifecycle(tf_cloud, sdk, cloud):
    tf = tf_cloud
    h1, h2 = cloud["compute_hosts"][:2]

    def config(name, az, metadata, hosts):
        return PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_aggregate" "a" {{
  name              = "{name}"
  availability_zone = {az}
  metadata          = {{ {metadata} }}
  hosts             = [{", ".join(f'"{h}"' for h in hosts)}]
}}
"""

    tf.write(config("tf-acc-agg", '"tf-zone"', 'ssd = "true", tier = "gold"', [h1]))
    tf.init()
    tf.apply()
    agg_id = tf.resources()["nova_aggregate.a"]["values"]["id"]
    a = sdk.compute.get_aggregate(agg_id)
    assert (a.name, a.availability_zone, a.hosts) == ("tf-acc-agg", "tf-zone", [h1])
    assert {k: v for k, v in a.metadata.items() if k != "availability_zone"} == {"ssd": "true", "tier": "gold"}
    assert tf.plan_exit().returncode == 0

    # everything in place: rename, new zone, a metadata key removed, hosts swapped
    tf.write(config("tf-acc-agg2", '"tf-zone2"', 'ssd = "false"', [h2]))
    r = tf.plan_exit()
    assert "1 to change, 0 to destroy" in r.stdout, r.stdout
    tf.apply()
    a = sdk.compute.get_aggregate(agg_id)
    assert (a.name, a.availability_zone, a.hosts) == ("tf-acc-agg2", "tf-zone2", [h2])
    assert "tier" not in a.metadata and a.metadata["ssd"] == "false"
    assert tf.plan_exit().returncode == 0

    # drift: a host added outside Terraform
    sdk.compute.add_host_to_aggregate(agg_id, h1)
    r = tf.plan_exit()
    assert r.returncode == 2 and f'- "{h1}"' in r.stdout, r.stdout
    tf.apply()
    assert sdk.compute.get_aggregate(agg_id).hosts == [h2]

    # import by ID, then by identity
    os.remove(os.path.join(tf.dir, "terraform.tfstate"))
    tf.run("import", "-no-color", "nova_aggregate.a", agg_id)
    assert tf.plan_exit().returncode == 0
    tf.import_by_identity("nova_aggregate.a", id=agg_id)
    assert tf.resources()["nova_aggregate.a"]["values"]["hosts"] == [h2]
    assert tf.plan_exit().returncode == 0

    tf.destroy()
    assert agg_id not in [str(x.id) for x in sdk.compute.aggregates()]


def test_server_group_lifecycle(tf_cloud, sdk):
    tf = tf_cloud
    tf.write(PROVIDER_BLOCK + """
provider "nova" {}

resource "nova_server_group" "anti" {
  name   = "tf-acc-anti"
  policy = "anti-affinity"
  rules {
    max_server_per_host = 2
  }
}

resource "nova_server_group" "soft" {
  name   = "tf-acc-soft"
  policy = "soft-affinity"
}
""")
    tf.init()
    tf.apply()
    res = tf.resources()
    anti = sdk.compute.get_server_group(res["nova_server_group.anti"]["values"]["id"])
    assert anti.policy == "anti-affinity" and anti.rules == {"max_server_per_host": 2}
    assert tf.plan_exit().returncode == 0

    # deleted outside Terraform: planned again
    sdk.compute.delete_server_group(res["nova_server_group.soft"]["values"]["id"])
    r = tf.plan_exit()
    assert r.returncode == 2 and "nova_server_group.soft will be created" in r.stdout
    tf.apply()

    # import by ID
    gid = tf.resources()["nova_server_group.anti"]["values"]["id"]
    tf.run("state", "rm", "nova_server_group.anti")
    tf.run("import", "-no-color", "nova_server_group.anti", gid)
    v = tf.resources()["nova_server_group.anti"]["values"]
    assert (v["name"], v["policy"], v["rules"]["max_server_per_host"]) == ("tf-acc-anti", "anti-affinity", 2), v
    assert tf.plan_exit().returncode == 0

    # import by identity
    tf.import_by_identity("nova_server_group.anti", id=gid)
    assert tf.plan_exit().returncode == 0

    ids = [r["values"]["id"] for r in tf.resources().values()]
    tf.destroy()
    remaining = {g.id for g in sdk.compute.server_groups()}
    assert not (set(ids) & remaining)


def test_feature_above_the_pinned_microversion_fails_at_plan(tf_cloud):
    """With compute_microversion pinned at 2.14, soft policies (2.15) and
    flavor descriptions (2.55) are refused at plan time, naming the attribute
    and the version needed."""
    tf = tf_cloud
    tf.write(PROVIDER_BLOCK + """
provider "nova" {
  compute_microversion = "2.14"
}

resource "nova_server_group" "soft" {
  name   = "tf-acc-soft-pinned"
  policy = "soft-anti-affinity"
}

resource "nova_flavor" "f" {
  name        = "tf-acc-pinned"
  ram         = 512
  vcpus       = 1
  description = "needs 2.55"
}

resource "nova_server_group" "hard" {
  name   = "tf-acc-hard-pinned"
  policy = "anti-affinity"
}
""")
    tf.init()
    r = tf.plan_exit()
    assert r.returncode == 1, r.stdout
    out = " ".join((r.stdout + r.stderr).split())
    assert "policy needs compute API microversion 2.15; this cloud speaks 2.14" in out, out
    assert "with nova_server_group.soft" in out and 'policy = "soft-anti-affinity"' in out, out
    assert "description needs compute API microversion 2.55; this cloud speaks 2.14" in out, out
    assert "with nova_flavor.f" in out, out
    # the group that needs nothing newer is not refused
    assert "with nova_server_group.hard" not in out, out


@pytest.mark.parametrize("resource, message", [
    ('resource "nova_server_group" "g" {\n  name = "g"\n  policy = "spread"\n}',
     'policy must be one of "affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"'),
    ('resource "nova_server_group" "g" {\n  name = "g"\n  policy = "affinity"\n  rules {\n    max_server_per_host = 2\n  }\n}',
     "rules.max_server_per_host applies to the anti-affinity policy only"),
    ('resource "nova_flavor" "f" {\n  name = "f"\n  ram = -1\n  vcpus = 1\n}', "ram must be a whole number from 1 to"),
    ('resource "nova_flavor" "f" {\n  name = "f"\n  ram = 512\n  vcpus = 1\n  disk = 1.5\n}', "disk must be a whole number"),
    ('resource "nova_aggregate" "a" {\n  name = ""\n}', "name must be 1 to 255 characters"),
    ('resource "nova_aggregate" "a" {\n  name = "a"\n  metadata = { availability_zone = "z" }\n}',
     "The availability zone of an aggregate is set with availability_zone"),
    ('resource "nova_aggregate" "a" {\n  name = "a"\n  metadata = { k = "' + "v" * 256 + '" }\n}', 'metadata["k"] must be at most 255 characters'),
])
def test_invalid_configuration_fails_at_plan(tf_cloud, resource, message):
    tf = tf_cloud
    tf.write(PROVIDER_BLOCK + 'provider "nova" {}\n' + resource + "\n")
    tf.init()
    r = tf.plan_exit()
    assert r.returncode == 1
    out = " ".join((r.stdout + r.stderr).split())
    assert message in out, out
