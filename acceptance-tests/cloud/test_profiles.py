"""The vendor profiles of the local cloud (novacloud/profiles.py, PROFILES.md),
checked with raw HTTP through each profile's proxy.

One cloud runs every profile (each on its own port and Keystone region). Set
NOVA_TEST_PROFILES_STATE to the state directory of a cloud already started
with `start --profile seed-002,seed-001,seed-003,seed-000` to reuse it.
"""
import json
import os
import subprocess
import time
import uuid

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
IMAGE = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
NETWORK = "3cb9bc59-5699-4588-a4b1-b87f96708bc6"
SUBNET = "f8a6e8f8-c2ec-497c-9f23-da9616de54ef"
DATA_SUBNET = "0d3c1f4e-8a55-4b7e-9d7c-2a6b1f1e5c90"
ALL = ["seed-002", "seed-001", "seed-003", "seed-000"]


def free_base(first):
    import socket

    for base in range(first, 20000, 10):
        def free(port):
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) != 0
        if all(free(p) for p in range(base, base + 10)):
            return base
    raise RuntimeError("no free ports in 19900-19999")


@pytest.fixture(scope="session")
def pcloud():
    given = os.environ.get("NOVA_TEST_PROFILES_STATE")
    if given:
        with open(os.path.join(given, "cloud.json")) as f:
            yield json.load(f)
        return
    base = free_base(int(os.environ.get("NOVA_TEST_PORT_BASE", "19900")))
    state = os.path.join(ROOT, ".state", f"test-profiles-{base}")
    subprocess.run([os.path.join(HERE, "start"), "--state-dir", state, "--port-base", str(base),
                    "--profile", ",".join(ALL)], check=True)
    try:
        with open(os.path.join(state, "cloud.json")) as f:
            yield json.load(f)
    finally:
        subprocess.run([os.path.join(HERE, "stop"), "--state-dir", state], check=False)


