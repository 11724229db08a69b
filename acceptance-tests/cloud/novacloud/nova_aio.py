"""All Nova services in one process, in native-threading mode.

Runs the real compute API (api-paste pipeline with keystonemiddleware), the
conductor, the scheduler and K nova-compute services on the fake virt driver,
sharing the oslo.messaging ``fake://`` transport. Glance, Neutron and Cinder
are Nova's own test fixtures; their state is also served over small REST APIs
(image v2, network v2.0, volume v3) so clients can look things up.
"""
import os

os.environ.setdefault("OS_NOVA_DISABLE_EVENTLET_PATCHING", "1")
from nova import monkey_patch  # noqa: E402

monkey_patch.patch(backend="threading")

import argparse  # noqa: E402
import copy  # noqa: E402
import datetime  # noqa: E402
import ipaddress  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import uuid  # noqa: E402

import fixtures  # noqa: E402
import waitress  # noqa: E402
import webob  # noqa: E402
import webob.dec  # noqa: E402
import webob.exc  # noqa: E402
from oslo_config import cfg  # noqa: E402

CONF = cfg.CONF


class Harness(fixtures.Fixture):
    """What Nova's fixtures expect of a test case: useFixture, stub_out, flags."""

    def stub_out(self, old, new):
        self.useFixture(fixtures.MonkeyPatch(old, new))

    def flags(self, **kw):
        from nova.tests.fixtures import conf as conf_fixtures  # noqa: F401
        from nova.tests import fixtures as nova_fixtures

        group = kw.pop("group", None)
        self.useFixture(nova_fixtures.ConfPatcher(group=group, **kw))


