"""The benchmark behind acceptance-tests/bench-scale: big estates.

Reads, for each N of --reads (default 1000 and 10000), on a fresh local
cloud given N ACTIVE servers by the benchmark fixture
(cloud/novacloud/bench_fixture.py: records made through Nova's objects
layer, not built):

1. `terraform query -generate-config-out` over the N servers (a `list`
   block with `limit = N`): the import blocks and configuration a user
   would get;
2. `terraform apply` of that configuration: N imports, the state of N
   servers produced as a user would produce it;
3. a no-change `terraform plan`, and 4. `terraform plan -refresh-only`.

Each step: wall time, compute / image / network calls (the cloud's request
log), the provider's peak RSS and CPU time, and Terraform's own CPU time.

Apply, for --apply N (default 200), on a fresh cloud: the floor first, a
script that sends all N `POST /servers` at once and then watches them with
one listing per tick until all are ACTIVE (the fastest any client could
get this cloud to build N servers); then `terraform apply -parallelism=N`
of N servers. Prints apply time / floor.

Results are printed and written to BENCHMARKS.md between the
`bench-scale` markers (the rest of the file is acceptance-tests/bench's).
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

START = "<!-- bench-scale:start -->"
END = "<!-- bench-scale:end -->"
TICK = 0.5


def log(msg):
    print(f"[bench-scale] {msg}", file=sys.stderr, flush=True)


class Workdir:
    """A Terraform working directory on the provider's release build, with
    every command timed and measured."""

    def __init__(self, cloud, files):
        self.cloud = cloud
        self.dir = tempfile.mkdtemp(prefix="bench-scale-tf-")
        self.env = bench.terraform_env(cloud, self.dir)
        for name, text in files.items():
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)
        self.run("init", ok=(0,))

    def run(self, *args, ok=(0, 2)):
        """Runs `terraform args`; returns the measures of the run."""
        off = self.cloud.offset()
        t0 = time.perf_counter()
        with bench.ProviderWatch() as watch:
            p = subprocess.Popen([bench.TERRAFORM, *args, "-no-color"], cwd=self.dir, env=self.env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            watch.watch_pid = p.pid
            out, err = p.communicate()
        secs = time.perf_counter() - t0
        if p.returncode not in ok:
            raise SystemExit(f"terraform {' '.join(args)} exited {p.returncode}:\n{out[-3000:]}\n{err[-3000:]}")
        return {"seconds": secs, "calls": self.cloud.calls_since(off), "rss_mib": watch.peak_mib,
                "provider_cpu": watch.cpu_seconds, "terraform_cpu": watch.watched_cpu_seconds,
                "exit": p.returncode, "stdout": out}


def measured(wd, *args, ok=(0, 2)):
    """`wd.run`: Terraform's own CPU time is that of its process as last
    sampled (every 50 ms), its plugins' excluded."""
    return wd.run(*args, ok=ok)


def seed(cloud, n):
    """N ACTIVE servers `bench-00000`... of the admin project, by the fixture."""
    import openstack

    info = cloud.info
    c = openstack.connect(auth_url=info["auth_url"], username="admin", password=info["admin"]["password"],
                          project_name="admin", user_domain_name="Default", project_domain_name="Default")
    url = f"http://127.0.0.1:{info['ports']['compute']}/_bench/servers"
    made = 0
    while made < n:
        batch = min(1000, n - made)
        r = c.session.post(url, json={
            "count": batch, "name_prefix": f"bench-{made // 1000:02d}", "flavor_id": "42",
            "image_id": bench.IMAGE, "project_id": info["projects"]["admin_project_id"],
            "user_id": info["users"]["admin_user_id"]}, raise_exc=False)
        if r.status_code != 201:
            raise SystemExit(f"the benchmark fixture answered {r.status_code}: {r.text[:500]}")
        made += batch
    return made


