"""Benchmark fixture (not a test shortcut): gives the local cloud thousands
of ACTIVE servers without building each one.

Served in the cloud process at ``POST /_bench/servers`` on the compute port
(admin token only). Each server is made the way Nova's own database tests
make instances: an ``Instance`` record in cell1 through Nova's objects layer
(ACTIVE, running, on a compute host, with a flavor and the cirros image), its
instance mapping in the API database, and one port on the ``bench`` network
(a /16, created on first use) written to the instance's network info cache,
so the compute API lists and shows it with its address like any other
server. ``DELETE /_bench/servers?name_prefix=P`` removes those records and
ports again. Nothing is scheduled, no placement allocation is made and no
driver is called: the fixture measures reads of a big estate, never the
building of one (the apply benchmark builds its servers through the API).

Body of the POST: ``{"count": N, "name_prefix": "bench-", "flavor_id": "42",
"image_id": <uuid>, "project_id": <id>, "user_id": <id>}``; the answer is
``{"servers": [{"id", "name"}...]}``.
"""
import copy
import ipaddress
import threading
import uuid

import webob
import webob.dec

BENCH_NETWORK_ID = "7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
BENCH_SUBNET_ID = "8e2d3c4b-5f6a-4b7c-9d8e-0f1a2b3c4d5e"
BENCH_CIDR = "10.64.0.0/16"


def jresp(body, status=200):
    return webob.Response(status=status, json_body=body, content_type="application/json")