def make_neutron(harness):
    from nova.tests.fixtures import neutron as nf

    class LocalNeutron(nf.NeutronFixture):
        """Nova's Neutron fixture with a shared network and real IP allocation."""

        def __init__(self, test):
            super().__init__(test)
            net = copy.deepcopy(self.network_1)
            net["shared"] = True
            net["subnets"] = [self.subnet_1["id"]]
            self._networks = {net["id"]: net}
            self._subnets = {self.subnet_1["id"]: copy.deepcopy(self.subnet_1)}
            # a second network for multi-NIC servers
            net2 = copy.deepcopy(net)
            net2.update({"id": "9a6a8bf0-6c1b-4c3b-a1d8-0e9b21d4f3a7", "name": "data", "subnets": [
                "0d3c1f4e-8a55-4b7e-9d7c-2a6b1f1e5c90"]})
            sub2 = copy.deepcopy(self.subnet_1)
            sub2.update({"id": "0d3c1f4e-8a55-4b7e-9d7c-2a6b1f1e5c90", "name": "data-subnet",
                         "network_id": net2["id"], "cidr": "10.20.0.0/24", "gateway_ip": "10.20.0.1",
                         "allocation_pools": [{"start": "10.20.0.2", "end": "10.20.0.254"}]})
            self._networks[net2["id"]] = net2
            self._subnets[sub2["id"]] = sub2
            self._lock = threading.Lock()
            # remove the fixture's canned ports: every port here is created for real
            self._ports = {}
            # a second security group, for servers that change theirs
            web = copy.deepcopy(self.security_group)
            web.update({"id": WEB_SECURITY_GROUP_ID, "name": "web", "description": "web servers",
                        "security_group_rules": []})
            self._security_groups[web["id"]] = web

        def list_security_groups(self, retrieve_all=True, **params):
            """The groups here are shared with every project (as groups an
            administrator shares through RBAC are): a project filter keeps
            them all."""
            for k in ("tenant_id", "project_id"):
                params.pop(k, None)
            return super().list_security_groups(retrieve_all, **params)

        def find_resource(self, resource, name_or_id, project_id=None, cmd_resource=None,
                          parent_id=None, fields=None):
            """As neutronclient finds a resource by ID, else by unique name
            (Nova adds and removes security groups through it). One set of
            groups serves every project here."""
            from neutronclient.common import exceptions as n_exc

            store = {"security_group": self._security_groups, "network": self._networks,
                     "subnet": self._subnets, "port": self._ports}.get(resource, {})
            if name_or_id in store:
                return {"id": name_or_id}
            named = [x for x in store.values() if x.get("name") == name_or_id]
            if len(named) > 1:
                raise n_exc.NeutronClientNoUniqueMatch(resource=resource, name=name_or_id)
            if not named:
                raise n_exc.NotFound(message=f"Unable to find {resource} with name or id '{name_or_id}'")
            return {"id": named[0]["id"]}

        def _allocate(self, network_id, wanted):
            used = {ip["ip_address"] for p in self._ports.values() for ip in p.get("fixed_ips", [])}
            subnets = [s for s in self._subnets.values() if s["network_id"] == network_id]
            out = []
            for w in wanted or [{}]:
                if w.get("ip_address"):
                    if w["ip_address"] in used:
                        raise nf.neutron_client_exc.IpAddressAlreadyAllocatedClient(
                            "IP address %s already allocated" % w["ip_address"])
                    sub = next(
                        (s for s in subnets if ipaddress.ip_address(w["ip_address"]) in
                         ipaddress.ip_network(s["cidr"], strict=False)), subnets[0])
                    out.append({"ip_address": w["ip_address"], "subnet_id": sub["id"]})
                    continue
                sub = next((s for s in subnets if s["id"] == w.get("subnet_id")), subnets[0])
                net = ipaddress.ip_network(sub["cidr"], strict=False)
                for host in net.hosts():
                    ip = str(host)
                    if int(host) - int(net.network_address) < 10 or ip in used:
                        continue
                    out.append({"ip_address": ip, "subnet_id": sub["id"]})
                    used.add(ip)
                    break
            return out

        def create_port(self, body=None):
            req = copy.deepcopy((body or {}).get("port", {}))
            with self._lock:
                port = copy.deepcopy(self.port_1)
                port.update(req)
                if req.get("tenant_id"):
                    # Neutron keeps the two names of the owner equal
                    port["project_id"] = req["tenant_id"]
                port.update({
                    "id": str(uuid.uuid4()),
                    "mac_address": "fa:16:3e:" + ":".join("%02x" % random.randint(0, 255) for _ in range(3)),
                    "status": "DOWN",
                    "device_id": req.get("device_id", ""),
                    "device_owner": req.get("device_owner", ""),
                    "binding:host_id": req.get("binding:host_id"),
                })
                port["fixed_ips"] = self._allocate(port["network_id"], req.get("fixed_ips"))
                port.setdefault("security_groups", [self.security_group["id"]])
                self._ports[port["id"]] = port
                return {"port": copy.deepcopy(port)}

        def update_port(self, port_id, body=None):
            with self._lock:
                return super().update_port(port_id, body)

        def delete_port(self, port_id, **_params):
            with self._lock:
                return super().delete_port(port_id, **_params)

    return harness.useFixture(LocalNeutron(harness))


WEB_SECURITY_GROUP_ID = "6f2b7e0a-3c1d-4f5e-9a8b-7c6d5e4f3a2b"

VOLUME_TYPES = [
    {"id": "5f9204ec-3e94-4f27-9beb-fe7bb73b6eb9", "name": "lvm-1"},
    {"id": "b2a4ec37-1b9b-4a5a-9a3e-2f8c1f2e7d11", "name": "fast"},
]
DEFAULT_VOLUME_TYPE = "lvm-1"
# how long a snapshot's upload from the compute host to the image API takes
SNAPSHOT_UPLOAD_SECONDS = 2.0


