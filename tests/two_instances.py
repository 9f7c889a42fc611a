#!/usr/bin/env python3
"""Two `crm serve` started at the same moment on an empty PostgreSQL database: both must come up
(/ready), and they must behave as one: a stream ticket issued by A opens a stream on B, and a
notification written through A reaches that stream within 2 s.

usage: two_instances.py BINARY POSTGRES_URL      (the URL's user must be allowed to create databases)
"""
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from netutil import call, free_port

binary, admin_url = sys.argv[1], sys.argv[2]
base_url = admin_url.rsplit("/", 1)[0]
database = "crm_two_" + secrets.token_hex(4)
work = tempfile.mkdtemp(prefix="crm-two-")


def psql(sql):
    subprocess.run(["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True, capture_output=True)




def fail(message):
    print("two instances: FAILED:", message)
    for name in ("a", "b"):
        path = os.path.join(work, f"{name}.log")
        if os.path.exists(path):
            print(f"--- {name}.log (last lines)")
            print("".join(open(path).readlines()[-15:]))
    sys.exit(1)


psql(f"CREATE DATABASE {database}")
servers = []
try:
    env = dict(os.environ, DATABASE_URL=f"{base_url}/{database}", CRM_JWT_SECRET=secrets.token_hex(32),
               CRM_ADMIN_EMAIL="two@clinic.test", CRM_ADMIN_PASSWORD="two-instances", CRM_BCRYPT_COST="4",
               LOG_LEVEL="info")
    ports = [free_port(), free_port()]
    for name, port in zip(("a", "b"), ports):  # started together, not one after the other
        log = open(os.path.join(work, f"{name}.log"), "w")
        servers.append(subprocess.Popen([binary, "serve", "--hostname", "127.0.0.1", "--port", str(port)],
                                        env=env, stdout=log, stderr=subprocess.STDOUT))
    deadline = time.time() + 90
    ready = set()
    while time.time() < deadline and len(ready) < 2:
        for server, port in zip(servers, ports):
            if server.poll() is not None:
                fail(f"an instance exited with {server.returncode} while starting")
            if port not in ready and call(port, "GET", "/ready")[0] == 200:
                ready.add(port)
        time.sleep(0.2)
    if len(ready) < 2:
        fail("not both instances answered /ready within 90 s")
    a, b = ports

    _, login = call(a, "POST", "/auth/login", {"email": "two@clinic.test", "password": "two-instances"})
    admin = login["token"]
    status, sales = call(a, "POST", "/crm/users", {"email": "sam@clinic.test", "name": "Sam", "role": "SALESPERSON",
                                                   "password": "sam-password"}, token=admin)
    if status != 201:
        fail(f"creating a salesperson answered {status}")
    _, sam = call(b, "POST", "/auth/login", {"email": "sam@clinic.test", "password": "sam-password"})
    status, ticket = call(a, "POST", "/crm/notifications/stream-ticket", {}, token=sam["token"])
    if status != 201:
        fail(f"a stream ticket answered {status}")

    stream = socket.create_connection(("127.0.0.1", b), timeout=5)
    stream.sendall(f"GET /crm/notifications/stream?ticket={ticket['ticket']} HTTP/1.1\r\nHost: b\r\n\r\n".encode())
    head = stream.recv(4096).decode("utf-8", "replace")
    if not head.startswith("HTTP/1.1 200"):
        fail(f"the stream on B with A's ticket answered {head[:40]!r}")
    time.sleep(0.5)
    sent = time.time()
    status, _ = call(a, "POST", "/crm/leads", {"source": "website", "firstName": "Crossing", "email": "c@x.test",
                                               "assignedSalesId": sales["id"]}, token=admin)
    if status != 201:
        fail(f"creating the lead on A answered {status}")
    received = head
    while "Crossing" not in received and time.time() - sent < 2:
        try:
            received += stream.recv(4096).decode("utf-8", "replace")
        except socket.timeout:
            break
    if "Crossing" not in received:
        fail("the notification written through A did not reach the stream on B within 2 s")
    print(f"two instances: both ready; A's notification reached B's stream in {time.time() - sent:.2f} s")
    stream.close()
finally:
    for server in servers:
        server.terminate()
    for server in servers:
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    psql(f"DROP DATABASE IF EXISTS {database}")
