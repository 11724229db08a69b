"""Migration from the established OpenStack provider with `moved` blocks:
its state (in that provider's attribute names and schema version) becomes
ours without replacing anything."""
import json
import os

import pytest

from conftest import PROVIDER_BLOCK, purge_soft_deleted

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
OPENSTACK = "registry.terraform.io/terraform-provider-openstack/openstack"
NOVA = "registry.terraform.io/nova-project/nova"
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDu2qV6x3yqAD7HnzbQYyq8r3QxHiAbPpbf3t5TQrD7U mover"


def openstack_state(server, keypair, metadata):
    """A state file as that provider writes it: unset strings as "", blocks
    as lists, schema version 0; `metadata` as it holds it ({} after its
    import of a server without metadata)."""
    (net_name, ips), = server.addresses.items()
    ip = ips[0]
    instance = {
        "id": server.id, "name": server.name, "image_id": CIRROS, "image_name": "cirros",
        "flavor_id": "42", "flavor_name": "m1.nano", "key_pair": keypair.name, "availability_zone": "nova",
        "availability_zone_hints": "", "user_data": "", "admin_pass": "", "config_drive": None,
        "security_groups": ["default"], "metadata": metadata, "all_metadata": dict(metadata),
        "tags": None, "all_tags": [],
        "network": [{"uuid": server.networks_uuid, "name": net_name, "port": "", "fixed_ip_v4": ip["addr"],
                     "fixed_ip_v6": "", "mac": ip["OS-EXT-IPS-MAC:mac_addr"], "access_network": False}],
        "network_mode": "", "block_device": [], "scheduler_hints": [], "personality": [],
        "stop_before_destroy": False, "force_delete": False, "power_state": "active",
        "access_ip_v4": ip["addr"], "access_ip_v6": "", "hypervisor_hostname": "", "region": "RegionOne",
        "vendor_options": [], "timeouts": None, "created": "", "updated": "",
    }
    kp = {"id": keypair.name, "name": keypair.name, "public_key": keypair.public_key, "private_key": "",
          "fingerprint": keypair.fingerprint, "user_id": "", "region": "RegionOne", "value_specs": None}

    def resource(type_, name, attrs):
        return {"mode": "managed", "type": type_, "name": name, "provider": f'provider["{OPENSTACK}"]',
                "instances": [{"schema_version": 0, "attributes": attrs, "sensitive_attributes": []}]}

    return {"version": 4, "terraform_version": "1.9.8", "serial": 3, "lineage": "5b0f6a5e-2f0e-4d5b-9a4f-2c7d8e9f1a2b",
            "outputs": {}, "resources": [resource("openstack_compute_instance_v2", "web", instance),
                                         resource("openstack_compute_keypair_v2", "k", kp)], "check_results": None}


@pytest.mark.parametrize("metadata", [{"role": "web"}, {}], ids=["metadata", "empty-metadata"])
def test_moved_from_the_established_provider_without_replacement(tf_cloud, sdk, cloud, metadata):
    """With metadata configured, and without: that provider's state holds
    {} for a server without metadata (its import writes what the server
    has), which is null here, what this provider writes for metadata never
    configured, so no `{} -> null` is planned."""
    tf = tf_cloud
    private = cloud["networks"]["private"]
    kp = sdk.compute.create_keypair(name="tf-move-key", public_key=PUBLIC_KEY)
    server = sdk.compute.create_server(name="tf-move-web", image_id=CIRROS, flavor_id="42", key_name=kp.name,
                                       metadata=metadata, networks=[{"uuid": private}])
    server = sdk.compute.wait_for_server(server, wait=120)
    server.networks_uuid = private
    try:
        with open(os.path.join(tf.dir, "terraform.tfstate"), "w") as f:
            json.dump(openstack_state(server, kp, metadata), f)
        # without that provider at hand, its resources are first handed to
        # this one; with it, the moved blocks alone do the same
        tf.run("state", "replace-provider", "-auto-approve", "-no-color", OPENSTACK, NOVA)
        metadata_line = '  metadata        = { role = "web" }\n' if metadata else ""
        tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

moved {{
  from = openstack_compute_instance_v2.web
  to   = nova_server.web
}}

moved {{
  from = openstack_compute_keypair_v2.k
  to   = nova_keypair.k
}}

resource "nova_keypair" "k" {{
  name       = "tf-move-key"
  public_key = "{PUBLIC_KEY}"
}}

