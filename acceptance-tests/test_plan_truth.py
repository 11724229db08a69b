"""Plans tell the truth: what the configuration does not manage is left alone,
values kept as written do not plan changes again, and bad values fail at plan
time with a diagnostic. Real Terraform against the local real cloud; each
test leaves nothing behind, even when it fails."""
import json
import os
import re
import time

import pytest

from conftest import PROVIDER_BLOCK, list_servers, purge_soft_deleted

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
PREFIX = "tf-pt-"  # every object these tests make is named with this prefix


# --- helpers -----------------------------------------------------------------

def config(body):
    """A whole configuration: the provider (from the environment) and `body`."""
    return PROVIDER_BLOCK + 'provider "nova" {}\n' + body


def small_flavor(name, lines=""):
    """A 256 MiB, one-CPU flavor named PREFIX+name with more `lines`."""
    return config(f"""
resource "nova_flavor" "f" {{
  name  = "{PREFIX}{name}"
  ram   = 256
  vcpus = 1
{lines}}}
""")


def aggregate(name, lines=""):
    """An aggregate named PREFIX+name with more argument `lines`."""
    return config(f"""
resource "nova_aggregate" "a" {{
  name = "{PREFIX}{name}"
{lines}}}
""")


def server(name, extra=""):
    """A small server without networks, purged on destroy."""
    return f"""
resource "nova_server" "s" {{
  name         = "{PREFIX}{name}"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
  force_delete = true
{extra}}}
"""


def plan(tf, code):
    """`terraform plan -detailed-exitcode`, which must exit with `code`; the
    planned actions (the text after the refresh notes) are returned."""
    r = tf.plan_exit()
    assert r.returncode == code, r.stdout + r.stderr
    marker = "Terraform will perform the following actions:"
    return r.stdout.split(marker, 1)[1] if marker in r.stdout else r.stdout


def converged(tf):
    """The plan after an apply is empty."""
    plan(tf, 0)


def values(tf, address):
    return tf.resources()[address]["values"]


def extra_specs(sdk, flavor_id):
    return dict(sdk.compute.fetch_flavor_extra_specs(sdk.compute.get_flavor(flavor_id)).extra_specs)


def user_metadata(aggregate):
    """An aggregate's metadata without the zone key Nova keeps there."""
    return {k: v for k, v in aggregate.metadata.items() if k != "availability_zone"}


def _server_gone_or_soft_deleted(sdk, sid):
    s = sdk.compute.find_server(sid, ignore_missing=True)
    return s is None or s.status in ("SOFT_DELETED", "DELETED")


def sweep(tf, sdk):
    """Destroys what the working directory manages, then removes whatever
    named with PREFIX is left in the cloud (a failed test's leftovers):
    servers are purged, aggregates emptied of hosts first."""
    ids = set()
    if os.path.exists(os.path.join(tf.dir, "terraform.tfstate")):
        try:
            ids |= {r["values"]["id"] for r in tf.resources().values()
                    if r["type"] == "nova_server" and r["mode"] == "managed"}
        except Exception:
            pass
        tf.destroy(check=False)
    ids |= {s["id"] for s in list_servers(sdk) if (s["name"] or "").startswith(PREFIX)}
    for sid in ids:
        if not _server_gone_or_soft_deleted(sdk, sid):
            sdk.compute.delete_server(sid)
    deadline = time.time() + 60
    while time.time() < deadline and not all(_server_gone_or_soft_deleted(sdk, sid) for sid in ids):
        time.sleep(0.5)
    purge_soft_deleted(sdk, ids)
    for a in sdk.compute.aggregates():
        if a.name.startswith(PREFIX):
            for host in a.hosts or []:
                sdk.compute.remove_host_from_aggregate(a.id, host)
            sdk.compute.delete_aggregate(a.id)
    for f in sdk.compute.flavors(is_public=None):
        if f.name.startswith(PREFIX):
            sdk.compute.delete_flavor(f.id)
    for k in sdk.compute.keypairs():
        if k.name.startswith(PREFIX):
            sdk.compute.delete_keypair(k.name)
    for g in sdk.compute.server_groups():
        if g.name.startswith(PREFIX):
            sdk.compute.delete_server_group(g.id)


