"""`region` on resources and data sources: one provider (no region in its
block; the environment's is RegionOne) manages objects in another region of
the catalog through that region's compute endpoint. The local cloud's
profiles each have a Keystone region of their own name whose compute
endpoint is that profile's proxy in front of the one Nova (cloud/PROFILES.md);
seed-000 is used, whose rules the provider meets without `cloud_profile`.
Where requests went is read from the provider's debug log (each call's URL)
and, independently, from a rule only another profile's endpoint has
(seed-002 refuses `anti-affinity` server groups). Runs when the test cloud was
started with that profile (NOVA_TEST_CLOUD_PROFILE, as scripts/test does)."""
import json
import os
import re

import pytest

from conftest import PROVIDER_BLOCK, purge_soft_deleted

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
OPENSTACK = "registry.terraform.io/terraform-provider-openstack/openstack"
NOVA = "registry.terraform.io/nova-project/nova"
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDu2qV6x3yqAD7HnzbQYyq8r3QxHiAbPpbf3t5TQrD7U region"
PROFILE = "seed-000"


@pytest.fixture
def away(cloud):
    """The region of the seed-000 profile."""
    if PROFILE not in (cloud.get("profiles") or {}):
        pytest.skip(f"the test cloud was started without the {PROFILE} profile")
    return cloud["profiles"][PROFILE]["region"]


@pytest.fixture
def cleanup(sdk):
    made = {"servers": []}
    yield made
    for sid in made["servers"]:
        if sdk.compute.find_server(sid, ignore_missing=True):
            sdk.compute.delete_server(sid, force=True)
    purge_soft_deleted(sdk, made["servers"])
    for k in sdk.compute.keypairs():
        if k.name.startswith("tf-region-"):
            sdk.compute.delete_keypair(k.name)
    for g in sdk.compute.server_groups(all_projects=True):
        if (g.name or "").startswith("tf-region-"):
            sdk.compute.delete_server_group(g.id, ignore_missing=True)


def config(away, group_region, private, with_server=True):
    server = f"""
resource "nova_server" "away" {{
  name         = "tf-region-server"
  region       = "{away}"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  key_name     = nova_keypair.away.name
  force_delete = true
  network {{
    uuid = "{private}"
  }}
}}
""" if with_server else ""
    return PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_keypair" "home" {{
  name       = "tf-region-home"
  public_key = "{PUBLIC_KEY}"
}}

resource "nova_keypair" "away" {{
  name       = "tf-region-away"
  public_key = "{PUBLIC_KEY}"
  region     = "{away}"
}}

resource "nova_server_group" "away" {{
  name   = "tf-region-group"
  policy = "anti-affinity"
  region = "{group_region}"
}}

data "nova_keypair" "away" {{
  name   = nova_keypair.away.name
  region = "{away}"
}}

data "nova_keypair" "home" {{
  name = nova_keypair.home.name
}}
{server}"""


def calls(path):
    """The provider's compute calls in a TF_LOG_PATH file (its "api call"
    debug lines, fields in any order), as (method, URL)."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            if "api call:" not in line:
                continue
            fields = dict(re.findall(r"(\w+)=(\S+)", line.split("api call:", 1)[1]))
            if "method" in fields and "url" in fields:
                out.append((fields["method"], fields["url"]))
    return out


def test_resources_and_data_sources_in_another_region(tf_cloud, sdk, cloud, away, cleanup):
    tf = tf_cloud
    private = cloud["networks"]["private"]
    assert tf.env["OS_REGION_NAME"] == cloud["region"] != away
    home_url = cloud["compute_url"]
    away_url = cloud["profiles"][PROFILE]["compute_endpoint"]
    assert home_url != away_url
    tf.write(config(away, away, private))
    tf.init()
    debug = os.path.join(tf.dir, "provider.log")
    tf.run("apply", "-auto-approve", "-input=false", "-no-color",
           extra_env={"TF_LOG_PROVIDER": "DEBUG", "TF_LOG_PATH": debug})
    res = tf.resources()
    cleanup["servers"].append(res["nova_server.away"]["values"]["id"])
    # unset: the provider's region, recorded; set: that region
    assert res["nova_keypair.home"]["values"]["region"] == cloud["region"]
    assert res["data.nova_keypair.home"]["values"]["region"] == cloud["region"]
    for a in ["nova_keypair.away", "nova_server_group.away", "nova_server.away", "data.nova_keypair.away"]:
        assert res[a]["values"]["region"] == away, a
    assert res["data.nova_keypair.away"]["values"]["fingerprint"] == res["nova_keypair.away"]["values"]["fingerprint"]
    # made in the cloud...
    group = res["nova_server_group.away"]["values"]["id"]
    assert sdk.compute.get_server_group(group).policy == "anti-affinity"
    assert sdk.compute.find_keypair("tf-region-away", ignore_missing=True) is not None
    assert sdk.compute.get_server(res["nova_server.away"]["values"]["id"]).status == "ACTIVE"
    # ...through that region's endpoint, the others through the provider's
    made = calls(debug)
    assert made, open(debug).read()[-3000:]
    posts = sorted(u for m, u in made if m == "POST" and not u.endswith("/auth/tokens"))
    assert posts == sorted([f"{home_url}/os-keypairs", f"{away_url}/os-keypairs",
                            f"{away_url}/os-server-groups", f"{away_url}/servers"]), made
    reads = {u for m, u in made if m == "GET"}
    assert f"{away_url}/os-keypairs/tf-region-away" in reads and f"{home_url}/os-keypairs/tf-region-home" in reads
    assert f"{home_url}/os-keypairs/tf-region-away" not in reads, made

    # recorded, so nothing to change
    r = tf.plan_exit()
    assert r.returncode == 0, r.stdout + r.stderr

    # another region replaces
    tf.write(config(away, cloud["region"], private))
    r = tf.plan_exit()
    assert r.returncode == 2, r.stdout + r.stderr
    assert "nova_server_group.away must be replaced" in r.stdout, r.stdout
    assert re.search(r'~ region\s+= "' + re.escape(away) + r'" -> "' + cloud["region"] + r'" # forces replacement',
                     r.stdout), r.stdout
    assert "1 to add, 0 to change, 1 to destroy" in r.stdout, r.stdout
    tf.write(config(away, away, private))

    # import from that region: `<region>/<id>`
    tf.run("state", "rm", "nova_server_group.away")
    tf.run("import", "-no-color", "nova_server_group.away", f"{away}/{group}")
    got = tf.resources()["nova_server_group.away"]["values"]
    assert (got["id"], got["region"], got["name"]) == (group, away, "tf-region-group")
    r = tf.plan_exit()
    assert r.returncode == 0, r.stdout + r.stderr

    tf.destroy()
    assert sdk.compute.find_keypair("tf-region-away", ignore_missing=True) is None
    assert not [g for g in sdk.compute.server_groups() if g.id == group]


