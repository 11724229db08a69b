"""The benchmark behind acceptance-tests/bench.

For each N: start a fresh local cloud; `terraform apply` N servers, `terraform
plan` (no changes), `terraform destroy`, each timed, with the compute, image,
network and volume API calls counted from the cloud's request log; then the
same creates and deletes done directly with openstacksdk at Terraform's
concurrency (10). Also: time from process start to the handshake line
(median of 20 starts) and the provider's peak RSS during the plan.
"""
import concurrent.futures
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ACC = os.path.dirname(HERE)
ROOT = os.path.dirname(ACC)
BINARY = os.path.join(ROOT, "target", "release", "terraform-provider-nova")
TERRAFORM = os.path.join(HERE, "terraform")
ADDRESS = "registry.terraform.io/nova-project/nova"
COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
IMAGE = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
NETWORK = "3cb9bc59-5699-4588-a4b1-b87f96708bc6"
CONCURRENCY = 10
PORT_BASE = 18900


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def handshake_ms(runs=20):
    """Milliseconds from spawn to the handshake line, median of `runs`."""
    env = {"TF_PLUGIN_MAGIC_COOKIE": COOKIE, "PLUGIN_PROTOCOL_VERSIONS": "6", "PLUGIN_MIN_PORT": "26000",
           "PLUGIN_MAX_PORT": "27000", "PATH": os.environ["PATH"]}
    # a client certificate as Terraform passes one, so certificate work is included
    cert = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521",
                           "-nodes", "-keyout", "/dev/null", "-subj", "/CN=localhost", "-days", "1"],
                          capture_output=True, text=True)
    if cert.returncode == 0:
        env["PLUGIN_CLIENT_CERT"] = cert.stdout
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.Popen([BINARY], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        p.stdout.readline()
        times.append((time.perf_counter() - t0) * 1000)
        p.kill()
        p.wait()
    return statistics.median(times), "with client certificate" if cert.returncode == 0 else "plaintext"


class Cloud:
    def __init__(self, *extra):
        """A fresh local cloud; `extra`: further `cloud/start` arguments."""
        self.state = tempfile.mkdtemp(prefix="bench-cloud-")
        subprocess.run([os.path.join(ACC, "cloud", "start"), "--state-dir", self.state, "--port-base", str(PORT_BASE),
                        *extra], check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(self.state, "cloud.json")) as f:
            self.info = json.load(f)
        self.log = os.path.join(self.state, "logs", "nova.log")

    def offset(self):
        return os.path.getsize(self.log)

    def calls_since(self, offset):
        with open(self.log, errors="replace") as f:
            f.seek(offset)
            text = f.read()
        counts = {"compute": len(re.findall(r'nova\.api\.openstack\.requestlog .*"(GET|POST|PUT|DELETE) /v2\.1', text))}
        for api in ("image", "network", "volume"):
            counts[api] = len(re.findall(rf'^{api}-api "', text, re.M))
        return counts

    def stop(self, keep=False):
        subprocess.run([os.path.join(ACC, "cloud", "stop"), "--state-dir", self.state], check=False,
                       stderr=subprocess.DEVNULL)
        if keep:
            log(f"cloud logs kept in {self.state}/logs")
        else:
            shutil.rmtree(self.state, ignore_errors=True)


def terraform_env(cloud, work):
    mirror = os.path.join(work, "mirror", *ADDRESS.split("/"), "0.1.0", "linux_amd64")
    os.makedirs(mirror)
    shutil.copy(BINARY, os.path.join(mirror, "terraform-provider-nova_v0.1.0"))
    rc = os.path.join(work, "terraform.rc")
    with open(rc, "w") as f:
        f.write(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{work}/mirror"\n  }}\n}}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "TF_"))}
    env.update({"TF_CLI_CONFIG_FILE": rc, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1",
                "OS_AUTH_URL": cloud.info["auth_url"], "OS_USERNAME": "admin",
                "OS_PASSWORD": cloud.info["admin"]["password"], "OS_PROJECT_NAME": "admin",
                "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default"})
    return env


def config(n):
    return textwrap.dedent(f"""
        terraform {{
          required_providers {{
            nova = {{ source = "nova-project/nova" }}
          }}
        }}
        provider "nova" {{}}
        resource "nova_server" "s" {{
          count     = {n}
          name      = "bench-${{count.index}}"
          image_id  = "{IMAGE}"
          flavor_id = "42"
          network {{
            uuid = "{NETWORK}"
          }}
        }}
    """)


class ProviderWatch:
    """Samples the provider processes while a Terraform command runs: the
    peak RSS (MiB, largest VmHWM of any of them) and their CPU time (s,
    user + system, summed over processes as last seen). With `watch_pid`
    set (the Terraform process), its own CPU time as last seen too (its
    children's excluded: Terraform does not always reap its plugins, so
    rusage of children cannot tell the two apart)."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self):
        self.peak_kib = 0
        self.cpu_ticks = {}
        self.watch_pid = None
        self.watched_ticks = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self):
        while not self.done.is_set():
            if self.watch_pid:
                try:
                    with open(f"/proc/{self.watch_pid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    self.watched_ticks = int(fields[11]) + int(fields[12])
                except (OSError, IndexError, ValueError):
                    pass
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    # the provider's own executable (the cloud's Python processes
                    # run from a directory whose name also contains the word)
                    exe = os.path.basename(os.readlink(f"/proc/{pid}/exe"))
                    if not exe.startswith("terraform-provider-nova"):
                        continue
                    with open(f"/proc/{pid}/status") as f:
                        for line in f:
                            if line.startswith("VmHWM:"):
                                self.peak_kib = max(self.peak_kib, int(line.split()[1]))
                    with open(f"/proc/{pid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    self.cpu_ticks[pid] = int(fields[11]) + int(fields[12])
                except (OSError, IndexError, ValueError):
                    pass
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()

    @property
    def peak_mib(self):
        return self.peak_kib / 1024

    @property
    def cpu_seconds(self):
        return sum(self.cpu_ticks.values()) / self.TICK

    @property
    def watched_cpu_seconds(self):
        return self.watched_ticks / self.TICK


def peak_rss_during(fn):
    """Runs fn while sampling the provider processes' RSS; returns (result, peak MiB)."""
    with ProviderWatch() as w:
        result = fn()
    return result, w.peak_mib


def run_terraform(cloud, n):
    work = tempfile.mkdtemp(prefix="bench-tf-")
    env = terraform_env(cloud, work)
    with open(os.path.join(work, "main.tf"), "w") as f:
        f.write(config(n))

    def tf(*args):
        t0 = time.perf_counter()
        r = subprocess.run([TERRAFORM, *args, "-no-color", "-input=false"], cwd=work, env=env,
                           capture_output=True, text=True)
        if r.returncode not in (0, 2):
            raise SystemExit(f"terraform {args[0]} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
        return time.perf_counter() - t0, r.returncode

    tf("init")
    out = {}
    for phase, args in (("apply", ("apply", "-auto-approve")), ("plan", ("plan", "-detailed-exitcode")),
                        ("destroy", ("destroy", "-auto-approve"))):
        off = cloud.offset()
        if phase == "plan":
            (secs, code), rss = peak_rss_during(lambda: tf(*args))
            out["plan_rss_mib"] = rss
            out["plan_exit"] = code
        else:
            secs, _ = tf(*args)
        out[phase] = {"seconds": secs, "calls": cloud.calls_since(off)}
    shutil.rmtree(work, ignore_errors=True)
    return out


def run_sdk(cloud, n):
    import openstack

    conn_args = dict(auth_url=cloud.info["auth_url"], username="admin", password=cloud.info["admin"]["password"],
                     project_name="admin", user_domain_name="Default", project_domain_name="Default")
    local = threading.local()

    def conn():
        if not hasattr(local, "c"):
            local.c = openstack.connect(**conn_args)
        return local.c

    def create(i):
        c = conn()
        s = c.compute.create_server(name=f"sdk-{i}", image_id=IMAGE, flavor_id="42", networks=[{"uuid": NETWORK}])
        c.compute.wait_for_server(s, wait=600, interval=1)
        return s.id

    def delete(sid):
        c = conn()
        c.compute.delete_server(sid)
        c.compute.wait_for_delete(c.compute.get_server(sid), wait=600, interval=1)

    out = {}
    off = cloud.offset()
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as ex:
        ids = list(ex.map(create, range(n)))
    out["create"] = {"seconds": time.perf_counter() - t0, "calls": cloud.calls_since(off)}
    off = cloud.offset()
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as ex:
        list(ex.map(delete, ids))
    out["delete"] = {"seconds": time.perf_counter() - t0, "calls": cloud.calls_since(off)}
    return out


def fmt_calls(c):
    return f"{c['compute']} / {c['image']} / {c['network']}"


def main():
    ns = [int(a) for a in sys.argv[1:]] or [50]
    hs, hs_kind = handshake_ms()
    log(f"handshake median {hs:.1f} ms ({hs_kind})")
    rows = []
    for n in ns:
        log(f"N={n}: starting a fresh cloud")
        cloud = Cloud()
        try:
            log(f"N={n}: terraform apply / plan / destroy")
            tfr = run_terraform(cloud, n)
            log(f"N={n}: openstacksdk creates and deletes")
            sdk = run_sdk(cloud, n)
        except BaseException:
            cloud.stop(keep=True)
            raise
        cloud.stop()
        rows.append((n, tfr, sdk))
    lines = [
        f"# Benchmarks\n",
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()}: "
        f"{os.cpu_count()} cores, {platform.machine()}, {platform.platform()}; local real cloud (Nova 34, fake driver), "
        f"release build. Produced by `acceptance-tests/bench {' '.join(map(str, ns))}`.\n",
        f"Provider start-up: handshake line after **{hs:.1f} ms** (median of 20 starts, {hs_kind}).\n",
        "| N | step | wall time (s) | compute / image / network calls | compute calls per server |",
        "|---|---|---|---|---|",
    ]
    for n, tfr, sdk in rows:
        for step, r in (("terraform apply", tfr["apply"]), ("terraform plan (no changes)", tfr["plan"]),
                        ("terraform destroy", tfr["destroy"]), ("openstacksdk create + wait ACTIVE", sdk["create"]),
                        ("openstacksdk delete + wait 404", sdk["delete"])):
            lines.append(f"| {n} | {step} | {r['seconds']:.1f} | {fmt_calls(r['calls'])} | {r['calls']['compute'] / n:.2f} |")
        lines.append(f"| {n} | provider peak RSS during plan | {tfr['plan_rss_mib']:.1f} MiB | | |")
        c = tfr["apply"]["calls"]
        beyond = (sum(c.values()) - n) / n  # every call but the one create request per server
        lines.append(f"| {n} | apply: API calls per server beyond its create | {beyond:.2f} | | |")
        lines.append(f"| {n} | apply time / openstacksdk create time | {tfr['apply']['seconds'] / sdk['create']['seconds']:.2f} x | | |")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(os.path.join(ROOT, "BENCHMARKS.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
