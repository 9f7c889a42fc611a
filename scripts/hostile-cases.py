#!/usr/bin/env python3
"""Hostile requests a schema fuzzer does not generate: deep nesting, oversized text, duplicate keys,
undecodable query values, unknown keys. Each must be a quick 400 naming the field, and afterwards
every read of the data must still answer 200.

usage: hostile-cases.py BASE_URL ADMIN_TOKEN    (exit 1 when any case fails; run against a seeded server)
"""
import json
import socket
import sys
import time
import urllib.error
import urllib.request
import uuid

base, token = sys.argv[1], sys.argv[2]
failures = []


def call(method, path, body=None, raw=None, auth=True):
    data = raw.encode() if raw is not None else (json.dumps(body).encode() if body is not None else None)
    headers = {"Authorization": "Bearer " + token} if auth else {}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode("utf-8", "replace")
    return status, text, time.monotonic() - start


def fields(text):
    try:
        return [e["field"] for e in json.loads(text).get("errors", [])]
    except ValueError:
        return []


def expect_400(name, method, path, field, body=None, raw=None, auth=True):
    status, text, seconds = call(method, path, body=body, raw=raw, auth=auth)
    if status != 400 or field not in fields(text):
        failures.append(f"{name}: {method} {path} answered {status} {text[:160]!r}, expected 400 naming {field}")
    elif seconds > 1.0:
        failures.append(f"{name}: {method} {path} took {seconds:.2f} s")


def first_id(path):
    status, text, _ = call("GET", path)
    items = json.loads(text) if status == 200 else []
    return items[0]["id"] if items else None


def nested(levels):
    return '{"k":' * levels + "1" + "}" * levels


customer = first_id("/crm/customers?limit=1")
service = first_id("/crm/services?limit=1")
clinic = first_id("/crm/clinics?limit=1")
action = first_id("/crm/actions?limit=1")
lead = first_id("/crm/leads?limit=1")
appointment = first_id("/crm/appointments?limit=1")
user = first_id("/crm/users?role=SALESPERSON&limit=1")
if not all([customer, service, clinic, action, lead, appointment, user]):
    sys.exit("hostile-cases: the server has no seeded data")


def with_field(base_body, field, json_text):
    text = json.dumps(base_body)
    return text[:-1] + ("," if base_body else "") + f'"{field}":{json_text}' + "}"


free_form = [
    ("PUT", f"/crm/customers/{customer}/record", "preferences", {}),
    ("POST", "/crm/appointments", "treatmentDetails",
     {"customerId": customer, "serviceId": service, "clinicId": clinic, "startTime": "2031-01-01T10:00:00Z"}),
    ("PATCH", f"/crm/appointments/{appointment}", "treatmentDetails", {}),
    ("POST", "/crm/communications", "metadata", {"customerId": customer, "type": "note"}),
    ("POST", "/crm/actions", "metadata", {"customerId": customer, "actionType": "other", "title": "x"}),
    ("PUT", f"/crm/actions/{action}", "metadata", {}),
    ("POST", "/crm/leads", "metadata", {"source": "website", "firstName": "X", "email": "x@x.test"}),
    ("PATCH", f"/crm/leads/{lead}", "metadata", {}),
]
# nesting: the observed 3 KB attack (510 levels) and the first level past the limit
for method, path, field, body in free_form:
    for levels in (510, 17):
        expect_400(f"nesting {levels}", method, path, field, raw=with_field(body, field, nested(levels)))
    expect_400("201 keys", method, path, field,
               raw=with_field(body, field, "{" + ",".join(f'"k{i}":1' for i in range(201)) + "}"))
    expect_400("duplicate key", method, path, f"{field}.a", raw=with_field(body, field, '{"a":1,"a":2}'))

# text caps
long_text = [
    ("POST", "/crm/customers", "firstName", {"firstName": "x" * 101, "lastName": "y"}),
    ("PATCH", f"/crm/customers/{customer}", "lastName", {"lastName": "x" * 101}),
    ("PUT", f"/crm/customers/{customer}/record", "notes", {"notes": "x" * 5001}),
    ("POST", "/crm/communications", "subject", {"customerId": customer, "type": "call", "subject": "x" * 201}),
    ("POST", "/crm/communications", "notes", {"customerId": customer, "type": "note", "notes": "x" * 5001}),
    ("POST", "/crm/actions", "title", {"customerId": customer, "actionType": "other", "title": "x" * 201}),
    ("PUT", f"/crm/actions/{action}", "description", {"description": "x" * 5001}),
    ("PATCH", f"/crm/leads/{lead}", "notes", {"notes": "x" * 5001}),
    ("POST", "/crm/clinics", "name", {"name": "x" * 101}),
    ("POST", "/crm/users", "name", {"email": f"{uuid.uuid4().hex[:8]}@x.test", "name": "x" * 101,
                                     "role": "SALESPERSON", "password": "long-enough"}),
]
for method, path, field, body in long_text:
    expect_400("length", method, path, field, body=body)
expect_400("email length", "POST", "/auth/login", "email",
           body={"email": "a" * 300 + "@x.test", "password": "whatever"}, auth=False)
expect_400("search length", "GET", "/crm/customers?search=" + "a" * 201, "search")
expect_400("search length", "GET", "/crm/leads?search=" + "a" * 201, "search")

# duplicate and unknown keys, undecodable queries
expect_400("duplicate key", "POST", "/crm/customers", "firstName",
           raw='{"firstName":"A","firstName":"B","lastName":"C"}')
expect_400("unknown key", "PATCH", f"/crm/users/{user}", "pasword", body={"pasword": "never-applied"})
expect_400("undecodable query", "GET", "/crm/customers?search=%ff%fe", "search")
expect_400("array query", "GET", "/crm/customers?search[]=a", "search")
expect_400("repeated query", "GET", "/crm/leads?status=new&status=lost", "status")

# headers over the limit: an answer, not a dropped connection
host, port = base.split("//")[1].split(":")
with socket.create_connection((host, int(port)), timeout=10) as conn:
    conn.sendall(f"GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: {'p' * 40000}\r\n\r\n".encode())
    answer = conn.recv(200).decode("latin-1")
    if not answer.startswith("HTTP/1.1 431"):
        failures.append(f"oversized head answered {answer[:40]!r}, expected 431")

# every read of the data still works
for path in [f"/crm/customers/{customer}/record", f"/crm/customers/{customer}/audit", "/crm/audit?limit=200",
             f"/crm/leads/{lead}", f"/crm/actions/{action}", f"/crm/appointments/{appointment}"]:
    status, text, _ = call("GET", path)
    if status != 200:
        failures.append(f"after the hostile cases GET {path} answered {status}")

if failures:
    print(f"hostile cases: {len(failures)} failed")
    for failure in failures:
        print("  " + failure)
    sys.exit(1)
print("hostile cases: all refused as they should be")