resource "nova_server" "web" {{
  name            = "tf-move-web"
  image_id        = "{CIRROS}"
  flavor_id       = "42"
  key_name        = nova_keypair.k.name
{metadata_line}  security_groups = ["default"]

  network {{
    uuid = "{private}"
  }}
}}
""")
        tf.init()
        r = tf.plan_exit()
        assert r.returncode in (0, 2), r.stdout + r.stderr
        assert "has moved to nova_server.web" in r.stdout, r.stdout
        assert "must be replaced" not in r.stdout and "0 to add" in r.stdout and "0 to destroy" in r.stdout, r.stdout
        assert "metadata" not in r.stdout, r.stdout
        tf.apply()
        res = tf.resources()
        assert res["nova_server.web"]["values"]["id"] == server.id
        assert res["nova_server.web"]["values"]["network"][0]["mac"] == server.addresses[next(iter(server.addresses))][0]["OS-EXT-IPS-MAC:mac_addr"]
        assert res["nova_keypair.k"]["values"]["fingerprint"] == kp.fingerprint
        assert set(res) == {"nova_server.web", "nova_keypair.k"}
        assert tf.plan_exit().returncode == 0
        assert sdk.compute.get_server(server.id).status == "ACTIVE"
        tf.destroy()
    finally:
        if sdk.compute.find_server(server.id, ignore_missing=True):
            sdk.compute.delete_server(server.id)
        purge_soft_deleted(sdk, [server.id])
        if sdk.compute.find_keypair("tf-move-key", ignore_missing=True):
            sdk.compute.delete_keypair("tf-move-key")


def test_flavor_access_and_interface_attachment_moved_without_replacement(tf_cloud, sdk, cloud):
    """openstack_compute_flavor_access_v2 (ID `<flavor>/<tenant>`) and
    openstack_compute_interface_attach_v2 (ID `<instance>/<port>`), as that
    provider stores them, become nova_flavor_access and
    nova_interface_attachment: nothing is replaced, and after the apply
    nothing is left to change."""
    tf = tf_cloud
    private = cloud["networks"]["private"]
    demo = cloud["projects"]["demo_project_id"]
    flavor = sdk.compute.create_flavor(name="tf-move-private", id="tf-move.private", ram=256, vcpus=1, disk=1,
                                       is_public=False)
    server = None
    try:
        sdk.compute.flavor_add_tenant_access(flavor, demo)
        server = sdk.compute.create_server(name="tf-move-nics", image_id=CIRROS, flavor_id="42", networks="none")
        server = sdk.compute.wait_for_server(server, wait=180)
        nic = sdk.compute.create_server_interface(server, net_id=private)
        ip = nic.fixed_ips[0]["ip_address"]

        def resource(type_, name, attrs):
            return {"mode": "managed", "type": type_, "name": name, "provider": f'provider["{OPENSTACK}"]',
                    "instances": [{"schema_version": 0, "attributes": attrs, "sensitive_attributes": []}]}

        state = {"version": 4, "terraform_version": "1.9.8", "serial": 2, "lineage": "7c2e4b1a-0d3f-4e5a-9b6c-1d2e3f4a5b6c",
                 "outputs": {}, "check_results": None, "resources": [
                     resource("openstack_compute_flavor_access_v2", "demo",
                              {"id": f"{flavor.id}/{demo}", "flavor_id": flavor.id, "tenant_id": demo,
                               "region": "RegionOne"}),
                     resource("openstack_compute_interface_attach_v2", "nic",
                              {"id": f"{server.id}/{nic.port_id}", "instance_id": server.id, "port_id": nic.port_id,
                               "network_id": private, "fixed_ip": ip, "region": "RegionOne", "timeouts": None})]}
        with open(os.path.join(tf.dir, "terraform.tfstate"), "w") as f:
            json.dump(state, f)
        tf.run("state", "replace-provider", "-auto-approve", "-no-color", OPENSTACK, NOVA)
        tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

moved {{
  from = openstack_compute_flavor_access_v2.demo
  to   = nova_flavor_access.demo
}}

moved {{
  from = openstack_compute_interface_attach_v2.nic
  to   = nova_interface_attachment.nic
}}

resource "nova_flavor_access" "demo" {{
  flavor_id  = "{flavor.id}"
  project_id = "{demo}"
}}

resource "nova_interface_attachment" "nic" {{
  server_id  = "{server.id}"
  network_id = "{private}"
}}
""")
        tf.init()
        r = tf.plan_exit()
        assert r.returncode in (0, 2), r.stdout + r.stderr
        assert "has moved to nova_flavor_access.demo" in r.stdout, r.stdout
        assert "has moved to nova_interface_attachment.nic" in r.stdout, r.stdout
        assert "must be replaced" not in r.stdout and "0 to add" in r.stdout and "0 to destroy" in r.stdout, r.stdout
        tf.apply()
        res = tf.resources()
        assert set(res) == {"nova_flavor_access.demo", "nova_interface_attachment.nic"}
        assert res["nova_flavor_access.demo"]["values"]["id"] == f"{flavor.id}/{demo}"
        nv = res["nova_interface_attachment.nic"]["values"]
        assert nv["id"] == f"{server.id}/{nic.port_id}"
        assert (nv["server_id"], nv["port_id"], nv["fixed_ip"]) == (server.id, nic.port_id, ip), nv
        assert nv["mac"] == nic.mac_addr and nv["fixed_ips"] == [ip], nv
        assert tf.plan_exit().returncode == 0
        # the access and the interface were left as they were
        assert demo in [a["tenant_id"] for a in sdk.compute.get_flavor_access(flavor)]
        assert nic.port_id in [i.port_id for i in sdk.compute.server_interfaces(server.id)]
        tf.destroy()
        assert demo not in [a["tenant_id"] for a in sdk.compute.get_flavor_access(flavor)]
    finally:
        if server is not None:
            if sdk.compute.find_server(server.id, ignore_missing=True):
                sdk.compute.delete_server(server.id, force=True)
            purge_soft_deleted(sdk, [server.id])
        sdk.compute.delete_flavor(flavor.id, ignore_missing=True)
