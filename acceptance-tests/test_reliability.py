"""Reliability with real Terraform against the local real cloud, through a
fault-injecting proxy in front of the compute API."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import PROVIDER_BLOCK, TERRAFORM, list_servers, purge_soft_deleted

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools"))
from faultproxy import FaultProxy  # noqa: E402

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
REPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".state", "reliability.jsonl")


def report(**row):
    """Figures for RELIABILITY.md, one JSON line per scenario."""
    os.makedirs(os.path.dirname(REPORT), exist_ok=True)
    with open(REPORT, "a") as f:
        f.write(json.dumps(row) + "\n")


def provider(proxy_url, extra=""):
    return PROVIDER_BLOCK + f"""
provider "nova" {{
  endpoint_overrides = {{ compute = "{proxy_url}" }}
  request_timeout    = "3s"
  max_retries        = 8
{extra}
}}
"""


def servers_named(sdk, prefix):
    """Servers of the cloud (not deleted) whose name starts with prefix."""
    return [s for s in list_servers(sdk)
            if s["name"].startswith(prefix) and s["status"] not in ("DELETED", "SOFT_DELETED")]


def state_ids(tf, type_="nova_server"):
    return {r["values"]["id"] for r in tf.resources().values() if r["type"] == type_}


def test_apply_with_one_request_in_four_faulted(tf_cloud, cloud, sdk):
    tf = tf_cloud
    hosts = cloud["compute_hosts"][:1]
    with FaultProxy(cloud["compute_url"], every=4, seed=7, slow_seconds=4) as proxy:
        tf.write(provider(proxy.url) + f"""
resource "nova_keypair" "k" {{
  name = "tf-rel-key"
}}

resource "nova_flavor" "f" {{
  name        = "tf-rel-flavor"
  ram         = 128
  vcpus       = 1
  disk        = 1
  extra_specs = {{ "hw:cpu_policy" = "shared" }}
}}

resource "nova_aggregate" "a" {{
  name     = "tf-rel-agg"
  metadata = {{ purpose = "reliability" }}
  hosts    = {json.dumps(hosts)}
}}

resource "nova_server" "s" {{
  count     = 30
  name      = "tf-rel-${{count.index}}"
  image_id  = "{CIRROS}"
  flavor_id = nova_flavor.f.id
  key_name  = nova_keypair.k.name
  network {{
    uuid = "{cloud["networks"]["private"]}"
  }}
}}
""")
        tf.init()
        started = time.time()
        tf.apply()
        took = time.time() - started
        faults = proxy.faulted()
        total = len(proxy.requests)
        assert faults, "the proxy injected faults"

        in_cloud = servers_named(sdk, "tf-rel-")
        names = [s["name"] for s in in_cloud]
        assert len(names) == len(set(names)) == 30, sorted(names)  # no duplicate
        assert {s["id"] for s in in_cloud} == state_ids(tf)  # no orphan
        assert all(s["status"] == "ACTIVE" for s in in_cloud)
        assert [k for k in sdk.compute.keypairs() if k.name == "tf-rel-key"]
        assert len([f for f in sdk.compute.flavors() if f.name == "tf-rel-flavor"]) == 1
        agg = [a for a in sdk.compute.aggregates() if a.name == "tf-rel-agg"]
        assert len(agg) == 1 and agg[0].hosts == hosts

        # the next plan, still through the faults, has nothing to do
        r = tf.plan_exit()
        assert r.returncode == 0, r.stdout + r.stderr
        ids = state_ids(tf)
        tf.destroy()
        assert servers_named(sdk, "tf-rel-") == []
        purge_soft_deleted(sdk, ids)
        every = proxy.faulted()
        kinds = sorted({f[2] for f in every})
        report(scenario="apply 30 servers + keypair, flavor, aggregate; plan; destroy",
               faults=f"apply: {len(faults)} of {total} requests; whole run: {len(every)} of "
                      f"{len(proxy.requests)}; kinds: {', '.join(kinds)}",
               apply_seconds=round(took, 1), outcome="converged, next plan empty, destroyed",
               orphans=0, duplicates=0)


def test_lost_create_responses_are_adopted(tf_cloud, cloud, sdk):
    tf = tf_cloud
    with FaultProxy(cloud["compute_url"]) as proxy:
        # every create reaches the cloud, and its answer is lost
        proxy.add_rule("POST", r"/servers$", "drop")
        tf.write(provider(proxy.url) + f"""