class Api:
    """The compute API of one region, as its catalog gives it, with an admin token."""

    def __init__(self, cloud, region, microversion=None):
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"}, "password": cloud["admin"]["password"]}}},
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
        r = requests.post(cloud["auth_url"] + "/auth/tokens", json=body, timeout=60)
        r.raise_for_status()
        self.token = r.headers["X-Subject-Token"]
        self.project_id = r.json()["token"]["project"]["id"]
        self.catalog = r.json()["token"]["catalog"]
        compute = next(s for s in self.catalog if s["type"] == "compute")
        self.endpoint = next(e["url"] for e in compute["endpoints"]
                             if e["region_id"] == region and e["interface"] == "public")
        self.microversion = microversion
        self.root = "/".join(self.endpoint.split("/")[:3])

    def headers(self, extra=None, token=True):
        h = {"Accept": "application/json"}
        if token:
            h["X-Auth-Token"] = self.token
        if self.microversion:
            h["X-OpenStack-Nova-API-Version"] = self.microversion
        h.update(extra or {})
        return h

    def call(self, method, path, body=None, url=None, headers=None, token=True):
        u = url or (self.endpoint.rstrip("/") + "/" + path.lstrip("/"))
        return requests.request(method, u, json=body, headers=self.headers(headers, token), timeout=120)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.call("POST", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def server(self, sid):
        r = self.get(f"servers/{sid}")
        return r.json()["server"] if r.status_code == 200 else None

    def wait(self, sid, ok, timeout=180, what="the wanted state"):
        deadline = time.time() + timeout
        s = None
        while time.time() < deadline:
            s = self.server(sid)
            if ok(s):
                return s
            if s and s.get("status") == "ERROR":
                pytest.fail(f"server {sid} went to ERROR: {s.get('fault')}")
            time.sleep(0.5)
        pytest.fail(f"server {sid} not in {what} after {timeout}s: {s and s.get('status')}")

    def wait_active(self, sid, timeout=180):
        return self.wait(sid, lambda s: s and s["status"] == "ACTIVE" and not s.get("OS-EXT-STS:task_state"),
                         timeout, "ACTIVE")


@pytest.fixture(scope="session")
def created(pcloud):
    """Servers the tests made: purged through Nova itself at the end."""
    ids = []
    yield ids
    api = Api(pcloud, "RegionOne")
    nova = pcloud["compute_url"]
    for sid in ids:
        requests.post(f"{nova}/servers/{sid}/action", json={"forceDelete": None},
                      headers=api.headers(), timeout=60)
        requests.delete(f"{nova}/servers/{sid}", headers=api.headers(), timeout=60)


def create(api, created, server, ok=(202,), hints=None, path="servers"):
    body = {"server": server}
    if hints is not None:
        body["os:scheduler_hints"] = hints
    r = api.post(path, body)
    assert r.status_code in ok, (r.status_code, r.text)
    if r.status_code == 202 and "server" in r.json():
        created.append(r.json()["server"]["id"])
    return r


def boot(name, **extra):
    return dict({"name": name, "flavorRef": "1", "imageRef": IMAGE, "networks": [{"uuid": NETWORK}]}, **extra)


def bfv(name, **bdm):
    return {"name": name, "flavorRef": "1", "networks": [{"uuid": NETWORK}],
            "block_device_mapping_v2": [dict({"boot_index": 0, "uuid": IMAGE, "source_type": "image",
                                              "destination_type": "volume", "volume_size": 1}, **bdm)]}


def nova_fault(r, code):
    body = r.json()
    assert r.status_code == code, (r.status_code, r.text)
    assert len(body) == 1 and "error" not in body, body
    inner = next(iter(body.values()))
    assert inner["code"] == code and inner["message"], body
    return inner["message"]


def vendor_error(r, code, title):
    """002's error body: {"error": {"message", "code", "title"}}."""
    assert r.status_code == code, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == code and body["error"]["title"] == title and body["error"]["message"], body
    return body["error"]["message"]


# --------------------------------------------------------------------------
# The cloud


def test_cloud_json_records_the_profiles(pcloud):
    assert pcloud["profile"] == "seed-002"
    assert list(pcloud["profiles"]) == ALL
    assert pcloud["soft_delete"] is True, "seed-002's recycle bin needs Nova's deferred delete"
    base = pcloud["ports"]["keystone"]
    assert {n: v["port"] for n, v in pcloud["profiles"].items()} == {
        "seed-000": base + 6, "seed-001": base + 7, "seed-002": base + 8, "seed-003": base + 9}
    assert pcloud["profiles"]["seed-001"]["compute_endpoint"].endswith("/v2/{project_id}")


@pytest.mark.parametrize("region,path", [
    ("RegionOne", "/v2.1"), ("seed-002", "/v2.1"), ("seed-001", "/v2/{pid}"),
    ("seed-003", "/v2.1/{pid}"), ("seed-000", "/v2.1")])
def test_catalog_compute_endpoint_per_region(pcloud, region, path):
    api = Api(pcloud, region)
    name = "seed-002" if region == "RegionOne" else region
    assert api.endpoint == f"http://127.0.0.1:{pcloud['profiles'][name]['port']}" + path.format(
        pid=api.project_id)
    # every other service is in the profile's region too
    for stype in ("identity", "image", "network", "volumev3"):
        svc = next(s for s in api.catalog if s["type"] == stype)
        assert any(e["region_id"] == region for e in svc["endpoints"]), stype


@pytest.mark.parametrize("profile,versions", [
    ("seed-002", ["v2.1"]), ("seed-001", ["v2.0"]), ("seed-003", ["v2.0", "v2.1"]), ("seed-000", ["v2.1"])])
def test_versions_document(pcloud, profile, versions):
    api = Api(pcloud, profile)
    r = requests.get(api.root + "/", headers={"Accept": "application/json"}, timeout=30)
    assert sorted(v["id"] for v in r.json()["versions"]) == versions
    assert all(l["href"].startswith(api.root) for v in r.json()["versions"] for l in v["links"])


# --------------------------------------------------------------------------
# seed-002


@pytest.fixture(scope="module")
def api2(pcloud):
    return Api(pcloud, "seed-002", "2.67")


def test_002_paths(api2):
    assert api2.get("servers").status_code == 200
    assert api2.get(f"servers", url=f"{api2.root}/v2.1/{api2.project_id}/servers").status_code == 200
    vendor_error(api2.get("", url=f"{api2.root}/v2/{api2.project_id}/servers"), 404, "Not Found")


def test_002_error_bodies(api2):
    msg = vendor_error(api2.get(f"servers/{uuid.uuid4()}"), 404, "Not Found")
    assert "could not be found" in msg
    vendor_error(api2.post("servers", {"server": boot("bad", flavorRef="no-such-flavor")}), 400, "Bad Request")
    vendor_error(api2.get("servers", token=False), 401, "Unauthorized")
    # an imageRef that is not a UUID (no volume to boot from) is a 400
    vendor_error(api2.post("servers", {"server": boot("bad", imageRef="not-a-uuid")}), 400, "Bad Request")


@pytest.mark.parametrize("microversion,key", [("2.15", "policies"), ("2.67", "policy")])
def test_002_server_group_policies(pcloud, microversion, key):
    """002 §1.7: groups are created with the soft policies only, in either request shape."""
    api = Api(pcloud, "seed-002", microversion)
    shape = (lambda p: [p]) if key == "policies" else (lambda p: p)
    for policy in ("affinity", "anti-affinity"):
        r = api.post("os-server-groups", {"server_group": {"name": f"p002-{policy}", key: shape(policy)}})
        msg = vendor_error(r, 400, "Bad Request")
        assert policy in msg and "soft-anti-affinity, soft-affinity" in msg, msg
    names = {g["name"] for g in api.get("os-server-groups").json()["server_groups"]}
    assert not names & {"p002-affinity", "p002-anti-affinity"}, names
    for policy in ("soft-affinity", "soft-anti-affinity"):
        r = api.post("os-server-groups", {"server_group": {"name": f"p002-{policy}", key: shape(policy)}})
        assert r.status_code == 200, r.text
        g = r.json()["server_group"]
        assert (g.get("policy") or g["policies"][0]) == policy, g
        assert api.delete(f"os-server-groups/{g['id']}").status_code == 204


def test_002_recycle_bin_restore_and_force_delete(api2, created):
    sid = create(api2, created, boot("p002-bin")).json()["server"]["id"]
    s = api2.wait_active(sid)
    assert s["deleted"] == "" and s["estimated_deleted"] == ""
    macs = [a["OS-EXT-IPS-MAC:mac_addr"] for a in s["addresses"]["private"]]
    assert s["addresses_labels_mac"] == macs and macs
    # forceDelete is for the recycle bin only
    vendor_error(api2.post(f"servers/{sid}/action", {"forceDelete": None}), 409, "Conflict")
    vendor_error(api2.post(f"servers/{sid}/action", {"restore": None}), 409, "Conflict")

    r = api2.delete(f"servers/{sid}")
    assert r.status_code == 204, r.text
    s = api2.wait(sid, lambda s: s and s["status"] == "DELETED", what="DELETED")
    assert s["OS-EXT-STS:vm_state"] == "deleted"
    assert s["deleted"] and s["deleted"] == s["updated"]
    listed = [x["id"] for x in api2.get("servers/detail").json()["servers"]]
    assert sid not in listed, "the recycle bin is not in the ordinary listing"
    binned = api2.get("servers/detail?all_tenants=1&deleted=True").json()["servers"]
    mine = [x for x in binned if x["id"] == sid]
    assert mine and mine[0]["status"] == "DELETED" and mine[0]["deleted"], binned
    assert all(x["status"] == "DELETED" for x in binned)
    # the action of the other state is a conflict
    vendor_error(api2.post(f"servers/{sid}/action", {"live_resize": {"flavorRef": "2"}}), 409, "Conflict")

    r = api2.post(f"servers/{sid}/action", {"restore": None})
    assert r.status_code == 202 and not r.content, r.text
    s = api2.wait_active(sid)
    assert s["deleted"] == ""

    assert api2.delete(f"servers/{sid}").status_code == 204
    api2.wait(sid, lambda s: s and s["status"] == "DELETED", what="DELETED")
    r = api2.post(f"servers/{sid}/action", {"forceDelete": None})
    assert r.status_code == 202 and not r.content, r.text
    api2.wait(sid, lambda s: s is None, what="purged")
    vendor_error(api2.get(f"servers/{sid}"), 404, "Not Found")
    binned = api2.get("servers/detail?all_tenants=1&deleted=True").json()["servers"]
    assert sid not in [x["id"] for x in binned], "a purged server is not in the recycle bin"


def test_002_live_resize(api2, created):
    sid = create(api2, created, boot("p002-live")).json()["server"]["id"]
    api2.wait_active(sid)
    vendor_error(api2.post(f"servers/{sid}/action", {"live_resize": {}}), 400, "Bad Request")
    vendor_error(api2.post(f"servers/{uuid.uuid4()}/action", {"live_resize": {"flavorRef": "2"}}), 404,
                 "Not Found")
    r = api2.post(f"servers/{sid}/action", {"live_resize": {"flavorRef": "2"}})
    assert r.status_code == 202 and not r.content, r.text
    seen = set()
    deadline = time.time() + 180
    while time.time() < deadline:
        s = api2.server(sid)
        seen.add(s["status"])
        if s["flavor"]["original_name"] == "m1.small" and not s["OS-EXT-STS:task_state"] and \
                s["OS-EXT-STS:vm_state"] == "active":
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"live resize not done: {s['status']} {s['OS-EXT-STS:task_state']} {s['flavor']}")
    assert seen == {"ACTIVE"}, f"a live resize keeps the server ACTIVE, saw {seen}"
    # no confirmation is left for the client: the cloud confirmed it
    time.sleep(2)
    s = api2.server(sid)
    assert s["status"] == "ACTIVE" and s["flavor"]["original_name"] == "m1.small"
    # live_resize needs an ACTIVE server; 002's own os-stop body ({"os-stop": true}) is accepted
    r = api2.post(f"servers/{sid}/action", {"os-stop": True})
    assert r.status_code == 202, r.text
    api2.wait(sid, lambda s: s and s["status"] == "SHUTOFF" and not s["OS-EXT-STS:task_state"], what="SHUTOFF")
    assert "SHUTOFF" in vendor_error(api2.post(f"servers/{sid}/action", {"live_resize": {"flavorRef": "3"}}),
                                     409, "Conflict")
    assert api2.server(sid)["flavor"]["original_name"] == "m1.small"


