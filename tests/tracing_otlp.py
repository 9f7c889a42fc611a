#!/usr/bin/env python3
"""Traces: `crm serve` with OTEL_EXPORTER_OTLP_ENDPOINT exports request spans over OTLP/HTTP to that
collector (here a fake one on a loopback port), naming the route pattern and never the query string
(a search is a person's name), the path's ids or the client's address; without the variable nothing
is exported and the server says nothing about tracing.

usage: tracing_otlp.py BINARY
"""
import http.server
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

from netutil import call, free_port

binary = sys.argv[1]
work = tempfile.mkdtemp(prefix="crm-otlp-")
received = []


class Collector(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        received.append((self.path, self.headers.get("Content-Type"), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def fail(message, log=None):
    print("tracing: FAILED:", message)
    if log and os.path.exists(log):
        print("".join(open(log).readlines()[-20:]))
    sys.exit(1)




def serve(name, extra_env):
    port = free_port()
    log = os.path.join(work, f"{name}.log")
    env = dict(os.environ, DATABASE_URL=f"sqlite:{os.path.join(work, name + '.sqlite')}",
               CRM_JWT_SECRET=secrets.token_hex(32), CRM_ADMIN_EMAIL="trace@clinic.test",
               CRM_ADMIN_PASSWORD="trace-password", CRM_BCRYPT_COST="4", **extra_env)
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None) if "OTEL_EXPORTER_OTLP_ENDPOINT" not in extra_env else None
    process = subprocess.Popen([binary, "serve", "--hostname", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    for _ in range(150):
        if call(port, "GET", "/ready")[0] == 200:
            return process, port, log
        time.sleep(0.2)
    process.kill()
    fail(f"{name} did not come up", log)


collector = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Collector)
threading.Thread(target=collector.serve_forever, daemon=True).start()
endpoint = f"http://127.0.0.1:{collector.server_address[1]}"

secret_name = "Zzyzx" + secrets.token_hex(3)
missing = str(uuid.uuid4())
process, port, log = serve("on", {"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200"})
try:
    status, body = call(port, "POST", "/auth/login", {"email": "trace@clinic.test", "password": "trace-password"})
    if status != 200:
        fail(f"sign-in answered {status}", log)
    token = body["token"]
    call(port, "GET", f"/crm/customers?search={secret_name}", token=token)
    call(port, "GET", f"/crm/customers/{missing}", token=token)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not any(b"/crm/customers/:id" in r[2] for r in received):
        time.sleep(0.2)
finally:
    process.terminate()
    process.wait(timeout=20)

traces = [r for r in received if r[0] == "/v1/traces"]
if not traces:
    fail(f"no spans reached the collector (requests: {[r[0] for r in received]})", log)
if any(content_type != "application/x-protobuf" for _, content_type, _ in traces):
    fail(f"unexpected content types: {[r[1] for r in traces]}")
everything = b"".join(body for _, _, body in traces)
for needle in [b"/crm/customers/:id", b"/crm/customers", b"http.route", b"native-crm"]:
    if needle not in everything:
        fail(f"the spans do not mention {needle!r}")
for secret in [secret_name.encode(), missing.encode(), missing.upper().encode(), b"127.0.0.1"]:
    if secret in everything:
        fail(f"the spans carry {secret!r}")
print(f"tracing on: {len(traces)} export(s), route patterns only")

# Off by default: no variable, no tracing.
process, port, log = serve("off", {})
try:
    call(port, "GET", "/health")
finally:
    process.terminate()
    process.wait(timeout=20)
if "tracing on" in open(log).read():
    fail("tracing switched on without OTEL_EXPORTER_OTLP_ENDPOINT", log)
print("tracing: passed")
