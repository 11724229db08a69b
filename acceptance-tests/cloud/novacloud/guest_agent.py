"""Stands in for a guest agent setting a server's password.

On a real cloud a Windows guest's agent (cloudbase-init) makes up an
administrator password, encrypts it with the public key of the server's key
pair (RSA PKCS#1 v1.5; the guest reads the key from the metadata service's
``public_keys``) and POSTs the base64 of it to the metadata service's
``/openstack/latest/password``. Nova's metadata API hands that request to
``nova.api.metadata.password.handle_password``, which stores it in the
instance's system metadata (``password_0`` .. ``password_3``), where
``GET /servers/{id}/os-server-password`` finds it.

The local cloud's servers run on Nova's fake driver: there is no guest and
no metadata service. This app does the guest's part and the metadata
service's call: ``POST /_guest/servers/{id}/password`` on the compute port,
from loopback only and without a token, with the plain password as the
body, encrypts the password as cloudbase-init does, with the instance's own
``key_data`` (the public key Nova gave it at boot), and passes the result to
Nova's ``handle_password`` with the instance the metadata service would have
found for the guest's address. Nova's rules apply unchanged: a second
password for the same server is refused (409) until an admin clears it
(``DELETE /servers/{id}/os-server-password``). The answer is
``{"encrypted_password": <what Nova now holds>}``.
"""
import base64
import json

import webob
import webob.dec
import webob.exc

PREFIX = "/_guest/"


class MetadataView:
    """What ``handle_password`` reads of the metadata service's
    ``InstanceMetadata``: the instance's UUID and its current password."""

    def __init__(self, instance):
        from nova.api.metadata import password

        self.uuid = instance.uuid
        self.instance = instance
        self.password = password.extract_password(instance)


def jresp(body, status=200):
    return webob.Response(status=status, body=json.dumps(body).encode(), content_type="application/json")


class GuestAgent:
    @webob.dec.wsgify
    def __call__(self, req):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
        from nova import context, exception, objects
        from nova.api.metadata import password

        if req.remote_addr not in ("127.0.0.1", "::1"):
            return jresp({"error": "the guest agent stand-in answers loopback only"}, 403)
        parts = req.path_info[len(PREFIX):].strip("/").split("/")
        if len(parts) != 3 or parts[0] != "servers" or parts[2] != "password":
            return jresp({"error": "POST /_guest/servers/{id}/password"}, 404)
        if req.method != "POST":
            return jresp({"error": "POST only"}, 405)
        uuid = parts[1]
        ctxt = context.get_admin_context()
        try:
            im = objects.InstanceMapping.get_by_instance_uuid(ctxt, uuid)
            with context.target_cell(ctxt, im.cell_mapping) as cctxt:
                instance = objects.Instance.get_by_uuid(cctxt, uuid, expected_attrs=["system_metadata"])
        except (exception.InstanceMappingNotFound, exception.InstanceNotFound):
            return jresp({"error": f"no server {uuid}"}, 404)
        if not instance.key_data:
            return jresp({"error": "the server has no key pair: a guest has no key to encrypt with"}, 409)
        public = serialization.load_ssh_public_key(instance.key_data.strip().encode())
        if not isinstance(public, rsa.RSAPublicKey):
            return jresp({"error": "the server's key pair is not RSA: cloudbase-init cannot encrypt with it"}, 409)
        encrypted = base64.b64encode(public.encrypt(req.body, padding.PKCS1v15()))
        # the request the guest makes of the metadata service
        guest = webob.Request.blank("/openstack/latest/password", method="POST", body=encrypted)
        password.handle_password(guest, MetadataView(instance))
        return jresp({"encrypted_password": encrypted.decode()})


def mounted(api_app, agent):
    """The compute API with the stand-in at ``/_guest/``."""
    def app(environ, start_response):
        if environ.get("PATH_INFO", "").startswith(PREFIX):
            return agent(environ, start_response)
        return api_app(environ, start_response)
    return app
