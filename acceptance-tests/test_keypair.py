"""nova_keypair with real Terraform against the local real cloud."""
import json
import os

import pytest

from conftest import PROVIDER_BLOCK

pytestmark = pytest.mark.cloud

CONFIG = PROVIDER_BLOCK + """
provider "nova" {}

resource "nova_keypair" "gen" {
  name = "tf-acc-generated"
}

resource "nova_keypair" "given" {
  name       = "tf-acc-given"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDu2qV6x3yqAD7HnzbQYyq8r3QxHiAbPpbf3t5TQrD7U given@example"
}

output "fingerprint" {
  value = nova_keypair.gen.fingerprint
}
"""


# a 2048-bit RSA public key (its private key was not kept)
RSA_GIVEN = ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC/rOIUBAnmFsKTVkfym2Zhbj7DDMVj8fxE4I5vdCG+4Ic2J5pbyBC9cxbdoFIliazK03U"
             "EwpK2oj++iQ78lODs/+cAt6m2AUBD/t20NEfYN5Haf/vJX5ZGbvq5qAykE5MO1zp4cp7sfPmVPWHp2LmtLGscuA3aThCq0AT/RyfibR/bCna"
             "O4piZdJQQoCmFGbPRLkIaGLy/qTIRn7T5hYHXW7+Vmkv5nqISQMfFkeQwwGVC+TkWM/PXBnSkuZEY/EGaS1rNM1reZo4WCPdmwU4meh5XbWc"
             "CHxxdOw3teXu0fo3OwN4hj2oENvG5ijOiXlqxpuiJkpQUjRyl2hdq/fgt given@example")


def keypair_names(sdk):
    return {k.name for k in sdk.compute.keypairs()}


def test_keypair_lifecycle(tf_cloud, sdk):
    tf = tf_cloud
    tf.write(CONFIG)
    tf.init()
    tf.apply()
    res = tf.resources()
    gen = res["nova_keypair.gen"]["values"]
    assert gen["public_key"].startswith("ssh-ed25519 ")
    assert gen["private_key"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert gen["fingerprint"] and gen["type"] == "ssh"
    given = res["nova_keypair.given"]["values"]
    assert given["private_key"] is None
    assert {"tf-acc-generated", "tf-acc-given"} <= keypair_names(sdk)
    # the cloud holds the key the provider generated
    assert sdk.compute.get_keypair("tf-acc-generated").public_key.strip() == gen["public_key"]

    # no changes after apply
    assert tf.plan_exit().returncode == 0

    # drift: deleted outside Terraform -> the next plan recreates it
    sdk.compute.delete_keypair("tf-acc-given")
    r = tf.plan_exit()
    assert r.returncode == 2, r.stdout
    assert "nova_keypair.given will be created" in r.stdout
    tf.apply()
    assert tf.plan_exit().returncode == 0

    # import by ID into a fresh state, then identity import
    os.remove(os.path.join(tf.dir, "terraform.tfstate"))
    tf.run("import", "-no-color", "nova_keypair.given", "tf-acc-given")
    tf.write("""
import {
  to = nova_keypair.gen
  identity = {
    name = "tf-acc-generated"
  }
}
""", name="imports.tf")
    # the imported generated key has no private key: Terraform keeps config as is
    r = tf.plan_exit()
    assert "nova_keypair.gen: Preparing import" in r.stdout, r.stdout
    tf.apply()
    res = tf.resources()
    assert res["nova_keypair.gen"]["values"]["public_key"] == gen["public_key"]
    assert res["nova_keypair.given"]["values"]["public_key"] == given["public_key"]
    os.remove(os.path.join(tf.dir, "imports.tf"))
    assert tf.plan_exit().returncode == 0

    tf.destroy()
    assert not ({"tf-acc-generated", "tf-acc-given"} & keypair_names(sdk))


def test_keypair_name_too_long_fails_at_plan(tf_cloud):
    tf = tf_cloud
    tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}
resource "nova_keypair" "k" {{
  name = "{'x' * 256}"
}}
""")
    tf.init()
    r = tf.plan_exit()
    assert r.returncode == 1
    assert "name must be 1 to 255 characters; it has 256" in r.stdout + r.stderr


def test_wrong_password_names_the_auth_url(tf_cloud, cloud):
    tf = tf_cloud
    tf.write(PROVIDER_BLOCK + """
