"""Provider-defined functions with real Terraform 1.15 on the local cloud:
`provider::nova::keypair_fingerprint` in `check` blocks against the
fingerprint the real Nova reports, `provider::nova::user_data_hash` in an
output against a server's `user_data_hash`, the schema listing both, and
bad input refused naming the parameter."""
import hashlib
import json

import pytest

from conftest import PROVIDER_BLOCK

pytestmark = pytest.mark.cloud

CIRROS = "155d900f-4e14-4e4c-a73d-069cbf4541e6"

# the fingerprint nova.crypto.generate_fingerprint gave for this key (also in
# the unit tests' table)
RSA_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDLVu4lTi6P5YzpvQ7K8IJzmdtsHm7+F2bnPO9jCXO5DYTTv9be/daLy+guyFv8V9VsUNQ"
    "Pxvdg2K5Won8fbMD2Av4Xywo31bVSpAmHU4C8D9wx6ZJ3AN2Pm0wehofk3ftkdefjpA21ytLITBFtb2udYDqL1qxZFop00Vo00w32JTG9s"
    "mBs50S7GmeBnBbg74pFXc+4TlH2FBVBh5cWR4DAkA0tB7am3o/jvDgq6BuNa9h6/Iyjk63JfVCQRunZUV/iW5VNWJJqis6bQ36zN7LhUTmZ"
    "E9GKilCfrFyYTwFAz4yODuAE1HZeFtiqHtbeKcfNmwut0Ri4yFqAgfgi2VJ9 alice@example"
)
RSA_FINGERPRINT = "59:db:20:94:be:b3:f3:92:69:04:69:85:88:fa:52:02"
OTHER_KEY = (
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBAByUSmCMNp5m1o+iWNL/m7sj0hHri7v"
    "dazAXQdr8BHn1YOJbffNv8noi/nGUgR5zLEXeB3FEcSQWykPLedsaro="
)
USER_DATA = "#cloud-config\nruncmd: [echo functions]\n"


def config(check_key):
    """Key pairs (one imported, one generated), a server with user data,
    checks comparing the function with the fingerprints Nova reports, and
    outputs of both functions."""
    return PROVIDER_BLOCK + f"""
provider "nova" {{}}

locals {{
  user_data = {json.dumps(USER_DATA)}
}}

resource "nova_keypair" "given" {{
  name       = "tf-acc-fn-given"
  public_key = "{RSA_KEY}"
}}

resource "nova_keypair" "gen" {{
  name = "tf-acc-fn-generated"
}}

resource "nova_server" "s" {{
  name         = "tf-acc-fn-server"
  image_id     = "{CIRROS}"
  flavor_id    = "42"
  network_mode = "none"
  force_delete = true
  user_data    = local.user_data
}}

check "given_fingerprint" {{
  assert {{
    condition     = provider::nova::keypair_fingerprint("{check_key}") == nova_keypair.given.fingerprint
    error_message = "the fingerprint Nova reports differs from keypair_fingerprint()"
  }}
}}

check "generated_fingerprint" {{
  assert {{
    condition     = provider::nova::keypair_fingerprint(nova_keypair.gen.public_key) == nova_keypair.gen.fingerprint
    error_message = "generated key: fingerprints differ"
  }}
}}

output "planned_fingerprint" {{
  value = provider::nova::keypair_fingerprint("{RSA_KEY}")
}}

output "user_data_hash" {{
  value = provider::nova::user_data_hash(local.user_data)
}}

output "server_user_data_hash" {{
  value = nova_server.s.user_data_hash
}}

output "null_user_data_hash_is_null" {{
  value = provider::nova::user_data_hash(null) == null
}}
"""


def test_functions_in_checks_and_outputs(tf_cloud, sdk):
    tf = tf_cloud
    tf.write(config(RSA_KEY))
    tf.init()

    # the schema lists both functions, with their parameters
    schema = json.loads(tf.run("providers", "schema", "-json").stdout)
    (provider,) = schema["provider_schemas"].values()
    fns = provider["functions"]
    assert set(fns) == {"keypair_fingerprint", "user_data_hash"}, fns
    assert fns["keypair_fingerprint"]["parameters"][0]["name"] == "public_key"
    assert fns["keypair_fingerprint"]["return_type"] == "string"
    assert fns["user_data_hash"]["parameters"][0].get("is_nullable") is True

    # before apply, the plan already knows the fingerprint Nova will report
    r = tf.run("plan", "-input=false", "-no-color")
    assert RSA_FINGERPRINT in r.stdout, r.stdout

    r = tf.apply()
    assert "Check block assertion failed" not in r.stdout + r.stderr, r.stdout + r.stderr
    try:
        # the real Nova's fingerprint, as the resource and the cloud report it
        res = tf.resources()
        assert res["nova_keypair.given"]["values"]["fingerprint"] == RSA_FINGERPRINT
        assert sdk.compute.get_keypair("tf-acc-fn-given").fingerprint == RSA_FINGERPRINT
        assert tf.output("planned_fingerprint") == RSA_FINGERPRINT
        # user_data_hash: what the server keeps, a SHA-256 of the text as written
        assert tf.output("user_data_hash") == tf.output("server_user_data_hash")
        assert tf.output("user_data_hash") == hashlib.sha256(USER_DATA.encode()).hexdigest()
        assert tf.output("null_user_data_hash_is_null") is True

        # a check comparing with another key's fingerprint fails: Terraform
        # warns, the apply goes on
        tf.write(config(OTHER_KEY))
        r = tf.apply()
        out = r.stdout + r.stderr
        assert "Warning: Check block assertion failed" in out, out
        assert "the fingerprint Nova reports differs from keypair_fingerprint()" in out, out
        assert "generated key: fingerprints differ" not in out, out
    finally:
        tf.destroy()


def test_bad_public_key_is_refused_naming_the_parameter(tf):
    tf.write(PROVIDER_BLOCK + """
output "fp" {
  value = provider::nova::keypair_fingerprint("ssh-ed25519 not-a-key")
}
""")
    tf.init()
    r = tf.plan_exit()
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert 'Invalid value for "public_key" parameter' in out, out
    assert "Nova would refuse this public key" in out, out

    # null is refused by Terraform itself (the parameter does not allow it)
    tf.write(PROVIDER_BLOCK + """
output "fp" {
  value = provider::nova::keypair_fingerprint(null)
}
""")
    r = tf.plan_exit()
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "public_key" in out and "null" in out, out
