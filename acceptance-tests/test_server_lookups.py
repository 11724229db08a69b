"""nova_server by image name and network name, and its access addresses,
with real Terraform against the local real cloud (its image and network
APIs answer the look-ups)."""
import pytest

from conftest import PROVIDER_BLOCK, RequestLog, purge_soft_deleted

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
# the image API stand-in's image named "fakeimage6"
IMAGE6 = "a440c04b-79fa-479c-bed1-0b816eaec379"
DATA = "9a6a8bf0-6c1b-4c3b-a1d8-0e9b21d4f3a7"


def server_tf(image, networks, extra=""):
    nets = "".join(f"\n  network {{\n    {n}\n  }}\n" for n in networks)
    return PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server" "s" {{
  name        = "tf-acc-lookups"
  {image}
  flavor_name = "m1.tiny"
  {extra}
{nets}
}}
"""


def interfaces(sdk, sid):
    return {i.net_id: i for i in sdk.compute.server_interfaces(sid)}


def image_requests(log):
    return [line for line in log.other("image") if "/v2/images" in line]


def test_server_by_image_name_and_network_name(tf_cloud, sdk, cloud):
    tf = tf_cloud
    private = cloud["networks"]["private"]
    named = ['name = "private"', 'name = "data"\n    access_network = true']
    tf.write(server_tf('image_name = "cirros"', named))
    tf.init()
    sid = None
    try:
        log = RequestLog(cloud)
        tf.apply()
        v = tf.resources()["nova_server.s"]["values"]
        sid = v["id"]
        # as written, with the IDs the names found
        assert v["image_name"] == "cirros" and v["image_id"] == CIRROS
        assert [(n["name"], n["uuid"]) for n in v["network"]] == [("private", private), ("data", DATA)]
        # checked against the cloud
        s = sdk.compute.get_server(sid)
        assert s.image["id"] == CIRROS
        ifaces = interfaces(sdk, sid)
        assert set(ifaces) == {private, DATA}
        data_ip = ifaces[DATA].fixed_ips[0]["ip_address"]
        private_ip = ifaces[private].fixed_ips[0]["ip_address"]
        assert v["network"][1]["fixed_ip_v4"] == data_ip
        # Nova has no access address: the access network's fixed address
        # is in state, and nothing was sent for it
        assert not s.access_ipv4
        assert v["access_ip_v4"] == data_ip, v["access_ip_v4"]
        assert v["access_ip_v6"] is None
        # (the request log has paths without their queries)
        assert any('"GET /v2/images"' in line for line in image_requests(log)), log.other("image")
        assert any('"GET /v2.0/networks"' in line for line in log.other("network")), log.other("network")
        log = RequestLog(cloud)
        assert tf.plan_exit().returncode == 0
        # names unchanged are not looked up again
        assert image_requests(log) == [], log.other("image")

        # the access network moves to the first block: in place, the same server
        tf.write(server_tf('image_name = "cirros"', ['name = "private"\n    access_network = true', 'name = "data"']))
        r = tf.plan_exit()
        assert r.returncode == 2 and "1 to change, 0 to destroy" in r.stdout, r.stdout
        tf.apply()
        v = tf.resources()["nova_server.s"]["values"]
        assert v["id"] == sid and v["access_ip_v4"] == private_ip
        assert tf.plan_exit().returncode == 0

        # the first block by uuid instead: the same network, nothing to do
        # (the name in state stays while the network does)
        tf.write(server_tf('image_name = "cirros"', [f'uuid = "{private}"\n    access_network = true', 'name = "data"']))
        assert tf.plan_exit().returncode == 0
        v = tf.resources()["nova_server.s"]["values"]
        assert v["id"] == sid and v["network"][0]["name"] == "private"

        # another image by name: rebuilt in place, as for image_id
        by_uuid = [f'uuid = "{private}"\n    access_network = true', 'name = "data"']
        tf.write(server_tf('image_name = "fakeimage6"', by_uuid))
        r = tf.plan_exit()
        assert r.returncode == 2 and "1 to change, 0 to destroy" in r.stdout, r.stdout
        tf.apply()
        assert sdk.compute.get_server(sid).image["id"] == IMAGE6
        v = tf.resources()["nova_server.s"]["values"]
        assert v["id"] == sid and v["image_id"] == IMAGE6 and v["image_name"] == "fakeimage6"
        assert tf.plan_exit().returncode == 0

        # the same image by ID: nothing to do, and no image API call
        tf.write(server_tf(f'image_id = "{IMAGE6}"', by_uuid))
        log = RequestLog(cloud)
        assert tf.plan_exit().returncode == 0
        assert image_requests(log) == [], log.other("image")

        # an access address written by the user is sent, and never replaced
        # by a derived one
        tf.write(server_tf(f'image_id = "{IMAGE6}"', by_uuid, extra='access_ip_v4 = "192.0.2.7"'))
        tf.apply()
        assert sdk.compute.get_server(sid).access_ipv4 == "192.0.2.7"
        assert tf.resources()["nova_server.s"]["values"]["access_ip_v4"] == "192.0.2.7"
        assert tf.plan_exit().returncode == 0

        # at import, image_name is read from the image API
        tf.write(server_tf(f'image_id = "{IMAGE6}"', [f'uuid = "{private}"', f'uuid = "{DATA}"'],
                           extra='access_ip_v4 = "192.0.2.7"'))
        tf.import_by_identity("nova_server.s", id=sid)
        v = tf.resources()["nova_server.s"]["values"]
        assert v["image_name"] == "fakeimage6" and v["image_id"] == IMAGE6
        assert v["access_ip_v4"] == "192.0.2.7"
        assert tf.plan_exit().returncode == 0
    finally:
        tf.destroy(check=False)
        if sid:
            purge_soft_deleted(sdk, [sid])


def test_names_that_find_nothing_or_several_are_refused_at_plan(tf_cloud, cloud):
    tf = tf_cloud
    private = cloud["networks"]["private"]
    cases = [
        (server_tf('image_name = "no-such-image"', [f'uuid = "{private}"']),
         ["No image found", 'image_name: no image is named "no-such-image"']),
        # several images of the stand-in share this name (Nova's fixture images)
        (server_tf('image_name = "fakeimage123456"', [f'uuid = "{private}"']),
         ["Several images found", 'images are named "fakeimage123456": ',
          "a2459075-d96c-40d5-893e-577ff92e721c", "76fa36fc-c930-4bf3-8c8a-ea2a2420deb6", "Give image_id instead"]),
        (server_tf(f'image_id = "{CIRROS}"', [f'uuid = "{private}"', 'name = "no-such-net"']),
         ["No network found", 'network[1].name: no network is named "no-such-net"']),
        (server_tf('image_name = "cirros"\n  image_id = "{}"'.format(CIRROS), [f'uuid = "{private}"']),
         ["Conflicting arguments", "Give image_id or image_name, not both."]),
        (server_tf(f'image_id = "{CIRROS}"', [f'uuid = "{private}"\n    name = "private"']),
         ["Conflicting arguments", "Give the network's uuid or its name, not both."]),
    ]
    tf.write(cases[0][0])
    tf.init()
    for text, expected in cases:
        tf.write(text)
        log = RequestLog(cloud)
        r = tf.plan_exit()
        assert r.returncode == 1, r.stdout
        out = " ".join(w for w in (r.stdout + r.stderr).split() if w != "│")
        for e in expected:
            assert e in out, (e, out)
        assert not any(c.startswith("POST /servers") for c in log.compute()), log.compute()
    # a configuration by IDs plans without calling the image or network APIs
    tf.write(server_tf(f'image_id = "{CIRROS}"', [f'uuid = "{private}"']))
    log = RequestLog(cloud)
    r = tf.plan_exit()
    assert r.returncode == 2, r.stdout + r.stderr
    assert image_requests(log) == [], log.other("image")
    assert not [line for line in log.other("network") if "/v2.0/networks" in line], log.other("network")