provider "nova" {
  password = "not-the-password"
}
resource "nova_keypair" "k" {
  name = "never"
  type = "ssh" # checking the cloud supports it authenticates at plan time
}
""")
    tf.init()
    r = tf.plan_exit()
    assert r.returncode == 1
    out = " ".join((r.stdout + r.stderr).split())
    assert "Cannot reach the cloud" in out, out
    assert cloud["auth_url"] in out, out
    assert "credentials were rejected (401)" in out
    assert "not-the-password" not in out


def test_application_credential_auth(tf, cloud, sdk):
    """Authenticates with an application credential made in the real Keystone."""
    import openstack

    demo = openstack.connect(
        auth_url=cloud["auth_url"], username="demo", password=cloud["demo"]["password"], project_name="demo",
        user_domain_name="Default", project_domain_name="Default")
    user_id = demo.current_user_id
    ac = demo.identity.create_application_credential(user_id, name="tf-acc-appcred", secret="app-cred-secret-1")
    try:
        tf.write(PROVIDER_BLOCK + """
provider "nova" {}
resource "nova_keypair" "k" {
  name = "tf-acc-appcred"
}
""")
        tf.init()
        env = {"OS_AUTH_URL": cloud["auth_url"], "OS_APPLICATION_CREDENTIAL_ID": ac.id,
               "OS_APPLICATION_CREDENTIAL_SECRET": "app-cred-secret-1"}
        log = os.path.join(tf.dir, "trace.log")
        out = tf.run("apply", "-auto-approve", "-input=false", "-no-color",
                     extra_env=dict(env, TF_LOG="TRACE", TF_LOG_PATH=log))
        # the secret is in neither the TRACE log nor Terraform's output
        text = open(log, errors="replace").read()
        assert "api call" in text
        assert "app-cred-secret-1" not in text and "app-cred-secret-1" not in out.stdout + out.stderr
        # created in the demo project, as the application credential's owner
        kp = demo.compute.get_keypair("tf-acc-appcred")
        assert kp.name == "tf-acc-appcred"
        tf.run("destroy", "-auto-approve", "-input=false", "-no-color", extra_env=env)
    finally:
        demo.identity.delete_application_credential(user_id, ac.id)


def test_imported_key_read_from_a_file_is_not_replaced(tf_cloud, sdk):
    """`public_key = file("id.pub")` ends in a newline the cloud drops; after
    an import the state holds the cloud's spelling. The same key with other
    trailing white space applies in place (no API call), it does not
    replace the key pair."""
    tf = tf_cloud
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDu2qV6x3yqAD7HnzbQYyq8r3QxHiAbPpbf3t5TQrD7U file@example"
    with open(os.path.join(tf.dir, "id.pub"), "w") as f:
        f.write(key + "\n")
    tf.write(PROVIDER_BLOCK + """
provider "nova" {}

resource "nova_keypair" "f" {
  name       = "tf-acc-file-key"
  public_key = file("${path.module}/id.pub")
}
""")
    tf.init()
    try:
        tf.apply()
        created = sdk.compute.find_keypair("tf-acc-file-key")
        os.remove(os.path.join(tf.dir, "terraform.tfstate"))
        tf.write("""
import {
  to = nova_keypair.f
  identity = {
    name = "tf-acc-file-key"
  }
}
""", name="imports.tf")
        r = tf.plan_exit()
        assert "must be replaced" not in r.stdout and "0 to destroy" in r.stdout, r.stdout
        tf.apply()
        os.remove(os.path.join(tf.dir, "imports.tf"))
        assert tf.plan_exit().returncode == 0
        assert sdk.compute.find_keypair("tf-acc-file-key").fingerprint == created.fingerprint
    finally:
        tf.destroy(check=False)


def test_imported_rsa_key_pair_is_not_replaced(tf_cloud, sdk):
    """Generated RSA key pairs (4096 by default, and 2048), taken out of the
    state and imported again (`terraform import`, and an `import` block):
    `algorithm` and `rsa_bits` are read from the public key, so the
    configuration that generated them plans nothing (exit 0). The private
    key stays null: Nova hands it out only once, at creation, and nothing
    is invented (as terraform-provider-openstack, whose private_key is empty
    after an import)."""
    tf = tf_cloud
    names = ["tf-acc-rsa-default", "tf-acc-rsa-2048"]
    tf.write(PROVIDER_BLOCK + """