def install_fixtures(harness, spawn_delay):
    from nova.tests.fixtures import cinder as cf
    from nova.tests.fixtures import glance as gf
    from nova.tests import fixtures as nova_fixtures

    harness.useFixture(nova_fixtures.DatabaseWriteLock())
    glance = harness.useFixture(gf.GlanceFixture(harness))
    # a friendly name for the image most tests use
    glance.images["155d900f-4e14-4e4c-a73d-069cbf4541e6"]["name"] = "cirros"
    neutron = make_neutron(harness)
    cinder = harness.useFixture(cf.CinderFixture(harness))
    harness.stub_out("nova.volume.cinder.API.get_all_volume_types", lambda *a, **k: copy.deepcopy(VOLUME_TYPES))

    # Volumes Nova creates for block device mappings keep what Cinder keeps:
    # the name asked for (Nova's are empty or "<server>-blank-vol"), the
    # type (the default one when none is asked for) and their source.
    real_vol_create = cinder.fake_vol_create

    def vol_create(_api, ctxt, size, name, description, snapshot=None, image_id=None, volume_type=None,
                   metadata=None, availability_zone=None):
        vol = real_vol_create(ctxt, size, name, description, snapshot=snapshot, image_id=image_id,
                              volume_type=volume_type, metadata=metadata, availability_zone=availability_zone)
        vol["display_name"] = name or ""
        vol["volume_type"] = volume_type or DEFAULT_VOLUME_TYPE
        if image_id:
            vol["volume_image_metadata"] = {"image_id": image_id}
        if snapshot:
            vol["snapshot_id"] = snapshot["id"] if isinstance(snapshot, dict) else snapshot
        return vol

    harness.stub_out("nova.volume.cinder.API.create", vol_create)

    # The fake driver never records device metadata (the libvirt driver does
    # on spawn and attach), and detaching a tagged device reads it: give the
    # manager the empty metadata a real driver would have.
    from nova.compute import manager as compute_manager

    real_delete_disk_metadata = compute_manager.ComputeManager._delete_disk_metadata

    def delete_disk_metadata(self, instance, bdm):
        if instance.device_metadata is None:
            return
        return real_delete_disk_metadata(self, instance, bdm)

    harness.stub_out("nova.compute.manager.ComputeManager._delete_disk_metadata", delete_disk_metadata)

    # A compute host that fails chosen actions, as a broken hypervisor
    # does: a server whose metadata has `test-fail-actions` (a comma list of
    # driver calls: detach_volume, attach_volume, detach_interface, power_off,
    # resize, spawn) gets an error from the virt driver for those calls, and
    # Nova records the failure in the instance action's events (spawn: set
    # on a running server, its rebuild or evacuation fails on the host).
    from nova import exception as nova_exc
    from nova.virt import fake as fake_driver

    def failing(name, real):
        def call(self, *a, **k):
            instance = k.get("instance") or next(
                (x for x in a if hasattr(x, "metadata") and hasattr(x, "uuid")), None)
            wanted = ((instance.metadata or {}).get("test-fail-actions", "") if instance else "")
            if name in [w.strip() for w in wanted.split(",")]:
                raise nova_exc.NovaException(f"{name} failed on the compute host (test-fail-actions)")
            return real(self, *a, **k)
        return call

    for name, attr in [("attach_volume", "attach_volume"), ("detach_interface", "detach_interface"),
                       ("power_off", "power_off"), ("resize", "migrate_disk_and_power_off"),
                       ("spawn", "spawn")]:
        harness.stub_out(f"nova.virt.fake.FakeDriver.{attr}",
                         failing(name, getattr(fake_driver.FakeDriver, attr)))
    # all hosts share one process here, so Nova skips the driver's detach
    # ("registered to the remote host"): detaches fail one level up, and the
    # volume goes back to in-use as Nova's own error path does
    real_detach = compute_manager.ComputeManager._detach_volume

    def detach_volume(self, context, bdm, instance, *a, **k):
        wanted = (instance.metadata or {}).get("test-fail-actions", "")
        if "detach_volume" in [w.strip() for w in wanted.split(",")]:
            self.volume_api.roll_detaching(context, bdm.volume_id)
            raise nova_exc.NovaException("detach_volume failed on the compute host (test-fail-actions)")
        return real_detach(self, context, bdm, instance, *a, **k)

    harness.stub_out("nova.compute.manager.ComputeManager._detach_volume", detach_volume)

    # A cloud that confirms resizes itself (resize_confirm_window), at once:
    # a server whose metadata has `test-auto-confirm-resize` is confirmed by
    # the cloud as soon as its resize is finished.
    real_finish_resize = compute_manager.ComputeManager.finish_resize

    def finish_resize(self, context, disk_info, image, instance, migration, request_spec):
        real_finish_resize(self, context, disk_info, image, instance, migration, request_spec)
        if (instance.metadata or {}).get("test-auto-confirm-resize"):
            def confirm():
                from nova import objects
                from nova.compute import api as compute_api

                ctxt = context.elevated()
                inst = objects.Instance.get_by_uuid(ctxt, instance.uuid)
                compute_api.API().confirm_resize(ctxt, inst)

            threading.Thread(target=confirm, daemon=True).start()

    harness.stub_out("nova.compute.manager.ComputeManager.finish_resize", finish_resize)

    # Glance's rules for images Nova makes. An image created without data
    # is `queued` with no size (Glance activates one at once only when data
    # comes with it, or when Nova forces an empty one active with size 0, as
    # for volume-backed snapshots); the fixture makes every image `active`
    # at once. A snapshot's data then comes from the compute host: the
    # image is `saving` while it uploads and `active` with its size and
    # formats when done, as the libvirt driver and Glance do it.
    real_image_create = glance.create

    def image_create(context, metadata, data=None):
        queued = data is None and "status" not in metadata and metadata.get("size") != 0
        image = real_image_create(context, metadata, data)
        if queued:
            image["status"] = "queued"
            image["size"] = None
            glance.images[image["id"]].update(status="queued", size=None)
        return image

    glance.create = image_create

    from nova.compute import task_states

    def snapshot(self, context, instance, image_id, update_task_state):
        if instance.uuid not in self.instances:
            raise nova_exc.InstanceNotRunning(instance_id=instance.uuid)
        update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD)
        update_task_state(task_state=task_states.IMAGE_UPLOADING,
                          expected_state=task_states.IMAGE_PENDING_UPLOAD)
        glance.update(context, image_id, {"status": "saving"}, purge_props=False)
        time.sleep(SNAPSHOT_UPLOAD_SECONDS)
        glance.update(context, image_id, {"status": "active", "size": 12716032, "disk_format": "qcow2",
                                          "container_format": "bare", "updated_at": datetime.datetime.utcnow()},
                      purge_props=False)

    harness.stub_out("nova.virt.fake.FakeDriver.snapshot", snapshot)

    # A cloud that does not offload shelved servers by itself
    # (`shelved_offload_time` = -1), for one server: a server whose metadata
    # has `test-keep-shelved` stays SHELVED after a shelve, until a
    # shelveOffload. Every other server is offloaded at once, as this
    # cloud's shelved_offload_time (0, Nova's default) has it.
    shelving = threading.local()
    real_shelve = compute_manager.ComputeManager._shelve_instance
    real_offload = compute_manager.ComputeManager._shelve_offload_instance

    def shelve_instance(self, context, instance, *a, **k):
        shelving.keep = bool((instance.metadata or {}).get("test-keep-shelved"))
        try:
            return real_shelve(self, context, instance, *a, **k)
        finally:
            shelving.keep = False

    def shelve_offload_instance(self, context, instance, *a, **k):
        if getattr(shelving, "keep", False):
            # the offload that follows the shelve: skipped, as with
            # shelved_offload_time = -1
            instance.task_state = None
            instance.save(expected_task_state=[task_states.SHELVING_OFFLOADING])
            return
        return real_offload(self, context, instance, *a, **k)

    harness.stub_out("nova.compute.manager.ComputeManager._shelve_instance", shelve_instance)
    harness.stub_out("nova.compute.manager.ComputeManager._shelve_offload_instance", shelve_offload_instance)

    if spawn_delay > 0:
        from nova.virt import fake

        real_spawn = fake.FakeDriver.spawn

        def slow_spawn(self, *a, **k):
            time.sleep(spawn_delay)
            return real_spawn(self, *a, **k)

        harness.stub_out("nova.virt.fake.FakeDriver.spawn", slow_spawn)
    return glance, neutron, cinder


