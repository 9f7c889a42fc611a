#!/usr/bin/env python3
"""CSV import benchmark: bench/csv_import.py [--rows N] [--bin PATH]

Generates an N-row customers CSV (default 100,000; `;`-delimited with a BOM, aliased headers, a quoted
field with an embedded delimiter every tenth row, 1% duplicate rows and 1% bad rows), starts `crm serve`
on a fresh SQLite file on loopback, signs in, posts the file to POST /crm/imports/customers with curl,
and prints the wall time of the import and the server's peak resident memory (VmHWM of /proc/PID/status),
then the same file again (the re-import, which must create nothing). The server is stopped at the end.
Loopback only; nothing else is contacted.
"""
import argparse, json, os, random, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, default=100_000)
parser.add_argument("--bin", default=".build/release/crm")
args = parser.parse_args()

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(root)
work = tempfile.mkdtemp(prefix="crm-csv-bench-")
csv_path = os.path.join(work, "customers.csv")
rng = random.Random(17)
first = ["Giulia", "Anna", "Marco", "Lea", "Noah", "Mia", "Luca", "Sofia", "Elias", "Emma"]
last = ["Bianchi", "Rossi", "Müller", "Meier", "Keller", "Weber", "Huber", "Schmid", "Frei", "Brunner"]
with open(csv_path, "w", encoding="utf-8-sig", newline="") as f:
    f.write("First Name;Last Name;E-mail;Mobile;Date of Birth;Notes\r\n")
    for i in range(args.rows):
        n = i - 1 if i % 100 == 99 else i           # 1%: a duplicate of the previous row
        name = f'"{first[n % 10]}; {n}"' if n % 10 == 0 else first[n % 10]
        email = "not-an-email" if i % 100 == 50 else f"c{n}@bench.test"   # 1%: a bad row
        phone = f"+41 79 {n // 10000 % 100:02d} {n // 100 % 100:02d} {n % 100:02d}" if n % 3 else ""
        dob = f"19{50 + n % 50}-{1 + n % 12:02d}-{1 + n % 28:02d}"
        f.write(f"{name};{last[rng.randrange(10)]};{email};{phone};{dob};imported\r\n")
size = os.path.getsize(csv_path)

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

port = free_port()
env = dict(os.environ, DATABASE_URL=f"sqlite:{work}/crm.sqlite", CRM_ADMIN_EMAIL="bench@clinic.test",
           CRM_ADMIN_PASSWORD="bench-password-123", CRM_JWT_SECRET="bench-secret-bench-secret-bench-secret-0123456789",
           LOG_LEVEL="warning", CRM_SCHEDULER_INTERVAL="3600")
server = subprocess.Popen([args.bin, "serve", "--hostname", "127.0.0.1", "--port", str(port)], env=env,
                          stdout=open(os.path.join(work, "server.out"), "w") if os.environ.get("BENCH_KEEP") else subprocess.DEVNULL, stderr=open(os.path.join(work, "server.log"), "w"))
base = f"http://127.0.0.1:{port}"

def peak_rss_mb():
    with open(f"/proc/{server.pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")

try:
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/ready", timeout=1)
            break
        except Exception:
            time.sleep(0.2)
    login = urllib.request.Request(base + "/auth/login", method="POST", headers={"Content-Type": "application/json"},
                                   data=json.dumps({"email": "bench@clinic.test", "password": "bench-password-123"}).encode())
    token = json.load(urllib.request.urlopen(login))["token"]
    idle_rss = peak_rss_mb()
    print(f"file: {args.rows} rows, {size / 1e6:.1f} MB; server {args.bin}, SQLite; peak RSS before: {idle_rss:.0f} MB")
    for label in ["import", "re-import"]:
        start = time.monotonic()
        out = subprocess.run(["curl", "-sS", "--max-time", "600", f"{base}/crm/imports/customers",
                              "-H", f"Authorization: Bearer {token}", "-H", "Content-Type: text/csv; charset=utf-8",
                              "--data-binary", f"@{csv_path}"], capture_output=True).stdout
        wall = time.monotonic() - start
        if not out:
            print(f"{label}: no answer after {wall:.1f} s (server alive: {server.poll() is None}, peak RSS {peak_rss_mb():.0f} MB)")
            print(open(os.path.join(work, "server.log")).read()[-2000:])
            break
        report = json.loads(out)
        print(f"{label}: {wall:.1f} s, counts {report['counts']}, peak RSS {peak_rss_mb():.0f} MB")
finally:
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    if os.environ.get("BENCH_KEEP"):
        print("kept", work)
    else:
        shutil.rmtree(work, ignore_errors=True)
