"""Actions with real Terraform 1.15: a reboot triggered by another
resource's lifecycle, and start/stop invoked with `-invoke`."""
import pytest

from conftest import PROVIDER_BLOCK, purge_soft_deleted

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"


def actions_of(sdk, sid):
    return [a.action for a in sdk.compute.server_actions(sid)]


def test_reboot_triggered_and_power_invoked(tf_cloud, sdk, cloud):
    tf = tf_cloud

    def config(revision):
        return PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server" "s" {{
  name         = "tf-acc-actions"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
  force_delete = true
}}

action "nova_server_reboot" "hard" {{
  config {{
    server_id = nova_server.s.id
    type      = "HARD"
  }}
}}

action "nova_server_power" "stop" {{
  config {{
    server_id = nova_server.s.id
    operation = "stop"
  }}
}}

action "nova_server_power" "start" {{
  config {{
    server_id = nova_server.s.id
    operation = "start"
    timeout   = "2m"
  }}
}}

resource "terraform_data" "revision" {{
  input = "{revision}"

  lifecycle {{
    action_trigger {{
      events  = [after_update]
      actions = [action.nova_server_reboot.hard]
    }}
  }}
}}
"""

    tf.write(config("r1"))
    tf.init()
    tf.apply()
    sid = tf.resources()["nova_server.s"]["values"]["id"]
    try:
        assert "reboot" not in actions_of(sdk, sid)

        # a change of the triggering resource runs the reboot after it
        tf.write(config("r2"))
        r = tf.apply()
        assert "reboot" in actions_of(sdk, sid), actions_of(sdk, sid)
        assert "hard reboot: server " + sid in r.stdout, r.stdout
        assert sdk.compute.get_server(sid).status == "ACTIVE"

        # invoked on demand: the server stops, configuration unchanged
        r = tf.apply("-invoke=action.nova_server_power.stop")
        assert sdk.compute.get_server(sid).status == "SHUTOFF"
        assert f"stop: server {sid} is SHUTOFF after" in r.stdout, r.stdout
        r = tf.apply("-invoke=action.nova_server_power.start")
        assert sdk.compute.get_server(sid).status == "ACTIVE"
        assert f"start: server {sid} is ACTIVE after" in r.stdout, r.stdout
        assert tf.plan_exit().returncode == 0
        assert actions_of(sdk, sid).count("stop") == 1 and actions_of(sdk, sid).count("start") == 1

        # a bad configuration is refused at plan time, naming the attribute
        tf.write(config("r2").replace('operation = "stop"', 'operation = "pause"'))
        r = tf.plan_exit()
        assert r.returncode == 1
        out = " ".join((r.stdout + r.stderr).split())
        assert "operation" in out and '"start", "stop"' in out, out
        tf.write(config("r2"))
    finally:
        tf.destroy()
        purge_soft_deleted(sdk, [sid])