# --------------------------------------------------------------------------
# REST views of the fixture state


def jresp(body, status=200):
    r = webob.Response(status=status, content_type="application/json", charset="utf-8")
    r.body = json.dumps(body, default=str).encode()
    return r


def not_found(what, api="volume"):
    """A 404 in the shape each real service answers it."""
    message = f"{what} could not be found."
    if api == "image":
        # Glance: webob's JSON error page
        return jresp({"code": "404 Not Found", "title": "Not Found",
                      "message": f"The resource could not be found.<br /><br />\n{message}\n\n   "}, 404)
    if api == "network":
        kind = what.split(" ")[0].replace("_", " ").title().replace(" ", "") or "Resource"
        return jresp({"NeutronError": {"type": f"{kind}NotFound", "message": message, "detail": ""}}, 404)
    return jresp({"itemNotFound": {"message": message, "code": 404}}, 404)


def isoformat(v):
    return v.strftime("%Y-%m-%dT%H:%M:%SZ") if hasattr(v, "strftime") else v


def page(items, req, limit, key=lambda i: i["id"]):
    """One page of `items` as the OpenStack services cut them: after the
    `marker` item, at most `limit` (the smaller of the asked and the
    service's own); the next marker when more follow."""
    asked = req.GET.get("limit")
    if asked is not None:
        try:
            asked = int(asked)
        except ValueError:
            raise webob.exc.HTTPBadRequest("limit must be an integer")
        if asked < 0:
            raise webob.exc.HTTPBadRequest("limit must be non-negative")
    n = min(x for x in (asked, limit) if x is not None) if (asked is not None or limit) else None
    marker = req.GET.get("marker")
    if marker is not None:
        ids = [key(i) for i in items]
        if marker not in ids:
            raise webob.exc.HTTPBadRequest(f"marker {marker} not found")
        items = items[ids.index(marker) + 1:]
    if n is None or len(items) <= n:
        return items, None
    return items[:n], key(items[n - 1])