resource "nova_server" "s" {{
  count     = 5
  name      = "tf-lost-${{count.index}}"
  image_id  = "{CIRROS}"
  flavor_id = "42"
  network_mode = "none"
}}
""")
        tf.init()
        tf.apply()
        dropped = [r for r in proxy.requests if r[2] == "drop"]
        assert len(dropped) == 5
        in_cloud = servers_named(sdk, "tf-lost-")
        assert sorted(s["name"] for s in in_cloud) == [f"tf-lost-{i}" for i in range(5)]
        assert {s["id"] for s in in_cloud} == state_ids(tf)
        assert tf.plan_exit().returncode == 0
        ids = state_ids(tf)
        tf.destroy()
        purge_soft_deleted(sdk, ids)
        report(scenario="apply 5 servers, every create answer dropped after the cloud acted",
               faults="5 of 5 creates", outcome="all 5 adopted by create token", orphans=0, duplicates=0)


def test_token_expiring_mid_apply(tf_cloud, cloud, sdk):
    tf = tf_cloud
    with FaultProxy(cloud["compute_url"]) as proxy:
        # the fourth compute request and later ones: one 401, as for an expired token
        proxy.add_rule("POST", r"/servers$", "401", times=1)
        tf.write(provider(proxy.url) + f"""
resource "nova_server" "s" {{
  name         = "tf-reauth"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
}}
""")
        tf.init()
        tf.apply()
        assert [r for r in proxy.requests if r[2] == "401"]
        assert len(servers_named(sdk, "tf-reauth")) == 1
        ids = state_ids(tf)
        tf.destroy()
        purge_soft_deleted(sdk, ids)
        report(scenario="apply with the token rejected once (401)", faults="1 401",
               outcome="re-authenticated, created once", orphans=0, duplicates=0)


def test_interrupted_apply_keeps_every_server_in_state(tf_cloud, cloud, sdk):
    tf = tf_cloud
    tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server" "s" {{
  count        = 20
  name         = "tf-sigint-${{count.index}}"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
}}
""")
    tf.init()
    p = subprocess.Popen([TERRAFORM, "apply", "-auto-approve", "-input=false", "-no-color"], cwd=tf.dir,
                         env=tf.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # interrupt once some servers exist and others are being made
    deadline = time.time() + 120
    while time.time() < deadline and len(servers_named(sdk, "tf-sigint-")) < 5:
        time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=600)
    assert "Interrupt received" in out, out
    assert p.returncode != 0, out
    in_cloud = {s["id"] for s in servers_named(sdk, "tf-sigint-")}
    in_state = state_ids(tf)
    assert in_cloud, "some servers were made before the interrupt"
    assert in_cloud <= in_state, (in_cloud - in_state)  # nothing the cloud has is missing from state
    interrupted = len(in_state)
    # a second apply converges
    tf.apply()
    assert len(servers_named(sdk, "tf-sigint-")) == 20
    assert {s["id"] for s in servers_named(sdk, "tf-sigint-")} == state_ids(tf)
    assert tf.plan_exit().returncode == 0
    ids = state_ids(tf)
    tf.destroy()
    # the interrupted creates that were replaced are soft-deleted too
    purge_soft_deleted(sdk, ids | in_state)
    report(scenario="SIGINT during an apply of 20 servers, then apply again",
           faults="interrupt", outcome=f"{interrupted} servers in state after the interrupt, all in the cloud; "
                                       "second apply converged", orphans=0, duplicates=0)


IMG = f'image_id = "{CIRROS}"'
FL = 'flavor_id = "42"'
NET = 'network_mode = "none"'
UUID = "3cb9bc59-5699-4588-a4b1-b87f96708bc6"


def srv(*lines, base=(IMG, FL, NET)):
    return "nova_server", "\n".join(['name = "ok"', *base, *lines])


def bdm(*lines):
    return srv(f"block_device {{\n{chr(10).join(lines)}\n}}", base=(FL, NET))