def test_002_boot_from_volume_with_empty_image_ref_and_string_volume_size(api2, created):
    server = bfv("p002-bfv", volume_size="1")
    server["imageRef"] = ""
    sid = create(api2, created, server).json()["server"]["id"]
    s = api2.wait_active(sid)
    assert s["image"] == ""
    assert len(s["os-extended-volumes:volumes_attached"]) == 1


def test_002_subnet_id(api2, created):
    r = api2.post("servers", {"server": boot("x", networks=[{"uuid": NETWORK, "subnet_id": DATA_SUBNET}])})
    assert "not on network" in vendor_error(r, 400, "Bad Request")
    r = api2.post("servers", {"server": boot("x", networks=[{"uuid": NETWORK, "subnet_id": str(uuid.uuid4())}])})
    assert "could not be found" in vendor_error(r, 400, "Bad Request")
    r = api2.post("servers", {"server": boot("x", networks=[{"subnet_id": SUBNET}])})
    vendor_error(r, 400, "Bad Request")
    sid = create(api2, created, boot("p002-subnet", networks=[{"uuid": NETWORK, "subnet_id": SUBNET}])
                 ).json()["server"]["id"]
    s = api2.wait_active(sid)
    assert s["addresses"]["private"][0]["addr"].startswith("192.168.1.")


