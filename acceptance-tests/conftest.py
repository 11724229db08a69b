"""Acceptance-test fixtures: the local real cloud, the provider installed in a
filesystem mirror, and a `terraform` runner (real Terraform 1.15.5)."""
import json
import re
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
STATE = os.path.join(ROOT, ".state")
ADDRESS = "registry.terraform.io/nova-project/nova"
VERSION = "0.1.0"
TERRAFORM = os.path.join(HERE, "tools", "terraform")


def pytest_configure(config):
    config.addinivalue_line("markers", "cloud: needs the local cloud")


def free_port_base(first, span=6):
    """The first base port, from `first` up in steps of 10, with `span` free
    ports (another test run or a quickstart cloud may hold the default)."""
    import socket

    for base in range(first, first + 1000, 10):
        def free(port):
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) != 0
        if all(free(p) for p in range(base, base + span)):
            return base
    raise RuntimeError("no free ports for a test cloud")


@pytest.fixture(scope="session")
def cloud():
    """The local cloud: started once per test run, stopped at the end.
    NOVA_TEST_CLOUD_STATE points at a cloud that is already running.
    Every listing of the test cloud comes in pages of NOVA_TEST_PAGE_SIZE
    items (default 2, Nova's [api] max_limit and the image and network
    APIs' limits), so every collection the provider reads is paged."""
    given = os.environ.get("NOVA_TEST_CLOUD_STATE")
    if given:
        with open(os.path.join(given, "cloud.json")) as f:
            yield json.load(f)
        return
    start = os.path.join(HERE, "cloud", "start")
    stop = os.path.join(HERE, "cloud", "stop")
    # NOVA_TEST_CLOUD_PROFILE: the cloud's vendor profile(s) (cloud/PROFILES.md); upstream when unset
    profile = os.environ.get("NOVA_TEST_CLOUD_PROFILE")
    # a profile's proxy listens on port base + 6..9
    base = free_port_base(int(os.environ.get("NOVA_TEST_PORT_BASE", "18800")), span=10 if profile else 6)
    # one state directory per cloud, so concurrent runs never share one
    state = os.path.join(STATE, f"test-cloud-{base}")
    page = os.environ.get("NOVA_TEST_PAGE_SIZE", "2")
    subprocess.run([start, "--state-dir", state, "--port-base", str(base), "--soft-delete",
                    "--page-size", page] + (["--profile", profile] if profile else []), check=True)
    try:
        with open(os.path.join(state, "cloud.json")) as f:
            yield json.load(f)
    finally:
        subprocess.run([stop, "--state-dir", state], check=False)


