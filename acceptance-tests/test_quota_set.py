"""nova_quota_set against the local cloud: limits set in place, limits left
out untouched, import, destroy back to the defaults, the limits that later
microversions removed (refused at plan time, usable with a pinned
microversion), the data source, and a move from the established provider's
openstack_compute_quotaset_v2. Each test works on a project of its own."""
import json
import os
import uuid

import pytest

from conftest import PROVIDER_BLOCK, RequestLog

pytestmark = pytest.mark.cloud

OPENSTACK = "registry.terraform.io/terraform-provider-openstack/openstack"
NOVA = "registry.terraform.io/nova-project/nova"


@pytest.fixture
def project(sdk):
    p = sdk.identity.create_project(name=f"tf-acc-quota-{uuid.uuid4().hex[:8]}", domain_id="default")
    yield p
    sdk.compute.delete(f"/os-quota-sets/{p.id}")
    sdk.identity.delete_project(p)


def quotas(sdk, project_id, microversion="2.1"):
    r = sdk.compute.get(f"/os-quota-sets/{project_id}", microversion=microversion)
    assert r.status_code == 200, r.text
    return r.json()["quota_set"]


def defaults(sdk, project_id):
    r = sdk.compute.get(f"/os-quota-sets/{project_id}/defaults", microversion="2.1")
    assert r.status_code == 200, r.text
    return r.json()["quota_set"]


def set_quotas(sdk, project_id, **limits):
    r = sdk.compute.put(f"/os-quota-sets/{project_id}", json={"quota_set": limits}, microversion="2.1")
    assert r.status_code == 200, r.text


def config(project_id, provider="", **limits):
    body = "\n".join(f"  {k} = {v}" for k, v in limits.items())
    return PROVIDER_BLOCK + f"""
provider "nova" {{
{provider}
}}

resource "nova_quota_set" "q" {{
  project_id = "{project_id}"
{body}
}}
"""


def quota_puts(log):
    return [r for r in log.compute() if r.startswith("PUT /os-quota-sets")]


def test_limits_change_in_place_and_destroy_reverts(tf_cloud, sdk, cloud, project):
    tf = tf_cloud
    base = defaults(sdk, project.id)
    # set outside Terraform: not managed, so never touched by apply
    set_quotas(sdk, project.id, key_pairs=77)
    tf.write(config(project.id, instances=3, cores=7, ram=2048))
    tf.init()
    tf.apply()
    q = quotas(sdk, project.id)
    assert (q["instances"], q["cores"], q["ram"], q["key_pairs"]) == (3, 7, 2048, 77)
    st = tf.resources()["nova_quota_set.q"]["values"]
    assert st["id"] == project.id and st["key_pairs"] == 77 and st["metadata_items"] == base["metadata_items"]
    # the limits this microversion no longer has are null, not 0
    assert st["fixed_ips"] is None and st["injected_files"] is None and st["networks"] is None
    assert tf.plan_exit().returncode == 0

    # in place: one limit changed, one more managed, unlimited
    tf.write(config(project.id, instances=3, cores=9, ram=2048, server_groups=-1))
    r = tf.plan_exit()
    assert r.returncode == 2 and "1 to change, 0 to destroy" in r.stdout, r.stdout
    log = RequestLog(cloud)
    tf.apply()
    assert quota_puts(log) == [f"PUT /os-quota-sets/{project.id}"]
    q = quotas(sdk, project.id)
    assert (q["cores"], q["server_groups"], q["key_pairs"]) == (9, -1, 77)
    assert tf.plan_exit().returncode == 0

    # drift is shown and put back
    set_quotas(sdk, project.id, cores=1)
    r = tf.plan_exit()
    assert r.returncode == 2 and "cores" in r.stdout, r.stdout
    tf.apply()
    assert quotas(sdk, project.id)["cores"] == 9

    # a change of force alone is recorded without a call to the cloud
    tf.write(config(project.id, instances=3, cores=9, ram=2048, server_groups=-1, force="true"))
    log = RequestLog(cloud)
    tf.apply()
    assert quota_puts(log) == []
    assert tf.plan_exit().returncode == 0

    # the data source reads the same
    tf.write(f"""
data "nova_quota_set" "q" {{
  project_id = "{project.id}"
}}
output "cores" {{
  value = data.nova_quota_set.q.cores
}}
output "groups" {{
  value = data.nova_quota_set.q.server_groups
}}
data "nova_quota_set" "own" {{}}
output "own" {{
  value = data.nova_quota_set.own.project_id
}}
""", name="data.tf")
    tf.apply()
    assert tf.output("cores") == 9 and tf.output("groups") == -1
    # without project_id: the project of the provider's credentials
    assert tf.output("own") == cloud["projects"]["admin_project_id"]
    os.remove(os.path.join(tf.dir, "data.tf"))

    # import by project ID, then by identity: nothing to change (force,
    # configuration only, would be recorded in place: it is left out)
    tf.write(config(project.id, instances=3, cores=9, ram=2048, server_groups=-1))
    tf.apply()
    tf.run("state", "rm", "nova_quota_set.q")
    tf.run("import", "-no-color", "nova_quota_set.q", project.id)
    assert tf.plan_exit().returncode == 0
    tf.import_by_identity("nova_quota_set.q", project_id=project.id)
    tf.apply()
    assert tf.plan_exit().returncode == 0

    # destroy reverts every limit to the defaults, the unmanaged ones included
    tf.destroy()
    q = quotas(sdk, project.id)
    for k in ("instances", "cores", "ram", "server_groups", "key_pairs"):
        assert q[k] == base[k], k