# --------------------------------------------------------------------------
# seed-001


@pytest.fixture(scope="module")
def api1(pcloud):
    return Api(pcloud, "seed-001")


def test_001_paths_and_no_microversions(api1):
    r = api1.get("servers", headers={"X-OpenStack-Nova-API-Version": "2.67"})
    assert r.status_code == 200
    assert "X-OpenStack-Nova-API-Version" not in r.headers and "OpenStack-API-Version" not in r.headers
    # 2.47+ would embed the flavor; the legacy API ignores the asked version
    nova_fault(api1.get("", url=f"{api1.root}/v2/servers"), 404)
    nova_fault(api1.get("", url=f"{api1.root}/v2.1/{api1.project_id}/servers"), 404)


def test_001_create_location_links_and_legacy_views(api1, created):
    # (the tenant has two networks here: 001 wants the network then, as Nova does)
    r = create(api1, created, {"flavorRef": "1", "name": "p001-min", "imageRef": IMAGE,
                               "networks": [{"uuid": NETWORK}], "metadata": {"HA_Enabled": "false"}})
    server = r.json()["server"]
    prefix = f"{api1.root}/v2/{api1.project_id}/servers/"
    assert r.headers["Location"] == prefix + server["id"]
    assert {l["rel"]: l["href"] for l in server["links"]}["self"] == prefix + server["id"]
    assert server["adminPass"] and server["OS-DCF:diskConfig"] == "MANUAL"
    api1.wait(server["id"], lambda s: s and s["status"] == "ACTIVE", what="ACTIVE")
    # at 2.47+ Nova would embed the flavor: the legacy API ignores the version asked for
    r = api1.get(f"servers/{server['id']}", headers={"X-OpenStack-Nova-API-Version": "2.67"})
    assert "X-OpenStack-Nova-API-Version" not in r.headers
    assert set(r.json()["server"]["flavor"]) == {"id", "links"}, "legacy v2 shows the flavor as a link"