class BenchFixture:
    """The ``/_bench/servers`` app (see the module docstring)."""

    def __init__(self, neutron, cell, hosts):
        self.neutron = neutron
        self.cell = cell
        self.hosts = hosts
        self.lock = threading.Lock()

    def network(self):
        n = self.neutron
        if BENCH_NETWORK_ID not in n._networks:
            net = copy.deepcopy(next(iter(n._networks.values())))
            net.update({"id": BENCH_NETWORK_ID, "name": "bench", "subnets": [BENCH_SUBNET_ID]})
            sub = copy.deepcopy(next(iter(n._subnets.values())))
            sub.update({"id": BENCH_SUBNET_ID, "name": "bench-subnet", "network_id": BENCH_NETWORK_ID,
                        "cidr": BENCH_CIDR, "gateway_ip": "10.64.0.1", "ip_version": 4,
                        "allocation_pools": [{"start": "10.64.0.2", "end": "10.64.255.254"}]})
            n._networks[BENCH_NETWORK_ID] = net
            n._subnets[BENCH_SUBNET_ID] = sub
        return n._networks[BENCH_NETWORK_ID]

    def free_addresses(self, count):
        used = {ip["ip_address"] for p in self.neutron._ports.values()
                if p.get("network_id") == BENCH_NETWORK_ID for ip in p.get("fixed_ips", [])}
        net = ipaddress.ip_network(BENCH_CIDR)
        out = []
        for host in net.hosts():
            if int(host) - int(net.network_address) < 10 or str(host) in used:
                continue
            out.append(str(host))
            if len(out) == count:
                return out
        raise webob.exc.HTTPConflict(f"the bench network has fewer than {count} free addresses")

    @webob.dec.wsgify
    def __call__(self, req):
        if "admin" not in (req.headers.get("X-Roles") or "").split(","):
            return jresp({"error": "the benchmark fixture needs an admin token"}, 403)
        if req.method == "POST":
            return jresp({"servers": self.create(req.json)}, 201)
        if req.method == "DELETE":
            prefix = req.GET.get("name_prefix") or ""
            if not prefix:
                return jresp({"error": "name_prefix is required"}, 400)
            return jresp({"deleted": self.delete(prefix)})
        return jresp({"error": "POST or DELETE"}, 405)

    def create(self, body):
        from nova import context as nova_context
        from nova import objects
        from nova.compute import power_state, vm_states
        from nova.network import model as network_model

        count = int(body["count"])
        prefix = body.get("name_prefix", "bench-")
        admin = nova_context.get_admin_context()
        flavor = objects.Flavor.get_by_flavor_id(admin, str(body.get("flavor_id", "42")))
        project_id, user_id = body["project_id"], body["user_id"]
        image_id = body["image_id"]
        net = self.network()
        made = []
        with self.lock:
            addresses = self.free_addresses(count)
            with nova_context.target_cell(admin, self.cell) as cctxt:
                nodes = {h: objects.ComputeNodeList.get_all_by_host(cctxt, h)[0] for h in self.hosts}
                now = _now()
                for i, ip in enumerate(addresses):
                    server_id = str(uuid.uuid4())
                    host = self.hosts[i % len(self.hosts)]
                    name = f"{prefix}{i:05d}"
                    port_id = str(uuid.uuid4())
                    mac = "fa:17:%02x:%02x:%02x:%02x" % tuple((i >> s) & 0xFF for s in (24, 16, 8, 0))
                    self.neutron._ports[port_id] = {
                        "id": port_id, "name": "", "network_id": BENCH_NETWORK_ID, "tenant_id": project_id,
                        "project_id": project_id, "admin_state_up": True, "status": "ACTIVE",
                        "mac_address": mac, "device_id": server_id, "device_owner": "compute:nova",
                        "binding:host_id": host, "binding:vif_type": "ovs", "binding:vnic_type": "normal",
                        "fixed_ips": [{"ip_address": ip, "subnet_id": BENCH_SUBNET_ID}],
                        "security_groups": [self.neutron.security_group["id"]],
                    }
                    vif = network_model.VIF(
                        id=port_id, address=mac, type="ovs", active=True, vnic_type="normal",
                        network=network_model.Network(
                            id=BENCH_NETWORK_ID, label=net["name"], bridge="br-int",
                            subnets=[network_model.Subnet(
                                cidr=BENCH_CIDR, version=4,
                                ips=[network_model.FixedIP(address=ip, version=4)])]))
                    inst = objects.Instance(
                        context=cctxt, uuid=server_id, project_id=project_id, user_id=user_id,
                        display_name=name, hostname=name, host=host, node=nodes[host].hypervisor_hostname,
                        compute_id=nodes[host].id,
                        launched_on=host, availability_zone="nova",
                        vm_state=vm_states.ACTIVE, power_state=power_state.RUNNING, task_state=None,
                        image_ref=image_id, flavor=flavor, instance_type_id=flavor.id,
                        memory_mb=flavor.memory_mb, vcpus=flavor.vcpus, root_gb=flavor.root_gb,
                        # a record never saved after its create has no updated_at,
                        # which Nova shows as the time of each read
                        ephemeral_gb=flavor.ephemeral_gb, launched_at=now, updated_at=now, metadata={},
                        system_metadata={}, locked=False, config_drive="", progress=0,
                        launch_index=0, reservation_id=f"r-bench{i:05d}", root_device_name="/dev/vda",
                        # what a create through the API also stores, so that no
                        # read migrates (and saves) the record later
                        keypairs=objects.KeyPairList(objects=[]), trusted_certs=None, resources=None,
                        device_metadata=None, vcpu_model=None, migration_context=None,
                        info_cache=objects.InstanceInfoCache(
                            network_info=network_model.NetworkInfo([vif])))
                    inst.create()
                    objects.InstanceMapping(
                        context=admin, instance_uuid=server_id, cell_mapping=self.cell,
                        project_id=project_id, user_id=user_id, queued_for_delete=False).create()
                    made.append({"id": server_id, "name": name})
        return made

    def delete(self, prefix):
        from nova import context as nova_context
        from nova import objects

        admin = nova_context.get_admin_context()
        gone = 0
        with self.lock, nova_context.target_cell(admin, self.cell) as cctxt:
            found = objects.InstanceList.get_by_filters(
                cctxt, {"display_name": "^" + prefix, "deleted": False})
            for inst in found:
                for pid in [p["id"] for p in self.neutron._ports.values() if p.get("device_id") == inst.uuid]:
                    del self.neutron._ports[pid]
                inst.destroy()
                try:
                    objects.InstanceMapping.get_by_instance_uuid(admin, inst.uuid).destroy()
                except Exception:  # noqa: BLE001 - already without a mapping
                    pass
                gone += 1
        return gone


def _now():
    from oslo_utils import timeutils

    return timeutils.utcnow()


def mounted(api_app, fixture):
    """The compute API with the fixture at ``/_bench/`` (everything else
    goes to Nova unchanged)."""
    def app(environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/_bench/"):
            return fixture(environ, start_response)
        return api_app(environ, start_response)
    return app