@pytest.fixture
def tfc(tf_cloud, sdk):
    """tf_cloud, swept at teardown whatever the outcome. Callables appended
    to `tfc.afterwards` run after the sweep (for objects made with the SDK
    that servers hold, such as volumes)."""
    tf_cloud.afterwards = []
    yield tf_cloud
    try:
        sweep(tf_cloud, sdk)
    finally:
        for f in tf_cloud.afterwards:
            f()


# --- 1. flavor extra_specs ---------------------------------------------------

def test_flavor_extra_specs_left_unset_are_not_touched(tfc, sdk):
    """Extra specs never in the configuration: a spec an operator adds stays
    through an unrelated in-place update, and the plan does not mention it."""
    tf = tfc

    def flavor(description):
        return small_flavor("specs-unset", f'  description = "{description}"\n')

    tf.write(flavor("first"))
    tf.init()
    tf.apply()
    fid = values(tf, "nova_flavor.f")["id"]
    assert extra_specs(sdk, fid) == {}
    sdk.compute.update_flavor_extra_specs_property(sdk.compute.get_flavor(fid), "hw:cpu_policy", "dedicated")
    # the operator's spec is no drift: the configuration does not manage specs
    converged(tf)

    tf.write(flavor("second"))
    actions = plan(tf, 2)
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in actions, actions
    assert re.search(r'~ description\s+= "first" -> "second"', actions), actions
    assert "hw:cpu_policy" not in actions, actions
    assert not re.search(r"extra_specs\s+=.*known after apply", actions), actions
    tf.apply()
    assert sdk.compute.get_flavor(fid).description == "second"
    assert extra_specs(sdk, fid) == {"hw:cpu_policy": "dedicated"}
    assert values(tf, "nova_flavor.f")["extra_specs"] == {"hw:cpu_policy": "dedicated"}
    converged(tf)


def test_flavor_extra_specs_removed_unset_only_terraforms_keys(tfc, sdk):
    """extra_specs = { a = "1" } removed from the configuration: "a" is
    unset, "b" (added by an operator) stays."""
    tf = tfc
    specs_line = '  extra_specs = { a = "1" }\n'

    def flavor(specs):
        return small_flavor("specs-removed", specs)

    tf.write(flavor(specs_line))
    tf.init()
    tf.apply()
    fid = values(tf, "nova_flavor.f")["id"]
    assert extra_specs(sdk, fid) == {"a": "1"}
    sdk.compute.update_flavor_extra_specs_property(sdk.compute.get_flavor(fid), "b", "2")

    tf.write(flavor(""))
    actions = plan(tf, 2)
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in actions, actions
    assert re.search(r'-\s+"?a"?\s+= "1"', actions), actions
    assert not re.search(r'"?b"?\s+= "2"', actions), actions
    tf.apply()
    assert extra_specs(sdk, fid) == {"b": "2"}
    assert values(tf, "nova_flavor.f")["extra_specs"] == {"b": "2"}
    converged(tf)


# --- 2. aggregate: rename, zone removal ----------------------------------------

def test_aggregate_rename_keeps_what_others_added(tfc, sdk, cloud):
    """An aggregate with only a name is renamed: no zone is sent (no 400),
    and a host and a metadata key added by an operator stay."""
    tf = tfc
    host = cloud["compute_hosts"][1]

    tf.write(aggregate("agg"))
    tf.init()
    tf.apply()
    aid = values(tf, "nova_aggregate.a")["id"]
    sdk.compute.add_host_to_aggregate(aid, host)
    sdk.compute.set_aggregate_metadata(aid, {"ops": "kept"})
    converged(tf)

    tf.write(aggregate("agg-renamed"))
    actions = plan(tf, 2)
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in actions, actions
    assert re.search(rf'~ name\s+= "{PREFIX}agg" -> "{PREFIX}agg-renamed"', actions), actions
    assert host not in actions and not re.search(r'"?ops"?\s+=', actions), actions
    assert "availability_zone" not in actions, actions
    tf.apply()
    a = sdk.compute.get_aggregate(aid)
    assert a.name == f"{PREFIX}agg-renamed" and a.availability_zone is None
    assert a.hosts == [host] and user_metadata(a) == {"ops": "kept"}
    converged(tf)


