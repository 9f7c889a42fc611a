#!/usr/bin/env python3
"""The console's speed on seeded data: sign-in → My day listed, and a customer page, in headless Chromium.

usage: bench/console_speed.py BINARY [SCALE]   (SCALE S by default; seeds a throwaway SQLite database first)
Prints one line per measure; results are recorded by hand in bench/console.md.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from netutil import free_port  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

binary, scale = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "S")
work = tempfile.mkdtemp(prefix="crm-console-speed-")
env = dict(os.environ, DATABASE_URL=f"sqlite:{work}/crm.sqlite", CRM_JWT_SECRET="speed-secret-speed-secret-speed-0123456789",
           CRM_SCHEDULER_INTERVAL="3600", LOG_LEVEL="warning")
subprocess.run([binary, "seed", "--scale", scale], env=env, check=True, stdout=subprocess.DEVNULL)
port = free_port()
base = f"http://127.0.0.1:{port}"
server = subprocess.Popen([binary, "serve", "--hostname", "127.0.0.1", "--port", str(port)], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(300):
    try:
        urllib.request.urlopen(base + "/ready", timeout=2)
        break
    except OSError:
        time.sleep(0.2)
options = webdriver.ChromeOptions()
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"]:
    options.add_argument(argument)
driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"))
wait = WebDriverWait(driver, 20)
day, record = [], []
try:
    for _ in range(5):
        driver.get(base + "/app#/signin")
        driver.refresh()
        wait.until(lambda d: d.find_elements(By.ID, "f-email"))
        driver.find_element(By.ID, "f-email").send_keys("sales01@seed.test")
        driver.find_element(By.ID, "f-password").send_keys("seed-password")
        started = time.monotonic()
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait.until(lambda d: "pending" in d.find_element(By.ID, "view").text or "Nothing pending" in d.find_element(By.ID, "view").text)
        day.append(time.monotonic() - started)
        link = driver.find_element(By.CSS_SELECTOR, "#view a[href^='#/customer/']")
        started = time.monotonic()
        link.click()
        wait.until(lambda d: d.find_elements(By.ID, "record-cards") and d.find_elements(By.CSS_SELECTOR, "#timeline li"))
        record.append(time.monotonic() - started)
        driver.find_element(By.ID, "signout").click()
finally:
    driver.quit()
    server.terminate()
print(json.dumps({"scale": scale, "sign-in → My day (s, median of 5)": round(statistics.median(day), 3),
                  "max": round(max(day), 3), "customer page (s, median of 5)": round(statistics.median(record), 3),
                  "max ": round(max(record), 3)}))
