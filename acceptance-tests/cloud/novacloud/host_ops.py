"""Stands in for an operator restarting a compute host's nova-compute.

On a real cloud, a host whose compute service was forced down so its
servers could be evacuated comes back when the operator restarts its
nova-compute: the new service's ``init_host`` destroys the guests that were
evacuated away (``ComputeManager._destroy_evacuated_instances``), removes
their allocations on this host from Placement and moves the evacuation
migration records from ``done`` to ``completed``. Until that has happened
Nova refuses to force the service up again (``PUT /os-services/{id}`` with
``forced_down: false``: 400 "Unable to force up host ... as `done`
evacuation migration records remain associated with the host").

The local cloud's compute services all run in one process, so there is no
process to restart. ``POST /_ops/computes/{host}/restart`` on the compute
port (loopback only, no token) does what Nova's own functional tests do for
a realistic restart (``nova.test.TestCase.restart_compute_service``): it
stops the host's compute service and starts a brand-new one for the same
host, whose ``init_host`` runs as it would after a real restart; the fake
hypervisor (the old ``FakeDriver`` with the guests it holds) is kept, as a
real hypervisor's guests survive a nova-compute restart, and, as Nova's
tests' ``ComputeNodeIdFixture`` does, no node identity file is looked for
(the hosts of this one process share a ``state_path``). The answer is
``{"host": host, "restarted": true}``; 404 for a host the cloud does not
run.
"""
import json
import threading
from unittest import mock

import webob
import webob.dec
from oslo_config import cfg

CONF = cfg.CONF

PREFIX = "/_ops/"


def jresp(body, status=200):
    return webob.Response(status=status, body=json.dumps(body).encode(), content_type="application/json")


class ComputeRestarts:
    """``computes``: host name -> its running ``ServiceFixture``."""

    def __init__(self, harness, computes, cell, conf_host):
        self.harness = harness
        self.computes = computes
        self.cell = cell
        # the host the process's own services run as (CONF.host outside a start)
        self.conf_host = conf_host
        self.lock = threading.Lock()

    def restart(self, host):
        from nova.compute import rpcapi as compute_rpcapi
        from nova.tests import fixtures as nova_fixtures

        old = self.computes[host]
        old.service.stop()
        driver = old.service.manager.driver
        # CONF.host is the host's name while its service starts (as Nova's
        # tests' start_service does), then the controller's again
        CONF.set_override("host", host)
        try:
            # the hosts of this process share one state_path, so none has a
            # node identity file of its own (compute_id): as Nova's tests'
            # ComputeNodeIdFixture, the restart does not look for one
            with mock.patch("nova.virt.driver.load_compute_driver", return_value=driver), \
                    mock.patch("nova.compute.manager.ComputeManager._ensure_existing_node_identity"):
                new = nova_fixtures.ServiceFixture(
                    "compute", host=host, cell=self.cell, topic_alt=compute_rpcapi.RPC_TOPIC_ALT)
                self.harness.useFixture(new)
        finally:
            CONF.set_override("host", self.conf_host)
        self.computes[host] = new

    @webob.dec.wsgify
    def __call__(self, req):
        if req.remote_addr not in ("127.0.0.1", "::1"):
            return jresp({"error": "the host operator stand-in answers loopback only"}, 403)
        parts = req.path_info[len(PREFIX):].strip("/").split("/")
        if len(parts) != 3 or parts[0] != "computes" or parts[2] != "restart":
            return jresp({"error": "POST /_ops/computes/{host}/restart"}, 404)
        if req.method != "POST":
            return jresp({"error": "POST only"}, 405)
        host = parts[1]
        if host not in self.computes:
            return jresp({"error": f"no compute host {host}"}, 404)
        with self.lock:
            self.restart(host)
        return jresp({"host": host, "restarted": True})


def mounted(api_app, ops):
    """The compute API with the stand-in at ``/_ops/``."""
    def app(environ, start_response):
        if environ.get("PATH_INFO", "").startswith(PREFIX):
            return ops(environ, start_response)
        return api_app(environ, start_response)
    return app
