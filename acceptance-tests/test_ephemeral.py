"""Ephemeral resources with real Terraform 1.15: a server's remote console
opened for a run and handed to a provisioner, never written to the state
or the plan."""
import json
import os
from urllib.parse import parse_qs, urlparse

import pytest

from conftest import PROVIDER_BLOCK

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"


def config(console):
    return PROVIDER_BLOCK + f"""
provider "nova" {{}}

resource "nova_server" "s" {{
  name         = "tf-acc-console"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
  force_delete = true
}}

ephemeral "nova_server_console" "c" {{
  server_id = nova_server.s.id
{console}
}}

resource "terraform_data" "use" {{
  input = nova_server.s.id

  provisioner "local-exec" {{
    command = "printf '%s\\n%s\\n%s\\n%s\\n' \\"$URL\\" \\"$TOKEN\\" \\"$PROTOCOL\\" \\"$TYPE\\" > console.txt"
    environment = {{
      URL      = ephemeral.nova_server_console.c.url
      TOKEN    = ephemeral.nova_server_console.c.token
      PROTOCOL = ephemeral.nova_server_console.c.protocol
      TYPE     = ephemeral.nova_server_console.c.type
    }}
  }}
}}
"""


def test_console_url_reaches_a_provisioner_and_never_the_state(tf_cloud, cloud):
    tf = tf_cloud
    tf.write(config(""))
    tf.init()
    tf.apply()
    with open(os.path.join(tf.dir, "console.txt")) as f:
        url, token, protocol, kind = f.read().splitlines()
    # the defaults: a noVNC console, at the cloud's console proxy, whose
    # token is the one in the URL's path parameter
    assert (protocol, kind) == ("vnc", "novnc")
    proxy = urlparse(cloud["console_proxy_url"])
    u = urlparse(url)
    assert (u.scheme, u.netloc, u.path) == (proxy.scheme, proxy.netloc, proxy.path), url
    path = parse_qs(u.query)["path"][0]
    assert path == f"?token={token}", url
    assert len(token) >= 16, token

    # neither the state file nor the plan's JSON holds a console URL or token
    with open(os.path.join(tf.dir, "terraform.tfstate")) as f:
        state = f.read()
    assert token not in state and "vnc_auto" not in state and "novnc" not in state
    # (the data resource depends on it, by name only)
    assert '"ephemeral.nova_server_console.c"' in state

    # with the server known, planning opens the console again (a new token)
    r = tf.run("plan", "-input=false", "-no-color", "-out=tfplan")
    assert "ephemeral.nova_server_console.c: Opening..." in r.stdout, r.stdout
    assert "No changes." in r.stdout, r.stdout
    shown = tf.run("show", "-json", "tfplan").stdout
    plan = json.loads(shown)
    assert plan["resource_changes"]
    assert token not in shown and "vnc_auto" not in shown and "token=" not in shown
    # terraform show of the state holds none of it either
    assert "vnc_auto" not in tf.run("show", "-json").stdout
    tf.destroy()


def test_console_type_refused_at_plan_and_nova_errors_reported(tf_cloud):
    tf = tf_cloud
    # a type the protocol does not offer: refused at validation, before any request
    tf.write(config('  protocol = "spice"\n  type = "novnc"'))
    tf.init()
    r = tf.run("validate", "-no-color", check=False)
    assert r.returncode != 0
    assert "Invalid console type" in r.stderr, r.stderr
    assert 'type "novnc" is not a console type of protocol "spice"' in r.stderr, r.stderr

    # a valid pair the cloud has not enabled: Nova's own refusal is shown
    tf.write(config('  protocol = "spice"'))
    r = tf.apply(check=False)
    assert r.returncode != 0
    assert "Cannot open a console of server" in r.stderr, r.stderr
    assert "spice-html5" in r.stderr and "Unavailable" in r.stderr, r.stderr
    # destroy opens the console too: with one the cloud offers
    tf.write(config(""))
    tf.destroy()


KEY_CHECK = """
import os, sys, openstack
c = openstack.connect()
kp = c.compute.get_keypair(os.environ["NAME"])
# what Nova holds while the key pair is open, and what the run was handed
with open("keypair.txt", "w") as f:
    f.write("\\n".join([kp.public_key.strip(), kp.fingerprint, os.environ["PUBLIC"].strip(),
                        os.environ["FINGERPRINT"]]) + "\\n")
with open("id_ephemeral", "w") as f:
    f.write(os.environ["PRIVATE"])
os.chmod("id_ephemeral", 0o600)
"""


