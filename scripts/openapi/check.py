import sys

import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

import os
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "openapi.yaml")
text = open(path, encoding="utf-8").read()
assert text.startswith("openapi: 3.1"), "ContractTests expects the file to start with 'openapi: 3.1'"
doc = yaml.safe_load(text)
validate(doc)

EXPECTED = """GET /health, GET /ready, GET /metrics, POST /auth/login, GET /auth/me, POST /auth/logout, POST /auth/password, POST /crm/users, GET /crm/users, GET /crm/users/{id}, PATCH /crm/users/{id}, POST /crm/customers, GET /crm/customers, GET /crm/customers/repeat, GET /crm/customers/follow-up, GET /crm/customers/{id}, PATCH /crm/customers/{id}, GET /crm/customers/{id}/record, PUT /crm/customers/{id}/record, POST /crm/communications, PATCH /crm/communications/{id}, GET /crm/customers/{id}/communications, POST /crm/actions, GET /crm/actions, GET /crm/actions/pending, GET /crm/actions/{id}, PUT /crm/actions/{id}, POST /crm/leads, GET /crm/leads, GET /crm/leads/{id}, PATCH /crm/leads/{id}, GET /crm/analytics/salesperson, GET /crm/notifications, GET /crm/notifications/stream, POST /crm/notifications/stream-ticket, POST /crm/notifications/read-all, POST /crm/notifications/{id}/read, GET /crm/clinics, POST /crm/clinics, PATCH /crm/clinics/{id}, GET /crm/services, POST /crm/services, PATCH /crm/services/{id}, GET /crm/appointments, POST /crm/appointments, GET /crm/appointments/{id}, PATCH /crm/appointments/{id}, GET /crm/tags, POST /crm/tags, PATCH /crm/tags/{tagId}, DELETE /crm/tags/{tagId}, GET /crm/tags/{tagId}/customers, POST /crm/customers/{id}/tags, DELETE /crm/customer-tags/{id}, GET /openapi.yaml, GET /docs, GET /crm/audit, GET /crm/customers/{id}/audit, GET /crm/customers/{id}/timeline"""
expected = {tuple(x.strip().split(" ", 1)) for x in EXPECTED.split(",")}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
documented = {(m.upper(), p) for p, item in doc["paths"].items() for m in item if m in METHODS}
missing, extra = expected - documented, documented - expected
assert not missing and not extra, (sorted(missing), sorted(extra))
print(f"operations: {len(documented)} (match the expected list exactly)")

PUBLIC = {"/health", "/ready", "/auth/login", "/openapi.yaml", "/docs"}
ids = set()
for p, item in doc["paths"].items():
    for m, o in item.items():
        if m not in METHODS:
            continue
        for key in ("operationId", "summary", "tags", "description", "x-roles", "responses"):
            assert key in o, (m, p, key)
        assert o["operationId"] not in ids
        ids.add(o["operationId"])
        if p in PUBLIC:
            assert o.get("security") == [], (m, p)
        else:
            assert "security" not in o and "401" in o["responses"], (m, p)
        # path params declared exactly once per template variable
        names = {x["name"] for x in o.get("parameters", []) if x["in"] == "path"}
        import re
        assert names == set(re.findall(r"{(\w+)}", p)), (m, p, names)
        if "requestBody" in o:
            for c in ("400", "413", "415"):
                assert c in o["responses"], (m, p, c)

# examples validate against their schemas
fmt = Draft202012Validator.FORMAT_CHECKER


def check(schema, value, where):
    root = {"$defs": {}, "components": doc["components"], **schema}
    Draft202012Validator(root, format_checker=fmt).validate(value)


n = 0
for p, item in doc["paths"].items():
    for m, o in item.items():
        if m not in METHODS:
            continue
        rb = o.get("requestBody", {}).get("content", {}).get("application/json", {})
        for name, ex in rb.get("examples", {}).items():
            check(rb["schema"], ex["value"], f"{m} {p} request {name}")
            n += 1
        for code, r in o["responses"].items():
            for media, c in r.get("content", {}).items():
                for name, ex in c.get("examples", {}).items():
                    check(c["schema"], ex["value"], f"{m} {p} {code} {name}")
                    n += 1
print(f"examples valid: {n}")
print("OK")
