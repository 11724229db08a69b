"""`nova_server_evacuate` with real Terraform 1.15 on the local cloud: the
compute service of the server's host is forced down through the admin API
(as an operator fences a failed host), the action rebuilds the server on
the other host with the same ID, and evacuating from a host that is up
reports Nova's own refusal; then, from an `action_trigger`, the server is
evacuated back to its first host by name and left SHUTOFF there; an
evacuation the new host fails ends with Nova's reason. A host
comes back as an operator brings it (its nova-compute restarted, then
forced up), always, even when the test fails: other tests share the
cloud's hosts."""
import pytest
import requests

from conftest import PROVIDER_BLOCK, purge_soft_deleted

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
# forced_down by service UUID
SERVICES_MV = "2.53"


def flat(r):
    return " ".join((r.stdout + r.stderr).split())


def compute_service(sdk, host):
    r = sdk.compute.get(f"/os-services?binary=nova-compute&host={host}", microversion=SERVICES_MV)
    r.raise_for_status()
    (svc,) = r.json()["services"]
    return svc


def force_down(sdk, host, down):
    svc = compute_service(sdk, host)
    r = sdk.compute.put(f"/os-services/{svc['id']}", json={"forced_down": down}, microversion=SERVICES_MV)
    assert r.status_code == 200, r.text
    assert compute_service(sdk, host)["forced_down"] is down


def bring_back(sdk, cloud, host):
    """The failed host comes back as an operator brings it: its nova-compute
    restarted (which cleans up the guests evacuated away and completes the
    evacuation records; Nova refuses to force the service up before), then
    the service forced up again. Nothing to do for a host that is up."""
    if not compute_service(sdk, host)["forced_down"]:
        return
    r = requests.post(f"{cloud['host_ops_url']}/computes/{host}/restart", timeout=120)
    assert r.status_code == 200, r.text
    force_down(sdk, host, False)


CONFIG = PROVIDER_BLOCK + f"""
provider "nova" {{}}

provider "nova" {{
  alias                = "old"
  compute_microversion = "2.94"
}}

resource "nova_server" "s" {{
  name         = "tf-acc-evacuate"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
  force_delete = true
}}

action "nova_server_evacuate" "x" {{
  config {{
    server_id    = nova_server.s.id
    target_state = "ACTIVE"
  }}
}}

action "nova_server_evacuate" "stopped_old" {{
  provider = nova.old
  config {{
    server_id    = nova_server.s.id
    target_state = "SHUTOFF"
  }}
}}

action "nova_server_evacuate" "shared" {{
  config {{
    server_id         = nova_server.s.id
    on_shared_storage = true
  }}
}}
"""