def test_aggregate_zone_removed_from_configuration(tfc, sdk):
    """availability_zone removed from the configuration: apply succeeds and
    the cloud's aggregate is in no zone any more (whether updated in place
    or replaced)."""
    tf = tfc

    tf.write(aggregate("agg-zone", f'  availability_zone = "{PREFIX}zone"\n'))
    tf.init()
    tf.apply()
    aid = values(tf, "nova_aggregate.a")["id"]
    assert sdk.compute.get_aggregate(aid).availability_zone == f"{PREFIX}zone"

    tf.write(aggregate("agg-zone"))
    actions = plan(tf, 2)
    assert re.search(rf'- availability_zone\s+= "{PREFIX}zone" -> null', actions), actions
    tf.apply()
    v = values(tf, "nova_aggregate.a")
    assert v["availability_zone"] is None, v
    a = sdk.compute.get_aggregate(v["id"])
    assert a.availability_zone is None and "availability_zone" not in a.metadata, a
    # no aggregate of that name is left in the zone
    assert [x.id for x in sdk.compute.aggregates() if x.name == f"{PREFIX}agg-zone"] == [a.id]
    converged(tf)


# --- 3. server: empty description --------------------------------------------

def test_server_empty_description_is_consistent(tfc, sdk):
    """description = "": apply succeeds and the next plan is empty."""
    tf = tfc
    tf.write(config(server("empty-desc", '  description = ""\n')))
    tf.init()
    tf.apply()
    v = values(tf, "nova_server.s")
    assert v["description"] == "", v["description"]
    assert sdk.compute.get_server(v["id"]).description == ""
    converged(tf)


# --- 4. server: zone:host ----------------------------------------------------

def test_server_zone_host_targeting_stays_as_written(tfc, sdk, cloud):
    """availability_zone = "nova:<host>" (admin targeting): the server lands
    on that host, state keeps "nova:<host>", the next plan is empty."""
    tf = tfc
    host = cloud["compute_hosts"][0]
    tf.write(config(server("zone-host", f'  availability_zone = "nova:{host}"\n')))
    tf.init()
    tf.apply()
    v = values(tf, "nova_server.s")
    assert v["availability_zone"] == f"nova:{host}"
    s = sdk.compute.get_server(v["id"])
    assert s.compute_host == host and s.availability_zone == "nova", (s.compute_host, s.availability_zone)
    converged(tf)


# --- 5. volume attachment: device chosen by the cloud --------------------------

def test_volume_attachment_keeps_requested_device(tfc, sdk):
    """device = "/dev/xvdb": state keeps the requested name, reported_device
    holds what the cloud's os-volume_attachments reports, next plan empty."""
    tf = tfc
    vol = sdk.block_storage.create_volume(size=1, name=f"{PREFIX}attach")
    tf.afterwards.append(lambda: sdk.block_storage.delete_volume(vol.id, ignore_missing=True))
    sdk.block_storage.wait_for_status(vol, status="available", wait=60)
    tf.write(config(server("attach") + f"""
resource "nova_volume_attachment" "v" {{
  server_id = nova_server.s.id
  volume_id = "{vol.id}"
  device    = "/dev/xvdb"
}}
"""))
    tf.init()
    tf.apply()
    sid = values(tf, "nova_server.s")["id"]
    va = values(tf, "nova_volume_attachment.v")
    (att,) = [a for a in sdk.compute.volume_attachments(sid) if a.volume_id == vol.id]
    # the fake driver names devices after its root disk (/dev/sda): it does
    # not honour the request, as libvirt does not either
    assert att.device and att.device != "/dev/xvdb", att
    assert va["device"] == "/dev/xvdb", va
    assert va["reported_device"] == att.device, (va, att.device)
    converged(tf)


# --- 6. timeouts-only changes ------------------------------------------------

