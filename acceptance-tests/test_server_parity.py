"""nova_server arguments that users of terraform-provider-openstack rely on:
`power_state = "shelved_offloaded"`, `vendor_options`, and `personality` on
a cloud that speaks a microversion above 2.56."""
import pytest

from conftest import RequestLog, purge_soft_deleted
from test_waits import applied, server

pytestmark = pytest.mark.cloud


def status(sdk, sid):
    return sdk.compute.get_server(sid).status


def actions(sdk, sid):
    """The server's instance actions, oldest first."""
    r = sdk.compute.get(f"/servers/{sid}/os-instance-actions")
    r.raise_for_status()
    return [a["action"] for a in reversed(r.json()["instanceActions"])]


def power(state, step, keep=True):
    """A server body: `power_state`, and metadata with a step counter; with
    `keep`, the cloud leaves the server SHELVED after a shelve (it offloads
    at once otherwise)."""
    md = f'step = "{step}"' + (', "test-keep-shelved" = "yes"' if keep else "")
    return f'  network_mode = "none"\n  power_state = "{state}"\n  metadata = {{ {md} }}'


def test_shelved_offloaded_and_back_with_metadata(tf_cloud, sdk):
    """active -> shelved_offloaded on a cloud that does not offload by
    itself (shelve, then shelveOffload); back to active by unshelve, with a
    metadata change in the same apply (Nova takes none while offloaded)."""
    tf = tf_cloud
    with applied(tf, sdk, server("parity-offload", power("active", 1))) as sid:
        tf.write(server("parity-offload", power("shelved_offloaded", 1)))
        tf.apply()
        assert status(sdk, sid) == "SHELVED_OFFLOADED"
        assert actions(sdk, sid)[-2:] == ["shelve", "shelveOffload"], actions(sdk, sid)
        assert tf.resources()["nova_server.s"]["values"]["power_state"] == "shelved_offloaded"
        assert tf.plan_exit().returncode == 0
        tf.write(server("parity-offload", power("active", 2)))
        tf.apply()
        s = sdk.compute.get_server(sid)
        assert (s.status, s.metadata.get("step")) == ("ACTIVE", "2")
        assert actions(sdk, sid)[-1] == "unshelve"
        assert tf.plan_exit().returncode == 0


def test_shelved_and_shelved_offloaded_are_told_apart(tf_cloud, sdk):
    """A SHELVED server while `shelved_offloaded` is written is a change
    (and the apply offloads it); `shelved` holds either."""
    tf = tf_cloud
    with applied(tf, sdk, server("parity-shelved", power("shelved", 1))) as sid:
        assert status(sdk, sid) == "SHELVED"
        assert tf.plan_exit().returncode == 0
        tf.write(server("parity-shelved", power("shelved_offloaded", 1)))
        plan = tf.plan_exit()
        assert plan.returncode == 2, plan.stdout + plan.stderr
        assert '~ power_state' in plan.stdout and '"shelved" -> "shelved_offloaded"' in plan.stdout, plan.stdout
        assert "1 to change" in plan.stdout, plan.stdout
        tf.apply()
        assert status(sdk, sid) == "SHELVED_OFFLOADED"
        assert tf.plan_exit().returncode == 0
        # offloaded, `shelved` written again: no action, and no drift after
        tf.write(server("parity-shelved", power("shelved", 1)))
        tf.apply()
        assert actions(sdk, sid)[-1] == "shelveOffload"
        assert tf.plan_exit().returncode == 0


def test_a_cloud_that_offloads_by_itself_is_no_drift_for_shelved(tf_cloud, sdk):
    tf = tf_cloud
    with applied(tf, sdk, server("parity-self-offload", power("shelved", 1, keep=False))) as sid:
        assert status(sdk, sid) == "SHELVED_OFFLOADED"
        assert tf.resources()["nova_server.s"]["values"]["power_state"] == "shelved"
        assert tf.plan_exit().returncode == 0
        # asked for offloaded now: recorded in place, nothing to call
        tf.write(server("parity-self-offload", power("shelved_offloaded", 1, keep=False)))
        tf.apply()
        assert "shelveOffload" not in actions(sdk, sid)
        assert tf.plan_exit().returncode == 0
        # and back: the zone, never reported while offloaded, replaces nothing
        tf.write(server("parity-self-offload", power("active", 2, keep=False)))
        tf.apply()
        assert tf.resources()["nova_server.s"]["values"]["id"] == sid
        s = sdk.compute.get_server(sid)
        assert (s.status, s.metadata.get("step")) == ("ACTIVE", "2")
        assert tf.plan_exit().returncode == 0


def compute_writes(log, sid):
    """The compute API requests other than reads made for server `sid`."""
    return [r for r in log.compute() if not r.startswith("GET") and sid in r]