# (resource type, body, attribute the error must name); the offending line
# carries a "# bad" marker
INVALID = [
    ("nova_server", f'name = "" # bad\n{IMG}\n{FL}\n{NET}', "name"),
    ("nova_server", f'name = "{"n" * 256}" # bad\n{IMG}\n{FL}\n{NET}', "name"),
    srv('image_id = "not-a-uuid" # bad', base=(FL, NET)) + ("image_id",),
    srv('flavor_name = "m1.nano" # bad') + ("flavor_name",),
    ("nova_server", f'name = "ok"\n{IMG}\n{NET}', "flavor_id"),
    ("nova_server", f'name = "ok"\n{FL}\n{NET}', "image_id"),
    srv('tags = ["a/b"] # bad') + ("tags",),
    srv('tags = ["a,b"] # bad') + ("tags",),
    srv("tags = [" + ", ".join(f'"t{i}"' for i in range(51)) + "] # bad") + ("tags",),
    srv(f'user_data = "{"u" * 70000}" # bad') + ("user_data",),
    srv(f'metadata = {{ "{"k" * 256}" = "v" }} # bad') + ("metadata",),
    srv(f'metadata = {{ k = "{"v" * 256}" }} # bad') + ("metadata",),
    srv('disk_config = "SOMETIMES" # bad') + ("disk_config",),
    srv('power_state = "sleeping" # bad') + ("power_state",),
    ("nova_server", f'name = "ok"\n{IMG}\n{FL}\nnetwork_mode = "bridge" # bad', "network_mode"),
    srv(f'network {{\nuuid = "{UUID}"\n}}') + ("network_mode",),
    ("nova_server", f'name = "ok"\n{IMG}\n{FL}\nnetwork {{\nfixed_ip_v4 = "10.0.0.5" # bad\n}}', "network"),
    ("nova_server", f'name = "ok"\n{IMG}\n{FL}\nnetwork {{\nuuid = "x" # bad\n}}', "uuid"),
    ("nova_server", f'name = "ok"\n{IMG}\n{FL}\nnetwork {{\nuuid = "{UUID}"\nfixed_ip_v4 = "10.0.0.300" # bad\n}}',
     "fixed_ip_v4"),
    ("nova_server", f'name = "ok"\n{IMG}\n{FL}\nnetwork {{\nport = "nope" # bad\n}}', "port"),
    ("nova_server", f'name = "ok"\n{IMG}\n{FL}\nnetwork {{\nuuid = "{UUID}"\ntag = "bad/tag" # bad\n}}', "tag"),
    bdm('source_type = "floppy" # bad', f'uuid = "{CIRROS}"', "boot_index = 0") + ("source_type",),
    bdm('source_type = "image"', f'uuid = "{CIRROS}"', 'destination_type = "cloud" # bad', "boot_index = 0")
    + ("destination_type",),
    bdm('source_type = "image" # bad', 'destination_type = "volume"', "volume_size = 1", "boot_index = 0")
    + ("uuid",),
    srv('block_device {\nsource_type = "blank"\n' f'uuid = "{CIRROS}" # bad\n' 'destination_type = "local"\n}')
    + ("uuid",),
    bdm('source_type = "image"', f'uuid = "{CIRROS}"', 'destination_type = "volume" # bad', "boot_index = 0")
    + ("volume_size",),
    srv('block_device {\nsource_type = "image"\n' f'uuid = "{CIRROS}"\n' 'destination_type = "local"\n'
        'boot_index = 0\n}\nblock_device {\nsource_type = "blank"\ndestination_type = "local"\n'
        'volume_size = 1\nboot_index = 2 # bad\n}', base=(FL, NET)) + ("boot_index",),
    srv('block_device {\nsource_type = "blank"\ndestination_type = "local"\nguest_format = "swap"\n'
        'volume_size = 512\n}\nblock_device {\nsource_type = "blank"\ndestination_type = "local"\n'
        'guest_format = "swap" # bad\nvolume_size = 512\n}') + ("guest_format",),
    srv('block_device {\nsource_type = "blank"\ndestination_type = "local"\nguest_format = "btrfs" # bad\n'
        'volume_size = 1\n}') + ("guest_format",),
    srv('block_device {\nsource_type = "blank"\ndestination_type = "local"\nvolume_size = 0 # bad\n}')
    + ("volume_size",),
    srv('block_device {\nsource_type = "blank"\ndestination_type = "local"\ndevice_type = "tape" # bad\n'
        'volume_size = 1\n}') + ("device_type",),
    srv('admin_pass = "a"\nadmin_pass_wo = "b" # bad\nadmin_pass_wo_version = 1') + ("admin_pass",),
    srv(f'description = "{"d" * 256}" # bad') + ("description",),
    ("nova_keypair", 'name = "" # bad', "name"),
    ("nova_keypair", 'name = "k"\ntype = "pgp" # bad', "type"),
    ("nova_flavor", 'name = "f"\nram = -1 # bad\nvcpus = 1', "ram"),
    ("nova_flavor", 'name = "f"\nram = 64\nvcpus = 0 # bad', "vcpus"),
    ("nova_flavor", 'name = "f"\nram = 64\nvcpus = 1\ndisk = -5 # bad', "disk"),
    ("nova_flavor", 'name = "f"\nram = 64\nvcpus = 1\nextra_specs = { "' + "k" * 256 + '" = "v" } # bad',
     "extra_specs"),
    ("nova_aggregate", 'name = "a"\nmetadata = { availability_zone = "z" } # bad', "availability_zone"),
    ("nova_server_group", 'name = "g"\npolicy = "spread" # bad', "policy"),
    ("nova_server_group", 'name = "" # bad\npolicy = "affinity"', "name"),
    ("nova_interface_attachment", f'server_id = "{UUID}"\nnetwork_id = "{UUID}"\nport_id = "{UUID}" # bad',
     "port_id"),
    ("nova_volume_attachment", f'server_id = "{UUID}"\nvolume_id = "x" # bad', "volume_id"),
]


