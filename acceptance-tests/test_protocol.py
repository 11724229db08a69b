"""The plugin protocol with real Terraform 1.15.5: init from the mirror, validate,
schema, the handshake by hand, and debug (reattach) mode."""
import json
import os
import subprocess
import time

from conftest import ADDRESS, PROVIDER_BLOCK


def test_binary_run_by_hand_explains_and_exits_1(provider_binary):
    r = subprocess.run([provider_binary], capture_output=True, text=True, env={"PATH": os.environ["PATH"]})
    assert r.returncode == 1
    assert "not meant to be executed directly" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_init_validate_and_schema_over_mtls(tf):
    tf.write(PROVIDER_BLOCK + """
provider "nova" {
  auth_url = "http://127.0.0.1:1/v3"
}

resource "nova_keypair" "k" {
  name = "k1"
}
""")
    r = tf.init()
    assert "Installing nova-project/nova v0.1.0" in r.stdout, r.stdout
    lock = open(os.path.join(tf.dir, ".terraform.lock.hcl")).read()
    assert f'provider "{ADDRESS}"' in lock and "h1:" in lock
    r = tf.run("validate", "-no-color")
    assert "The configuration is valid" in r.stdout
    schema = json.loads(tf.run("providers", "schema", "-json").stdout)
    p = schema["provider_schemas"][ADDRESS]
    block = p["provider"]["block"]["attributes"]
    for attr in ("auth_url", "password", "application_credential_secret", "endpoint_overrides", "compute_microversion"):
        assert attr in block, attr
    assert block["password"]["sensitive"] is True
    assert "nova_keypair" in p["resource_schemas"]
    kp = p["resource_schemas"]["nova_keypair"]["block"]
    assert kp["attributes"]["private_key"]["sensitive"] is True
    assert kp["block_types"]["timeouts"]["nesting_mode"] == "single"
    # nested attributes reach Terraform as nested types
    flavor = p["resource_schemas"]["nova_server"]["block"]["attributes"]["flavor"]
    assert flavor["nested_type"]["nesting_mode"] == "single"
    assert set(flavor["nested_type"]["attributes"]) == {"name", "vcpus", "ram", "disk", "ephemeral", "swap"}


def test_validate_reports_attribute_errors(tf):
    tf.write(PROVIDER_BLOCK + """
resource "nova_keypair" "k" {
  name = ""
  type = "rsa"
}
""")
    tf.init()
    r = tf.run("validate", "-no-color", check=False)
    assert r.returncode == 1
    out = r.stdout + r.stderr
    assert "name must be 1 to 255 characters" in out, out
    assert 'type must be one of "ssh", "x509", not "rsa"' in out, out


def test_debug_mode_reattach(tf, provider_binary):
    p = subprocess.Popen([provider_binary, "-debug"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        reattach = None
        deadline = time.time() + 10
        while time.time() < deadline and reattach is None:
            line = p.stdout.readline()
            if "TF_REATTACH_PROVIDERS=" in line:
                reattach = line.split("TF_REATTACH_PROVIDERS=", 1)[1].strip().strip("'")
        assert reattach, "no reattach line printed"
        cfg = json.loads(reattach)
        assert cfg[ADDRESS]["Test"] is True
        tf.write(PROVIDER_BLOCK + """
provider "nova" {
  auth_url = "http://127.0.0.1:1/v3"
}
resource "nova_keypair" "k" {
  name = "debug"
}
""")
        tf.init()
        r = tf.run("validate", "-no-color", extra_env={"TF_REATTACH_PROVIDERS": reattach})
        assert "The configuration is valid" in r.stdout
        # the provider keeps running after Terraform is done with it
        assert p.poll() is None
    finally:
        p.terminate()
        p.wait(10)


def test_refined_unknown_values_are_accepted(tf):
    """During validation "k-${count.index}" is an unknown with a known
    prefix, which Terraform sends as a refined unknown (msgpack extension 12)."""
    tf.write(PROVIDER_BLOCK + """
provider "nova" {
  auth_url = "http://127.0.0.1:1/v3"
}
resource "nova_keypair" "k" {
  count = 2
  name  = "k-${count.index}"
}
""")
    tf.init()
    r = tf.run("validate", "-no-color")
    assert "The configuration is valid" in r.stdout
