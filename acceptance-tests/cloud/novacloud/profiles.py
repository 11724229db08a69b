"""Vendor profiles of the local cloud: translating layers in front of Nova.

Each profile makes the compute API behave as one seed system documents it
(the seeds are the vendors' compute API documents in the project's shared
seed directory; DIGEST.md sections are cited as "D§n"). A profile is data: the
URL shapes it serves, how its errors look, and a list of small rules, each
citing the seed text it comes from. The proxy (`ProfileApp`) runs in the Nova
process (novacloud.nova_aio) on its own port and hands every request, after
the profile's rules, to the real Nova WSGI application in-process.

`upstream` (seed 004) has no proxy: it is Nova itself.

PROFILES.md is generated from the tables here:
    python -m novacloud.profiles > PROFILES.md
"""
import copy
import json
import re
import threading
import time

import webob
import webob.dec
import webob.exc

# --------------------------------------------------------------------------
# Rules


class Refuse(Exception):
    """A request the profile's service refuses, with that service's error."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class Rule:
    """One rule of a profile.

    hook: where it applies -
      "path"    the URL and catalog shape (enforced by ProfileApp's routing)
      "create"  fn(body, ctx) on POST /servers (body may be changed in place)
      "group"   fn(body, ctx) on POST /os-server-groups (body may be changed in place)
      "action:NAME"  fn(body, ctx, server_id) on POST /servers/{id}/action
                 with that action; returns a webob.Response to answer
                 without Nova, or None to forward the (changed) body
      "query"   fn(params, ctx) on GET /servers and /servers/detail
                 (params: a list of (key, value) pairs, changed in place)
      "view"    fn(server, ctx) on every server object Nova returns
      "error"   the error body shape (enforced by Profile.error_body)
      "nova"    what the real Nova below already does the same way
                 (no code here; the tests check it)
    """

    def __init__(self, rid, cite, text, hook, fn=None):
        self.rid, self.cite, self.text, self.hook, self.fn = rid, cite, text, hook, fn


NOVA_FAULT_NAMES = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
                    405: "badMethod", 409: "conflictingRequest", 413: "overLimit", 415: "badMediaType",
                    429: "overLimit", 501: "notImplemented", 503: "serviceUnavailable"}


def nova_error(code, message, title):
    # Nova's fault body: {"<faultName>": {"message", "code"}} (001 error example, D§1.0)
    return {NOVA_FAULT_NAMES.get(code, "computeFault"): {"message": message, "code": code}}


def keystone_style_error(code, message, title):
    # 002 §1.2 错误返回结果: {"error": {"message", "code", "title"}} (D§1.0, F-002-error-401)
    return {"error": {"message": message, "code": code, "title": title}}


class Profile:
    def __init__(self, name, seed, versions, project_id, catalog_path, rules, error_body=nova_error,
                 soft_delete=False, port_offset=0, not_modelled=()):
        self.name, self.seed = name, seed
        # URL version segments served, each forwarded to Nova's of the same name
        # ("v2.1" = microversioned API, "v2" = Nova's legacy v2 compatible API)
        self.versions = versions
        # "required": /vX/{project_id}/...; "none": /vX/...; "optional": both
        self.project_id = project_id
        # the Keystone catalog's compute endpoint path ($(project_id)s is Keystone's)
        self.catalog_path = catalog_path
        self.rules = rules
        self.error_body = error_body
        # Nova runs with deferred delete (reclaim_instance_interval) for this profile
        self.soft_delete = soft_delete
        # port = port base + 6 + port_offset
        self.port_offset = port_offset
        # what the seed documents that this stand-in does not model (listed in PROFILES.md)
        self.not_modelled = not_modelled

    def hooks(self, hook):
        return [r for r in self.rules if r.hook == hook and r.fn]


# --------------------------------------------------------------------------
# Helpers shared by rules


def servers_of(body):
    if not isinstance(body, dict):
        return []
    if isinstance(body.get("server"), dict):
        return [body["server"]]
    if isinstance(body.get("servers"), list):
        return [s for s in body["servers"] if isinstance(s, dict)]
    return []


def bdms(server):
    out = server.get("block_device_mapping_v2")
    return [b for b in out if isinstance(b, dict)] if isinstance(out, list) else []


def bdms_v1(server):
    out = server.get("block_device_mapping")
    return [b for b in out if isinstance(b, dict)] if isinstance(out, list) else []


def networks(server):
    out = server.get("networks")
    return [n for n in out if isinstance(n, dict)] if isinstance(out, list) else []


def as_int(v, default=None):
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


def counts(server):
    return as_int(server.get("min_count"), 1), as_int(server.get("max_count"), as_int(server.get("min_count"), 1))


def no_action(body, ctx, server_id):
    return None


# --------------------------------------------------------------------------
# seed-002: the Chinese-language OpenStack cloud platform reference (v6.2.1)

RESIZE_STATUSES = ("RESIZE", "VERIFY_RESIZE")


def r002_recycled_view(server, ctx):
    # a soft-deleted server is in the recycle bin: status DELETED, vm_state deleted
    if server.get("status") == "SOFT_DELETED":
        server["status"] = "DELETED"
        if "OS-EXT-STS:vm_state" in server:
            server["OS-EXT-STS:vm_state"] = "deleted"


def r002_vendor_fields(server, ctx):
    if "status" not in server:
        return
    recycled = server.get("status") in ("SOFT_DELETED", "DELETED")
    server.setdefault("deleted", (server.get("updated") or "") if recycled else "")
    server.setdefault("estimated_deleted", "")
    if isinstance(server.get("addresses"), dict):
        macs = []
        for addrs in server["addresses"].values():
            for a in addrs or []:
                mac = a.get("OS-EXT-IPS-MAC:mac_addr")
                if mac and mac not in macs:
                    macs.append(mac)
        server.setdefault("addresses_labels_mac", macs)


def r002_recycle_bin_query(params, ctx):
    keys = [k for k, _ in params]
    deleted = [v for k, v in params if k == "deleted"]
    wants_bin = any(v.strip().lower() in ("true", "1", "yes", "on") for v in deleted)
    status = [v for k, v in params if k == "status"]
    if "DELETED" in [s.upper() for s in status]:
        wants_bin = True
    if "deleted" in keys or wants_bin:
        params[:] = [(k, v) for k, v in params if k not in ("deleted", "status")]
        if wants_bin:
            # Nova lists soft-deleted servers only among the deleted ones (admin)
            params.extend([("deleted", "True"), ("status", "SOFT_DELETED")])
        elif status:
            params.extend(("status", s) for s in status)


def r002_force_delete(body, ctx, server_id):
    s = ctx.server(server_id)
    if s is None:
        return None  # Nova answers the 404
    if s.get("status") != "SOFT_DELETED":
        raise Refuse(409, f"Cannot 'forceDelete' instance {server_id}: it is not in the recycle bin "
                          f"(status {s.get('status')})")
    return None


def r002_live_resize(body, ctx, server_id):
    args = body.get("live_resize")
    if not isinstance(args, dict) or not isinstance(args.get("flavorRef"), str) or not args["flavorRef"]:
        raise Refuse(400, "Invalid input for field/attribute live_resize: 'flavorRef' is a required string")
    if set(args) - {"flavorRef"}:
        raise Refuse(400, f"Additional properties are not allowed ({', '.join(sorted(set(args) - {'flavorRef'}))})")
    s = ctx.server(server_id)
    if s is None:
        raise Refuse(404, f"Instance {server_id} could not be found.")
    if s.get("status") != "ACTIVE" or s.get("OS-EXT-STS:task_state"):
        raise Refuse(409, f"Cannot 'live_resize' instance {server_id} while it is in status {s.get('status')}")
    resp = ctx.nova("POST", f"servers/{server_id}/action", {"resize": {"flavorRef": args["flavorRef"]}})
    if resp.status_int != 202:
        return resp
    ctx.app.start_live_resize(ctx, server_id)
    return webob.Response(status=202)


def r002_live_resize_view(server, ctx):
    # while a live resize runs the server stays ACTIVE (task_state says it is busy)
    if server.get("id") not in ctx.app.live_resizes:
        return
    if server.get("status") == "RESIZE":
        server["status"] = "ACTIVE"
    elif server.get("status") == "VERIFY_RESIZE":
        server["status"] = "ACTIVE"
        if "OS-EXT-STS:vm_state" in server:
            server["OS-EXT-STS:vm_state"] = "active"
        if "OS-EXT-STS:task_state" in server:
            server["OS-EXT-STS:task_state"] = "resize_confirming"


def r002_subnet_id(body, ctx):
    for n in networks(body.get("server") or {}):
        if "subnet_id" not in n:
            continue
        wanted = n.pop("subnet_id")
        wanted = [wanted] if isinstance(wanted, str) else wanted
        if not isinstance(wanted, list) or not wanted or not all(isinstance(w, str) and w for w in wanted):
            raise Refuse(400, "Invalid input for field/attribute subnet_id: a subnet id or a list of them")
        if not n.get("uuid"):
            raise Refuse(400, "networks.subnet_id needs the network's uuid")
        for sid in wanted:
            net = ctx.app.subnet_network(sid)
            if net is None:
                raise Refuse(400, f"Subnet {sid} could not be found.")
            if net != n["uuid"]:
                raise Refuse(400, f"Subnet {sid} is not on network {n['uuid']}.")
        if len(wanted) == 1 and not n.get("fixed_ip") and not n.get("port"):
            # the port is made on that subnet: an address from it
            ip = ctx.app.free_ip(wanted[0])
            if ip:
                n["fixed_ip"] = ip


# 002 §1.7 创建云主机组: "支持的策略：soft-anti-affinity and soft-affinity"
R002_GROUP_POLICIES = ("soft-anti-affinity", "soft-affinity")


def r002_group_policies(body, ctx):
    group = body.get("server_group")
    if not isinstance(group, dict):
        return  # Nova answers the malformed body
    # the request names its policy as `policies` (before 2.64) or `policy` (2.64 on)
    asked = []
    if isinstance(group.get("policies"), list):
        asked += group["policies"]
    if "policy" in group:
        asked.append(group["policy"])
    for p in asked:
        if p not in R002_GROUP_POLICIES:
            raise Refuse(400, f"Invalid input for field/attribute policies: {p!r} is not supported; "
                              f"the supported policies are {', '.join(R002_GROUP_POLICIES)}")


SEED_002 = Profile(
    "seed-002", "002", versions=("v2.1",), project_id="optional", catalog_path="/v2.1",
    error_body=keystone_style_error, soft_delete=True, port_offset=2,
    not_modelled=(
        "Recycle bin of a non-admin: Nova lists soft-deleted servers only to admins (`deleted` filter), so "
        "`deleted=True` shows the bin to admins only (002 §1.6's sample uses `all_tenants=1`, an admin call).",
        "`estimated_deleted` is always \"\" (as in every 002 sample); the purge time is Nova's "
        "reclaim_instance_interval (1 h).",
        "\"Compute service up\" preconditions of the actions (002 §1.4): Nova's own checks only.",
        "Offline `resize` stops in VERIFY_RESIZE as in Nova (002 does not say whether it auto-confirms; "
        "confirmResize/revertResize are not in the seed and are left to Nova).",
        "The create response stays the short body (002 §1.3.1), not §1.4's full server (D§8.7).",
        "`RequestId` response header (002 §1.2): Nova's `X-Openstack-Request-Id` is passed on unchanged.",
    ),
    rules=[
        Rule("002-path", "002 §1.2 (compute URL from the catalog; samples /v2.1/servers), §1.6 "
             "(/v2.1/{project_id}/servers/...); D§1.0, D§6",
             "Catalog compute endpoint `/v2.1`; paths `/v2.1/...` and `/v2.1/{project_id}/...` both served; "
             "`/v2/...` is not (404).", "path"),
        Rule("002-microversion", "002 §1.2 common request headers; D§1.0",
             "`X-OpenStack-Nova-API-Version` optional, default 2.1 when absent (Nova's own rule).", "nova"),
        Rule("002-error", "002 §1.2 错误返回结果; F-002-error-401; D§1.0, D§6",
             "Every 4xx/5xx body is `{\"error\": {\"message\", \"code\", \"title\"}}` (title = the HTTP reason).",
             "error"),
        Rule("002-recycle-delete", "002 §1.4 删除云主机 (\"移动云主机到回收站\"), §1.6; D§5.5",
             "`DELETE /servers/{id}` → 204 and the server goes to the recycle bin (Nova deferred delete).",
             "nova"),
        Rule("002-recycle-status", "002 §1.6 查询回收站列表 sample (status DELETED, vm_state deleted); "
             "F-002-recycle-bin-list; D§5.1, D§5.5",
             "A recycled server reads `status: DELETED`, `OS-EXT-STS:vm_state: deleted` (Nova's SOFT_DELETED / "
             "soft-delete).", "view", r002_recycled_view),
        Rule("002-vendor-fields", "002 §1.4 云主机详情 / 列举云主机列表详情 / §1.6 samples; F-002-show-active; D§6",
             "Server bodies carry `deleted` (\"\" or the time it went to the bin), `estimated_deleted` (\"\") "
             "and `addresses_labels_mac` (the MACs of its addresses).", "view", r002_vendor_fields),
        Rule("002-recycle-list", "002 §1.6 查询回收站列表 (`servers/detail?all_tenants=1&deleted=True`); D§1.7",
             "`deleted=True` (or `status=DELETED`) lists the recycle bin: the soft-deleted servers only, "
             "never purged ones; `deleted=False` is the ordinary listing.", "query", r002_recycle_bin_query),
        Rule("002-restore", "002 §1.6 恢复云主机; D§1.2, D§1.7",
             "`{\"restore\": null}` → 202, no body; the server comes back ACTIVE; 409 when it is not in the "
             "recycle bin.", "nova"),
        Rule("002-forceDelete", "002 §1.6 彻底删除云主机 (\"彻底删除回收站里的云主机\"); D§1.2, D§1.7",
             "`{\"forceDelete\": null}` → 202, no body, purges a server of the recycle bin; 409 for a server "
             "that is not in it.", "action:forceDelete", r002_force_delete),
        Rule("002-live_resize", "002 §1.4 云主机在线调整规格; D§1.2",
             "Vendor action `{\"live_resize\": {\"flavorRef\"}}`: 400 without a flavorRef, 409 unless the server "
             "is ACTIVE (and idle); 202 no body; the flavor changes while the server stays ACTIVE (busy "
             "task_state until done, no confirmation step).", "action:live_resize", r002_live_resize),
        Rule("002-live_resize-view", "002 §1.4 云主机在线调整规格 (online resize)",
             "During a live resize the server reads ACTIVE, its task_state non-null until it is done.",
             "view", r002_live_resize_view),
        Rule("002-imageRef-empty", "002 §1.3.1 创建BFV云主机 (F-002-create-bfv), §1.4 imageRef; D§2.2, D§6",
             "`\"imageRef\": \"\"` is accepted for a volume-booted server; such a server reads `\"image\": \"\"`; "
             "an imageRef that is not a UUID otherwise is a 400.", "nova"),
        Rule("002-volume_size-string", "002 §1.4 block_device_mapping_v2.volume_size "
             "(\"可以整数和字符串的形式请求\"); D§3.2",
             "BDM `volume_size` as an integer or a digit string (1..2147483647).", "nova"),
        Rule("002-subnet_id", "002 §1.4 networks.subnet_id; release notes 2022-05-31; D§2.2, D§6",
             "Vendor key `networks[].subnet_id` (a string, or a list as the table types it): each subnet must "
             "exist and be on the entry's `uuid` network (else 400); the server's address comes from it.",
             "create", r002_subnet_id),
        Rule("002-group-policies", "002 §1.7 创建云主机组 (policies: \"支持的策略：soft-anti-affinity and "
             "soft-affinity\"); D§4.4",
             "A server group is created only with `soft-anti-affinity` or `soft-affinity` (as `policies[]` or "
             "`policy`); `affinity` and `anti-affinity`: 400.", "group", r002_group_policies),
    ])


# --------------------------------------------------------------------------
# seed-001: a private cloud's legacy Nova v2 "Create server" specification

BOOL_STRINGS_001 = {"t": True, "true": True, "on": True, "y": True, "yes": True, "1": True,
                    "f": False, "false": False, "off": False, "n": False, "no": False, "0": False}
DEVICE_NAME_001 = re.compile(r"(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$")


def r001_bool_strings(body, ctx):
    server = body.get("server") or {}
    for b in bdms_v1(server) + bdms(server):
        if "delete_on_termination" not in b:
            continue
        v = b["delete_on_termination"]
        if isinstance(v, bool):
            continue
        if isinstance(v, str) and v in BOOL_STRINGS_001:
            b["delete_on_termination"] = BOOL_STRINGS_001[v]
            continue
        raise Refuse(400, f"Invalid input for field/attribute delete_on_termination. Value: {v!r}")


def r001_device_names(body, ctx):
    server = body.get("server") or {}
    for b in bdms_v1(server) + bdms(server):
        name = b.get("device_name")
        if name is None:
            continue
        if not isinstance(name, str) or not DEVICE_NAME_001.match(name):
            raise Refuse(400, f"The supplied device path ({name}) is invalid.")


def r001_no_device(body, ctx):
    for b in bdms((body.get("server") or {})):
        if "no_device" in b:
            raise Refuse(400, "Block Device Mapping is Invalid: no_device is not available.")


def r001_image_required(body, ctx):
    server = body.get("server") or {}
    if not server.get("imageRef") and not bdms(server):
        raise Refuse(400, "Invalid imageRef provided.")


def r001_batch_limits(body, ctx):
    server = body.get("server") or {}
    lo, hi = counts(server)
    if max(lo or 1, hi or 1) <= 1:
        return
    if bdms_v1(server) or any(b.get("source_type") in ("volume", "snapshot", "image") and
                              b.get("destination_type") == "volume" or b.get("source_type") == "volume"
                              for b in bdms(server)):
        raise Refuse(400, "Can't attach a volume when min_count or max_count is greater than 1.")
    if any(n.get("port") for n in networks(server)):
        raise Refuse(400, "Can't specify a port when min_count or max_count is greater than 1.")
    if (hi or 1) > 1 and any(n.get("fixed_ip") for n in networks(server)):
        raise Refuse(400, "max_count cannot be greater than 1 if an fixed_ip is specified.")


def r001_metadata(body, ctx):
    md = (body.get("server") or {}).get("metadata")
    if not isinstance(md, dict):
        return
    for k, v in md.items():
        if not (isinstance(v, str) and 1 <= len(k) <= 255 and 1 <= len(v) <= 255):
            raise Refuse(400, "Invalid metadata: keys and values are strings of 1 to 255 characters.")


SEED_001 = Profile(
    "seed-001", "001", versions=("v2",), project_id="required", catalog_path="/v2/$(project_id)s",
    port_offset=1,
    not_modelled=(
        "\"network_id required if a tenant has more than two networks\": this cloud has two shared networks and "
        "Nova asks for one (409) when none is given.",
        "403 quota conditions (quotas are unlimited here) and the 500s for stopped glance/cinder/neutron.",
        "404 \"not found a specified project\": Nova answers a project id other than the token's with 400.",
    ),
    rules=[
        Rule("001-path", "001 HTTP Request Path `{api_endpoint}/v2/{project_id}/servers`; samples; D§1.0, D§6",
             "Catalog compute endpoint `/v2/{project_id}`; only `/v2/{project_id}/...` is served (no project "
             "id, or `/v2.1`: 404). Links and `Location` are `/v2/{project_id}/servers/{id}`.", "path"),
        Rule("001-no-microversions", "001 request headers (no microversion header), legacy v2 API; D§1, D§6",
             "No microversions: requests go to Nova's legacy v2 compatible API, which ignores "
             "`X-OpenStack-Nova-API-Version` and answers without version headers.", "nova"),
        Rule("001-error", "001 Error Execution Example; F-001-create-error-400; D§1.0",
             "Errors are Nova faults `{\"badRequest\": {\"message\", \"code\"}}`.", "error"),
        Rule("001-bool-strings", "001 Request Parameters: delete_flag / delete_on_termination(bdm_v2); D§3.2",
             "`delete_on_termination` (block_device_mapping and _v2) takes a JSON boolean or one of the strings "
             "'t','true','on','y','yes','1','f','false','off','n','no','0'; anything else is a 400.",
             "create", r001_bool_strings),
        Rule("001-device-name", "001 Request Parameters: device_name, device_name(bdm_v2); D§3.2",
             "`device_name` must match `(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$`, else 400.",
             "create", r001_device_names),
        Rule("001-no_device", "001 Request Parameters: no_device(bdm_v2) \"Note: unavailable\"",
             "`no_device` in block_device_mapping_v2 is refused (400).", "create", r001_no_device),
        Rule("001-image-required", "001 Request Parameters: image_id (required without block_device_mapping_v2)",
             "`imageRef` is required unless `block_device_mapping_v2` is given (the legacy "
             "`block_device_mapping` alone does not replace it): 400.", "create", r001_image_required),
        Rule("001-batch", "001 Response Codes 400: \"can't attach volume / can't specify port if min_count >1 "
             "or max_count>1\", \"max_count cannot be greater than 1 if an fixed_ip is specified\"; D§2.3",
             "`min_count`/`max_count` > 1 with a volume, a port, or (max_count) a fixed_ip: 400.",
             "create", r001_batch_limits),
        Rule("001-metadata", "001 Request Parameters: metadata_key / metadata_value String(1-255); D§2.2",
             "Metadata keys and values are strings of 1 to 255 characters (an empty value is a 400).",
             "create", r001_metadata),
        Rule("001-bdm-both", "001 Response Codes 400: \"block_device_mapping and block_device_mapping_v2 is "
             "both exist in body\"", "Both BDM syntaxes in one body: 400.", "nova"),
        Rule("001-missing-is-400", "001 Response Codes 400 (\"not found a specified image/flavor/network id\"); "
             "D§2.3", "A missing image, flavor or network referenced by the body is a 400, not a 404.", "nova"),
    ])


# --------------------------------------------------------------------------
# seed-003: a public cloud's native (OpenStack-compatible) "Creating an ECS"

UNSUPPORTED_003 = {
    # server field: the seed's words
    "config_drive": "config_drive: This function is not supported.",
    "OS-DCF:diskConfig": "OS-DCF:diskConfig: This function is not supported.",
    "auto_terminate_time": "auto_terminate_time is not supported now.",
    "host": "You cannot create an ECS on a specified host.",
    "hypervisor_hostname": "You cannot create an ECS on a specified host.",
}
RESERVED_HINTS_003 = ("different_host", "same_host", "cidr", "build_near_host_ip")


def r003_unsupported(body, ctx):
    server = body.get("server") or {}
    for k, msg in UNSUPPORTED_003.items():
        if k in server:
            raise Refuse(400, msg)


def r003_networks(body, ctx):
    server = body.get("server") or {}
    nets = server.get("networks")
    if not isinstance(nets, list) or not nets:
        raise Refuse(400, "networks is mandatory: a list of {port | uuid [, fixed_ip]}.")
    for n in nets:
        if not isinstance(n, dict):
            raise Refuse(400, "Invalid input for field/attribute networks.")
        if n.get("fixed_ip") == "":
            n.pop("fixed_ip")
        if n.get("port"):
            # port has the highest priority of port, uuid and fixed_ip
            n.pop("uuid", None)
            n.pop("fixed_ip", None)
        elif n.get("fixed_ip") and not n.get("uuid"):
            raise Refuse(400, "If fixed_ip is set, the network uuid must be specified.")


def r003_bdm(body, ctx):
    server = body.get("server") or {}
    for b in bdms(server):
        if not b.get("source_type"):
            raise Refuse(400, "block_device_mapping_v2.source_type is mandatory.")
        if b.get("destination_type", "volume") != "volume":
            raise Refuse(400, "block_device_mapping_v2.destination_type can only be volume.")
        b["destination_type"] = "volume"
        if "guest_format" in b:
            raise Refuse(400, "block_device_mapping_v2.guest_format: This function is not supported.")
        if b["source_type"] in ("image", "blank") and b.get("volume_size") in (None, ""):
            raise Refuse(400, "volume_size is mandatory when source_type is image or blank.")
        # discarded: the system generates the device name
        b.pop("device_name", None)
    if any(b.get("source_type") == "volume" for b in bdms(server)):
        if not any(str(b.get("boot_index", "-1")).strip() == "0" for b in bdms(server)):
            raise Refuse(400, "When source_type is volume, one device must have boot_index 0.")


def r003_batch(body, ctx):
    server = body.get("server") or {}
    lo, hi = counts(server)
    if max(lo or 1, hi or 1) > 1 and (bdms(server) or not server.get("imageRef")):
        raise Refuse(400, "ECSs cannot be created in batches when a volume is specified "
                          "(min_count/max_count need a specified image).")


def r003_hints(body, ctx):
    hints = body.get("os:scheduler_hints")
    if not isinstance(hints, dict):
        return
    for k in RESERVED_HINTS_003:
        if k in hints:
            raise Refuse(400, f"os:scheduler_hints.{k}: the function has not been supported (reserved).")
    tenancy = hints.get("tenancy", "shared")
    if tenancy not in ("shared", "dedicated"):
        raise Refuse(400, "os:scheduler_hints.tenancy must be shared or dedicated.")
    if "dedicated_host_id" in hints and tenancy != "dedicated":
        raise Refuse(400, "dedicated_host_id takes effect only when tenancy is dedicated.")
    if tenancy == "dedicated":
        raise Refuse(400, "No Dedicated Host (DeH) is available to this project.")


SEED_003 = Profile(
    "seed-003", "003", versions=("v2.1", "v2"), project_id="required", catalog_path="/v2.1/$(project_id)s",
    port_offset=3,
    not_modelled=(
        "System disks on shared block storage for image boots (visible as a volume; such servers not found by "
        "the `image` list filter).",
        "`availability_zone` \"mandatory\" (text) vs optional (table): not enforced.",
        "The `group` hint \"should\" be an anti-affinity group: advice, not enforced.",
        "The leading space of the response's `\" MANUAL\"` (a seed erratum, D§8.5).",
    ),
    rules=[
        Rule("003-path", "003 URI `POST /v2.1/{project_id}/servers`; \"Native APIs /v2/{project_id}/servers and "
             "/v2.1/{project_id}/servers\"; D§1.0, D§6",
             "Catalog compute endpoint `/v2.1/{project_id}`; `/v2.1/{project_id}/...` and `/v2/{project_id}/...` "
             "(Nova's legacy v2 compatible API) served; no project id: 404.", "path"),
        Rule("003-os-volumes_boot", "003 \"Alias of the API for creating ECSs: /v2/{project_id}/os-volumes_boot\"",
             "`POST /v2/{project_id}/os-volumes_boot` creates a server as `/servers` does (same rules).", "nova"),
        Rule("003-unsupported-fields", "003 Table 3: config_drive, OS-DCF:diskConfig (\"This function is not "
             "supported\"), auto_terminate_time (\"not supported now\"); \"You cannot create an ECS on a "
             "specified host\"; D§6",
             "`config_drive`, `OS-DCF:diskConfig`, `auto_terminate_time`, `host`, `hypervisor_hostname` in a "
             "create body: 400.", "create", r003_unsupported),
        Rule("003-networks", "003 Table 3 networks (Mandatory: Yes), Table 6; \"port ... has the highest "
             "priority. If parameter fixed_ip is set, you must specify the UUID\"; F-003 samples",
             "`networks` is required (a non-empty list; no \"auto\"/\"none\"); an entry with `port` uses the "
             "port (its `uuid`/`fixed_ip` are dropped); `fixed_ip` without `uuid`: 400; `\"fixed_ip\": \"\"` "
             "means none.", "create", r003_networks),
        Rule("003-bdm", "003 Table 4: source_type (Mandatory), destination_type (\"can only be volume\"), "
             "guest_format (\"not supported\"), device_name (\"discarded\"), volume_size (mandatory for "
             "image/blank), boot_index (\"If source_type ... is volume, there must be one boot_index whose "
             "value is 0\"); D§3",
             "BDM: `source_type` required; `destination_type` only `volume` (default volume); `guest_format` "
             "refused; `device_name` ignored (dropped); `volume_size` required for image/blank sources; a "
             "`volume` source needs a device with boot_index 0. Each violation: 400.", "create", r003_bdm),
        Rule("003-batch", "003 Table 3 block_device_mapping_v2 (\"not allowed to create ECSs in batches when "
             "the volume is specified\"), min_count/max_count (\"When you use a specified image\")",
             "`min_count`/`max_count` > 1 with a BDM or without `imageRef`: 400.", "create", r003_batch),
        Rule("003-string-numbers", "003 Table 4 boot_index (String), F-003 samples (`\"0\"`, `\"40\"`, "
             "`\"False\"`, `\"2\"`, `\"true\"`); D§8.4",
             "`boot_index`, `volume_size`, `min_count`, `max_count` as strings and `delete_on_termination`, "
             "`return_reservation_id` as string booleans are accepted.", "nova"),
        Rule("003-hints", "003 Table 7: different_host, same_host, cidr, build_near_host_ip (\"has not been "
             "supported, and this field is reserved\"); tenancy, dedicated_host_id",
             "Reserved hints: 400. `tenancy` is `shared` (default) or `dedicated`; `dedicated_host_id` only "
             "with `dedicated`; no Dedicated Host exists here, so `dedicated` is a 400.", "create", r003_hints),
        Rule("003-batch-reservation", "003 Creating ECSs in a batch; F-003-create-batch-resp",
             "`return_reservation_id` answers `{\"reservation_id\": ...}`.", "nova"),
    ])


# --------------------------------------------------------------------------
# seed-000: a public cloud's "Create VM" page (Nova-based, µv 2.67)


def r000_network_ip(body, ctx):
    server = body.get("server") or {}
    for n in networks(server):
        ips = []
        if "fixed_ips" in n:
            given = n.pop("fixed_ips")
            if not isinstance(given, list):
                raise Refuse(400, "Invalid input for field/attribute fixed_ips: an array.")
            for g in given:
                ip = g.get("ip_address") if isinstance(g, dict) else g
                if not isinstance(ip, str) or not ip:
                    raise Refuse(400, "Invalid input for field/attribute fixed_ips.")
                ips.append(ip)
        if "ip_address" in n:
            ips.append(n.pop("ip_address"))
        version = n.pop("ip_version", None)
        if version is not None and version not in (4, 6):
            raise Refuse(400, "ip_version must be 4 or 6.")
        if not ips:
            continue
        if not (n.get("uuid") or n.get("net_id")):
            raise Refuse(400, "If specifying an IP, a network uuid/net_id is also required.")
        if "net_id" in n:
            n["uuid"] = n.pop("net_id")
        if len(set(ips)) > 1 or (n.get("fixed_ip") and n["fixed_ip"] != ips[0]):
            raise Refuse(400, "One fixed IP address per network entry.")
        import ipaddress

        try:
            addr = ipaddress.ip_address(ips[0])
        except ValueError:
            raise Refuse(400, f"Invalid fixed IP address {ips[0]!r}.")
        if (version or 4) != addr.version:
            raise Refuse(400, f"{ips[0]} is not an IPv{version or 4} address.")
        n["fixed_ip"] = ips[0]


def r000_volume_type(body, ctx):
    for b in bdms(body.get("server") or {}):
        if "volume_type" in b and not (b.get("source_type") in ("blank", "image", "snapshot") and
                                       b.get("destination_type") == "volume"):
            raise Refuse(400, "volume_type is only allowed with source_type blank, image or snapshot and "
                              "destination_type volume.")


SEED_000 = Profile(
    "seed-000", "000", versions=("v2.1",), project_id="none", catalog_path="/v2.1", port_offset=0,
    not_modelled=(
        "`networks[].port_security_enabled` (2.42) and `networks[].security_groups` (2.67): a stand-in would "
        "have to create the port itself, which Nova then keeps after the server is deleted; refused by Nova "
        "(400) as unknown keys.",
        "`adminPass` only when `enable_instance_password` is True: Nova's default (True) applies.",
    ),
    rules=[
        Rule("000-path", "000 \"send a POST request to the /v2.1/servers endpoint\"; samples; D§1.0, D§6",
             "Catalog compute endpoint `/v2.1` without a project id; `/v2.1/{project_id}/...` and `/v2/...` "
             "are not served (404).", "path"),
        Rule("000-microversion", "000 note \"add X-OpenStack-Nova-API-Version: 2.67\"",
             "Microversions as Nova (2.67 and its fields: tags 2.52, volume_type 2.67, host 2.74).", "nova"),
        Rule("000-network-ips", "000 Body Parameters networks.fixed_ips, networks.ip_address, "
             "networks.ip_version; D§2.2, D§6",
             "Vendor keys `networks[].ip_address`, `networks[].fixed_ips` (array of addresses or "
             "`{ip_address}`), `networks[].ip_version` (4 or 6, default 4): the address needs the entry's "
             "`uuid` (or `net_id`), must match `ip_version`, one address per entry; it becomes the port's "
             "fixed IP. Violations: 400.", "create", r000_network_ip),
        Rule("000-volume_type", "000 block_device_mapping_v2.volume_type (\"only with source blank/image/"
             "snapshot and destination volume\"); D§3.2",
             "BDM `volume_type` with another source/destination: 400.", "create", r000_volume_type),
        Rule("000-string-numbers", "000 sample request (`\"boot_index\": \"0\"`, `\"volume_size\": \"10\"`); "
             "F-000-create-bfv", "`boot_index` and `volume_size` as digit strings are accepted.", "nova"),
    ])

PROFILES = {p.name: p for p in (SEED_000, SEED_001, SEED_002, SEED_003)}
UPSTREAM = "upstream"
NAMES = (UPSTREAM,) + tuple(sorted(PROFILES))


# --------------------------------------------------------------------------
# The proxy

PROJECT_ID = re.compile(r"^[0-9a-f]{32}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SERVER_ACTION = re.compile(r"^servers/([^/]+)/action$")


class Ctx:
    """What rules see of one request."""

    def __init__(self, app, req, version, project_id):
        self.app, self.req, self.version, self.project_id = app, req, version, project_id
        self.token = req.headers.get("X-Auth-Token")

    def nova(self, method, rest, body=None, version=None):
        """A request to Nova with the caller's token (at the caller's microversion)."""
        prefix = f"/{version or self.version}" + (f"/{self.project_id}" if self.project_id else "")
        headers = {"Accept": "application/json", "Host": self.req.host}
        if self.token:
            headers["X-Auth-Token"] = self.token
        mv = self.req.headers.get("X-OpenStack-Nova-API-Version")
        if mv:
            headers["X-OpenStack-Nova-API-Version"] = mv
        r = webob.Request.blank(f"{prefix}/{rest}", method=method, headers=headers)
        if body is not None:
            r.body = json.dumps(body).encode()
            r.content_type = "application/json"
        return r.get_response(self.app.nova_app)

    def server(self, server_id):
        r = self.nova("GET", f"servers/{server_id}", version="v2.1")
        if r.status_int != 200:
            return None
        return r.json.get("server")


class ProfileApp:
    """One profile's proxy: a WSGI app in front of Nova's WSGI app."""

    def __init__(self, profile, nova_app, neutron=None):
        self.profile, self.nova_app, self.neutron = profile, nova_app, neutron
        self.live_resizes = set()
        self.lock = threading.Lock()

    # --- fixture lookups for rules
    def subnet_network(self, subnet_id):
        sub = (getattr(self.neutron, "_subnets", None) or {}).get(subnet_id)
        return sub and sub.get("network_id")

    def free_ip(self, subnet_id):
        import ipaddress

        sub = (getattr(self.neutron, "_subnets", None) or {}).get(subnet_id)
        if not sub:
            return None
        used = {ip["ip_address"] for p in list(self.neutron._ports.values()) for ip in p.get("fixed_ips", [])}
        net = ipaddress.ip_network(sub["cidr"], strict=False)
        for host in net.hosts():
            if int(host) - int(net.network_address) >= 10 and str(host) not in used:
                return str(host)
        return None

    # --- live resize: Nova's resize, confirmed by the cloud as soon as it is ready
    def start_live_resize(self, ctx, server_id):
        with self.lock:
            self.live_resizes.add(server_id)

        def run():
            deadline = time.time() + 300
            confirmed = False
            try:
                while time.time() < deadline:
                    s = ctx.server(server_id)
                    if s is None or s.get("status") == "ERROR":
                        return
                    if s.get("status") == "VERIFY_RESIZE" and not confirmed:
                        r = ctx.nova("POST", f"servers/{server_id}/action", {"confirmResize": None}, "v2.1")
                        confirmed = r.status_int in (202, 204)
                    elif s.get("status") == "ACTIVE" and not s.get("OS-EXT-STS:task_state") and confirmed:
                        return
                    time.sleep(0.3)
            finally:
                with self.lock:
                    self.live_resizes.discard(server_id)

        threading.Thread(target=run, daemon=True, name=f"live-resize-{server_id}").start()

    # --- responses
    def error(self, code, message):
        title = webob.exc.status_map.get(code, webob.exc.HTTPInternalServerError).title
        r = webob.Response(status=code, content_type="application/json", charset="utf-8")
        r.body = json.dumps(self.profile.error_body(code, message, title)).encode()
        return r

    def reshape_error(self, resp):
        if resp.status_int < 400 or self.profile.error_body is nova_error:
            return resp
        message = resp.text if resp.body else resp.status
        try:
            body = json.loads(resp.body) if resp.body else None
        except ValueError:
            body = None
        if isinstance(body, dict) and len(body) == 1:
            inner = next(iter(body.values()))
            if isinstance(inner, dict) and "message" in inner:
                message = inner["message"]
        out = self.error(resp.status_int, str(message))
        for h in ("X-Compute-Request-Id", "X-Openstack-Request-Id", "WWW-Authenticate",
                  "X-OpenStack-Nova-API-Version", "OpenStack-API-Version", "Vary"):
            if h in resp.headers:
                out.headers[h] = resp.headers[h]
        return out

    def rewrite_body(self, resp, ctx):
        views = self.profile.hooks("view")
        if not views or resp.status_int >= 400 or "json" not in (resp.content_type or "") or not resp.body:
            return resp
        body = resp.json
        servers = servers_of(body)
        if not servers:
            return resp
        for s in servers:
            for rule in views:
                rule.fn(s, ctx)
        resp.body = json.dumps(body).encode()
        return resp

    # --- routing
    def route(self, req):
        """(version, project_id, rest) of a path the profile serves, else None."""
        parts = [p for p in req.path_info.split("/") if p]
        if not parts or parts[0] not in self.profile.versions:
            return None
        version, rest = parts[0], parts[1:]
        pid = None
        if rest and PROJECT_ID.match(rest[0]):
            pid, rest = rest[0], rest[1:]
        mode = self.profile.project_id
        if (mode == "required" and pid is None) or (mode == "none" and pid is not None):
            return None
        return version, pid, "/".join(rest)

    def versions_document(self, req):
        r = webob.Request.blank("/", headers={"Accept": "application/json", "Host": req.host})
        resp = r.get_response(self.nova_app)
        body = resp.json
        ids = {"v2": "v2.0", "v2.1": "v2.1"}
        wanted = {ids[v] for v in self.profile.versions}
        body["versions"] = [v for v in body.get("versions", []) if v.get("id") in wanted]
        resp.body = json.dumps(body).encode()
        return resp

    @webob.dec.wsgify
    def __call__(self, req):
        if req.path_info in ("", "/"):
            return self.versions_document(req)
        routed = self.route(req)
        if routed is None:
            return self.error(404, "The resource could not be found.")
        version, pid, rest = routed
        ctx = Ctx(self, req, version, pid)
        try:
            return self.handle(req, ctx, version, pid, rest)
        except Refuse as e:
            return self.error(e.code, e.message)

    def handle(self, req, ctx, version, pid, rest):
        body = None
        if req.body and "json" in (req.content_type or "application/json"):
            try:
                body = json.loads(req.body)
            except ValueError:
                body = None
        query = list(req.GET.items())
        changed = False
        if req.method == "POST" and rest in ("servers", "os-volumes_boot") and isinstance(body, dict):
            for rule in self.profile.hooks("create"):
                rule.fn(body, ctx)
            changed = True
        elif req.method == "POST" and rest == "os-server-groups" and isinstance(body, dict):
            for rule in self.profile.hooks("group"):
                rule.fn(body, ctx)
            changed = True
        elif req.method == "POST" and SERVER_ACTION.match(rest) and isinstance(body, dict) and len(body) == 1:
            action = next(iter(body))
            server_id = SERVER_ACTION.match(rest).group(1)
            for rule in self.profile.hooks(f"action:{action}"):
                answer = rule.fn(body, ctx, server_id)
                if answer is not None:
                    return self.reshape_error(answer)
        elif req.method == "GET" and rest in ("servers", "servers/detail"):
            before = list(query)
            for rule in self.profile.hooks("query"):
                rule.fn(query, ctx)
            changed = query != before
        # forward to Nova in-process, on the same version and project prefix
        env = dict(req.environ)
        for k in [k for k in env if k.startswith("webob.")]:
            del env[k]
        inner = webob.Request(env)
        inner.script_name = ""
        inner.path_info = f"/{version}" + (f"/{pid}" if pid else "") + (f"/{rest}" if rest else "")
        if changed:
            from urllib.parse import urlencode

            inner.query_string = urlencode(query)
            if body is not None and req.method == "POST":
                inner.body = json.dumps(body).encode()
        resp = inner.get_response(self.nova_app)
        resp = self.rewrite_body(resp, ctx)
        return self.reshape_error(resp)


# --------------------------------------------------------------------------
# PROFILES.md

HOOK_WORDS = {"path": "routing", "nova": "Nova below (checked)", "error": "error shape", "create": "create body",
              "group": "server group create body",
              "query": "listing query", "view": "server bodies"}


def markdown():
    out = ["# Vendor profiles of the local cloud", "",
           "Generated by `python -m novacloud.profiles > PROFILES.md` from "
           "`novacloud/profiles.py`; do not edit by hand.", "",
           "`acceptance-tests/cloud/start --profile NAME[,NAME...]` starts the cloud with those profiles. "
           "`upstream` (seed 004, the default) is Nova itself, with no proxy. Every other profile is a "
           "translating proxy in the Nova process, on port `port base + 6 + offset`, in front of the real "
           "Nova API. The first profile named is the cloud's `RegionOne` compute endpoint; each non-upstream "
           "profile also has a Keystone region of its own name (with every service of the cloud) and "
           "`clouds.yaml` entries `admin-NAME` and `demo-NAME`. `cloud.json` records `profile` and `profiles`.",
           "",
           "Seed references: 000..004 are the documents in the shared seed directory; \"D§n\" is a section "
           "of its DIGEST.md. \"Where\" says which part of the proxy enforces the rule; \"Nova below\" means the "
           "real Nova already behaves as the seed says and `test_profiles.py` checks it through the proxy.", ""]
    out += ["## upstream (seed 004)", "",
            "No proxy, no change: the catalog's compute endpoint is Nova's `/v2.1`, and the cloud behaves "
            "exactly as without `--profile`.", ""]
    for name in sorted(PROFILES):
        p = PROFILES[name]
        out += [f"## {name} (seed {p.seed})", "",
                f"Port offset {p.port_offset}; catalog compute endpoint `{p.catalog_path}`; versions "
                f"{', '.join('`/' + v + '`' for v in p.versions)}; project id in paths: {p.project_id}; "
                f"deferred delete: {'on' if p.soft_delete else 'as the cloud was started'}.", "",
                "| Rule | Where | What | Seed |", "|---|---|---|---|"]
        for r in p.rules:
            where = HOOK_WORDS.get(r.hook, r.hook.replace("action:", "action "))
            text, cite = r.text.replace("|", "\\|"), r.cite.replace("|", "\\|")
            out.append(f"| {r.rid} | {where} | {text} | {cite} |")
        out.append("")
        if p.not_modelled:
            out += ["Not modelled:", ""] + [f"- {x}" for x in p.not_modelled] + [""]
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown())
