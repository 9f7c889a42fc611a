#!/usr/bin/env python3
"""Turns wrk outputs (bench/data/out/<db>-<scale>-<endpoint>.txt) into bench/results/<db>-<date>.md."""
import datetime, json, os, re, sys

db, out_dir, results_dir = sys.argv[1], sys.argv[2], sys.argv[3]
ENDPOINTS = [
    ("record", "GET /crm/customers/:id/record"), ("communications", "GET /crm/customers/:id/communications"),
    ("actions-filtered", "GET /crm/actions?status&priority"), ("actions-pending", "GET /crm/actions/pending"),
    ("leads-search", "GET /crm/leads?search"), ("repeat", "GET /crm/customers/repeat"),
    ("follow-up", "GET /crm/customers/follow-up"), ("customers-by-tag", "GET /crm/tags/:tagId/customers"),
    ("analytics", "GET /crm/analytics/salesperson (30 days)"), ("post-communication", "POST /crm/communications"),
    ("post-lead", "POST /crm/leads"),
    ("me", "GET /auth/me (signed-in floor: token check + one indexed lookup)"), ("health", "GET /health"),
]
UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse(path):
    if not os.path.exists(path):
        return None
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = {p: float(v) * UNIT[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)}
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:.*", text)
    return {"rps": rps, "p50": lat.get("50"), "p99": lat.get("99"), "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "errors": errors.group(0) if errors else ""}


meta = {}
for scale in ("S", "L"):
    m = os.path.join(out_dir, f"{db}-{scale}-meta.json")
    meta[scale] = json.load(open(m)) if os.path.exists(m) else {}

rows = []
health = {s: parse(os.path.join(out_dir, f"{db}-{s}-health.txt")) for s in ("S", "L")}
verdicts = []
for key, label in ENDPOINTS:
    s = parse(os.path.join(out_dir, f"{db}-S-{key}.txt"))
    l = parse(os.path.join(out_dir, f"{db}-L-{key}.txt"))
    if not s or not l:
        continue
    if not s["p50"] or not l["p50"]:
        verdicts.append(f"- {label}: no p50 latency in the wrk output (the run did not measure it)")
        continue
    ratio = l["p50"] / s["p50"]
    vs_health = l["rps"] / health["L"]["rps"] if health["L"] else float("nan")
    rows.append(f"| {label} | {s['rps']:.0f} | {s['p50']:.2f} | {s['p99']:.2f} | {l['rps']:.0f} | {l['p50']:.2f} | "
                f"{l['p99']:.2f} | {s['non2xx'] + l['non2xx']} | {ratio:.2f} | {vs_health:.0%} |")
    if key.startswith("post") or key in ("health", "me"):
        pass
    elif ratio > 1.3:
        verdicts.append(f"- {label}: L÷S p50 {ratio:.2f} > 1.3")
    for scale, result in (("S", s), ("L", l)):
        if result["errors"]:
            verdicts.append(f"- {label} at {scale}: {result['errors']}")
    if s["non2xx"] + l["non2xx"]:
        verdicts.append(f"- {label}: {s['non2xx'] + l['non2xx']} non-2xx responses")
    if key == "record" and vs_health < 0.25:
        verdicts.append(f"- GET record at L reaches {vs_health:.0%} of /health (goal ≥ 25%)")

rss = meta.get("L", {}).get("peak_rss_mb")
if rss and rss > 250:
    verdicts.append(f"- server peak RSS at L {rss} MB > 250 MB")
date = datetime.date.today().isoformat()
os.makedirs(results_dir, exist_ok=True)
path = os.path.join(results_dir, f"{db}-{date}.md")
with open(path, "w") as f:
    f.write(f"# Benchmark: {db}, {date}\n\n")
    f.write(f"wrk, {meta.get('L', {}).get('connections', 32)} connections, {meta.get('L', {}).get('duration', '10s')} per endpoint, "
            f"release build, server and wrk on the same {os.cpu_count()}-core machine. Latencies in ms.\n")
    f.write(f"S = {meta.get('S', {}).get('customers', '1000')} customers; L = {meta.get('L', {}).get('customers', '100000')} customers "
            "(1,000,000 appointments, 1,000,000 communications, 300,000 actions, 100,000 leads).\n\n")
    f.write("| endpoint | S req/s | S p50 | S p99 | L req/s | L p50 | L p99 | non-2xx | L÷S p50 | L vs /health |\n")
    f.write("|---|---|---|---|---|---|---|---|---|---|\n")
    f.write("\n".join(rows) + "\n\n")
    f.write(f"Server peak RSS (VmHWM): S {meta.get('S', {}).get('peak_rss_mb', '?')} MB, L {rss or '?'} MB.\n")
    f.write(f"Configuration: {meta.get('L', {}).get('config', '')}\n\n")
    f.write("## Goals\n\n")
    f.write("All goals met.\n" if not verdicts else "Missed:\n" + "\n".join(verdicts) + "\n")
    analysis = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ANALYSIS.md")
    if verdicts and os.path.exists(analysis):
        f.write("\n" + open(analysis).read())
print(path)