@pytest.fixture(scope="session")
def provider_binary():
    profile = os.environ.get("NOVA_TEST_PROFILE", "debug")
    # `cargo test --no-run` builds the binary with the same features as the
    # unit tests, so after `cargo test` nothing is compiled again.
    args = ["cargo", "test", "--no-run", "--quiet"] + (["--release"] if profile == "release" else [])
    subprocess.run(args, cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", profile, "terraform-provider-nova")


@pytest.fixture(scope="session")
def mirror(provider_binary, tmp_path_factory):
    """A filesystem mirror holding the provider, and a CLI config using it."""
    base = tmp_path_factory.mktemp("mirror")
    host, ns, name = ADDRESS.split("/")
    d = base / "mirror" / host / ns / name / VERSION / "linux_amd64"
    d.mkdir(parents=True)
    shutil.copy(provider_binary, d / f"terraform-provider-nova_v{VERSION}")
    cli = base / "terraform.rc"
    cli.write_text(textwrap.dedent(f"""
        provider_installation {{
          filesystem_mirror {{
            path    = "{base / 'mirror'}"
            include = ["{ADDRESS}"]
          }}
          direct {{
            exclude = ["{ADDRESS}"]
          }}
        }}
        plugin_cache_dir = ""
    """))
    return {"cli_config": str(cli), "path": str(base / "mirror")}


class Terraform:
    """Runs terraform in one working directory."""

    def __init__(self, workdir, env):
        self.dir = workdir
        self.env = env

    def write(self, main_tf, name="main.tf"):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(textwrap.dedent(main_tf))

    def run(self, *args, check=True, extra_env=None):
        env = dict(self.env)
        env.update(extra_env or {})
        r = subprocess.run([TERRAFORM] + list(args), cwd=self.dir, env=env, capture_output=True, text=True)
        if check and r.returncode != 0:
            raise AssertionError(f"terraform {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        return r

    def init(self):
        return self.run("init", "-input=false", "-no-color")

    def apply(self, *extra, check=True):
        return self.run("apply", "-auto-approve", "-input=false", "-no-color", *extra, check=check)

    def destroy(self, check=True):
        return self.run("destroy", "-auto-approve", "-input=false", "-no-color", check=check)

    def plan_exit(self, *extra):
        """terraform plan -detailed-exitcode: 0 no changes, 2 changes, 1 error."""
        return self.run("plan", "-input=false", "-no-color", "-detailed-exitcode", *extra, check=False)

    def import_by_identity(self, address, **identity):
        """Forgets `address`, then brings it back with an `import` block that
        gives its identity, as a user does; the plan must import it and change
        nothing. The import block is removed afterwards."""
        self.run("state", "rm", address)
        fields = "\n".join(f'    {k} = "{v}"' for k, v in identity.items())
        self.write(f"import {{\n  to = {address}\n  identity = {{\n{fields}\n  }}\n}}\n", name="imports.tf")
        r = self.plan_exit()
        assert "1 to import, 0 to add, 0 to change, 0 to destroy" in r.stdout, r.stdout
        self.apply()
        os.remove(os.path.join(self.dir, "imports.tf"))

    def state(self):
        r = self.run("show", "-json", "-no-color")
        return json.loads(r.stdout)

    def resources(self):
        vals = self.state().get("values") or {}
        return {r["address"]: r for r in (vals.get("root_module") or {}).get("resources", [])}

    def output(self, name):
        return json.loads(self.run("output", "-json", name).stdout)


class RequestLog:
    """The cloud's request log from now on: which API requests were made."""

    def __init__(self, cloud):
        self.path = os.path.join(cloud["state_dir"], "logs", "nova.log")
        self.offset = os.path.getsize(self.path)

    def lines(self):
        with open(self.path, errors="replace") as f:
            f.seek(self.offset)
            return f.read().splitlines()

    def compute(self):
        """Compute API requests as "METHOD /path?query" (without /v2.1)."""
        out = []
        for line in self.lines():
            m = re.search(r'nova\.api\.openstack\.requestlog .*"(GET|POST|PUT|DELETE) /v2\.1(/[^ "]*)', line)
            if m:
                out.append(f"{m.group(1)} {m.group(2)}")
        return out

    def other(self, api):
        """Requests to the image, network or volume API, as logged."""
        return [l for l in self.lines() if l.startswith(f'{api}-api "')]


def purge_soft_deleted(sdk, ids):
    """Force-deletes those of the given servers that are soft-deleted: on the
    soft-delete test cloud they would otherwise stay on their hosts (and keep
    those hosts from joining an availability zone in later tests). Listings
    leave soft-deleted servers out, so they are named by ID."""
    import time

    def status(sid):
        s = sdk.compute.find_server(sid, ignore_missing=True)
        return None if s is None else s.status

    left = [sid for sid in ids if status(sid) == "SOFT_DELETED"]
    for sid in left:
        r = sdk.compute.post(f"/servers/{sid}/action", json={"forceDelete": None})
        assert r.status_code in (202, 204), r.text
    deadline = time.time() + 60
    while left and time.time() < deadline:
        left = [sid for sid in left if status(sid) not in (None, "DELETED")]
        time.sleep(0.5)
    assert not left, left


def base_env(mirror):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "TF_"))}
    env.update({
        "TF_CLI_CONFIG_FILE": mirror["cli_config"],
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
    })
    return env


def cloud_env(cloud, who="admin"):
    creds = cloud[who]
    return {
        "OS_AUTH_URL": cloud["auth_url"],
        "OS_USERNAME": creds["user"],
        "OS_PASSWORD": creds["password"],
        "OS_PROJECT_NAME": creds["project"],
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_REGION_NAME": cloud["region"],
    }


PROVIDER_BLOCK = f"""
terraform {{
  required_providers {{
    nova = {{
      source  = "{ADDRESS.split('/', 1)[1]}"
      version = "{VERSION}"
    }}
  }}
}}
"""


@pytest.fixture
def tf(mirror, tmp_path):
    """A Terraform working directory with no cloud credentials."""
    return Terraform(str(tmp_path), base_env(mirror))


@pytest.fixture
def tf_cloud(mirror, cloud, tmp_path):
    """A Terraform working directory pointed at the local cloud (admin)."""
    env = base_env(mirror)
    env.update(cloud_env(cloud))
    return Terraform(str(tmp_path), env)


@pytest.fixture(scope="session")
def sdk(cloud):
    """openstacksdk connected to the local cloud as admin, to check the cloud
    independently of the provider."""
    import openstack

    return openstack.connect(
        auth_url=cloud["auth_url"], username="admin", password=cloud["admin"]["password"],
        project_name="admin", user_domain_name="Default", project_domain_name="Default",
        region_name=cloud["region"],
    )


