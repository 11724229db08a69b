"""Every example under examples/ passes `terraform validate`, together with
the provider block (examples refer to each other, as a user's files do)."""
import glob
import os
import shutil

import pytest

from conftest import PROVIDER_BLOCK, ROOT, purge_soft_deleted
from example_files import EXAMPLE_HYPERVISOR, EXAMPLE_PROJECT, EXAMPLE_VOLUME, copy_examples


def test_resource_and_provider_examples_validate(tf):
    copy_examples(tf.dir, "resources/*/resource.tf")
    copy_examples(tf.dir, "actions/*/action.tf")
    copy_examples(tf.dir, "ephemeral-resources/*/ephemeral-resource.tf")
    shutil.copy(os.path.join(ROOT, "examples", "provider", "provider.tf"), os.path.join(tf.dir, "provider.tf"))
    tf.init()
    r = tf.run("validate", "-no-color")
    assert "The configuration is valid" in r.stdout
    assert len(glob.glob(os.path.join(ROOT, "examples", "resources", "*", "import.sh"))) == len(
        glob.glob(os.path.join(ROOT, "examples", "resources", "*", "resource.tf"))), "every resource has an import example"


def test_data_source_examples_validate(tf):
    copy_examples(tf.dir, "data-sources/*/data-source.tf")
    tf.write(PROVIDER_BLOCK + 'provider "nova" {}\n', name="provider.tf")
    tf.init()
    r = tf.run("validate", "-no-color")
    assert "The configuration is valid" in r.stdout


def test_quickstart_example_validates(tf):
    for f in glob.glob(os.path.join(ROOT, "examples", "quickstart", "*.tf")):
        shutil.copy(f, tf.dir)
    tf.init()
    assert "The configuration is valid" in tf.run("validate", "-no-color").stdout


def test_every_type_has_an_example():

    docs = os.listdir(os.path.join(ROOT, "docs", "resources")) + os.listdir(os.path.join(ROOT, "docs", "data-sources"))
    assert docs, "docs generated"
    for kind, dirname, fname in (("resources", "resources", "resource.tf"), ("data-sources", "data-sources", "data-source.tf"),
                                 ("actions", "actions", "action.tf"),
                                 ("ephemeral-resources", "ephemeral-resources", "ephemeral-resource.tf")):
        for page in os.listdir(os.path.join(ROOT, "docs", kind)):
            name = "nova_" + page[:-3]
            assert os.path.exists(os.path.join(ROOT, "examples", dirname, name, fname)), f"{name} has no example"


@pytest.mark.cloud
def test_resource_and_data_source_examples_apply(tf_cloud, sdk, cloud):
    """The resource examples applied together against the local cloud, the
    data-source examples then read what they made, and destroy leaves
    nothing behind."""
    tf = tf_cloud
    vol = sdk.block_storage.create_volume(size=1, name="tf-acc-example-volume")
    sdk.block_storage.wait_for_status(vol, status="available", wait=60)
    copy_examples(tf.dir, "resources/*/resource.tf")
    copy_examples(tf.dir, "actions/*/action.tf")
    # the provider example names a cloud of its own: the local cloud comes
    # from the environment here
    tf.write(PROVIDER_BLOCK + 'provider "nova" {}\n', name="provider.tf")
    for f in glob.glob(os.path.join(tf.dir, "*.tf")):
        text = open(f).read()
        text = text.replace(EXAMPLE_PROJECT, cloud["projects"]["demo_project_id"]).replace(EXAMPLE_VOLUME, vol.id)
        open(f, "w").write(text)

    def teardown(check=True):
        # the hosts leave the zone only once they hold no servers (deleted
        # ones kept by this soft-delete cloud included): servers go first
        ids = [r["values"]["id"] for r in tf.resources().values() if r["type"] == "nova_server" and r["mode"] == "managed"]
        # the lookups would fail once what they find is gone
        for f in glob.glob(os.path.join(tf.dir, "zz-*.tf")):
            os.remove(f)
        tf.run("destroy", "-auto-approve", "-no-color", "-target=nova_server.web", "-target=nova_server.db", check=check)
        purge_soft_deleted(sdk, ids)
        tf.destroy(check=check)

    try:
        tf.init()
        # the aggregate puts the hosts into a zone, which Nova allows only while
        # they hold no servers: it goes first, as an operator would do it
        tf.run("apply", "-auto-approve", "-no-color", "-target=nova_aggregate.ssd")
        tf.apply()
        res = tf.resources()
        server_ids = [res[a]["values"]["id"] for a in ("nova_server.web", "nova_server.db")]
        for sid in server_ids:
            assert sdk.compute.get_server(sid).status == "ACTIVE"
        kept_volumes = [v for v in res["nova_server.db"]["values"]["volumes_attached"]]
        assert tf.plan_exit().returncode == 0

        # the data-source examples, next to the resources they look up
        copy_data = os.path.join(tf.dir, "data")
        os.mkdir(copy_data)
        copy_examples(copy_data, "data-sources/*/data-source.tf")
        for f in glob.glob(os.path.join(copy_data, "*.tf")):
            text = open(f).read().replace(EXAMPLE_PROJECT, cloud["projects"]["demo_project_id"])
            text = text.replace(EXAMPLE_HYPERVISOR, cloud["compute_hosts"][0])
            open(os.path.join(tf.dir, "zz-" + os.path.basename(f)), "w").write(text)
            os.remove(f)
        tf.apply()
        assert "az-ssd" in tf.output("zones")
        data = tf.resources()
        # the server's addresses, the attached interface's included
        web = data["nova_server.web"]["values"]
        assert {a["addr"] for a in tf.output("web_addresses")} == {a["addr"] for a in web["addresses"]} >= {"10.20.0.10", "10.20.0.20"}
        assert tf.output("web_volume_devices") == {vol.id: res["nova_volume_attachment.data"]["values"]["device"]}
        assert "m1.nano" in tf.output("single_core_flavors")
        lim = sdk.compute.get_limits().absolute
        left = "unlimited" if lim.total_cores < 0 else str(lim.total_cores - lim.total_cores_used)
        assert tf.output("cores_left") == left
        assert data["data.nova_flavor.four_cores"]["values"]["id"] == "c3.large"
        assert data["data.nova_flavor.general_purpose"]["values"]["id"] == "c3.large"
        assert sorted(n["port"] for n in tf.output("web_networks")) == sorted(i.port_id for i in sdk.compute.server_interfaces(server_ids[0]))
        assert tf.output("max_per_host") == 1
        assert tf.output("c1")["state"] == "up"
        assert data["data.nova_keypair.deployer"]["values"]["public_key"] == res["nova_keypair.deployer"]["values"]["public_key"]
        assert tf.plan_exit().returncode == 0
        # the reboot action example, invoked as its comment says
        r = tf.apply("-invoke=action.nova_server_reboot.web")
        assert "hard reboot: server " + server_ids[0] in r.stdout, r.stdout
        assert "reboot" in [a.action for a in sdk.compute.server_actions(server_ids[0])]
    except BaseException:
        teardown(check=False)
        raise
    teardown()
    assert "c3.large" not in [f.id for f in sdk.compute.flavors(is_public=None)]
    assert "ssd-hosts" not in [a.name for a in sdk.compute.aggregates()]
    assert not {"deployer", "laptop"} & {k.name for k in sdk.compute.keypairs()}
    for vid in kept_volumes + [vol.id]:
        v = sdk.block_storage.find_volume(vid, ignore_missing=True)
        if v is not None:
            sdk.block_storage.wait_for_status(v, status="available", wait=60)
            sdk.block_storage.delete_volume(v)