class ImageAPI:
    def __init__(self, glance, page_size=25):
        self.glance = glance
        # Glance's limit_param_default
        self.page_size = page_size

    def view(self, img):
        out = {
            "id": img["id"], "name": img.get("name"), "status": img.get("status", "active"),
            "visibility": img.get("visibility", "public"), "disk_format": img.get("disk_format"),
            "container_format": img.get("container_format"), "size": img.get("size"),
            "min_ram": img.get("min_ram", 0), "min_disk": img.get("min_disk", 0),
            "created_at": isoformat(img.get("created_at")), "updated_at": isoformat(img.get("updated_at")),
            "tags": img.get("tags", []), "protected": img.get("protected", False),
            "self": f"/v2/images/{img['id']}", "schema": "/v2/schemas/image",
        }
        for k, v in (img.get("properties") or {}).items():
            out.setdefault(k, v)
        return out

    @webob.dec.wsgify
    def __call__(self, req):
        parts = [p for p in req.path_info.split("/") if p]
        if not parts:
            return jresp({"versions": [{"id": "v2.16", "status": "CURRENT",
                                        "links": [{"rel": "self", "href": req.host_url + "/v2/"}]}]}, 300)
        if parts[:2] != ["v2", "images"]:
            return not_found("Resource", "image")
        images = sorted(self.glance.images.values(), key=lambda i: (isoformat(i.get("created_at")) or "", i["id"]))
        if len(parts) == 3:
            img = self.glance.images.get(parts[2])
            if not img:
                return not_found(f"Image {parts[2]}", "image")
            if req.method == "DELETE":
                # as Glance: a protected image stays (403), any other goes (204)
                if img.get("protected"):
                    return jresp({"message": f"Image {parts[2]} is protected and cannot be deleted.",
                                  "code": 403, "title": "Forbidden"}, 403)
                self.glance.images.pop(parts[2], None)
                return webob.Response(status=204)
            if req.method != "GET":
                return jresp({"message": "The method is not allowed for the requested URL.",
                              "code": 405, "title": "Method Not Allowed"}, 405)
            return jresp(self.view(img))
        if req.method != "GET":
            return jresp({"message": "The method is not allowed for the requested URL.",
                          "code": 405, "title": "Method Not Allowed"}, 405)
        for key in ("name", "status", "visibility", "id"):
            if key in req.GET:
                images = [i for i in images if str(i.get(key, "active" if key == "status" else None)) == req.GET[key]]
        try:
            images, last = page(images, req, self.page_size)
        except webob.exc.HTTPBadRequest as e:
            return jresp({"message": str(e), "code": 400, "title": "Bad Request"}, 400)
        body = {"images": [self.view(i) for i in images], "first": "/v2/images", "schema": "/v2/schemas/images"}
        if last:
            q = [(k, v) for k, v in req.GET.items() if k != "marker"] + [("marker", last)]
            body["next"] = "/v2/images?" + urllib.parse.urlencode(q)
        return jresp(body)