def test_timeouts_only_change_applies_in_place(tfc, sdk):
    """Only a timeouts block added to a server group, flavor, aggregate and
    key pair: planned in place, applied with no unknown values left, the
    cloud objects unchanged, and the next plan empty."""
    tf = tfc

    def resources(timeouts):
        return config(f"""
resource "nova_server_group" "g" {{
  name   = "{PREFIX}group"
  policy = "anti-affinity"
{timeouts}}}

resource "nova_flavor" "f" {{
  name  = "{PREFIX}timeouts"
  ram   = 256
  vcpus = 1
{timeouts}}}

resource "nova_aggregate" "a" {{
  name = "{PREFIX}agg-timeouts"
{timeouts}}}

resource "nova_keypair" "k" {{
  name = "{PREFIX}key"
{timeouts}}}
""")

    addresses = ["nova_server_group.g", "nova_flavor.f", "nova_aggregate.a", "nova_keypair.k"]
    tf.write(resources(""))
    tf.init()
    tf.apply()
    before = {a: values(tf, a) for a in addresses}
    converged(tf)

    tf.write(resources('  timeouts {\n    delete = "20m"\n  }\n'))
    actions = plan(tf, 2)
    assert "Plan: 0 to add, 4 to change, 0 to destroy." in actions, actions
    for a in addresses:
        assert f"# {a} will be updated in-place" in actions, (a, actions)
    r = tf.apply()
    assert "Provider left unknown values" not in r.stdout + r.stderr
    after = {a: values(tf, a) for a in addresses}
    for a in addresses:
        assert after[a]["timeouts"] == {**{k: None for k in after[a]["timeouts"]}, "delete": "20m"}, after[a]
        assert {k: v for k, v in after[a].items() if k != "timeouts"} == \
            {k: v for k, v in before[a].items() if k != "timeouts"}, a
    # the same objects are still in the cloud
    assert sdk.compute.get_server_group(after["nova_server_group.g"]["id"]).name == f"{PREFIX}group"
    assert sdk.compute.get_flavor(after["nova_flavor.f"]["id"]).name == f"{PREFIX}timeouts"
    assert sdk.compute.get_aggregate(after["nova_aggregate.a"]["id"]).name == f"{PREFIX}agg-timeouts"
    assert sdk.compute.get_keypair(f"{PREFIX}key").fingerprint == after["nova_keypair.k"]["fingerprint"]
    converged(tf)


# --- 7. overflowing timeouts -------------------------------------------------

def test_overflowing_timeout_fails_at_plan_naming_it(tfc, sdk):
    """timeouts.create = "99999999999999999999h" on a flavor and a server:
    plan fails with a diagnostic naming the attribute, for each resource,
    and the provider does not crash; nothing is created."""
    tf = tfc
    huge = "99999999999999999999h"
    tf.write(config(f"""
resource "nova_flavor" "f" {{
  name  = "{PREFIX}huge-timeout"
  ram   = 256
  vcpus = 1
  timeouts {{
    create = "{huge}"
  }}
}}
""" + server("huge-timeout", f'  timeouts {{\n    create = "{huge}"\n  }}\n')))
    tf.init()
    r = tf.plan_exit()
    out = " ".join((r.stdout + r.stderr).split())
    assert r.returncode == 1, out
    for bad in ("plugin exited", "crash", "panic", "cancelled", "canceled", "Plugin did not respond"):
        assert bad.lower() not in out.lower(), out
    assert out.count("timeouts.create") >= 2 and huge in out, out
    assert "with nova_flavor.f" in out and "with nova_server.s" in out, out
    assert not [f for f in sdk.compute.flavors(is_public=None) if f.name.startswith(PREFIX)]


# --- 8. metadata counted in characters -----------------------------------------

def test_multibyte_metadata_counted_in_characters(tfc, sdk, cloud):
    """150 "é" (300 bytes, 150 characters) as a server metadata value, a
    flavor extra spec and an aggregate metadata value: planned, applied, and
    held by the cloud in full."""
    tf = tfc
    note = "é" * 150
    tf.write(config(server("accents", f'  metadata = {{ note = "{note}" }}\n') + f"""
resource "nova_flavor" "f" {{
  name        = "{PREFIX}accents"
  ram         = 256
  vcpus       = 1
  extra_specs = {{ note = "{note}" }}
}}

resource "nova_aggregate" "a" {{
  name     = "{PREFIX}agg-accents"
  metadata = {{ note = "{note}" }}
}}
"""))
    tf.init()
    plan(tf, 2)
    tf.apply()
    res = tf.resources()
    s = sdk.compute.get_server(res["nova_server.s"]["values"]["id"])
    assert s.metadata["note"] == note and len(s.metadata["note"]) == 150
    assert extra_specs(sdk, res["nova_flavor.f"]["values"]["id"])["note"] == note
    assert sdk.compute.get_aggregate(res["nova_aggregate.a"]["values"]["id"]).metadata["note"] == note
    converged(tf)


# --- 9. aggregate hosts and metadata removed -----------------------------------