def test_detach_ports_before_destroy(tf_cloud, sdk, cloud):
    """A port given in `network.port` is detached (and the detach waited
    for) before the server is deleted: it stays, unbound."""
    tf = tf_cloud
    # owned by the project the server is made in (Nova refuses another's)
    port = sdk.network.create_port(network_id=cloud["networks"]["private"], name="parity-port",
                                   tenant_id=sdk.current_project_id)
    try:
        body = f'  network {{\n    port = "{port.id}"\n  }}\n  vendor_options {{\n    detach_ports_before_destroy = true\n  }}'
        tf.write(server("parity-detach", body))
        tf.init()
        tf.apply()
        sid = tf.resources()["nova_server.s"]["values"]["id"]
        assert sdk.network.get_port(port.id).device_id == sid
        assert tf.plan_exit().returncode == 0
        log = RequestLog(cloud)
        tf.destroy()
        writes = compute_writes(log, sid)
        detach, delete = f"DELETE /servers/{sid}/os-interface/{port.id}", f"DELETE /servers/{sid}"
        assert detach in writes and delete in writes, writes
        assert writes.index(detach) < writes.index(delete), writes
        left = sdk.network.get_port(port.id)
        assert left is not None and left.device_id in ("", None), left
        assert left.device_owner in ("", None), left
        assert not left.binding_host_id, left
        purge_soft_deleted(sdk, [sid])
    finally:
        tf.destroy(check=False)
        sdk.network.delete_port(port.id, ignore_missing=True)


def test_vendor_options_change_in_place_without_calls(tf_cloud, sdk, cloud):
    """vendor_options is the provider's own: added or changed alone, the
    plan is an in-place update and the apply calls nothing."""
    tf = tf_cloud
    base = '  network_mode = "none"\n  metadata = { "test-auto-confirm-resize" = "yes" }\n'
    opts = '  vendor_options {\n    ignore_resize_confirmation = true\n  }'
    with applied(tf, sdk, server("parity-vendor", base)) as sid:
        tf.write(server("parity-vendor", base + opts))
        plan = tf.plan_exit()
        assert plan.returncode == 2, plan.stdout + plan.stderr
        assert "0 to add, 1 to change, 0 to destroy" in plan.stdout, plan.stdout
        assert "+ ignore_resize_confirmation  = true" in plan.stdout, plan.stdout
        log = RequestLog(cloud)
        tf.apply()
        assert compute_writes(log, sid) == []
        vo = tf.resources()["nova_server.s"]["values"]["vendor_options"]
        assert vo == {"ignore_resize_confirmation": True, "detach_ports_before_destroy": False}, vo
        assert tf.plan_exit().returncode == 0
        # a resize on the cloud that confirms itself: no confirmResize sent
        tf.write(server("parity-vendor", base + opts, flavor='flavor_name = "m1.small"'))
        log = RequestLog(cloud)
        tf.apply()
        assert compute_writes(log, sid) == [f"POST /servers/{sid}/action"], compute_writes(log, sid)
        s = sdk.compute.get_server(sid)
        assert (s.status, s.flavor["original_name"]) == ("ACTIVE", "m1.small")
        assert "confirmResize" in actions(sdk, sid), "the cloud confirmed it"
        assert tf.plan_exit().returncode == 0


PERSONALITY = '''  network_mode = "none"
  tags         = ["files"]
  personality {
    file    = "/etc/motd"
    content = "hello from terraform"
  }
'''


def test_personality_is_sent_at_2_56_on_a_newer_cloud(tf_cloud, sdk, cloud):
    """The local cloud speaks a microversion above 2.56, where Nova refuses
    `personality`: unpinned, the create request goes out at 2.56 (tags,
    2.52, ride along), the plan says so, and the server's other requests
    stay at the negotiated microversion."""
    tf = tf_cloud
    tf.write(server("parity-files", PERSONALITY))
    tf.init()
    plan = tf.plan_exit()
    text = plan.stdout + plan.stderr
    assert plan.returncode == 2, text
    assert "Warning: Create request sent at an older microversion" in text, text
    assert "personality is accepted up to compute microversion 2.56" in " ".join(text.split()), text
    log = RequestLog(cloud)
    sid = None
    try:
        tf.apply()
        sid = tf.resources()["nova_server.s"]["values"]["id"]
        s = sdk.compute.get_server(sid)
        assert s.status == "ACTIVE"
        assert "files" in (s.tags or []), s.tags
        creates = [line for line in log.lines() if '"POST /v2.1/servers"' in line]
        assert len(creates) == 1 and "microversion: 2.56" in creates[0], creates
        reads = [line for line in log.lines() if f'"GET /v2.1/servers/{sid}"' in line]
        assert reads and all("microversion: 2.56" not in r for r in reads), reads
        assert tf.plan_exit().returncode == 0
    finally:
        tf.destroy(check=False)
        if sid:
            purge_soft_deleted(sdk, [sid])


def test_personality_with_a_newer_argument_is_refused_at_plan(tf_cloud, cloud):
    """hostname needs 2.90, personality at most 2.56: the plan names both,
    and nothing is sent to create anything."""
    tf = tf_cloud
    tf.write(server("parity-files-host", PERSONALITY + '  hostname = "files"\n'))
    tf.init()
    log = RequestLog(cloud)
    plan = tf.plan_exit()
    text = " ".join((plan.stdout + plan.stderr).split())
    assert plan.returncode == 1, text
    assert "Arguments need different microversions" in text, text
    assert "personality is accepted up to compute microversion 2.56, and hostname needs 2.90" in text, text
    assert not [r for r in log.compute() if not r.startswith("GET")], log.compute()


def test_personality_with_a_pinned_microversion_above_2_56_is_refused(tf_cloud, cloud):
    tf = tf_cloud
    tf.write(server("parity-files-pin", PERSONALITY, provider='  compute_microversion = "2.60"'))
    tf.init()
    plan = tf.plan_exit()
    text = " ".join((plan.stdout + plan.stderr).split())
    assert plan.returncode == 1, text
    assert "personality is accepted up to compute microversion 2.56; the provider is pinned to 2.60" in text, text