class NetworkAPI:
    collections = {"networks": "_networks", "subnets": "_subnets", "ports": "_ports",
                   "security-groups": "_security_groups"}

    def __init__(self, neutron, page_size=None):
        self.neutron = neutron
        # Neutron's pagination_max_limit (unlimited by default)
        self.page_size = page_size

    @webob.dec.wsgify
    def __call__(self, req):
        parts = [p for p in req.path_info.split("/") if p]
        if not parts:
            return jresp({"versions": [{"id": "v2.0", "status": "CURRENT",
                                        "links": [{"rel": "self", "href": req.host_url + "/v2.0/"}]}]})
        if parts[0] != "v2.0" or len(parts) < 2 or parts[1] not in self.collections:
            return not_found("Resource", "network")
        coll = parts[1]
        single = coll[:-1].replace("security-group", "security_group")
        store = getattr(self.neutron, self.collections[coll])
        if len(parts) == 3:
            item = store.get(parts[2])
            if req.method == "DELETE" and coll == "ports":
                if not item:
                    return not_found(f"Port {parts[2]}", "network")
                self.neutron.delete_port(parts[2])
                return webob.Response(status=204)
            return jresp({single: item}) if item else not_found(f"{single} {parts[2]}", "network")
        if req.method == "POST" and coll == "ports":
            return jresp(self.neutron.create_port(req.json), 201)
        items = list(store.values())
        # as Neutron does: a filter given several times matches any of its values
        for k, values in req.GET.dict_of_lists().items():
            if k in ("fields", "limit", "marker"):
                continue
            wanted = {v.lower() for v in values}
            items = [i for i in items if str(i.get(k)).lower() in wanted]
        name = coll.replace("-", "_")
        items.sort(key=lambda i: i["id"])
        try:
            items, last = page(items, req, self.page_size)
        except webob.exc.HTTPBadRequest as e:
            return jresp({"NeutronError": {"type": "BadRequest", "message": str(e), "detail": ""}}, 400)
        # as Neutron does: `fields` (given once per attribute) keeps only
        # the attributes asked for
        fields = req.GET.getall("fields")
        if fields:
            items = [{k: v for k, v in i.items() if k in fields} for i in items]
        body = {name: items}
        if last:
            q = [(k, v) for k, v in req.GET.items() if k != "marker"] + [("marker", last)]
            body[f"{name}_links"] = [{"rel": "next", "href": req.host_url + req.path + "?" + urllib.parse.urlencode(q)}]
        return jresp(body)