def test_ephemeral_keypair_registered_while_open_and_deleted_at_close(tf_cloud, sdk):
    import subprocess
    import sys

    tf = tf_cloud
    name = "tf-acc-ephemeral-key"
    with open(os.path.join(tf.dir, "check_key.py"), "w") as f:
        f.write(KEY_CHECK)
    tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

ephemeral "nova_keypair" "k" {{
  name = "{name}"
}}

resource "terraform_data" "use" {{
  input = "once"

  provisioner "local-exec" {{
    command = "{sys.executable} check_key.py"
    environment = {{
      NAME        = ephemeral.nova_keypair.k.name
      PUBLIC      = ephemeral.nova_keypair.k.public_key
      PRIVATE     = ephemeral.nova_keypair.k.private_key
      FINGERPRINT = ephemeral.nova_keypair.k.fingerprint
    }}
  }}
}}
""")
    tf.init()
    r = tf.apply()
    assert "ephemeral.nova_keypair.k: Closing..." in r.stdout, r.stdout
    with open(os.path.join(tf.dir, "keypair.txt")) as f:
        nova_public, nova_fp, public, fp = f.read().splitlines()
    # registered with Nova while open: the key Terraform was handed
    assert public.startswith("ssh-ed25519 ")
    assert (nova_public, nova_fp) == (public, fp)
    # the private key belongs to that public key
    derived = subprocess.run(["ssh-keygen", "-y", "-f", os.path.join(tf.dir, "id_ephemeral")],
                             capture_output=True, text=True, check=True).stdout
    assert derived.split()[:2] == public.split()[:2]
    # closed: gone from Nova
    assert name not in [k.name for k in sdk.compute.keypairs()]
    private = open(os.path.join(tf.dir, "id_ephemeral")).read()
    body = private.strip().splitlines()[1]
    with open(os.path.join(tf.dir, "terraform.tfstate")) as f:
        state = f.read()
    assert body not in state and public.split()[1] not in state
    # a plan opens (a new key) and closes it again, and stores neither
    r = tf.run("plan", "-input=false", "-no-color", "-out=tfplan")
    assert "ephemeral.nova_keypair.k: Opening..." in r.stdout
    shown = tf.run("show", "-json", "tfplan").stdout
    assert "PRIVATE KEY" not in shown and "ssh-ed25519" not in shown
    assert name not in [k.name for k in sdk.compute.keypairs()]
    tf.destroy()


def test_ephemeral_rsa_keypair_is_pem_and_matches_what_nova_holds(tf_cloud, sdk):
    import subprocess
    import sys

    tf = tf_cloud
    name = "tf-acc-ephemeral-rsa"
    with open(os.path.join(tf.dir, "check_key.py"), "w") as f:
        f.write(KEY_CHECK)
    tf.write(PROVIDER_BLOCK + f"""
provider "nova" {{}}

ephemeral "nova_keypair" "k" {{
  name      = "{name}"
  algorithm = "rsa"
  rsa_bits  = 2048
}}

resource "terraform_data" "use" {{
  input = "once"

  provisioner "local-exec" {{
    command = "{sys.executable} check_key.py"
    environment = {{
      NAME        = ephemeral.nova_keypair.k.name
      PUBLIC      = ephemeral.nova_keypair.k.public_key
      PRIVATE     = ephemeral.nova_keypair.k.private_key
      FINGERPRINT = ephemeral.nova_keypair.k.fingerprint
    }}
  }}
}}
""")
    tf.init()
    tf.apply()
    with open(os.path.join(tf.dir, "keypair.txt")) as f:
        nova_public, nova_fp, public, fp = f.read().splitlines()
    assert public.startswith("ssh-rsa ")
    assert (nova_public, nova_fp) == (public, fp)
    key_file = os.path.join(tf.dir, "id_ephemeral")
    assert open(key_file).read().startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    # a 2048-bit key that belongs to the public key Nova held
    derived = subprocess.run(["ssh-keygen", "-y", "-f", key_file], capture_output=True, text=True,
                             check=True).stdout
    assert derived.split()[:2] == public.split()[:2]
    bits = subprocess.run(["ssh-keygen", "-l", "-f", key_file], capture_output=True, text=True,
                          check=True).stdout
    assert bits.startswith("2048 "), bits
    assert name not in [k.name for k in sdk.compute.keypairs()]
    with open(os.path.join(tf.dir, "terraform.tfstate")) as f:
        state = f.read()
    assert public.split()[1] not in state and "RSA PRIVATE KEY" not in state
    tf.destroy()