sys.path.insert(0, HERE)


def list_servers(sdk, query="all_tenants=1"):
    """Every server of `GET /servers/detail?<query>`, as dicts, each once.

    The test cloud pages listings at a few items, and Nova lists servers
    being scheduled (build requests) before those of its cells: a server
    that moves between two page requests can make the next page lead back
    to one already read. The listing is then read again from the start
    (openstacksdk gives up with "Endless pagination loop")."""
    import time

    for _ in range(20):
        out, seen, marker, markers = [], set(), None, set()
        while True:
            r = sdk.compute.get(f"/servers/detail?{query}" + (f"&marker={marker}" if marker else ""))
            r.raise_for_status()
            page = r.json().get("servers", [])
            out += [s for s in page if s["id"] not in seen]
            seen |= {s["id"] for s in page}
            if not page or not r.json().get("servers_links"):
                return out
            marker = page[-1]["id"]
            if marker in markers:
                break
            markers.add(marker)
        time.sleep(0.2)
    raise AssertionError(f"listing servers ({query}) kept leading back to a page already read")


def cloud_inventory(sdk):
    """What the cloud holds that tests may leave behind, by kind: IDs (key
    pairs by name)."""
    every = lambda query: list_servers(sdk, query)  # noqa: E731

    servers = {s["id"] for s in every("all_tenants=1&deleted=True") if s.get("status") != "DELETED"}
    servers |= {s["id"] for s in every("all_tenants=1")}
    return {
        "servers": servers,
        "aggregates": {a.id for a in sdk.compute.aggregates()},
        "flavors": {f.id for f in sdk.compute.flavors(is_public=None)},
        "keypairs": {k.name for k in sdk.compute.keypairs()},
        "server_groups": {g.id for g in sdk.compute.server_groups(all_projects=True)},
        "volumes": {v.id for v in sdk.block_storage.volumes(all_projects=True)},
    }


def sweep_cloud(sdk, baseline):
    """Removes what is in the cloud and not in `baseline` (servers purged,
    aggregates emptied first, volumes last); returns what it removed."""
    import time

    now = cloud_inventory(sdk)
    left = {k: sorted(now[k] - baseline[k]) for k in now if now[k] - baseline[k]}
    for sid in left.get("servers", []):
        s = sdk.compute.find_server(sid, ignore_missing=True)
        if s is None:
            continue
        if s.status == "SOFT_DELETED":
            sdk.compute.post(f"/servers/{sid}/action", json={"forceDelete": None})
        else:
            sdk.compute.delete(f"/servers/{sid}")
    deadline = time.time() + 120
    pending = list(left.get("servers", []))
    while pending and time.time() < deadline:
        for sid in list(pending):
            s = sdk.compute.find_server(sid, ignore_missing=True)
            if s is None or s.status == "DELETED":
                pending.remove(sid)
            elif s.status == "SOFT_DELETED":
                sdk.compute.post(f"/servers/{sid}/action", json={"forceDelete": None})
        time.sleep(0.5)
    for aid in left.get("aggregates", []):
        a = sdk.compute.get_aggregate(aid)
        for h in a.hosts or []:
            sdk.compute.remove_host_from_aggregate(aid, h)
        sdk.compute.delete_aggregate(aid, ignore_missing=True)
    for fid in left.get("flavors", []):
        sdk.compute.delete_flavor(fid, ignore_missing=True)
    for name in left.get("keypairs", []):
        sdk.compute.delete_keypair(name, ignore_missing=True)
    for gid in left.get("server_groups", []):
        sdk.compute.delete_server_group(gid, ignore_missing=True)
    for vid in left.get("volumes", []):
        sdk.block_storage.delete_volume(vid, ignore_missing=True)
    return left


@pytest.fixture(scope="session")
def cloud_baseline(cloud, sdk):
    """The cloud as it was before any test ran."""
    return cloud_inventory(sdk)


@pytest.fixture(scope="module", autouse=True)
def sweep_after_module(request):
    """After each test file that uses the cloud, whatever its tests left
    (a failed test's servers, say) is removed, so the next file starts from
    the same cloud. Not done on a cloud this run did not start."""
    marks = getattr(request.module, "pytestmark", [])
    marks = marks if isinstance(marks, list) else [marks]
    if os.environ.get("NOVA_TEST_CLOUD_STATE") or not any(m.name == "cloud" for m in marks):
        yield
        return
    sdk = request.getfixturevalue("sdk")
    baseline = request.getfixturevalue("cloud_baseline")
    yield
    left = sweep_cloud(sdk, baseline)
    if left:
        print(f"\n[sweep] {request.module.__name__} left behind: {left}")