def test_001_string_booleans_of_delete_on_termination(api1, created):
    server = bfv("p001-bfv", delete_on_termination="y", device_name="/dev/vda")
    sid = create(api1, created, server).json()["server"]["id"]
    s = api1.wait(sid, lambda s: s and s["status"] == "ACTIVE", what="ACTIVE")
    vols = api1.get(f"servers/{sid}/os-volume_attachments").json()["volumeAttachments"]
    assert len(vols) == 1
    r = api1.post("servers", {"server": bfv("x", delete_on_termination="True")})
    assert "delete_on_termination" in nova_fault(r, 400)
    r = api1.post("servers", {"server": {"name": "x", "flavorRef": "1", "imageRef": IMAGE,
                                         "block_device_mapping": [{"volume_id": str(uuid.uuid4()),
                                                                   "delete_on_termination": "maybe"}]}})
    nova_fault(r, 400)


@pytest.mark.parametrize("server,words", [
    (bfv("x", device_name="vdb"), "device path"),
    (bfv("x", device_name="/dev/1vdb"), "device path"),
    (bfv("x", no_device=True), "no_device"),
    ({"name": "x", "flavorRef": "1", "block_device_mapping": [{"volume_id": "5f7b2a1e-0000-4000-8000-000000000001"}]},
     "imageRef"),
    (boot("x", min_count=2, networks=[{"port": "5f7b2a1e-0000-4000-8000-000000000002"}]), "port"),
    (boot("x", max_count=2, networks=[{"uuid": NETWORK, "fixed_ip": "192.168.1.50"}]), "fixed_ip"),
    (dict(bfv("x"), imageRef=IMAGE, max_count=2), "volume"),
    (boot("x", metadata={"k": ""}), "metadata"),
])
def test_001_refusals(api1, server, words):
    assert words in nova_fault(api1.post("servers", {"server": server}), 400)


def test_001_nova_rules_through_the_proxy(api1):
    both = dict(bfv("x"), imageRef=IMAGE, block_device_mapping=[{"volume_id": str(uuid.uuid4())}])
    nova_fault(api1.post("servers", {"server": both}), 400)
    nova_fault(api1.post("servers", {"server": boot("x", imageRef=str(uuid.uuid4()))}), 400)
    nova_fault(api1.post("servers", {"server": boot("x", flavorRef="no-such")}), 400)


