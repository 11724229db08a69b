"""Smoke test of the local cloud itself, with openstacksdk (no provider)."""
import time

import openstack.exceptions
import pytest

IMAGE = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
NETWORK = "3cb9bc59-5699-4588-a4b1-b87f96708bc6"


def wait_status(sdk, server, status, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = sdk.compute.get_server(server)
        if s.status == status:
            return s
        if s.status == "ERROR":
            pytest.fail(f"server went to ERROR: {s.fault}")
        time.sleep(0.5)
    pytest.fail(f"server {server.id} not {status} after {timeout}s (is {s.status})")


def test_catalog_and_fixture_state(sdk, cloud):
    assert cloud["images"]["cirros"] == IMAGE
    assert sdk.image.get_image(IMAGE).name == "cirros"
    assert sdk.network.get_network(NETWORK).name == "private"
    assert {"m1.tiny", "m1.small"} <= {f.name for f in sdk.compute.flavors()}
    assert len(list(sdk.compute.hypervisors())) == len(cloud["compute_hosts"])


def test_flavor_with_extra_specs(sdk):
    f = sdk.compute.create_flavor(name="smoke-flavor", ram=256, vcpus=1, disk=1)
    try:
        sdk.compute.create_flavor_extra_specs(f, {"hw:mem_page_size": "large"})
        assert sdk.compute.fetch_flavor_extra_specs(f).extra_specs == {"hw:mem_page_size": "large"}
    finally:
        sdk.compute.delete_flavor(f)


def test_keypair_and_aggregate_with_host(sdk, cloud):
    kp = sdk.compute.create_keypair(
        name="smoke-kp", public_key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDu2qV6x3yqAD7HnzbQYyq8r3QxHiAbPpbf3t5TQrD7U s")
    sdk.compute.delete_keypair(kp)
    agg = sdk.compute.create_aggregate(name="smoke-agg", availability_zone="smoke-az")
    try:
        agg = sdk.compute.add_host_to_aggregate(agg, cloud["compute_hosts"][0])
        assert agg.hosts == [cloud["compute_hosts"][0]]
        sdk.compute.remove_host_from_aggregate(agg, cloud["compute_hosts"][0])
    finally:
        sdk.compute.delete_aggregate(agg)


def test_server_lifecycle_resize_stop_start_delete(sdk):
    s = sdk.compute.create_server(name="smoke-1", image_id=IMAGE, flavor_id="1", networks=[{"uuid": NETWORK}])
    s = wait_status(sdk, s, "ACTIVE")
    assert s.addresses["private"][0]["addr"].startswith("192.168.1.")
    host_before = s.compute_host
    sdk.compute.resize_server(s, "2")
    wait_status(sdk, s, "VERIFY_RESIZE")
    sdk.compute.confirm_server_resize(s)
    s = wait_status(sdk, s, "ACTIVE")
    assert s.flavor.original_name == "m1.small"
    assert s.compute_host != host_before, "resize moves to the other host"
    sdk.compute.stop_server(s)
    wait_status(sdk, s, "SHUTOFF")
    sdk.compute.start_server(s)
    wait_status(sdk, s, "ACTIVE")
    sdk.compute.delete_server(s, force=True)
    sdk.compute.wait_for_delete(s, wait=60)
    with pytest.raises(openstack.exceptions.NotFoundException):
        sdk.compute.get_server(s.id)


def test_boot_from_volume(sdk):
    s = sdk.compute.create_server(
        name="smoke-bfv", flavor_id="1", networks=[{"uuid": NETWORK}],
        block_device_mapping=[{"boot_index": 0, "uuid": IMAGE, "source_type": "image",
                               "destination_type": "volume", "volume_size": 1, "delete_on_termination": True}])
    s = wait_status(sdk, s, "ACTIVE")
    attached = s.attached_volumes
    assert len(attached) == 1
    assert sdk.block_storage.get_volume(attached[0]["id"]).size == 1
    sdk.compute.delete_server(s, force=True)
    sdk.compute.wait_for_delete(s, wait=60)


def test_bad_flavor_ref_is_a_400_with_novas_message(sdk):
    with pytest.raises(openstack.exceptions.BadRequestException) as e:
        sdk.compute.create_server(name="bad", image_id=IMAGE, flavor_id="no-such-flavor", networks=[{"uuid": NETWORK}])
    assert "Flavor no-such-flavor could not be found" in str(e.value) or "Invalid flavorRef" in str(e.value)
