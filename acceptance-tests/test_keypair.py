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
