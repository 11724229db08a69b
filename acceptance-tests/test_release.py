"""Release packaging: the artefacts are complete and `terraform init` works
offline from the packed mirror they include."""
import hashlib
import os
import subprocess
import textwrap
import zipfile

from conftest import PROVIDER_BLOCK, ROOT, Terraform, base_env


def test_release_artifacts_install_offline(tmp_path):
    out = tmp_path / "dist"
    subprocess.run([os.path.join(ROOT, "scripts", "release"), str(out)], check=True, capture_output=True)
    zname = "terraform-provider-nova_0.1.0_linux_amd64.zip"
    with zipfile.ZipFile(out / zname) as z:
        assert z.namelist() == ["terraform-provider-nova_v0.1.0"]
        assert (z.getinfo("terraform-provider-nova_v0.1.0").external_attr >> 16) & 0o111
    sums = (out / "terraform-provider-nova_0.1.0_SHA256SUMS").read_text().splitlines()
    assert f"{hashlib.sha256((out / zname).read_bytes()).hexdigest()}  {zname}" in sums
    assert '"protocol_versions"' in (out / "terraform-provider-nova_0.1.0_manifest.json").read_text()

    work = tmp_path / "work"
    work.mkdir()
    rc = tmp_path / "terraform.rc"
    rc.write_text(textwrap.dedent(f"""
        provider_installation {{
          filesystem_mirror {{
            path = "{out / 'mirror'}"
          }}
        }}
    """))
    env = base_env({"cli_config": str(rc)})
    tf = Terraform(str(work), env)
    tf.write(PROVIDER_BLOCK + 'provider "nova" {\n  auth_url = "http://127.0.0.1:1/v3"\n}\n')
    r = tf.init()
    assert "Installed nova-project/nova v0.1.0" in r.stdout, r.stdout
    lock = (work / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/nova-project/nova"' in lock and '"h1:' in lock
    # the network-mirror index names the archive with its zip hash
    index = (out / "mirror" / "registry.terraform.io" / "nova-project" / "nova" / "0.1.0.json").read_text()
    assert f"zh:{hashlib.sha256((out / zname).read_bytes()).hexdigest()}" in index