def test_invalid_configurations_fail_at_plan_with_no_compute_request(tf_cloud, cloud):
    assert len(INVALID) >= 40
    tf = tf_cloud
    with FaultProxy(cloud["compute_url"]) as proxy:
        body = "".join(f'\nresource "{t}" "bad{i}" {{\n{b}\n}}\n' for i, (t, b, _) in enumerate(INVALID))
        tf.write(provider(proxy.url) + body)
        tf.init()
        r = tf.run("plan", "-input=false", "-no-color", "-json", check=False)
        assert r.returncode == 1, r.stdout[-3000:]
        diags = []
        for line in r.stdout.splitlines():
            try:
                m = json.loads(line)
            except ValueError:
                continue
            if m.get("type") == "diagnostic" and m["diagnostic"]["severity"] == "error":
                diags.append(m["diagnostic"])
        missing = []
        for i, (t, b, attr) in enumerate(INVALID):
            ok = False
            for d in diags:
                snip = d.get("snippet") or {}
                code = snip.get("code") or ""
                where = (snip.get("context") or "") + code
                ours = f'"bad{i}"' in where or d.get("address") == f"{t}.bad{i}"
                text = d["summary"] + " " + d.get("detail", "")
                # the message, or the configuration line Terraform points at, names the attribute
                ok = ok or (ours and (attr in text or attr in code))
            if not ok:
                missing.append((i, t, attr))
        assert not missing, (missing, [(d["summary"], d.get("detail"), d.get("snippet")) for d in diags][:80])
        # nothing reached the compute API
        assert proxy.requests == [], proxy.requests
    report(scenario=f"{len(INVALID)} invalid configurations, terraform plan", faults="none",
           outcome="every one refused at plan time naming the attribute; 0 compute requests",
           orphans=0, duplicates=0)


def test_secrets_stay_out_of_trace_logs_diagnostics_and_state(tf_cloud, cloud, sdk, tmp_path):
    tf = tf_cloud
    wo_pass, plain_pass = "Wo-Secret-7f3a91", "Plain-Pass-52c8e0"
    tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_keypair" "k" {{
  name = "tf-secret-key"
}}

resource "nova_server" "wo" {{
  name                  = "tf-secret-wo"
  image_id              = "{CIRROS}"
  flavor_id             = "42"
  network_mode          = "none"
  key_name              = nova_keypair.k.name
  admin_pass_wo         = "{wo_pass}"
  admin_pass_wo_version = 1
}}

resource "nova_server" "plain" {{
  name         = "tf-secret-plain"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
  admin_pass   = "{plain_pass}"
}}
""")
    tf.init()
    log = tmp_path / "trace.log"
    trace = {"TF_LOG": "TRACE", "TF_LOG_PATH": str(log)}
    out = tf.run("apply", "-auto-approve", "-input=false", "-no-color", extra_env=trace)
    private_key = tf.resources()["nova_keypair.k"]["values"]["private_key"]
    key_body = [l for l in private_key.splitlines() if l and not l.startswith("-----")]
    assert key_body
    # a change of the admin password through the write-only pair, with an error shown
    secrets = {"password": cloud["admin"]["password"], "admin_pass_wo": wo_pass,
               "admin_pass": plain_pass, "private_key": key_body[len(key_body) // 2]}

    # token authentication too: the token must not be logged either
    token = sdk.session.get_token()
    env = {k: v for k, v in tf.env.items() if k not in ("OS_USERNAME", "OS_PASSWORD", "OS_USER_DOMAIN_NAME")}
    env.update(trace, OS_TOKEN=token)
    r = subprocess.run([TERRAFORM, "plan", "-input=false", "-no-color", "-detailed-exitcode"], cwd=tf.dir,
                       env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    secrets["token"] = token

    text = log.read_text(errors="replace")
    assert "api call" in text and "terraform-provider-nova" in text  # the provider's TRACE output is there
    shown = out.stdout + out.stderr + r.stdout + r.stderr
    state = open(os.path.join(tf.dir, "terraform.tfstate")).read()
    found = {name: [where for where, body in (("trace log", text), ("terraform output", shown)) if value in body]
             for name, value in secrets.items()}
    assert all(not v for v in found.values()), found
    assert wo_pass not in state  # write-only: never stored
    assert plain_pass in state  # sensitive, kept as Terraform keeps sensitive values
    ids = state_ids(tf)
    tf.destroy()
    purge_soft_deleted(sdk, ids)
    report(scenario="apply and plan at TF_LOG=TRACE (password and token auth, admin passwords, generated key)",
           faults="none", outcome="0 secrets in logs or output; write-only password absent from state",
           orphans=0, duplicates=0)