class VolumeAPI:
    def __init__(self, cinder, page_size=1000):
        self.cinder = cinder
        # Cinder's osapi_max_limit
        self.page_size = page_size

    def view(self, vid):
        v = self.cinder.fake_get(None, vid)
        attached = [
            {"server_id": a["instance_uuid"], "attachment_id": a["id"], "volume_id": vid, "id": vid}
            for a in self.cinder.volume_to_attachment.get(vid, {}).values()
        ]
        return {
            "id": vid, "name": v.get("display_name"), "description": v.get("display_description"),
            "size": v.get("size"), "status": "in-use" if attached else v.get("status", "available"),
            "availability_zone": v.get("availability_zone", "nova"), "volume_type": v.get("volume_type", DEFAULT_VOLUME_TYPE),
            "bootable": "true" if v.get("volume_image_metadata") else "false", "attachments": attached,
            "multiattach": v.get("multiattach", False), "metadata": v.get("metadata") or {},
            "snapshot_id": v.get("snapshot_id"),
            **({"volume_image_metadata": v["volume_image_metadata"]} if v.get("volume_image_metadata") else {}),
        }

    MIN_VERSION, MAX_VERSION = (3, 0), (3, 70)

    @webob.dec.wsgify
    def __call__(self, req):
        """Cinder's microversions: `OpenStack-API-Version: volume 3.N` is
        honoured between 3.0 and 3.70 (406 outside), 3.0 when not asked,
        and every answer says which version it speaks."""
        asked = (req.headers.get("OpenStack-API-Version") or "").split()
        version = self.MIN_VERSION
        if len(asked) == 2 and asked[0] == "volume":
            try:
                major, minor = (int(x) for x in asked[1].split("."))
            except ValueError:
                return jresp({"computeFault": {"message": f"Invalid API version {asked[1]}", "code": 400}}, 400)
            if not self.MIN_VERSION <= (major, minor) <= self.MAX_VERSION:
                return jresp({"computeFault": {
                    "message": f"Version {asked[1]} is not supported by the API. Minimum is 3.0 and maximum is 3.70.",
                    "code": 406}}, 406)
            version = (major, minor)
        resp = self.handle(req)
        resp.headers["OpenStack-API-Version"] = "volume %d.%d" % version
        resp.headers["Vary"] = "OpenStack-API-Version"
        return resp

    def handle(self, req):
        parts = [p for p in req.path_info.split("/") if p]
        if not parts:
            return jresp({"versions": [{"id": "v3.0", "status": "CURRENT", "min_version": "3.0",
                                        "version": "3.70"}]}, 300)
        if parts[0] != "v3" or len(parts) < 3:
            return not_found("Resource")
        rest = parts[2:]
        if rest == ["types"]:
            return jresp({"volume_types": [dict(t, is_public=True, extra_specs={}) for t in VOLUME_TYPES]})
        if rest == ["types", "default"]:
            t = next(t for t in VOLUME_TYPES if t["name"] == DEFAULT_VOLUME_TYPE)
            return jresp({"volume_type": dict(t, is_public=True, extra_specs={})})
        if rest[0] != "volumes":
            return not_found("Resource")
        if len(rest) == 1 or rest[1] == "detail":
            if req.method == "POST":
                b = req.json.get("volume", {})
                vtype = b.get("volume_type")
                if vtype and vtype not in {t["name"] for t in VOLUME_TYPES} | {t["id"] for t in VOLUME_TYPES}:
                    return jresp({"badRequest": {"message": f"Volume type {vtype} could not be found.",
                                                 "code": 400}}, 400)
                vol = self.cinder.fake_vol_create(None, b.get("size", 1), b.get("name"), b.get("description"),
                                                  image_id=b.get("imageRef"), volume_type=vtype,
                                                  metadata=b.get("metadata"),
                                                  availability_zone=b.get("availability_zone"))
                vol["volume_type"] = vtype or DEFAULT_VOLUME_TYPE
                if b.get("imageRef"):
                    vol["volume_image_metadata"] = {"image_id": b["imageRef"]}
                return jresp({"volume": self.view(vol["id"])}, 202)
            vols = sorted((self.view(v) for v in list(self.cinder.volumes)), key=lambda v: v["id"])
            try:
                vols, last = page(vols, req, self.page_size)
            except webob.exc.HTTPBadRequest as e:
                return jresp({"badRequest": {"message": str(e), "code": 400}}, 400)
            body = {"volumes": vols}
            if last:
                q = [(k, v) for k, v in req.GET.items() if k != "marker"] + [("marker", last)]
                body["volumes_links"] = [{"rel": "next", "href": req.host_url + req.path + "?" + urllib.parse.urlencode(q)}]
            return jresp(body)
        vid = rest[1]
        if vid not in self.cinder.volumes:
            return not_found(f"Volume {vid}")
        if req.method == "DELETE":
            if self.cinder.volume_to_attachment.get(vid):
                return jresp({"badRequest": {"message": "Volume status must be available or error", "code": 400}},
                             400)
            self.cinder.volumes.pop(vid, None)
            return webob.Response(status=202)
        return jresp({"volume": self.view(vid)})


class RequestLog:
    """Logs each request of the fixture-backed APIs (benchmarks count them)."""

    def __init__(self, name, app):
        self.name, self.app = name, app

    def __call__(self, environ, start_response):
        print(f'{self.name}-api "{environ["REQUEST_METHOD"]} {environ.get("PATH_INFO", "")}"', flush=True)
        return self.app(environ, start_response)