def test_aggregate_hosts_and_metadata_removed_from_configuration(tfc, sdk, cloud):
    """hosts and metadata deleted from the configuration: the plan removes
    what Terraform set, apply removes it from the cloud, and the host and
    key an operator added stay."""
    tf = tfc
    mine, theirs = cloud["compute_hosts"][:2]

    tf.write(aggregate("agg-members", f'  hosts    = ["{mine}"]\n  metadata = {{ test = "123" }}\n'))
    tf.init()
    tf.apply()
    aid = values(tf, "nova_aggregate.a")["id"]
    a = sdk.compute.get_aggregate(aid)
    assert a.hosts == [mine] and user_metadata(a) == {"test": "123"}
    sdk.compute.add_host_to_aggregate(aid, theirs)
    sdk.compute.set_aggregate_metadata(aid, {"ops": "kept"})

    tf.write(aggregate("agg-members"))
    actions = plan(tf, 2)
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in actions, actions
    assert f'- "{mine}"' in actions, actions
    assert re.search(r'-\s+"?test"?\s+= "123"', actions), actions
    assert f'- "{theirs}"' not in actions and not re.search(r'-\s+"?ops"?\s+=', actions), actions
    tf.apply()
    a = sdk.compute.get_aggregate(aid)
    assert a.hosts == [theirs] and user_metadata(a) == {"ops": "kept"}, (a.hosts, a.metadata)
    v = values(tf, "nova_aggregate.a")
    assert v["hosts"] == [theirs] and v["metadata"] == {"ops": "kept"}, v
    converged(tf)


def test_security_groups_by_id_stay_as_written(tfc, sdk, cloud):
    """Sibling of the spelling cases: a security group written by ID stays
    an ID (the cloud reports names); a change applies in place; a group
    removed outside Terraform is drift."""
    tf = tfc
    web = cloud["security_groups"]["web"]

    def sgs(groups):
        listed = ", ".join(f'"{g}"' for g in groups)
        return config(f"""
resource "nova_server" "s" {{
  name            = "{PREFIX}sg"
  image_id        = "{CIRROS}"
  flavor_id       = "42"
  force_delete    = true
  security_groups = [{listed}]
  network {{
    uuid = "{cloud['networks']['private']}"
  }}
}}
""")

    def on_server(sid):
        return sorted({g["name"] for g in sdk.compute.get(f"/servers/{sid}").json()["server"]["security_groups"]})

    tf.write(sgs([web, "default"]))
    tf.init()
    tf.apply()
    v = values(tf, "nova_server.s")
    assert sorted(v["security_groups"]) == sorted([web, "default"])
    assert on_server(v["id"]) == ["default", "web"]
    converged(tf)
    tf.write(sgs(["default"]))
    tf.apply()
    assert on_server(v["id"]) == ["default"]
    converged(tf)
    tf.write(sgs([web, "default"]))
    tf.apply()
    sdk.compute.post(f"/servers/{v['id']}/action", json={"removeSecurityGroup": {"name": "web"}})
    assert "security_groups" in plan(tf, 2)


def test_null_elements_fail_at_plan_naming_them(tfc, sdk, cloud):
    """`metadata = { k = null }` and `hosts = ["h", null]` mean nothing to
    the cloud, and kept in state they planned a change forever (and
    "inconsistent result after apply"): the plan refuses them, naming the
    element, before any API call."""
    tf = tfc
    host = cloud["compute_hosts"][0]
    tf.write(config(f"""
resource "terraform_data" "v" {{
  input = "x"
}}

resource "nova_aggregate" "a" {{
  name     = "{PREFIX}null-elements"
  metadata = {{ k = null, j = "1", u = terraform_data.v.id }}
  hosts    = ["{host}", null]
}}
"""))
    tf.init()
    r = tf.plan_exit()
    out = " ".join((r.stdout + r.stderr).split())
    assert r.returncode == 1, out
    assert 'metadata["k"]' in out and "hosts" in out, out
    assert "A null element is not allowed in metadata" in out, out
    assert "A null element is not allowed in hosts" in out, out
    assert "fault of the provider" not in out, out
    assert not [a for a in sdk.compute.aggregates() if a.name.startswith(PREFIX)]


