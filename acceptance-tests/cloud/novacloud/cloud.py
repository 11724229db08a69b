"""Start and stop the local compute cloud: real Keystone, Placement and Nova.

Everything listens on 127.0.0.1. Keystone and Placement each run in their own
process under waitress; all Nova services (API, conductor, scheduler and K
nova-compute hosts with the fake virt driver) share one process, together
with small image, network and volume APIs served from Nova's test fixtures.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = sys.prefix

ADMIN_PASSWORD = "admin-secret"
DEMO_PASSWORD = "demo-secret"
SERVICE_PASSWORD = "service-secret"
REGION = "RegionOne"

# Stable, documented IDs of the fixture state (from Nova's own fixtures).
IMAGE_ID = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
NETWORK_ID = "3cb9bc59-5699-4588-a4b1-b87f96708bc6"
# the second network, "data" (made in nova_aio with this ID)
DATA_NETWORK_ID = "9a6a8bf0-6c1b-4c3b-a1d8-0e9b21d4f3a7"
SUBNET_ID = "f8a6e8f8-c2ec-497c-9f23-da9616de54ef"
SECURITY_GROUP_ID = "aec9df91-db1f-4e04-8ac6-e761d8461c53"
# the second group the local network API adds (novacloud.nova_aio)
WEB_SECURITY_GROUP_ID = "6f2b7e0a-3c1d-4f5e-9a8b-7c6d5e4f3a2b"

FLAVORS = [
    # id, name, vcpus, ram MiB, disk GiB
    ("1", "m1.tiny", 1, 512, 1),
    ("2", "m1.small", 1, 2048, 20),
    ("3", "m1.medium", 2, 4096, 40),
    ("42", "m1.nano", 1, 128, 1),
]


def log(msg):
    print(f"[cloud] {msg}", file=sys.stderr, flush=True)


def console_proxy_url(p):
    """The noVNC proxy base URL remote consoles carry (nothing listens there)."""
    return url(p["compute"], "/novnc/vnc_auto.html")


def ports(base):
    return {
        "keystone": base,
        "placement": base + 1,
        "compute": base + 2,
        "image": base + 3,
        "network": base + 4,
        "volume": base + 5,
    }


def profile_ports(base, names):
    """Port of each vendor-profile proxy (novacloud.profiles): base + 6 + its offset."""
    from novacloud import profiles

    return {n: base + 6 + profiles.PROFILES[n].port_offset for n in names if n != "upstream"}


def profile_endpoints(p, pp):
    """The catalog's compute endpoint of each profile (Keystone's $(project_id)s template)."""
    from novacloud import profiles

    out = {"upstream": url(p["compute"], "/v2.1")}
    for n, port in pp.items():
        out[n] = url(port, profiles.PROFILES[n].catalog_path)
    return out


def url(port, path=""):
    return f"http://127.0.0.1:{port}{path}"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def run(cmd, logfile, env=None):
    with open(logfile, "a") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        r = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    if r.returncode != 0:
        with open(logfile) as f:
            tail = f.read()[-3000:]
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{tail}")


def bin_(name):
    """A console script of the virtualenv, run through this interpreter."""
    return [sys.executable, os.path.join(VENV, "bin", name)]


def spawn(name, args, state, env=None):
    logfile = os.path.join(state, "logs", f"{name}.log")
    out = open(logfile, "a")
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.path.dirname(HERE) + os.pathsep + full_env.get("PYTHONPATH", "")
    if env:
        full_env.update(env)
    p = subprocess.Popen(
        [sys.executable, "-m"] + args,
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=full_env,
        start_new_session=True,
        cwd=state,
    )
    return p.pid


def http(method, u, body=None, token=None, headers=None, ok=(200, 201, 202, 204)):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(u, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    req.add_header("Accept", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            raw = r.read()
            return r.status, dict(r.headers), (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        raw = e.read()
        if e.code in ok:
            return e.code, dict(e.headers), None
        raise SystemExit(f"{method} {u} -> {e.code}: {raw[:500]!r}")


def wait_http(u, what, pid, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not alive(pid):
            raise SystemExit(f"{what} exited during start-up; see its log")
        try:
            with urllib.request.urlopen(u, timeout=5) as r:
                if r.status < 500:
                    return
        except urllib.error.HTTPError as e:
            if e.code < 500:
                return
        except Exception:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{what} did not answer at {u} within {timeout}s")


def port_in_use(port):
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return True


# --------------------------------------------------------------------------
# Keystone


def keystone_conf(state, p):
    d = os.path.join(state, "keystone")
    os.makedirs(d, exist_ok=True)
    for sub in ("fernet-keys", "credential-keys"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    write(
        os.path.join(d, "keystone.conf"),
        f"""[DEFAULT]
