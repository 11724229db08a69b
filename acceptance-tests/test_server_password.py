"""The ephemeral `nova_server_password` with real Terraform 1.15: a server
booted with a generated RSA key pair, whose guest sets a password as
cloudbase-init does (the local cloud's stand-in, cloud/novacloud/guest_agent.py,
encrypts it with the server's public key and stores it through Nova's own
metadata password handler); the password is decrypted for the run, reaches a
provisioner, and is never written to the state or the plan."""
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import PROVIDER_BLOCK

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
PASSWORD = "Wind0ws-Adm1n-pässwörd!"


def config(ephemeral=""):
    return PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_keypair" "win" {{
  name      = "tf-acc-win"
  algorithm = "rsa"
  rsa_bits  = 2048
}}

resource "nova_server" "s" {{
  name         = "tf-acc-password"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
  key_name     = nova_keypair.win.name
  force_delete = true
}}
{ephemeral}
"""


def reader(timeout=None):
    wait = f'\n  timeout     = "{timeout}"' if timeout else ""
    return """
ephemeral "nova_server_password" "p" {
  server_id   = nova_server.s.id
  private_key = nova_keypair.win.private_key""" + wait + """
}

resource "terraform_data" "use" {
  input = nova_server.s.id

  provisioner "local-exec" {
    command = "printf '%s' \\"$PASSWORD\\" > password.txt"
    environment = {
      PASSWORD = ephemeral.nova_server_password.p.password
    }
  }
}
"""


def guest_sets_password(cloud, server_id, password):
    """What a Windows guest's cloudbase-init does, through the local cloud's
    stand-in: returns what Nova then holds (base64 of the encryption)."""
    base = cloud.get("guest_agent_url") or f"http://127.0.0.1:{cloud['ports']['compute']}/_guest"
    req = urllib.request.Request(f"{base}/servers/{server_id}/password", data=password.encode(), method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)["encrypted_password"]


def state_of(tf):
    with open(os.path.join(tf.dir, "terraform.tfstate")) as f:
        return f.read()


def test_password_decrypted_for_a_provisioner_and_never_stored(tf_cloud, cloud, sdk):
    tf = tf_cloud
    tf.write(config())
    tf.init()
    tf.apply()
    st = json.loads(state_of(tf))
    res = {r["type"]: r["instances"][0]["attributes"] for r in st["resources"]}
    kp, server_id = res["nova_keypair"], res["nova_server"]["id"]
    # a generated RSA key pair: PKCS#1 PEM, whose public key Nova holds
    assert kp["algorithm"] == "rsa" and kp["rsa_bits"] == 2048
    assert kp["public_key"].startswith("ssh-rsa "), kp["public_key"]
    assert kp["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    key_file = os.path.join(tf.dir, "id_rsa")
    with open(key_file, "w") as f:
        f.write(kp["private_key"])
    os.chmod(key_file, 0o600)
    derived = subprocess.run(["ssh-keygen", "-y", "-f", key_file], capture_output=True, text=True,
                             check=True).stdout
    assert derived.split()[:2] == kp["public_key"].split()[:2]
    assert sdk.compute.get_keypair("tf-acc-win").public_key.split()[:2] == kp["public_key"].split()[:2]

    # the guest has not set a password yet: a clear error, no wait asked for
    tf.write(config(reader()))
    r = tf.apply(check=False)
    assert r.returncode != 0
    assert "No password set" in r.stderr and f"Server {server_id} has no password yet" in r.stderr, r.stderr
    assert "Set timeout" in r.stderr, r.stderr

    # with a timeout, the run waits while the guest boots and then sets it
    tf.write(config(reader(timeout="2m")))
    held = {}

    def guest():
        time.sleep(3)
        held["encrypted"] = guest_sets_password(cloud, server_id, PASSWORD)

    t = threading.Thread(target=guest)
    t.start()
    started = time.monotonic()
    r = tf.apply()
    t.join()
    assert time.monotonic() - started >= 3
    assert "ephemeral.nova_server_password.p: Opening..." in r.stdout, r.stdout
    with open(os.path.join(tf.dir, "password.txt"), encoding="utf-8") as f:
        assert f.read() == PASSWORD

    # Nova holds only the encrypted form, the one the guest left
    token = sdk.session.get_token()
    got = json.load(urllib.request.urlopen(urllib.request.Request(
        f"{cloud['compute_url']}/servers/{server_id}/os-server-password",
        headers={"X-Auth-Token": token}), timeout=30))
    assert got["password"] == held["encrypted"] and PASSWORD not in got["password"]
    # a second password is refused, as the metadata service refuses it
    with pytest.raises(urllib.error.HTTPError) as e:
        guest_sets_password(cloud, server_id, "another")
    assert e.value.code == 409

    # neither the state nor the plan holds the password
    state = state_of(tf)
    assert PASSWORD not in state and '"ephemeral.nova_server_password.p"' in state
    r = tf.run("plan", "-input=false", "-no-color", "-out=tfplan")
    assert "ephemeral.nova_server_password.p: Opening..." in r.stdout, r.stdout
    assert "No changes." in r.stdout, r.stdout
    shown = tf.run("show", "-json", "tfplan").stdout
    assert json.loads(shown)["resource_changes"]
    assert PASSWORD not in shown and PASSWORD not in tf.run("show", "-json").stdout
    tf.destroy()


def test_bad_keys_refused_at_plan(tf_cloud):
    tf = tf_cloud
    # rsa_bits without algorithm "rsa", algorithm with an imported key, and a
    # private key that is not a PEM RSA key: each named, before any request
    tf.write(PROVIDER_BLOCK + """