# --------------------------------------------------------------------------
# seed-003


@pytest.fixture(scope="module")
def api3(pcloud):
    return Api(pcloud, "seed-003", "2.19")


def test_003_paths(api3):
    assert api3.get("servers").status_code == 200
    assert api3.get("", url=f"{api3.root}/v2/{api3.project_id}/servers").status_code == 200
    nova_fault(api3.get("", url=f"{api3.root}/v2.1/servers"), 404)


@pytest.mark.parametrize("server,hints,words", [
    (boot("x", config_drive=True), None, "not supported"),
    (boot("x", **{"OS-DCF:diskConfig": "AUTO"}), None, "not supported"),
    (boot("x", auto_terminate_time="2030-01-01T00:00:00Z"), None, "not supported"),
    (boot("x", host="compute1"), None, "specified host"),
    ({"name": "x", "flavorRef": "1", "imageRef": IMAGE}, None, "networks"),
    (boot("x", networks="auto"), None, "networks"),
    (boot("x", networks=[{"fixed_ip": "192.168.1.60"}]), None, "uuid"),
    (bfv("x", destination_type="local"), None, "only be volume"),
    (bfv("x", guest_format="ext4"), None, "guest_format"),
    (bfv("x", source_type=None), None, "source_type"),
    (bfv("x", volume_size=None), None, "volume_size"),
    (dict(bfv("x"), block_device_mapping_v2=[{"source_type": "volume", "destination_type": "volume",
                                              "uuid": str(uuid.uuid4()), "boot_index": "-1"}]), None, "boot_index 0"),
    (dict(bfv("x"), min_count="2"), None, "batches"),
    (boot("x"), {"same_host": [str(uuid.uuid4())]}, "reserved"),
    (boot("x"), {"tenancy": "dedicated"}, "Dedicated Host"),
    (boot("x"), {"tenancy": "private"}, "tenancy"),
    (boot("x"), {"dedicated_host_id": str(uuid.uuid4())}, "dedicated"),
])
def test_003_refusals(api3, server, hints, words):
    body = {"server": {k: v for k, v in server.items()}}
    for b in body["server"].get("block_device_mapping_v2", []):
        for k in [k for k, v in b.items() if v is None]:
            del b[k]
    if hints is not None:
        body["os:scheduler_hints"] = hints
    assert words in nova_fault(api3.post("servers", body), 400)
    # the /v2 alias os-volumes_boot has the same rules
    assert words in nova_fault(api3.post("", body, url=f"{api3.root}/v2/{api3.project_id}/os-volumes_boot"), 400)


def test_003_sample_shapes_boot(api3, created, pcloud):
    # F-003-create-image-to-volume's shapes: string numbers and booleans, discarded device_name,
    # an empty fixed_ip, a tenancy hint
    server = {"flavorRef": "1", "name": "p003-bfv", "metadata": {"name": "name_xx1"},
              "block_device_mapping_v2": [{"source_type": "image", "destination_type": "volume", "uuid": IMAGE,
                                           "delete_on_termination": "False", "boot_index": "0",
                                           "volume_size": "1", "device_name": "/dev/not-a-path"}],
              "security_groups": [{"name": "default"}], "networks": [{"uuid": NETWORK, "fixed_ip": ""}],
              "availability_zone": "nova"}
    r = create(api3, created, server, hints={"tenancy": "shared"})
    assert r.json()["server"]["links"][0]["href"].startswith(f"{api3.root}/v2.1/{api3.project_id}/servers/")
    s = api3.wait_active(r.json()["server"]["id"])
    assert s["os-extended-volumes:volumes_attached"][0]["delete_on_termination"] is False


def test_003_batch_with_reservation_id(api3, created):
    r = api3.post("servers", {"server": boot("p003-batch", min_count="2", max_count="2",
                                             return_reservation_id="true")})
    assert r.status_code == 202, r.text
    rid = r.json()["reservation_id"]
    assert rid.startswith("r-") and "server" not in r.json()
    deadline = time.time() + 60
    while time.time() < deadline:
        found = api3.get(f"servers?reservation_id={rid}").json()["servers"]
        if len(found) == 2:
            break
        time.sleep(0.5)
    assert len(found) == 2
    created.extend(s["id"] for s in found)
    for s in found:
        api3.wait_active(s["id"])