debug = false
[database]
connection = sqlite:///{d}/keystone.db?timeout=30
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = {d}/fernet-keys
[credential]
key_repository = {d}/credential-keys
[identity]
password_hash_rounds = 4
[oslo_policy]
enforce_scope = false
""",
    )
    return d


def start_keystone(state, p):
    d = keystone_conf(state, p)
    conf = os.path.join(d, "keystone.conf")
    lg = os.path.join(state, "logs", "keystone-manage.log")
    km = bin_("keystone-manage") + ["--config-file", conf]
    run(km + ["db_sync"], lg)
    run(km + ["fernet_setup", "--keystone-user", "root", "--keystone-group", "root"], lg)
    run(km + ["credential_setup", "--keystone-user", "root", "--keystone-group", "root"], lg)
    ks = url(p["keystone"], "/v3")
    run(
        km
        + [
            "bootstrap",
            "--bootstrap-password", ADMIN_PASSWORD,
            "--bootstrap-admin-url", ks,
            "--bootstrap-internal-url", ks,
            "--bootstrap-public-url", ks,
            "--bootstrap-region-id", REGION,
        ],
        lg,
    )
    pid = spawn(
        "keystone",
        ["novacloud.serve", "keystone", str(p["keystone"])],
        state,
        env={"OS_KEYSTONE_CONFIG_FILES": conf},
    )
    wait_http(ks, "keystone", pid)
    return pid


def password_token(p, user, password, project):
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "domain": {"id": "default"}, "password": password}},
            },
            "scope": {"project": {"name": project, "domain": {"id": "default"}}},
        }
    }
    _, headers, data = http("POST", url(p["keystone"], "/v3/auth/tokens"), body)
    token = headers.get("X-Subject-Token") or headers.get("x-subject-token")
    return token, data


def populate_keystone(p, profiles=("upstream",), endpoints=None):
    token, data = password_token(p, "admin", ADMIN_PASSWORD, "admin")
    ks = url(p["keystone"], "/v3")
    roles = {r["name"]: r["id"] for r in http("GET", ks + "/roles", token=token)[2]["roles"]}
    ids = {"admin_project_id": data["token"]["project"]["id"], "admin_user_id": data["token"]["user"]["id"]}

    def project(name):
        return http("POST", ks + "/projects", {"project": {"name": name, "domain_id": "default"}}, token)[2][
            "project"
        ]["id"]

    def user(name, password, project_id):
        return http(
            "POST",
            ks + "/users",
            {"user": {"name": name, "password": password, "domain_id": "default", "default_project_id": project_id}},
            token,
        )[2]["user"]["id"]

    def grant(project_id, user_id, role):
        http("PUT", ks + f"/projects/{project_id}/users/{user_id}/roles/{roles[role]}", token=token)

    ids["service_project_id"] = project("service")
    ids["demo_project_id"] = project("demo")
    ids["alt_project_id"] = project("alt")
    for svc in ("nova", "placement"):
        uid = user(svc, SERVICE_PASSWORD, ids["service_project_id"])
        grant(ids["service_project_id"], uid, "admin")
        if "service" in roles:
            grant(ids["service_project_id"], uid, "service")
    ids["demo_user_id"] = user("demo", DEMO_PASSWORD, ids["demo_project_id"])
    grant(ids["demo_project_id"], ids["demo_user_id"], "member")
    grant(ids["demo_project_id"], ids["demo_user_id"], "reader")
    alt_user = user("alt", DEMO_PASSWORD, ids["alt_project_id"])
    grant(ids["alt_project_id"], alt_user, "member")
    # the admin user is also an admin of the demo project (for admin-only calls there)
    grant(ids["demo_project_id"], ids["admin_user_id"], "admin")

    endpoints = endpoints or {"upstream": url(p["compute"], "/v2.1")}
    # RegionOne's compute endpoint is the first profile's (Nova itself for upstream)
    catalog = [
        ("compute", "nova", endpoints[profiles[0]]),
        ("placement", "placement", url(p["placement"])),
        ("image", "glance", url(p["image"])),
        ("network", "neutron", url(p["network"])),
        ("volumev3", "cinderv3", url(p["volume"], "/v3/$(project_id)s")),
        ("block-storage", "cinder", url(p["volume"], "/v3/$(project_id)s")),
    ]
    # each vendor profile also has a region of its name: the same services, its compute endpoint
    regions = [(REGION, None)] + [(n, n) for n in profiles if n != "upstream"]
    identity = [s["id"] for s in http("GET", ks + "/services?type=identity", token=token)[2]["services"]]
    for r, _ in regions[1:]:
        http("POST", ks + "/regions", {"region": {"id": r}}, token)
        for sid in identity:
            for iface in ("public", "internal", "admin"):
                http("POST", ks + "/endpoints",
                     {"endpoint": {"service_id": sid, "interface": iface, "url": ks, "region_id": r}}, token)
    for stype, name, endpoint in catalog:
        sid = http("POST", ks + "/services", {"service": {"type": stype, "name": name}}, token)[2]["service"]["id"]
        for region, profile in regions:
            ep = endpoints[profile] if (profile and stype == "compute") else endpoint
            for iface in ("public", "internal", "admin"):
                http(
                    "POST",
                    ks + "/endpoints",
                    {"endpoint": {"service_id": sid, "interface": iface, "url": ep, "region_id": region}},
                    token,
                )
    return ids


def authtoken_section(p):
    return f"""[keystone_authtoken]