def test_evacuate_moves_the_server_off_a_failed_host(tf_cloud, sdk, cloud, request):
    tf = tf_cloud
    tf.write(CONFIG)
    tf.init()
    tf.apply()
    sid = tf.resources()["nova_server.s"]["values"]["id"]
    request.addfinalizer(lambda: (tf.destroy(check=False), purge_soft_deleted(sdk, [sid])))
    before = sdk.compute.get_server(sid).compute_host
    assert before in ("compute1", "compute2"), before
    other = "compute2" if before == "compute1" else "compute1"

    # fence the server's host; whatever happens next, it is brought back
    request.addfinalizer(lambda: bring_back(sdk, cloud, before))
    force_down(sdk, before, True)
    try:
        r = tf.apply("-invoke=action.nova_server_evacuate.x")
    finally:
        bring_back(sdk, cloud, before)
    assert compute_service(sdk, before)["state"] == "up"
    s = sdk.compute.get_server(sid)
    assert s.id == sid and s.compute_host == other and s.status == "ACTIVE", (s.compute_host, s.status)
    out = r.stdout
    assert f"evacuation: server {sid} from {before}" in out, out
    # Nova (2.95+, which the provider speaks here) left it stopped: started
    assert f"evacuation: server {sid} is SHUTOFF on {other}; starting" in out, out
    assert f"evacuation: server {sid} is ACTIVE on {other} after" in out, out
    # progress from the evacuation's migration record
    assert f"({before} -> {other})" in out, out
    migs = sdk.compute.get(f"/os-migrations?instance_uuid={sid}", microversion="2.59").json()["migrations"]
    # completed by the source host's restart
    assert [(m["migration_type"], m["source_compute"], m["dest_compute"], m["status"]) for m in migs] == [
        ("evacuation", before, other, "completed")], migs
    assert [a.action for a in sdk.compute.server_actions(sid)].count("evacuate") == 1
    assert tf.plan_exit().returncode == 0

    # the host that came back takes servers again (other tests share it)
    r = sdk.compute.post("/servers", microversion="2.74", json={"server": {
        "name": "tf-acc-evacuate-back", "imageRef": CIRROS, "flavorRef": "42", "networks": "none", "host": before}})
    assert r.status_code == 202, r.text
    back = r.json()["server"]["id"]
    try:
        s = sdk.compute.wait_for_server(sdk.compute.get_server(back), status="ACTIVE", wait=120)
        assert s.compute_host == before, s.compute_host
    finally:
        sdk.compute.delete_server(back, force=True)

    # the server's host (now `other`) is up: Nova's own refusal
    r = tf.apply("-invoke=action.nova_server_evacuate.x", check=False)
    text = flat(r)
    assert r.returncode == 1, text
    assert "Cannot evacuate the server" in text and f"Compute service of {other} is still in use." in text, text
    assert sdk.compute.get_server(sid).compute_host == other

    # refused at plan time, naming the argument, before any request
    r = tf.plan_exit("-invoke=action.nova_server_evacuate.stopped_old")
    text = flat(r)
    assert r.returncode == 1 and 'target_state = "SHUTOFF" needs compute API microversion 2.95' in text, text
    assert "2.94" in text, text
    r = tf.plan_exit("-invoke=action.nova_server_evacuate.shared")
    text = flat(r)
    assert r.returncode == 1 and "on_shared_storage does not apply to this cloud" in text, text
    assert [a.action for a in sdk.compute.server_actions(sid)].count("evacuate") == 1

    # from action_trigger, back to a named host, left SHUTOFF (2.95) there:
    # fencing a host is recorded as a change of a terraform_data
    def trigger(fenced):
        return CONFIG + f"""
action "nova_server_evacuate" "back" {{
  config {{
    server_id    = nova_server.s.id
    host         = "{before}"
    target_state = "SHUTOFF"
  }}
}}

resource "terraform_data" "fenced" {{
  input = "{fenced}"

  lifecycle {{
    action_trigger {{
      events  = [after_update]
      actions = [action.nova_server_evacuate.back]
    }}
  }}
}}
"""
    tf.write(trigger("none"))
    tf.apply()
    assert [a.action for a in sdk.compute.server_actions(sid)].count("evacuate") == 1
    request.addfinalizer(lambda: bring_back(sdk, cloud, other))
    force_down(sdk, other, True)
    try:
        tf.write(trigger(other))
        r = tf.apply()
    finally:
        bring_back(sdk, cloud, other)
    s = sdk.compute.get_server(sid)
    assert s.compute_host == before and s.status == "SHUTOFF", (s.compute_host, s.status)
    assert f"evacuation: server {sid} is SHUTOFF on {before} after" in r.stdout, r.stdout
    assert [a.action for a in sdk.compute.server_actions(sid)].count("evacuate") == 2
    # the server's power_state (active) then plans its start, in place
    r = tf.plan_exit()
    assert r.returncode == 2 and "1 to change" in r.stdout and "power_state" in r.stdout, r.stdout
    tf.apply()
    assert sdk.compute.get_server(sid).status == "ACTIVE"
    assert tf.plan_exit().returncode == 0

    # a host that fails to build the server: the wait ends with Nova's reason
    # (the failed event of the evacuation's instance action)
    sdk.compute.set_server_metadata(sid, **{"test-fail-actions": "spawn"})
    request.addfinalizer(lambda: bring_back(sdk, cloud, before))
    force_down(sdk, before, True)
    try:
        r = tf.apply("-invoke=action.nova_server_evacuate.x", check=False)
    finally:
        bring_back(sdk, cloud, before)
    text = flat(r)
    assert r.returncode == 1, text
    assert "The evacuation did not finish" in text, text
    assert "spawn failed on the compute host (test-fail-actions)" in text, text
    assert sdk.compute.get_server(sid).status == "ERROR"


def test_a_server_evacuated_from_error_ends_in_the_target_state(tf_cloud, sdk, cloud, request):
    """Nova (2.95+) ignores the target state of a server evacuated from
    ERROR and rebuilds it running: with target_state = "SHUTOFF" the action
    stops it on its new host, instead of failing after the evacuation."""
    tf = tf_cloud
    tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server" "s" {{
  name         = "tf-acc-evacuate-error"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
  force_delete = true
}}

action "nova_server_evacuate" "x" {{
  config {{
    server_id    = nova_server.s.id
    target_state = "SHUTOFF"
  }}
}}
""")
    tf.init()
    tf.apply()
    sid = tf.resources()["nova_server.s"]["values"]["id"]
    request.addfinalizer(lambda: (tf.destroy(check=False), purge_soft_deleted(sdk, [sid])))
    before = sdk.compute.get_server(sid).compute_host
    other = "compute2" if before == "compute1" else "compute1"
    r = sdk.compute.post(f"/servers/{sid}/action", json={"os-resetState": {"state": "error"}})
    assert r.status_code == 202, r.text
    assert sdk.compute.get_server(sid).status == "ERROR"

    request.addfinalizer(lambda: bring_back(sdk, cloud, before))
    force_down(sdk, before, True)
    try:
        r = tf.apply("-invoke=action.nova_server_evacuate.x", check=False)
    finally:
        bring_back(sdk, cloud, before)
    text = flat(r)
    assert r.returncode == 0, text
    assert "evacuation: accepted; waiting for ACTIVE on another host" in text, text
    assert f"evacuation: server {sid} is ACTIVE on {other}; stopping" in text, text
    assert f"evacuation: server {sid} is SHUTOFF on {other} after" in text, text
    s = sdk.compute.get_server(sid)
    assert (s.compute_host, s.status) == (other, "SHUTOFF"), (s.compute_host, s.status)
    assert [a.action for a in sdk.compute.server_actions(sid)].count("evacuate") == 1