PROVIDER = textwrap.dedent("""
    terraform {
      required_providers {
        nova = { source = "nova-project/nova" }
      }
    }
    provider "nova" {}
""")


def reads(n):
    log(f"reads N={n}: fresh cloud with the benchmark fixture")
    cloud = bench.Cloud("--bench-fixture")
    try:
        t0 = time.perf_counter()
        seed(cloud, n)
        log(f"reads N={n}: {n} servers made by the fixture in {time.perf_counter() - t0:.0f} s")
        query = textwrap.dedent(f"""
            list "nova_server" "all" {{
              provider = nova
              limit    = {n}
              config {{
                name_regex = "^bench-"
              }}
            }}
        """)
        wd = Workdir(cloud, {"main.tf": PROVIDER, "servers.tfquery.hcl": query})
        out = {}
        log(f"reads N={n}: terraform query -generate-config-out")
        out["query"] = measured(wd, "query", "-generate-config-out=generated.tf", ok=(0,))
        generated = open(os.path.join(wd.dir, "generated.tf")).read()
        found = generated.count('resource "nova_server"')
        if found != n:
            raise SystemExit(f"query generated {found} servers of {n}")
        log(f"reads N={n}: terraform apply (imports)")
        out["import"] = measured(wd, "apply", "-auto-approve", "-input=false", ok=(0,))
        log(f"reads N={n}: terraform plan (no changes)")
        out["plan"] = measured(wd, "plan", "-detailed-exitcode", "-input=false", ok=(0,))
        log(f"reads N={n}: terraform plan -refresh-only")
        # Nova touches instance records by itself now and then (their
        # `updated` moves): a refresh-only plan shows that as drift
        out["refresh"] = measured(wd, "plan", "-refresh-only", "-detailed-exitcode", "-input=false")
        out["refresh"]["drifted"] = out["refresh"]["stdout"].count(" has changed")
    except BaseException:
        cloud.stop(keep=True)
        raise
    cloud.stop()
    return out


def floor(cloud, n):
    """All N creates at once, then one listing per tick until all are
    ACTIVE; returns (seconds, calls). The servers are deleted after."""
    import openstack

    info = cloud.info
    c = openstack.connect(auth_url=info["auth_url"], username="admin", password=info["admin"]["password"],
                          project_name="admin", user_domain_name="Default", project_domain_name="Default")
    token = c.session.get_token()
    base = info["compute_url"].rstrip("/")
    headers = {"X-Auth-Token": token}
    http = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=n)
    http.mount("http://", adapter)

    def create(i):
        body = {"server": {"name": f"floor-{i}", "imageRef": bench.IMAGE, "flavorRef": "42",
                           "networks": [{"uuid": bench.NETWORK}]}}
        r = http.post(f"{base}/servers", json=body, headers=headers)
        r.raise_for_status()
        return r.json()["server"]["id"]

    off = cloud.offset()
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(n) as ex:
        ids = set(ex.map(create, range(n)))
    while True:
        r = http.get(f"{base}/servers/detail", params={"name": "^floor-"}, headers=headers)
        r.raise_for_status()
        servers = [s for s in r.json()["servers"] if s["id"] in ids]
        failed = [s for s in servers if s["status"] == "ERROR"]
        if failed:
            raise SystemExit(f"floor: {len(failed)} servers went to ERROR: {failed[0].get('fault')}")
        if len(servers) == n and all(s["status"] == "ACTIVE" for s in servers):
            break
        time.sleep(TICK)
    secs = time.perf_counter() - t0
    calls = cloud.calls_since(off)
    for sid in ids:
        http.delete(f"{base}/servers/{sid}", headers=headers)
    deadline = time.time() + 600
    while time.time() < deadline:
        r = http.get(f"{base}/servers", params={"name": "^floor-"}, headers=headers)
        if not r.json()["servers"]:
            break
        time.sleep(1)
    return secs, calls


