#!/usr/bin/env python3
"""Draws random ids from a seeded database and writes one request file per benchmarked endpoint.

usage: workload.py sqlite PATH OUTDIR  |  workload.py postgres URL OUTDIR
"""
import json, os, random, subprocess, sys, uuid

kind, where, out = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)
rng = random.Random(20261126)


def rows(sql):
    if kind == "sqlite":
        import sqlite3
        con = sqlite3.connect(where)
        result = [r[0] for r in con.execute(sql)]
        con.close()
        return [str(uuid.UUID(bytes=v)) if isinstance(v, bytes) else v for v in result]
    text = subprocess.run(["psql", where, "-At", "-c", sql], check=True, capture_output=True, text=True).stdout
    return [line for line in text.splitlines() if line]


customers = rows("SELECT id FROM customers ORDER BY random() LIMIT 2000")
tags = rows("SELECT id FROM tags")
names = rows("SELECT first_name FROM leads ORDER BY random() LIMIT 200")


def write(name, lines):
    with open(os.path.join(out, name), "w") as f:
        f.write("\n".join(lines) + "\n")


n = 2000
write("record.txt", [f"/crm/customers/{c}/record" for c in customers])
write("communications.txt", [f"/crm/customers/{c}/communications" for c in customers])
# Page sizes are ones both scales fill, so the L÷S ratio compares equal pages: at S the benchmark's
# salesperson (sales01) has ~100 customers, 27–83 of them due for follow-up at these thresholds, and
# ~150 pending actions (11 of them urgent); at L a hundred times more.
write("actions-filtered.txt", [f"/crm/actions?status=pending&priority={rng.choice(['low','medium','high','urgent'])}&limit=10"
                               for _ in range(n)])
write("actions-pending.txt", ["/crm/actions/pending"])
# Each search term matches ~2-3 % of leads: ~20 at S, so S fills pages of 10, not of 50.
write("leads-search.txt", [f"/crm/leads?search={rng.choice(names).lower()[:rng.randint(3, 5)]}&limit=10" for _ in range(n)])
write("repeat.txt", [f"/crm/customers/repeat?limit={rng.choice([20, 50])}" for _ in range(n)])
write("follow-up.txt", [f"/crm/customers/follow-up?daysThreshold={rng.randint(7, 120)}&limit=20" for _ in range(n)])
write("customers-by-tag.txt", [f"/crm/tags/{rng.choice(tags)}/customers" for _ in range(n)])
write("analytics.txt", ["/crm/analytics/salesperson"])
write("health.txt", ["/health"])
write("me.txt", ["/auth/me"])
write("post-communication.txt", [
    "/crm/communications\t" + json.dumps({"customerId": rng.choice(customers), "type": rng.choice(["call", "email", "sms"]),
                                           "direction": "outgoing", "status": "completed", "durationSeconds": rng.randint(0, 600),
                                           "subject": "Benchmark follow-up"}) for _ in range(n)])
write("post-lead.txt", [
    "/crm/leads\t" + json.dumps({"source": rng.choice(["facebook_ads", "google_ads", "referral", "walk_in", "website"]),
                                  "firstName": rng.choice(names), "lastName": "Bench",
                                  "email": f"bench.{i}.{rng.randint(0, 10**9)}@lead.test"}) for i in range(n)])
