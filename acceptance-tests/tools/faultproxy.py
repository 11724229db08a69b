"""A fault-injecting HTTP proxy for the reliability tests.

It sits between the provider and one API of the local cloud (the provider is
pointed at it with `endpoint_overrides`), forwards requests, and breaks a
chosen share of them in one of these ways:

  429        answered 429 without forwarding (with `Retry-After: 1` every other time)
  429-bare   answered 429 without forwarding, no Retry-After
  502        answered 502 without forwarding
  503        answered 503 without forwarding
  504        forwarded (the cloud acts on it), then answered 504
  reset      the connection is closed before forwarding
  slow       forwarded, then answered only after `slow_seconds`, beyond the
             provider's request timeout (the cloud has acted)
  drop       forwarded, then the connection is closed without the answer
  401        answered 401 once, as for a token that expired
  partial    forwarded, then every server in the answer is cut to the
             partial record Nova gives for a server in a cell that is down
             (microversion 2.69): id, status UNKNOWN, tenant_id, created

Faults are drawn from a seeded random generator (`rate`), or one request in
`every` is faulted with a kind drawn at random; either way a run can be
repeated.
`rules` target requests by method and path (regular expression) with a
fixed fault: used for "every create loses its response" and "one 401".
Every request is recorded, with the fault it got, and its body (`bodies`).
"""
import http.client
import http.server
import random
import re
import socket
import socketserver
import threading
import time
import urllib.parse

KINDS = ("429", "429-bare", "502", "503", "504", "reset", "slow", "drop")


def partial_servers(data):
    """The answer with each server cut to a down cell's partial record."""
    import json

    def cut(s):
        return {"id": s.get("id"), "status": "UNKNOWN", "tenant_id": s.get("tenant_id"),
                "created": s.get("created"), "links": s.get("links", [])}

    body = json.loads(data or b"{}")
    if isinstance(body.get("server"), dict):
        body["server"] = cut(body["server"])
    if isinstance(body.get("servers"), list):
        body["servers"] = [cut(s) for s in body["servers"]]
    return json.dumps(body).encode()


class Rule:
    def __init__(self, method, path, fault, times=None):
        self.method, self.path, self.fault, self.times = method, re.compile(path), fault, times

    def take(self, method, path):
        if self.times == 0 or method != self.method or not self.path.search(path):
            return None
        if self.times is not None:
            self.times -= 1
        return self.fault


class FaultProxy:
    def __init__(self, upstream, rate=0.0, kinds=KINDS, seed=1, slow_seconds=4.0, skip=None, every=None):
        u = urllib.parse.urlsplit(upstream)
        self.host, self.port = u.hostname, u.port
        self.prefix = u.path.rstrip("/")
        self.rate, self.kinds, self.slow_seconds = rate, list(kinds), slow_seconds
        # every: fault exactly one request in `every` (the kind still drawn at random)
        self.every, self.seen = every, 0
        self.random = random.Random(seed)
        self.rules = []
        # requests never faulted (path regular expression), e.g. the version document
        self.skip = re.compile(skip) if skip else None
        self.lock = threading.Lock()
        self.requests = []  # (method, path, fault or None)
        self.bodies = []  # (method, path, body bytes or None), as the client sent them
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.prefix}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def add_rule(self, method, path, fault, times=None):
        with self.lock:
            self.rules.append(Rule(method, path, fault, times))

    def choose(self, method, path):
        with self.lock:
            for r in self.rules:
                f = r.take(method, path)
                if f:
                    return f
            if self.skip and self.skip.search(path):
                return None
            self.seen += 1
            if self.every:
                return self.random.choice(self.kinds) if self.seen % self.every == 0 else None
            if self.rate and self.random.random() < self.rate:
                return self.random.choice(self.kinds)
            return None

    def record(self, method, path, fault, body=None):
        with self.lock:
            self.requests.append((method, path, fault))
            self.bodies.append((method, path, body))

    def faulted(self):
        with self.lock:
            return [r for r in self.requests if r[2]]

    def _handler(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _reply(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _kill(self):
                # close without a response: the client sees a reset connection
                try:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                except OSError:
                    pass
                self.close_connection = True
                self.connection.close()

            def _forward(self, body):
                c = http.client.HTTPConnection(proxy.host, proxy.port, timeout=120)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                c.request(self.command, self.path, body=body, headers=headers)
                r = c.getresponse()
                data = r.read()
                out = [(k, v) for k, v in r.getheaders()
                       if k.lower() not in ("content-length", "transfer-encoding", "connection")]
                c.close()
                return r.status, data, out

            def _handle(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                fault = proxy.choose(self.command, self.path)
                proxy.record(self.command, self.path, fault, body)
                js = [("Content-Type", "application/json")]
                if fault in ("429", "429-bare"):
                    with proxy.lock:
                        hint = fault == "429" and proxy.random.random() < 0.5
                    return self._reply(429, b'{"overLimit": {"code": 429, "message": "Rate limit exceeded"}}',
                                       js + ([("Retry-After", "1")] if hint else []))
                if fault == "502":
                    return self._reply(502, b"<html>502 Bad Gateway</html>", [("Content-Type", "text/html")])
                if fault == "503":
                    return self._reply(503, b'{"message": "Service Unavailable"}', js)
                if fault == "401":
                    return self._reply(401, b'{"error": {"code": 401, "message": "The token has expired."}}', js)
                if fault == "reset":
                    return self._kill()
                status, data, headers = self._forward(body)
                if fault == "504":
                    return self._reply(504, b"<html>504 Gateway Time-out</html>", [("Content-Type", "text/html")])
                if fault == "drop":
                    return self._kill()
                if fault == "slow":
                    time.sleep(proxy.slow_seconds)
                if fault == "partial" and status == 200:
                    data = partial_servers(data)
                self._reply(status, data, headers)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

        return Handler