def apply(n):
    log(f"apply N={n}: fresh cloud")
    cloud = bench.Cloud()
    try:
        log(f"apply N={n}: floor script")
        floor_secs, floor_calls = floor(cloud, n)
        log(f"apply N={n}: floor {floor_secs:.1f} s; terraform apply -parallelism={n}")
        wd = Workdir(cloud, {"main.tf": bench.config(n)})
        r = measured(wd, "apply", "-auto-approve", "-input=false", f"-parallelism={n}", ok=(0,))
        wd.run("destroy", "-auto-approve", "-input=false", f"-parallelism={n}", ok=(0,))
    except BaseException:
        cloud.stop(keep=True)
        raise
    cloud.stop()
    return {"floor": {"seconds": floor_secs, "calls": floor_calls}, "apply": r}


def table(read_rows, apply_rows):
    lines = [
        START,
        "## Big estates (acceptance-tests/bench-scale)\n",
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()}: "
        f"{os.cpu_count()} cores, {platform.machine()}; local real cloud (Nova, fake driver, Nova's default page "
        f"size of 1000), release build. Servers for the reads are made by the benchmark fixture "
        f"(`cloud/start --bench-fixture`); the apply's are built through the API.\n",
        "| N | step | wall time (s) | compute / image / network calls | provider peak RSS (MiB) "
        "| provider CPU (s) | Terraform CPU (s) | provider / Terraform CPU |",
        "|---|---|---|---|---|---|---|---|",
    ]
    names = {"query": "terraform query -generate-config-out", "import": "terraform apply (N imports)",
             "plan": "terraform plan (no changes)", "refresh": "terraform plan -refresh-only"}
    for n, out in read_rows:
        drifted = out["refresh"]["drifted"]
        steps = dict(names, refresh=f"{names['refresh']} ({drifted} servers' `updated` moved)") if drifted else names
        for key, name in steps.items():
            r = out[key]
            ratio = r["provider_cpu"] / r["terraform_cpu"] if r["terraform_cpu"] else float("nan")
            lines.append(f"| {n} | {name} | {r['seconds']:.1f} | {bench.fmt_calls(r['calls'])} | "
                         f"{r['rss_mib']:.1f} | {r['provider_cpu']:.2f} | {r['terraform_cpu']:.2f} | {ratio:.1%} |")
    for n, out in apply_rows:
        f, a = out["floor"], out["apply"]
        lines.append(f"| {n} | floor: all creates at once, one listing per {TICK} s | {f['seconds']:.1f} | "
                     f"{bench.fmt_calls(f['calls'])} | | | | |")
        lines.append(f"| {n} | terraform apply -parallelism={n} | {a['seconds']:.1f} | {bench.fmt_calls(a['calls'])} "
                     f"| {a['rss_mib']:.1f} | {a['provider_cpu']:.2f} | {a['terraform_cpu']:.2f} | |")
        lines.append(f"| {n} | apply time / floor | {a['seconds'] / f['seconds']:.2f} x | | | | | |")
    lines += [
        "",
        "Goals: no-change plan at N = 10,000 with at most 20 compute calls, provider peak RSS under 150 MB and "
        "provider CPU under 10% of Terraform's; query of 1,000 with at most 20 compute calls plus what the "
        "imports read; apply of 200 at most 1.15 x the floor.",
        END,
    ]
    return "\n".join(lines) + "\n"


def write(section):
    path = os.path.join(bench.ROOT, "BENCHMARKS.md")
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    if START in text and END in text:
        text = text[:text.index(START)] + section + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(prog="bench-scale")
    ap.add_argument("--reads", type=int, nargs="*", default=[1000, 10000])
    ap.add_argument("--apply", type=int, nargs="*", default=[200])
    a = ap.parse_args()
    read_rows = [(n, reads(n)) for n in a.reads]
    apply_rows = [(n, apply(n)) for n in a.apply]
    section = table(read_rows, apply_rows)
    print(section)
    write(section)


if __name__ == "__main__":
    main()