www_authenticate_uri = {url(p['keystone'], '/v3')}
auth_url = {url(p['keystone'], '/v3')}
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = nova
password = {SERVICE_PASSWORD}
memcached_servers =
service_token_roles_required = true
"""


# --------------------------------------------------------------------------
# Placement


def start_placement(state, p):
    d = os.path.join(state, "placement")
    os.makedirs(d, exist_ok=True)
    write(
        os.path.join(d, "placement.conf"),
        f"""[DEFAULT]
debug = false
[api]
auth_strategy = keystone
[placement_database]
connection = sqlite:///{d}/placement.db?timeout=30
sync_on_startup = true
[oslo_policy]
enforce_scope = false
enforce_new_defaults = false
{authtoken_section(p).replace('username = nova', 'username = placement')}
""",
    )
    pid = spawn("placement", ["novacloud.serve", "placement", str(p["placement"])], state,
                env={"OS_PLACEMENT_CONFIG_DIR": d})
    wait_http(url(p["placement"]), "placement", pid)
    return pid


# --------------------------------------------------------------------------
# Nova


def nova_conf(state, p, opts):
    d = os.path.join(state, "nova")
    os.makedirs(d, exist_ok=True)
    shutil.copy(os.path.join(VENV, "etc", "nova", "api-paste.ini"), os.path.join(d, "api-paste.ini"))
    sqlite_opts = "?timeout=30"
    write(
        os.path.join(d, "nova.conf"),
        f"""[DEFAULT]