provider "nova" {}

resource "nova_keypair" "big" {
  name      = "tf-acc-rsa-default"
  algorithm = "rsa"
}

resource "nova_keypair" "small" {
  name      = "tf-acc-rsa-2048"
  algorithm = "rsa"
  rsa_bits  = 2048
}
""")
    tf.init()
    try:
        tf.apply()
        before = {a: r["values"] for a, r in tf.resources().items()}
        assert before["nova_keypair.big"]["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
        tf.run("state", "rm", "nova_keypair.big", "nova_keypair.small")

        tf.run("import", "-no-color", "nova_keypair.big", "tf-acc-rsa-default")
        tf.write("""
import {
  to = nova_keypair.small
  identity = {
    name = "tf-acc-rsa-2048"
  }
}
""", name="imports.tf")
        r = tf.plan_exit()
        assert r.returncode == 2, r.stdout + r.stderr
        assert "1 to import, 0 to add, 0 to change, 0 to destroy" in r.stdout, r.stdout
        assert "must be replaced" not in r.stdout, r.stdout
        tf.apply()
        os.remove(os.path.join(tf.dir, "imports.tf"))

        after = {a: r["values"] for a, r in tf.resources().items()}
        for address, algorithm, bits in (("nova_keypair.big", "rsa", None), ("nova_keypair.small", "rsa", 2048)):
            v = after[address]
            assert (v["algorithm"], v["rsa_bits"]) == (algorithm, bits), v
            assert v["private_key"] is None, address
            assert v["public_key"] == before[address]["public_key"]
            assert v["fingerprint"] == before[address]["fingerprint"]
        r = tf.plan_exit()
        assert r.returncode == 0, r.stdout + r.stderr
        # the cloud's key pairs are the ones generated at first
        for n in names:
            assert sdk.compute.get_keypair(n).fingerprint in {v["fingerprint"] for v in before.values()}
    finally:
        tf.destroy(check=False)
        for n in names:
            if sdk.compute.find_keypair(n, ignore_missing=True):
                sdk.compute.delete_keypair(n)


def test_imported_given_rsa_key_records_the_argument_in_place(tf_cloud, sdk):
    """An RSA key pair imported for a configuration that gives its public
    key: the import reads `algorithm = "rsa"` from the key (it cannot know
    whether the configuration generates it or gives it), and the
    configuration leaves algorithm out. The plan changes that one argument
    in place, with no API call (algorithm is the provider's, Nova does not
    hold it), never replacing the key pair; then the plan is empty."""
    tf = tf_cloud
    kp = sdk.compute.create_keypair(name="tf-acc-rsa-given", public_key=RSA_GIVEN)
    try:
        tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_keypair" "given" {{
  name       = "tf-acc-rsa-given"
  public_key = "{RSA_GIVEN}"
}}

import {{
  to = nova_keypair.given
  id = "tf-acc-rsa-given"
}}
""")
        tf.init()
        r = tf.plan_exit()
        assert r.returncode == 2, r.stdout + r.stderr
        assert "1 to import, 0 to add, 1 to change, 0 to destroy" in r.stdout, r.stdout
        assert '- algorithm ' in r.stdout and "must be replaced" not in r.stdout, r.stdout
        tf.apply()
        v = tf.resources()["nova_keypair.given"]["values"]
        assert v["algorithm"] is None and v["private_key"] is None, v
        assert tf.plan_exit().returncode == 0
        assert sdk.compute.get_keypair("tf-acc-rsa-given").fingerprint == kp.fingerprint
    finally:
        tf.destroy(check=False)
        if sdk.compute.find_keypair("tf-acc-rsa-given", ignore_missing=True):
            sdk.compute.delete_keypair("tf-acc-rsa-given")