class ByPort:
    def __init__(self, apps):
        self.apps = apps

    def __call__(self, environ, start_response):
        return self.apps[int(environ["SERVER_PORT"])](environ, start_response)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config-dir", required=True)
    ap.add_argument("--computes", type=int, default=2)
    ap.add_argument("--spawn-delay", type=float, default=0.0)
    ap.add_argument("--page-size", type=int, default=0)
    ap.add_argument("--ports", required=True)
    ap.add_argument("--ready-file", required=True)
    ap.add_argument("--profiles", default="{}",
                    help="JSON {profile name: port}: a vendor-profile proxy (novacloud.profiles) on each port")
    ap.add_argument("--bench-fixture", action="store_true",
                    help="serve /_bench/servers on the compute port (novacloud.bench_fixture)")
    a = ap.parse_args()
    ports = json.loads(a.ports)
    # Nova parses sys.argv as its own command line
    import sys

    sys.argv = ["nova-aio"]

    from keystonemiddleware import auth_token
    from nova.api.openstack import wsgi_app
    from nova import context
    from nova import objects
    from nova.objects import host_mapping
    from nova.tests import fixtures as nova_fixtures
    from nova.compute import rpcapi as compute_rpcapi

    os.environ["OS_NOVA_CONFIG_DIR"] = a.config_dir
    api_app = wsgi_app.init_application("osapi_compute", "nova-api-os-compute")

    harness = Harness()
    harness.setUp()
    glance, neutron, cinder = install_fixtures(harness, a.spawn_delay)

    ctxt = context.get_admin_context()
    cells = {c.name: c for c in objects.CellMappingList.get_all(ctxt)}
    harness.useFixture(nova_fixtures.ServiceFixture("conductor", host="controller"))
    harness.useFixture(nova_fixtures.ServiceFixture("scheduler", host="controller"))
    computes = {}
    for i in range(1, a.computes + 1):
        host = f"compute{i}"
        harness.useFixture(nova_fixtures.ConfPatcher(host=host))
        computes[host] = harness.useFixture(nova_fixtures.ServiceFixture(
            "compute", host=host, cell=cells["cell1"], topic_alt=compute_rpcapi.RPC_TOPIC_ALT))
    harness.useFixture(nova_fixtures.ConfPatcher(host="controller"))
    host_mapping.discover_hosts(ctxt)

    def authed(app):
        return auth_token.AuthProtocol(app, {})

    compute_app = api_app
    if a.bench_fixture:
        from novacloud import bench_fixture

        hosts = [f"compute{i}" for i in range(1, a.computes + 1)]
        fixture = bench_fixture.BenchFixture(neutron, cells["cell1"], hosts)
        compute_app = bench_fixture.mounted(api_app, authed(fixture))
    # what stands in for a guest agent setting its password (novacloud.guest_agent)
    from novacloud import guest_agent

    compute_app = guest_agent.mounted(compute_app, guest_agent.GuestAgent())
    # what stands in for an operator restarting a host's nova-compute (novacloud.host_ops)
    from novacloud import host_ops

    compute_app = host_ops.mounted(compute_app, host_ops.ComputeRestarts(harness, computes, cells["cell1"], "controller"))
    app = ByPort({
        ports["compute"]: compute_app,
        ports["image"]: RequestLog("image", authed(ImageAPI(glance, a.page_size or 25))),
        ports["network"]: RequestLog("network", authed(NetworkAPI(neutron, a.page_size or None))),
        ports["volume"]: RequestLog("volume", authed(VolumeAPI(cinder, a.page_size or 1000))),
    })
    listen = " ".join(f"127.0.0.1:{ports[k]}" for k in ("compute", "image", "network", "volume"))
    profile_ports = json.loads(a.profiles)
    if profile_ports:
        from novacloud import profiles

        for name, port in profile_ports.items():
            app.apps[int(port)] = profiles.ProfileApp(profiles.PROFILES[name], api_app, neutron)
            listen += f" 127.0.0.1:{port}"
    server = waitress.create_server(app, listen=listen, threads=16, ident="nova")
    with open(a.ready_file, "w") as f:
        f.write(str(os.getpid()))
    server.run()


if __name__ == "__main__":
    try:
        main()
    except BaseException:
        import traceback

        traceback.print_exc()
        # service threads would keep a half-started process alive
        os._exit(1)