debug = false
transport_url = fake://
compute_driver = fake.FakeDriver
state_path = {d}
instances_path = {d}/instances
my_ip = 127.0.0.1
reclaim_instance_interval = {opts['reclaim']}
allow_resize_to_same_host = false
default_schedule_zone =
log_options = false
heal_instance_info_cache_interval = -1
instance_build_timeout = 0
{"# fixture servers have no guest in the fake driver: the power-state sync would stop them" if opts.get('bench_fixture') else ""}
{"sync_power_state_interval = -1" if opts.get('bench_fixture') else ""}
[api]
auth_strategy = keystone
{f"max_limit = {opts['page_size']}" if opts.get('page_size') else ""}
[database]
connection = sqlite:///{d}/nova.db{sqlite_opts}
sqlite_synchronous = false
[api_database]
connection = sqlite:///{d}/nova_api.db{sqlite_opts}
sqlite_synchronous = false
[oslo_concurrency]
lock_path = {d}/locks
[oslo_policy]
enforce_scope = false
enforce_new_defaults = false
[placement]
auth_type = password
auth_url = {url(p['keystone'], '/v3')}
project_domain_name = Default
user_domain_name = Default
project_name = service
username = nova
password = {SERVICE_PASSWORD}
region_name = {REGION}
valid_interfaces = public
[scheduler]
discover_hosts_in_cells_interval = -1
# concurrent builds race for the same hosts' allocations: allow retries
max_attempts = 10
workers = 1
[conductor]
workers = 1
[wsgi]
api_paste_config = {d}/api-paste.ini
[glance]
api_servers = {url(p['image'])}
[oslo_messaging_notifications]
driver = noop
[notifications]
notification_format = unversioned
[compute]
live_migration_wait_for_vif_plug = false
[vnc]
# remote consoles (the fake driver answers for every guest): URLs point at a
# noVNC proxy address of this cloud that nothing serves
enabled = true
novncproxy_base_url = {console_proxy_url(p)}
[filter_scheduler]
track_instance_changes = false
[quota]
# a test cloud: benchmarks create hundreds of servers
instances = -1
cores = -1
ram = -1
{authtoken_section(p)}
""",
    )
    return d


def start_nova(state, p, opts):
    d = nova_conf(state, p, opts)
    conf = os.path.join(d, "nova.conf")
    lg = os.path.join(state, "logs", "nova-manage.log")
    env = dict(os.environ, OS_NOVA_DISABLE_EVENTLET_PATCHING="1")
    nm = bin_("nova-manage") + ["--config-file", conf]
    run(nm + ["api_db", "sync"], lg, env)
    run(nm + ["cell_v2", "map_cell0", "--database_connection", f"sqlite:///{d}/nova_cell0.db?timeout=30"], lg, env)
    run(nm + ["cell_v2", "create_cell", "--name", "cell1"], lg, env)
    run(nm + ["db", "sync", "--local_cell"], lg, env)
    run(nm + ["db", "sync"], lg, env)
    ready = os.path.join(d, "ready")
    pid = spawn(
        "nova",
        [
            "novacloud.nova_aio",
            "--config-dir", d,
            "--computes", str(opts["computes"]),
            "--spawn-delay", str(opts["spawn_delay"]),
            "--page-size", str(opts.get("page_size") or 0),
            "--ports", json.dumps(p),
            "--ready-file", ready,
            "--profiles", json.dumps(opts.get("profile_ports") or {}),
        ] + (["--bench-fixture"] if opts.get("bench_fixture") else []),
        state,
        env={"OS_NOVA_DISABLE_EVENTLET_PATCHING": "1", "OS_NOVA_CONFIG_DIR": d},
    )
    deadline = time.time() + 240
    while not os.path.exists(ready):
        if not alive(pid):
            raise SystemExit("nova exited during start-up; see logs/nova.log")
        if time.time() > deadline:
            raise SystemExit("nova did not become ready in 240s; see logs/nova.log")
        time.sleep(0.3)
    wait_http(url(p["compute"], "/v2.1"), "nova-api", pid)
    for name, port in (opts.get("profile_ports") or {}).items():
        wait_http(url(port, "/"), f"profile {name}", pid)
    return pid


def create_flavors(p):
    token, _ = password_token(p, "admin", ADMIN_PASSWORD, "admin")
    cu = url(p["compute"], "/v2.1")
    out = {}
    for fid, name, vcpus, ram, disk in FLAVORS:
        http("POST", cu + "/flavors",
             {"flavor": {"id": fid, "name": name, "vcpus": vcpus, "ram": ram, "disk": disk}}, token)
        out[name] = fid
    return out


# --------------------------------------------------------------------------
# Files for users


def write_client_files(state, p, ids, profiles=("upstream",)):
    auth_url = url(p["keystone"], "/v3")
    clouds = {"clouds": {}}
    for cloud, user, password, project in (
        ("admin", "admin", ADMIN_PASSWORD, "admin"),
        ("demo", "demo", DEMO_PASSWORD, "demo"),
        ("demo-admin", "admin", ADMIN_PASSWORD, "demo"),
    ):
        clouds["clouds"][cloud] = {
            "auth": {
                "auth_url": auth_url,
                "username": user,
                "password": password,
                "project_name": project,
                "user_domain_name": "Default",
                "project_domain_name": "Default",
            },
            "region_name": REGION,
            "interface": "public",
            "identity_api_version": 3,
        }
    # every vendor profile: the same users in that profile's region
    for name in profiles:
        if name == "upstream":
            continue
        for who in ("admin", "demo"):
            entry = json.loads(json.dumps(clouds["clouds"][who]))
            entry["region_name"] = name
            clouds["clouds"][f"{who}-{name}"] = entry
    # JSON is valid YAML; it keeps this script free of a YAML dependency.
    write(os.path.join(state, "clouds.yaml"), json.dumps(clouds, indent=2) + "\n")
    write(
        os.path.join(state, "openrc"),
        f"""# Source this file to point the OpenStack clients and the provider at the local cloud.