def test_003_port_has_priority(api3, created, pcloud):
    net = requests.post(f"http://127.0.0.1:{pcloud['ports']['network']}/v2.0/ports",
                        json={"port": {"network_id": NETWORK, "tenant_id": api3.project_id}},
                        headers={"X-Auth-Token": api3.token}, timeout=30)
    assert net.status_code == 201, net.text
    port = net.json()["port"]
    r = create(api3, created, boot("p003-port", networks=[{"uuid": NETWORK, "port": port["id"], "fixed_ip": ""}]))
    s = api3.wait_active(r.json()["server"]["id"])
    assert s["addresses"]["private"][0]["addr"] == port["fixed_ips"][0]["ip_address"]


# --------------------------------------------------------------------------
# seed-000


@pytest.fixture(scope="module")
def api0(pcloud):
    return Api(pcloud, "seed-000", "2.67")


def test_000_paths(api0):
    assert api0.get("servers").status_code == 200
    nova_fault(api0.get("", url=f"{api0.root}/v2.1/{api0.project_id}/servers"), 404)
    nova_fault(api0.get("", url=f"{api0.root}/v2/{api0.project_id}/servers"), 404)


@pytest.mark.parametrize("nets,words", [
    ([{"ip_address": "192.168.1.70"}], "uuid"),
    ([{"uuid": NETWORK, "ip_address": "192.168.1.70", "ip_version": 6}], "IPv6"),
    ([{"uuid": NETWORK, "ip_version": 5}], "ip_version"),
    ([{"uuid": NETWORK, "fixed_ips": [{"ip_address": "192.168.1.70"}, {"ip_address": "192.168.1.71"}]}], "One"),
    ([{"uuid": NETWORK, "fixed_ips": "192.168.1.70"}], "fixed_ips"),
])
def test_000_network_ip_refusals(api0, nets, words):
    assert words in nova_fault(api0.post("servers", {"server": boot("x", networks=nets)}), 400)


def test_000_volume_type_only_for_created_volumes(api0):
    server = dict(bfv("x"), block_device_mapping_v2=[{"boot_index": "0", "uuid": str(uuid.uuid4()),
                                                       "source_type": "volume", "destination_type": "volume",
                                                       "volume_type": "fast"}])
    assert "volume_type" in nova_fault(api0.post("servers", {"server": server}), 400)


def test_000_sample_shapes_boot(api0, created):
    # F-000-create-bfv's shapes: string boot_index/volume_size, volume_type, imageRef repeated, and the
    # vendor fixed_ips/ip_address keys
    server = bfv("p000-bfv", boot_index="0", volume_size="1", volume_type="fast", delete_on_termination=True)
    server["imageRef"] = IMAGE
    server["networks"] = [{"uuid": NETWORK, "fixed_ips": [{"ip_address": "192.168.1.77"}], "ip_version": 4},
                          {"uuid": "9a6a8bf0-6c1b-4c3b-a1d8-0e9b21d4f3a7", "ip_address": "10.20.0.77"}]
    r = create(api0, created, server)
    assert r.json()["server"]["links"][0]["href"] == f"{api0.root}/v2.1/servers/{r.json()['server']['id']}"
    s = api0.wait_active(r.json()["server"]["id"])
    assert s["addresses"]["private"][0]["addr"] == "192.168.1.77"
    assert s["addresses"]["data"][0]["addr"] == "10.20.0.77"


# --------------------------------------------------------------------------
# PROFILES.md


def test_profiles_md_is_generated_from_the_rule_tables():
    import sys

    sys.path.insert(0, HERE)
    from novacloud import profiles

    with open(os.path.join(HERE, "PROFILES.md")) as f:
        assert f.read() == profiles.markdown() + "\n", "run: python -m novacloud.profiles > PROFILES.md"
