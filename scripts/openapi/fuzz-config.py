#!/usr/bin/env python3
"""Writes a schemathesis.toml that feeds real ids from a running server into the fuzzer.

usage: fuzz-config.py BASE_URL ADMIN_TOKEN > schemathesis.toml
"""
import json
import sys
import urllib.request

base, token = sys.argv[1], sys.argv[2]


def get(path):
    request = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(request))


def post(path, body):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))


# A webhook to a closed local port (the server runs with CRM_WEBHOOK_ALLOW_HOSTS=127.0.0.1): its
# deliveries fail and are retried, so the log and redelivery routes have real rows.
hook = post("/crm/webhooks", {"url": "http://127.0.0.1:9/fuzz", "events": ["lead.created", "customer.updated"]})

ids = {
    "customers": [c["id"] for c in get("/crm/customers?limit=20")],
    "services": [x["id"] for x in get("/crm/services?limit=10")],
    "clinics": [x["id"] for x in get("/crm/clinics")],
    "tags": [x["id"] for x in get("/crm/tags?limit=10")],
    "leads": [x["id"] for x in get("/crm/leads?limit=20")],
    "actions": [x["id"] for x in get("/crm/actions?limit=20")],
    "appointments": [x["id"] for x in get("/crm/appointments?limit=20")],
    "sales": [x["id"] for x in get("/crm/users?role=SALESPERSON&limit=10")],
    "users": [x["id"] for x in get("/crm/users?limit=20")],
    "webhooks": [hook["id"]],
}
out = [f"[dictionaries.{name}]\nvalues = {json.dumps(values)}\n" for name, values in ids.items()]
out.append("""[parameters]
"body.customerId" = { dictionary = "customers", probability = 0.85 }
"body.serviceId" = { dictionary = "services", probability = 0.85 }
"body.clinicId" = { dictionary = "clinics", probability = 0.85 }
"body.tagId" = { dictionary = "tags", probability = 0.85 }
"body.assignedSalesId" = { dictionary = "sales", probability = 0.7 }
"body.assignedTo" = { dictionary = "users", probability = 0.7 }
"body.relatedAppointmentId" = { dictionary = "appointments", probability = 0.5 }
"query.customerId" = { dictionary = "customers", probability = 0.5 }
"query.assignedSalesId" = { dictionary = "sales", probability = 0.5 }
"query.salespersonId" = { dictionary = "sales", probability = 0.5 }
"query.tagId" = { dictionary = "tags", probability = 0.5 }
""")
for path, dictionary in [("customers", "customers"), ("leads", "leads"), ("actions", "actions"),
                         ("appointments", "appointments"), ("users", "users"), ("webhooks", "webhooks")]:
    out.append(f"""[[operations]]
include-path-regex = "^/crm/{path}/\\\\{{id\\\\}}"
parameters = {{ "path.id" = {{ dictionary = "{dictionary}", probability = 0.85 }} }}
""")
out.append("""[[operations]]
include-path-regex = "^/crm/tags/\\\\{tagId\\\\}"
parameters = { "path.tagId" = { dictionary = "tags", probability = 0.85 } }
""")
print("\n".join(out))