export OS_AUTH_URL={auth_url}
export OS_USERNAME=admin
export OS_PASSWORD={ADMIN_PASSWORD}
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME={REGION}
export OS_IDENTITY_API_VERSION=3
export OS_CLIENT_CONFIG_FILE={state}/clouds.yaml
""",
    )


def cmd_start(a):
    state = os.path.abspath(a.state_dir)
    if os.path.exists(os.path.join(state, "cloud.json")):
        cmd_stop(a, quiet=True)
    if os.path.isdir(state):
        shutil.rmtree(state)
    os.makedirs(os.path.join(state, "logs"))
    p = ports(a.port_base)
    names = parse_profiles(a.profile)
    pp = profile_ports(a.port_base, names)
    endpoints = profile_endpoints(p, pp)
    # a cloud just stopped may take a moment to let go of its ports
    deadline = time.time() + 10
    while time.time() < deadline and any(port_in_use(port) for port in list(p.values()) + list(pp.values())):
        time.sleep(0.5)
    for name, port in list(p.items()) + list(pp.items()):
        if port_in_use(port):
            raise SystemExit(
                f"port {port} ({name}) on 127.0.0.1 is in use: is another local cloud running? "
                f"Stop it with acceptance-tests/cloud/stop --state-dir DIR, or pick --port-base")
    t0 = time.time()
    pids = {}
    info = {"state_dir": state, "ports": p, "pids": pids}
    if names != ["upstream"]:
        info["profile_ports"] = pp
    soft_delete = bool(a.soft_delete) or any(n != "upstream" and profile_soft_delete(n) for n in names)

    def save():
        write(os.path.join(state, "cloud.json"), json.dumps(info, indent=2) + "\n")

    try:
        log(f"starting keystone on 127.0.0.1:{p['keystone']}")
        pids["keystone"] = start_keystone(state, p)
        save()
        ids = populate_keystone(p, names, endpoints)
        log(f"starting placement on 127.0.0.1:{p['placement']}")
        pids["placement"] = start_placement(state, p)
        save()
        log(f"starting nova ({a.computes} fake compute hosts) on 127.0.0.1:{p['compute']}")
        opts = {
            "computes": a.computes,
            "spawn_delay": a.spawn_delay,
            "reclaim": 3600 if soft_delete else 0,
            "page_size": a.page_size,
            "profile_ports": pp,
            "bench_fixture": a.bench_fixture,
        }
        pids["nova"] = start_nova(state, p, opts)
        save()
        flavors = create_flavors(p)
    except BaseException:
        save()
        cmd_stop(a, quiet=True)
        raise
    info.update(
        {
            "auth_url": url(p["keystone"], "/v3"),
            "compute_url": url(p["compute"], "/v2.1"),
            "console_proxy_url": console_proxy_url(p),
            # POST {guest_agent_url}/servers/{id}/password: a guest sets its password (novacloud/guest_agent.py)
            "guest_agent_url": url(p["compute"], "/_guest"),
            # POST {host_ops_url}/computes/{host}/restart: an operator restarts a host's nova-compute (novacloud/host_ops.py)
            "host_ops_url": url(p["compute"], "/_ops"),
            "region": REGION,
            "admin": {"user": "admin", "password": ADMIN_PASSWORD, "project": "admin"},
            "demo": {"user": "demo", "password": DEMO_PASSWORD, "project": "demo"},
            "projects": {k: v for k, v in ids.items() if k.endswith("project_id")},
            "users": {k: v for k, v in ids.items() if k.endswith("user_id")},
            "images": {"cirros": IMAGE_ID},
            "networks": {"private": NETWORK_ID, "data": DATA_NETWORK_ID},
            "subnets": {"private-subnet": SUBNET_ID},
            "security_groups": {"default": SECURITY_GROUP_ID, "web": WEB_SECURITY_GROUP_ID},
            "volume_types": {"lvm-1": "5f9204ec-3e94-4f27-9beb-fe7bb73b6eb9", "fast": "b2a4ec37-1b9b-4a5a-9a3e-2f8c1f2e7d11"},
            "flavors": flavors,
            "compute_hosts": [f"compute{i}" for i in range(1, a.computes + 1)],
            "soft_delete": soft_delete,
            # the vendor profile RegionOne's compute endpoint has (novacloud.profiles; PROFILES.md)
            "profile": names[0],
            "profiles": {
                n: {"region": REGION if (n == "upstream") else n,
                    "compute_endpoint": endpoints[n].replace("$(project_id)s", "{project_id}"),
                    **({"port": pp[n]} if n in pp else {})}
                for n in names
            },
            "page_size": a.page_size,
            "started_in_seconds": round(time.time() - t0, 1),
        }
    )
    save()
    write_client_files(state, p, ids, names)
    cloud_names = ", ".join(["admin", "demo", "demo-admin"] + [f"{w}-{n}" for n in names if n != "upstream" for w in ("admin", "demo")])
    print(
        f"""local compute cloud ready in {info['started_in_seconds']}s
  keystone  {info['auth_url']}
  compute   {info['compute_url']}  ({a.computes} fake hosts{', soft delete on' if soft_delete else ''})
  image {IMAGE_ID} "cirros", networks {NETWORK_ID} "private", {DATA_NETWORK_ID} "data"{profile_lines(info)}
  clouds.yaml: {state}/clouds.yaml (clouds: {cloud_names})   openrc: {state}/openrc
  stop with: acceptance-tests/cloud/stop --state-dir {state}""",
        flush=True,
    )


def parse_profiles(value):
    from novacloud import profiles

    names = [n.strip() for n in (value or "upstream").split(",") if n.strip()] or ["upstream"]
    for n in names:
        if n not in profiles.NAMES:
            raise SystemExit(f"unknown profile {n!r}: one of {', '.join(profiles.NAMES)}")
    if len(set(names)) != len(names):
        raise SystemExit("a profile is named twice")
    return names


def profile_soft_delete(name):
    from novacloud import profiles

    return profiles.PROFILES[name].soft_delete


def profile_lines(info):
    if info["profile"] == "upstream" and len(info["profiles"]) == 1:
        return ""
    return "".join(f"\n  profile {n:9} {v['compute_endpoint']}  (region {v['region']})"
                   for n, v in info["profiles"].items())


def cmd_stop(a, quiet=False):
    state = os.path.abspath(a.state_dir)
    path = os.path.join(state, "cloud.json")
    if not os.path.exists(path):
        if not quiet:
            log(f"no cloud.json in {state}: nothing to stop")
        return
    with open(path) as f:
        info = json.load(f)
    pids = info.get("pids", {})
    for name, pid in pids.items():
        if alive(pid):
            try:
                os.killpg(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.time() + 15
    while time.time() < deadline and any(alive(pid) for pid in pids.values()):
        time.sleep(0.2)
    for name, pid in pids.items():
        if alive(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    info["pids"] = {}
    write(path, json.dumps(info, indent=2) + "\n")
    if not quiet:
        log(f"stopped {', '.join(pids) or 'nothing'}")


def main():
    ap = argparse.ArgumentParser(prog="cloud")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start")
    s.add_argument("--state-dir", required=True)
    s.add_argument("--port-base", type=int, default=18700)
    s.add_argument("--computes", type=int, default=2)
    s.add_argument("--soft-delete", action="store_true")
    s.add_argument("--spawn-delay", type=float, default=0.0)
    s.add_argument("--profile", default="upstream",
                   help="vendor profile(s), comma-separated: upstream (default, Nova as it is), seed-000, "
                        "seed-001, seed-002, seed-003 (see PROFILES.md); the first is RegionOne's compute "
                        "endpoint, each other than upstream also has a region of its name")
    s.add_argument("--page-size", type=int, default=0,
                   help="items per page of every listing (Nova's [api] max_limit, Glance's and "
                        "Neutron's page limits); 0 keeps each service's default")
    s.add_argument("--bench-fixture", action="store_true",
                   help="serve POST/DELETE /_bench/servers on the compute port (admin only): ACTIVE server "
                        "records made through Nova's objects layer, for benchmarks of big estates "
                        "(novacloud/bench_fixture.py)")
    t = sub.add_parser("stop")
    t.add_argument("--state-dir", required=True)
    a = ap.parse_args()
    if a.cmd == "start":
        cmd_start(a)
    else:
        cmd_stop(a)


if __name__ == "__main__":
    main()
