"""Every example under examples/ passes `terraform validate`, together with
the provider block (examples refer to each other, as a user's files do)."""
import glob
import os
import shutil

from conftest import PROVIDER_BLOCK, ROOT


def copy_examples(dest, pattern):
    for i, f in enumerate(sorted(glob.glob(os.path.join(ROOT, "examples", pattern)))):
        shutil.copy(f, os.path.join(dest, f"{i:02d}-{os.path.basename(os.path.dirname(f))}.tf"))
    # files the examples read
    open(os.path.join(dest, "cloud-init.yaml"), "w").write("#cloud-config\n")
    open(os.path.join(dest, "id_ed25519.pub"), "w").write("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDu2qV6x3yqAD7HnzbQYyq8r3QxHiAbPpbf3t5TQrD7U x\n")


def test_resource_and_provider_examples_validate(tf):
    copy_examples(tf.dir, "resources/*/resource.tf")
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
    for kind, dirname, fname in (("resources", "resources", "resource.tf"), ("data-sources", "data-sources", "data-source.tf")):
        for page in os.listdir(os.path.join(ROOT, "docs", kind)):
            name = "nova_" + page[:-3]
            assert os.path.exists(os.path.join(ROOT, "examples", dirname, name, fname)), f"{name} has no example"