def test_imported_server_keeps_what_others_set(tfc, sdk, cloud):
    """A server made elsewhere, with metadata, a tag and a group hint, is
    imported into a configuration that names the same group and one key of
    its own: nothing is replaced, and the keys and tag others set survive
    the apply. A later metadata change plans the flavor, host and status
    as they are (nothing depending on them is planned anew)."""
    tf = tfc
    group = sdk.compute.create_server_group(name=f"{PREFIX}imported-group", policy="affinity")
    made = sdk.compute.create_server(
        name=f"{PREFIX}imported", image_id=CIRROS, flavor_id="42", networks="none",
        metadata={"owner": "sdk", "cost": "42"}, tags=["sdk-tag"],
        scheduler_hints={"group": group.id})
    sdk.compute.wait_for_server(made, wait=180)
    sid = made.id

    def body(role):
        return config(server("imported", f"""
  metadata = {{ managed = "{role}" }}
  scheduler_hints {{
    group = "{group.id}"
  }}
"""))

    tf.write(body("yes"))
    tf.init()
    tf.run("import", "-no-color", "nova_server.s", sid)
    actions = plan(tf, 2)
    assert "must be replaced" not in actions, actions
    assert "1 to change, 0 to destroy" in actions, actions
    # nothing others set is planned away (all_metadata alone is re-read)
    assert '"owner" = "sdk" -> null' not in actions and '- "sdk-tag"' not in actions, actions
    tf.apply()
    s = sdk.compute.get_server(sid)
    theirs = {k: v for k, v in s.metadata.items() if not k.startswith("nova-provider:")}
    assert theirs == {"owner": "sdk", "cost": "42", "managed": "yes"}, s.metadata
    assert s.tags == ["sdk-tag"], s.tags
    converged(tf)

    # an update of metadata alone: the computed values it cannot change stay known
    tf.write(body("no"))
    tf.run("plan", "-input=false", "-no-color", "-out=tfplan")
    shown = json.loads(tf.run("show", "-json", "tfplan").stdout)
    change = next(c["change"] for c in shown["resource_changes"] if c["address"] == "nova_server.s")
    assert change["actions"] == ["update"], change["actions"]
    unknown = change["after_unknown"]
    for kept in ("flavor", "host_id", "status", "access_ip_v4", "all_tags"):
        assert unknown.get(kept) is not True, (kept, unknown)
    assert unknown.get("all_metadata") is True, unknown
    tf.apply("tfplan")
    converged(tf)
    tf.afterwards.append(lambda: sdk.compute.delete_server_group(group.id, ignore_missing=True))


def test_empty_security_groups_fail_at_plan(tfc, sdk):
    """Nova puts a server with no security groups in "default", so
    `security_groups = []` cannot hold: the plan says so, naming the
    attribute, and nothing is created."""
    tf = tfc
    tf.write(config(server("no-groups", "  security_groups = []\n")))
    tf.init()
    r = tf.plan_exit()
    out = " ".join((r.stdout + r.stderr).split())
    assert r.returncode == 1, out
    assert "security_groups" in out and "default" in out, out
    assert not [s for s in list_servers(sdk) if (s["name"] or "").startswith(PREFIX)]


def test_novas_input_rules_fail_at_plan(tfc, sdk):
    """Values Nova refuses with a 400 (found by trying them as a new user
    would) are refused by the plan, each naming its attribute, before any
    API call: names with white space at an end, descriptions with control
    characters, metadata keys outside Nova's pattern, an empty flavor
    reference, a public key that is not one."""
    tf = tfc
    tf.write(config(f"""
resource "nova_server" "s" {{
  name         = " {PREFIX}padded "
  image_id     = "{CIRROS}"
  flavor_id    = ""
  description  = "tab\\there"
  metadata     = {{ "ünïcode" = "v" }}
  network_mode = "none"
}}

resource "nova_flavor" "f" {{
  name        = "{PREFIX}rules"
  ram         = 64
  vcpus       = 1
  description = "line1\\nline2"
}}

resource "nova_keypair" "k" {{
  name       = "{PREFIX}rules"
  public_key = "not a key"
}}
"""))
    tf.init()
    r = tf.plan_exit()
    out = " ".join((r.stdout + r.stderr).split())
    assert r.returncode == 1, out
    for attr in ("name must not begin or end with white space", "flavor_id",
                 "description must be printable text", 'metadata keys must be',
                 "public_key: an OpenSSH public key"):
        assert attr in out, (attr, out)
    assert not [s for s in list_servers(sdk) if (s["name"] or "").strip().startswith(PREFIX)]
    assert not [f for f in sdk.compute.flavors(is_public=None) if f.name.startswith(PREFIX)]


def test_flavor_empty_description_converges(tfc, sdk):
    """`description = ""` on a flavor (the cloud reports null) is kept as
    written: the plan after apply is empty."""
    tf = tfc
    tf.write(small_flavor("empty-description", '  description = ""\n'))
    tf.init()
    tf.apply()
    converged(tf)