provider "nova" {}

resource "nova_keypair" "a" {
  name     = "tf-acc-bits"
  rsa_bits = 4096
}

resource "nova_keypair" "b" {
  name       = "tf-acc-imported"
  algorithm  = "rsa"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHp1dHpZ9xqYoA5vQ8j3sC1VmMqUZ8l8Yb0mCkQyq3xB k"
}

resource "nova_keypair" "c" {
  name      = "tf-acc-size"
  algorithm = "rsa"
  rsa_bits  = 1024
}

ephemeral "nova_server_password" "p" {
  server_id   = "7a9e4c2e-0f7e-4a37-9e3c-1b8b1e0c9d11"
  private_key = "not a key"
}

# `openssl genpkey -algorithm ed25519`: PEM, but no RSA key
ephemeral "nova_server_password" "ed" {
  server_id   = "7a9e4c2e-0f7e-4a37-9e3c-1b8b1e0c9d11"
  private_key = <<EOT
    -----BEGIN PRIVATE KEY-----
    MC4CAQAwBQYDK2VwBCIEIHS13nM+FymO5B+1/XUnOGptTsXeC73gp3J9OsTNS81K
    -----END PRIVATE KEY-----
    EOT
}
""")
    tf.init()
    r = tf.run("validate", "-no-color", check=False)
    assert r.returncode != 0
    err = " ".join(r.stderr.split())
    assert 'rsa_bits is the size of an RSA key; it needs algorithm = "rsa"' in err, err
    assert "with public_key given nothing is generated, so leave algorithm out" in err, err
    assert "rsa_bits must be 2048 or 4096, not 1024" in err, err
    assert "private_key: it is not a PEM private key" in err, err
    # named for what it is, however it is indented
    assert "private_key: it is a PEM Ed25519 private key, which cannot decrypt the password" in err, err
    assert "aws-lc" not in err and "WrongAlgorithm" not in err, err


def test_every_bad_argument_reported_in_one_run(tf_cloud):
    """A configuration with three bad arguments is refused with three
    errors, each naming its attribute, in one run and before any request:
    not one at a time."""
    tf = tf_cloud
    tf.write(PROVIDER_BLOCK + """
provider "nova" {}

ephemeral "nova_server_password" "p" {
  server_id   = "not-a-server"
  private_key = "not a key"
  timeout     = "soon"
}
""")
    tf.init()
    for command in (["validate", "-no-color"], ["plan", "-no-color", "-input=false"]):
        r = tf.run(*command, check=False)
        assert r.returncode != 0, r.stdout
        err = " ".join(r.stderr.split())
        assert 'server_id must be a UUID, not "not-a-server"' in err, err
        assert "private_key: it is not a PEM private key" in err, err
        assert 'timeout must be a duration such as' in err, err
        assert err.count("Error:") == 3, err


def test_algorithm_written_out_keeps_the_key_pair_and_a_new_one_replaces_it(tf_cloud, sdk):
    tf = tf_cloud

    def keypair(extra=""):
        tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_keypair" "k" {{
  name = "tf-acc-algorithm"
{extra}
}}
""")

    keypair()
    tf.init()
    tf.apply()
    first = sdk.compute.get_keypair("tf-acc-algorithm").public_key
    assert first.startswith("ssh-ed25519 ")
    assert tf.plan_exit().returncode == 0
    # the default written out: the same key pair, changed in place
    keypair('  algorithm = "ed25519"')
    r = tf.plan_exit()
    assert r.returncode == 2 and "update in-place" in r.stdout and "must be replaced" not in r.stdout, r.stdout
    tf.apply()
    assert tf.plan_exit().returncode == 0
    assert sdk.compute.get_keypair("tf-acc-algorithm").public_key == first
    # another algorithm: a new key pair
    keypair('  algorithm = "rsa"\n  rsa_bits  = 2048')
    r = tf.plan_exit()
    assert "must be replaced" in r.stdout and "# forces replacement" in r.stdout, r.stdout
    tf.apply()
    assert sdk.compute.get_keypair("tf-acc-algorithm").public_key.startswith("ssh-rsa ")
    assert tf.plan_exit().returncode == 0
    tf.destroy()