def test_a_region_the_catalog_lacks(tf_cloud, cloud, away):
    tf = tf_cloud
    tf.write(PROVIDER_BLOCK + """
provider "nova" {}

resource "nova_server_group" "g" {
  name   = "tf-region-nowhere"
  policy = "affinity"
  region = "nowhere"
}

data "nova_limits" "l" {
  region = "elsewhere"
}
""")
    tf.init()
    r = tf.plan_exit()
    assert r.returncode == 1, r.stdout + r.stderr
    err = re.sub(r"\s+", " ", r.stderr.replace("│", " "))
    for bad in ["nowhere", "elsewhere"]:
        assert f'no compute endpoint (interface public) in region "{bad}"' in err, err
    # the attribute is named, and the regions there are listed
    assert 'with region = "nowhere"' in err or 'region = "nowhere"' in err, err
    regions = sorted([cloud["region"]] + [p["region"] for p in cloud["profiles"].values()
                                         if p["region"] != cloud["region"]])
    assert "its regions with one: " + ", ".join(f'"{x}"' for x in sorted(set(regions))) in err, err


def test_moved_keeps_the_region(tf_cloud, sdk, cloud, away, cleanup):
    """The established provider's state records the region: a moved server
    group of another region stays there, with nothing to replace."""
    tf = tf_cloud
    g = sdk.compute.create_server_group(name="tf-region-moved", policy="affinity")
    attrs = {"id": g.id, "name": "tf-region-moved", "policies": ["affinity"], "members": [], "rules": [],
             "value_specs": None, "region": away}
    state = {"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "2d7c4e0b-9a61-4f3e-8b5d-6c1a0f2e3d4b",
             "outputs": {}, "check_results": None, "resources": [
                 {"mode": "managed", "type": "openstack_compute_servergroup_v2", "name": "g",
                  "provider": f'provider["{OPENSTACK}"]',
                  "instances": [{"schema_version": 0, "attributes": attrs, "sensitive_attributes": []}]}]}
    with open(os.path.join(tf.dir, "terraform.tfstate"), "w") as f:
        json.dump(state, f)
    tf.run("state", "replace-provider", "-auto-approve", "-no-color", OPENSTACK, NOVA)
    tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

moved {{
  from = openstack_compute_servergroup_v2.g
  to   = nova_server_group.g
}}

resource "nova_server_group" "g" {{
  name   = "tf-region-moved"
  policy = "affinity"
  region = "{away}"
}}
""")
    tf.init()
    r = tf.plan_exit()
    assert "has moved to nova_server_group.g" in r.stdout, r.stdout + r.stderr
    assert "must be replaced" not in r.stdout and r.returncode in (0, 2), r.stdout + r.stderr
    assert "0 to add, 0 to change, 0 to destroy" in r.stdout or "No changes" in r.stdout, r.stdout
    tf.apply()
    assert tf.resources()["nova_server_group.g"]["values"]["region"] == away
    assert tf.plan_exit().returncode == 0


def test_a_regions_own_rules_apply(tf_cloud, cloud, cleanup):
    """seed-002's endpoint refuses `anti-affinity` groups, the provider's
    region (upstream Nova) does not: the same group is refused by the cloud
    in region seed-002 only, and a policy that region takes is made there."""
    if "seed-002" not in (cloud.get("profiles") or {}):
        pytest.skip("the test cloud was started without the seed-002 profile")
    tf = tf_cloud
    there = cloud["profiles"]["seed-002"]["region"]

    def groups(policy_there):
        return PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server_group" "home" {{
  name   = "tf-region-rules-home"
  policy = "anti-affinity"
}}

resource "nova_server_group" "there" {{
  name   = "tf-region-rules-there"
  policy = "{policy_there}"
  region = "{there}"
}}
"""
    tf.write(groups("anti-affinity"))
    tf.init()
    r = tf.apply(check=False)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "nova_server_group.home: Creation complete" in r.stdout, r.stdout
    err = re.sub(r"\s+", " ", r.stderr.replace("│", " "))
    assert "'anti-affinity' is not supported; the supported policies are soft-anti-affinity" in err, err
    tf.write(groups("soft-anti-affinity"))
    tf.apply()
    res = tf.resources()
    assert res["nova_server_group.there"]["values"]["region"] == there
    assert res["nova_server_group.home"]["values"]["region"] == cloud["region"]
    assert tf.plan_exit().returncode == 0
    tf.destroy()