def test_removed_limits_are_refused_at_plan_time(tf_cloud, sdk, cloud, project):
    tf = tf_cloud
    tf.write(config(project.id, cores=5, fixed_ips=10))
    tf.init()
    log = RequestLog(cloud)
    r = tf.plan_exit()
    assert r.returncode == 1, r.stdout
    assert "Not supported by this cloud" in r.stderr, r.stderr
    assert "fixed_ips was removed from quota sets at compute API" in r.stderr, r.stderr
    assert "microversion 2.36" in r.stderr and 'compute_microversion = "2.35"' in r.stderr, r.stderr
    assert 'with nova_quota_set.q' in r.stderr and "fixed_ips" in r.stderr
    assert quota_puts(log) == []
    assert quotas(sdk, project.id)["cores"] == defaults(sdk, project.id)["cores"]

    tf.write(config(project.id, cores=5, injected_files=3))
    r = tf.plan_exit()
    assert r.returncode == 1 and "injected_files was removed from quota sets at compute API microversion 2.57" in r.stderr, r.stderr

    # with the microversion pinned where Nova still has them, they apply
    tf.write(config(project.id, provider='  compute_microversion = "2.35"', cores=5, fixed_ips=10, injected_files=3))
    tf.apply()
    q = quotas(sdk, project.id, microversion="2.35")
    assert (q["cores"], q["fixed_ips"], q["injected_files"]) == (5, 10, 3)
    assert tf.plan_exit().returncode == 0
    st = tf.resources()["nova_quota_set.q"]["values"]
    assert st["security_groups"] == q["security_groups"] and st["networks"] is None

    # networks: allowed by 2.35, but this Nova (Train and later) has none
    tf.write(config(project.id, provider='  compute_microversion = "2.35"', cores=5, fixed_ips=10, injected_files=3,
                    networks=2))
    log = RequestLog(cloud)
    r = tf.plan_exit()
    assert r.returncode == 1 and "quota sets have no networks limit" in r.stderr, r.stderr
    assert quota_puts(log) == []

    # back to the negotiated microversion with those limits still set: refused
    tf.write(config(project.id, cores=5, fixed_ips=10))
    r = tf.plan_exit()
    assert r.returncode == 1 and "fixed_ips was removed" in r.stderr, r.stderr
    tf.write(config(project.id, cores=5))
    tf.apply()
    assert tf.plan_exit().returncode == 0
    tf.destroy()
    assert quotas(sdk, project.id, microversion="2.35")["fixed_ips"] == defaults(sdk, project.id)["fixed_ips"]


def openstack_state(project_id, q):
    """A state file as that provider writes it: every limit an integer (0
    for those the cloud no longer reports), the ID `<project>/<region>`."""
    attrs = {k: q.get(k, 0) for k in (
        "fixed_ips", "floating_ips", "injected_file_content_bytes", "injected_file_path_bytes", "injected_files",
        "key_pairs", "metadata_items", "ram", "security_group_rules", "security_groups", "cores", "instances",
        "server_groups", "server_group_members")}
    attrs.update({"id": f"{project_id}/RegionOne", "project_id": project_id, "region": "RegionOne", "timeouts": None})
    return {"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "0c7f1d0e-3f1e-4c55-8f0b-6a1f3c2d9e10",
            "outputs": {}, "resources": [{
                "mode": "managed", "type": "openstack_compute_quotaset_v2", "name": "q",
                "provider": f'provider["{OPENSTACK}"]',
                "instances": [{"schema_version": 0, "attributes": attrs, "sensitive_attributes": []}]}],
            "check_results": None}


def test_moved_from_openstack_compute_quotaset_v2(tf_cloud, sdk, cloud, project):
    tf = tf_cloud
    set_quotas(sdk, project.id, cores=11, instances=4)
    with open(os.path.join(tf.dir, "terraform.tfstate"), "w") as f:
        json.dump(openstack_state(project.id, quotas(sdk, project.id, microversion="2.90")), f)
    tf.run("state", "replace-provider", "-auto-approve", "-no-color", OPENSTACK, NOVA)
    tf.write(config(project.id, cores=11, instances=4) + """
moved {
  from = openstack_compute_quotaset_v2.q
  to   = nova_quota_set.q
}
""")
    tf.init()
    log = RequestLog(cloud)
    r = tf.plan_exit()
    assert r.returncode in (0, 2), r.stdout + r.stderr
    assert "has moved to nova_quota_set.q" in r.stdout, r.stdout
    assert "must be replaced" not in r.stdout and "to add" not in r.stdout.replace("0 to add", ""), r.stdout
    tf.apply()
    assert quota_puts(log) == [], "nothing to set: the limits are the cloud's"
    st = tf.resources()["nova_quota_set.q"]["values"]
    assert st["id"] == project.id and st["cores"] == 11 and st["fixed_ips"] is None
    assert tf.plan_exit().returncode == 0
    tf.destroy()
    assert quotas(sdk, project.id)["cores"] == defaults(sdk, project.id)["cores"]
