#!/usr/bin/env python3
"""End-to-end test of the console (/app) in headless Chromium, against a real server on a fresh SQLite file.

usage: tests/console_e2e.py BINARY
Screenshots of every screen at 360 px and 1280 px go to .ci/artifacts/console/ (git-ignored).
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netutil import free_port  # noqa: E402

binary = sys.argv[1]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
artifacts = os.path.join(root, ".ci", "artifacts", "console")
os.makedirs(artifacts, exist_ok=True)
failures = []
timings = {}
SLOW = 3.0  # seconds: a regression, not the 1 s goal (see bench/console.md)


def fail(message):
    print("FAIL:", message, flush=True)
    failures.append(message)


workdir = tempfile.mkdtemp(prefix="crm-e2e-")
port = free_port()
base = f"http://127.0.0.1:{port}"
env = dict(os.environ, DATABASE_URL=f"sqlite:{workdir}/crm.sqlite", CRM_ADMIN_EMAIL="boss@clinic.test",
           CRM_ADMIN_PASSWORD="boss-password", CRM_BCRYPT_COST="4", CRM_TIME_ZONE="Europe/Zurich",
           CRM_JWT_SECRET="e2e-secret-e2e-secret-e2e-secret-0123456789", CRM_SCHEDULER_INTERVAL="3600",
           LOG_LEVEL="warning")
server = subprocess.Popen([binary, "serve", "--hostname", "127.0.0.1", "--port", str(port)], env=env,
                          stdout=open(f"{workdir}/server.log", "w"), stderr=subprocess.STDOUT)


def call(method, path, body=None, token=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return response.status, (json.loads(text) if text else None), response.headers
    except urllib.error.HTTPError as error:
        text = error.read()
        return error.code, (json.loads(text) if text else None), error.headers


for _ in range(300):
    try:
        if call("GET", "/ready")[0] == 200:
            break
    except OSError:
        pass
    time.sleep(0.2)
else:
    print(open(f"{workdir}/server.log").read())
    sys.exit("server did not become ready")

admin_login = call("POST", "/auth/login", {"email": "boss@clinic.test", "password": "boss-password"})[1]
admin, admin_id = admin_login["token"], admin_login["user"]["id"]
users = {}
for role, email in [("SALESPERSON", "sam@clinic.test"), ("SECRETARIAT", "desk@clinic.test")]:
    status, body, _ = call("POST", "/crm/users", {"email": email, "name": email.split("@")[0].title(), "role": role,
                                                  "password": "team-password"}, admin)
    assert status == 201, body
    users[role] = body["id"]
desk = call("POST", "/auth/login", {"email": "desk@clinic.test", "password": "team-password"})[1]["token"]
customer = call("POST", "/crm/customers", {"firstName": "Mia", "lastName": "Keller", "phone": "+41 79 230 44 29",
                                           "assignedSalesId": users["SALESPERSON"]}, desk)[1]["id"]
now = time.time()


def iso(seconds_from_now):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + seconds_from_now))


clinic = call("POST", "/crm/clinics", {"name": "Lakeside Clinic"}, desk)[1]["id"]
service = call("POST", "/crm/services", {"name": "Botox", "price": 150, "typicalIntervalDays": 90}, desk)[1]["id"]
status, body, _ = call("POST", "/crm/tags", {"name": "VIP", "color": "#FFD700"}, admin)
assert status == 201, body
status, body, _ = call("POST", "/crm/leads", {"source": "website", "firstName": "Lena", "lastName": "Frei",
                                              "email": "lena@mail.test"}, admin)
assert status == 201, body
status, body, _ = call("PATCH", f"/crm/leads/{body['id']}", {"assignedSalesId": None}, admin)
assert status == 200, body

for title, due in [("Call Mia about her filler", iso(-7200)), ("Send aftercare notes", iso(86400))]:
    status, body, _ = call("POST", "/crm/actions", {"customerId": customer, "actionType": "phone_call", "title": title,
                                                    "assignedTo": users["SALESPERSON"], "dueDate": due}, desk)
    assert status == 201, body

# More than one page of the customer's timeline (20 items a page).
for n in range(22):
    status, body, _ = call("POST", "/crm/communications", {"customerId": customer, "type": "note",
                                                           "notes": f"Earlier note {n}", "occurredAt": iso(-86400 * (n + 2))}, desk)
    assert status == 201, body

options = webdriver.ChromeOptions()
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"]:
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver")
driver = webdriver.Chrome(options=options, service=service)
# Rows are re-rendered after each change: an element found a moment before may be gone; look again.
wait = WebDriverWait(driver, 10, ignored_exceptions=[StaleElementReferenceException])


def shot(name):
    for width in (360, 1280):
        driver.set_window_size(width, 900)
        time.sleep(0.2)
        driver.save_screenshot(os.path.join(artifacts, f"{name}-{width}.png"))
        overflow = driver.execute_script("return document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth")
        if width == 360 and overflow > 0:
            fail(f"{name}: horizontal scroll of {overflow} px at 360 px")
    driver.set_window_size(1280, 900)


def pending_titles(email, password):
    """The titles of a user's pending actions, read through the API."""
    token = call("POST", "/auth/login", {"email": email, "password": password})[1]["token"]
    return {action["title"] for action in call("GET", "/crm/actions/pending", token=token)[1]}


def visible_text():
    return driver.find_element(By.ID, "view").text


def sign_in(email, password, keyboard=False):
    driver.get(base + "/app#/signin")
    driver.refresh()  # a fresh page: the same URL with only a hash would not load again
    wait.until(EC.presence_of_element_located((By.ID, "f-email")))
    started = time.monotonic()
    if keyboard:
        # Keyboard only: the email field has focus; type, Tab, type, Enter.
        active = driver.switch_to.active_element
        if active.get_attribute("id") != "f-email":
            fail("sign-in: the email field does not have focus")
        active.send_keys(email, Keys.TAB)
        driver.switch_to.active_element.send_keys(password, Keys.ENTER)
    else:
        driver.find_element(By.ID, "f-email").send_keys(email)
        driver.find_element(By.ID, "f-password").send_keys(password)
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait.until(lambda d: d.execute_script("return location.hash") == "#/day")
    wait.until(lambda d: "pending" in visible_text() or "Nothing pending" in visible_text())
    return time.monotonic() - started


try:
    # Sign-in problems are shown in place.
    driver.get(base + "/app")
    wait.until(EC.presence_of_element_located((By.ID, "f-email")))
    if driver.find_element(By.ID, "top").is_displayed():
        fail("the menu shows before sign-in")
    shot("sign-in")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    try:
        wait.until(lambda d: d.find_element(By.ID, "f-email-error").text.strip())
    except Exception:
        fail("signing in with nothing typed shows no error beside the email")
    driver.find_element(By.ID, "f-email").send_keys("sam@clinic.test")
    driver.find_element(By.ID, "f-password").send_keys("wrong-password")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait.until(lambda d: "wrong" in d.find_element(By.CSS_SELECTOR, "p.problem").text.lower())

    # Throttling: after repeated failures the form counts down Retry-After (an account of its own, so the
    # lock does not touch the others).
    driver.refresh()
    wait.until(EC.presence_of_element_located((By.ID, "f-email")))
    for _ in range(6):
        email = driver.find_element(By.ID, "f-email")
        email.clear()
        email.send_keys("nobody@clinic.test")
        password = driver.find_element(By.ID, "f-password")
        password.clear()
        password.send_keys("not-the-password")
        button = driver.find_element(By.CSS_SELECTOR, "form button[type=submit]")
        if not button.is_enabled():
            break
        button.click()
        time.sleep(0.6)
    try:
        WebDriverWait(driver, 10).until(lambda d: "Try again in" in d.find_element(By.CSS_SELECTOR, "p.problem").text)
    except Exception:
        fail("no Retry-After countdown after repeated failures")

    # The salesperson's day, signed in with the keyboard only.
    timings["sign-in to My day (s)"] = round(sign_in("sam@clinic.test", "team-password", keyboard=True), 3)
    # The goal is 1 s (recorded in bench/); the test fails only far above it, so a slow CI machine does not
    # fail a correct build — the number is printed and kept.
    if timings["sign-in to My day (s)"] > SLOW:
        fail(f"My day took {timings['sign-in to My day (s)']} s after sign-in")
    text = visible_text()
    for expected in ["Call Mia about her filler", "Send aftercare notes", "Overdue by", "Mia Keller", "+41792304429"]:
        if expected not in text:
            fail(f"My day does not show {expected!r}")
    if not driver.find_elements(By.CSS_SELECTOR, 'a[href="tel:+41792304429"]'):
        fail("My day has no tel: link")
    shot("my-day")

    # Completing an action removes it.
    row = driver.find_element(By.XPATH, "//li[.//strong[text()='Call Mia about her filler']]")
    row.find_element(By.XPATH, ".//button[text()='Complete']").click()
    wait.until(lambda d: "Call Mia about her filler" not in visible_text())

    # A notification created by another user appears live, without a reload.
    badge = driver.find_element(By.ID, "badge")
    before = int(badge.get_attribute("data-count"))
    status, body, _ = call("POST", "/crm/communications", {"customerId": customer, "type": "call", "direction": "missed",
                                                           "status": "missed"}, desk)
    assert status == 201, body
    try:
        WebDriverWait(driver, 8).until(lambda d: int(d.find_element(By.ID, "badge").get_attribute("data-count")) > before)
    except Exception:
        fail("the missed-call notification did not reach the badge live")
    wait.until(lambda d: "Return missed call" in visible_text())  # the list refreshed for it

    # The inbox, then mark all read.
    driver.get(base + "/app#/inbox")
    wait.until(lambda d: "Missed call" in visible_text() or "missed" in visible_text().lower())
    shot("inbox")
    driver.find_element(By.XPATH, "//button[text()='Mark all read']").click()
    wait.until(lambda d: d.find_element(By.ID, "badge").get_attribute("data-count") == "0")

    # Follow-up and repeat lists.
    driver.get(base + "/app#/follow-up")
    wait.until(lambda d: "days since contact" in visible_text() or "No one to follow up" in visible_text() or "Never contacted" in visible_text())
    shot("follow-up")
    driver.get(base + "/app#/repeat")
    wait.until(lambda d: "No repeat customers yet." in visible_text() or "repeat visits" in visible_text())
    shot("repeat")

    # The customer page; logging a call (keyboard only) updates the last contact on screen.
    started = time.monotonic()
    driver.get(base + f"/app#/customer/{customer}")
    wait.until(EC.presence_of_element_located((By.ID, "record-cards")))
    timings["customer page (s)"] = round(time.monotonic() - started, 3)
    if timings["customer page (s)"] > SLOW:
        fail(f"the customer page took {timings['customer page (s)']} s")
    shot("customer")
    last_before = driver.find_element(By.CSS_SELECTOR, "#last-contact .value").text
    # Keyboard only: Tab from the top of the page to the form, type the notes, Tab to "Log it", Enter.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.HOME)
    driver.execute_script("document.getElementById('view').focus()")  # where the page puts focus on load
    for _ in range(40):
        if driver.switch_to.active_element.get_attribute("id") == "call-notes":
            break
        driver.switch_to.active_element.send_keys(Keys.TAB)
    else:
        fail("Tab never reached the call notes")
    driver.switch_to.active_element.send_keys("Booked a consultation", Keys.TAB)
    if driver.switch_to.active_element.text != "Log it":
        fail("Tab after the notes is not the Log it button")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait.until(lambda d: "Booked a consultation" in visible_text())
    last_after = driver.find_element(By.CSS_SELECTOR, "#last-contact .value").text
    if last_after in ("—", last_before) and last_before != "—":
        fail(f"last contact did not change on screen ({last_before!r} → {last_after!r})")
    if last_after == "—":
        fail("last contact still empty after logging a call")

    # One timeline of every kind, newest first; the next page comes in as the end scrolls into view.
    def timeline_kinds():
        return [li.get_attribute("data-kind") for li in driver.find_elements(By.CSS_SELECTOR, "#timeline li")]
    wait.until(lambda d: len(timeline_kinds()) >= 20)
    first_page = len(timeline_kinds())
    if not {"communication", "action", "change"} <= set(timeline_kinds()):
        fail(f"the timeline lacks a kind: {sorted(set(timeline_kinds()))}")
    driver.execute_script("document.getElementById('timeline').nextElementSibling.scrollIntoView()")
    try:
        wait.until(lambda d: len(timeline_kinds()) > first_page and "Earlier note 21" in visible_text())
    except Exception:
        fail(f"the timeline did not page in on scrolling ({first_page} items)")
    driver.execute_script("document.getElementById('timeline').previousElementSibling.scrollIntoView()")
    shot("customer-timeline")

    # The network drops while a call is logged: the banner shows, the write is retried with the same
    # Idempotency-Key once the network is back, and it is stored once.
    driver.set_network_conditions(offline=True, latency=5, download_throughput=1024 * 1024, upload_throughput=1024 * 1024)
    notes = driver.find_element(By.ID, "call-notes")
    notes.send_keys("Logged while offline")
    driver.find_element(By.XPATH, "//form[.//textarea[@id='call-notes']]//button[@type='submit']").click()
    try:
        WebDriverWait(driver, 5).until(lambda d: d.find_element(By.ID, "offline").is_displayed())
    except Exception:
        fail("no offline banner while the network was down")
    driver.set_network_conditions(offline=False, latency=5, download_throughput=1024 * 1024, upload_throughput=1024 * 1024)
    WebDriverWait(driver, 20, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: "Logged while offline" in visible_text() and not d.find_element(By.ID, "offline").is_displayed())
    history = call("GET", f"/crm/customers/{customer}/communications?limit=100", token=desk)[1]
    if sum(1 for c in history if c.get("notes") == "Logged while offline") != 1:
        fail("the call logged offline was not stored exactly once")

    # Someone else edits the record meanwhile: saving answers 412 and offers to reload.
    status, body, _ = call("PUT", f"/crm/customers/{customer}/record", {"notes": "changed elsewhere"}, desk)
    assert status == 200, body
    driver.find_element(By.XPATH, "//form[.//select[@name='customerStatus']]//button[@type='submit']").click()
    wait.until(lambda d: "changed this record meanwhile" in visible_text())
    driver.find_element(By.XPATH, "//button[text()='Reload it']").click()
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "textarea[name=notes]").get_attribute("value") == "changed elsewhere"
               or "changed elsewhere" in d.execute_script("return [...document.querySelectorAll('textarea')].map(t => t.value).join(' ')"))

    # Preferences are edited as "name: value" lines: a new one is added, a removed one is deleted.
    def record_preferences():
        return call("GET", f"/crm/customers/{customer}/record", token=desk)[1]["record"]["preferences"]

    def save_preferences(text):
        field = driver.find_element(By.ID, "record-preferences")
        field.clear()
        field.send_keys(text)
        driver.find_element(By.XPATH, "//form[.//textarea[@id='record-preferences']]//button[@type='submit']").click()

    save_preferences('preferredTime: morning\npreferredServices: ["botox", "fillers"]')
    try:
        WebDriverWait(driver, 10).until(lambda d: record_preferences() == {"preferredTime": "morning", "preferredServices": ["botox", "fillers"]})
    except Exception:
        fail(f"preferences not saved: {record_preferences()}")
    wait.until(lambda d: "preferredServices" in d.find_element(By.ID, "record-preferences").get_attribute("value"))
    save_preferences('preferredServices: ["botox"]')
    try:
        WebDriverWait(driver, 10).until(lambda d: record_preferences() == {"preferredServices": ["botox"]})
    except Exception:
        fail(f"a removed preference stayed: {record_preferences()}")
    wait.until(EC.presence_of_element_located((By.ID, "record-cards")))

    # Tagging from the catalogue, and removing the tag again.
    driver.find_element(By.XPATH, "//form[.//select[@name='tagId']]//button[@type='submit']").click()
    wait.until(lambda d: d.find_elements(By.XPATH, "//button[@aria-label='Remove tag VIP']"))
    # Removed elsewhere meanwhile: the failed removal says why next to its button, not silently.
    attachment = call("GET", f"/crm/customers/{customer}/record", token=desk)[1]["tags"][0]["id"]
    assert call("DELETE", f"/crm/customer-tags/{attachment}", token=desk)[0] == 204
    driver.find_element(By.XPATH, "//button[@aria-label='Remove tag VIP']").click()
    try:
        wait.until(lambda d: d.find_element(By.XPATH, "//button[@aria-label='Remove tag VIP']/following-sibling::span[@class='error']").text.strip())
    except Exception:
        fail("a failed tag removal said nothing next to its button")
    driver.refresh()
    wait.until(EC.presence_of_element_located((By.ID, "record-cards")))
    driver.find_element(By.XPATH, "//form[.//select[@name='tagId']]//button[@type='submit']").click()
    wait.until(lambda d: d.find_elements(By.XPATH, "//button[@aria-label='Remove tag VIP']"))
    driver.find_element(By.XPATH, "//button[@aria-label='Remove tag VIP']").click()
    wait.until(lambda d: not d.find_elements(By.XPATH, "//button[@aria-label='Remove tag VIP']"))

    # A request refused for one field shows the message beside that field, in every form of the page.
    def expect_field_error(prefix, field, prepare):
        prepare(wait.until(EC.presence_of_element_located((By.ID, f"{prefix}-{field}"))))
        driver.find_element(By.XPATH, f"//form[.//*[@id='{prefix}-{field}']]//button[@type='submit']").click()
        try:
            wait.until(lambda d: d.find_element(By.ID, f"{prefix}-{field}-error").text.strip())
        except Exception:
            fail(f"no error beside {prefix}-{field}")

    def set_value(value):
        return lambda element: driver.execute_script("arguments[0].value = arguments[1]", element, value)

    expect_field_error("task", "title", set_value(""))
    expect_field_error("callback", "scheduledAt", set_value(""))
    expect_field_error("call", "durationSeconds", set_value("-5"))
    expect_field_error("record", "notes", set_value("x" * 5001))
    driver.refresh()
    wait.until(EC.presence_of_element_located((By.ID, "record-cards")))
    expect_field_error("record", "preferences", set_value("no colon here"))
    driver.refresh()
    wait.until(EC.presence_of_element_located((By.ID, "record-cards")))

    # A salesperson's menu: analytics yes, appointments and admin no.
    def offered():
        return {link.get_attribute("data-nav") for link in driver.find_elements(By.CSS_SELECTOR, "[data-nav]") if link.is_displayed()}
    if offered() != {"day", "follow-up", "repeat", "inbox", "leads", "analytics"}:
        fail(f"a salesperson is offered {sorted(offered())}")

    # Leads: claim the unassigned one, then convert it and follow the customer link.
    driver.get(base + "/app#/leads")
    wait.until(lambda d: "Lena Frei" in visible_text())
    lead_row = driver.find_element(By.XPATH, "//li[.//strong[text()='Lena Frei']]")
    lead_row.find_element(By.XPATH, ".//button[text()='Claim']").click()
    wait.until(lambda d: "yours" in d.find_element(By.XPATH, "//li[.//strong[text()='Lena Frei']]").text)
    shot("leads")
    driver.find_element(By.XPATH, "//li[.//strong[text()='Lena Frei']]//button[text()='Convert']").click()
    wait.until(lambda d: d.find_elements(By.XPATH, "//li[.//strong[text()='Lena Frei']]//a[text()='open']"))

    # Analytics draws its charts, numbers readable beside them.
    driver.get(base + "/app#/analytics")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "svg.chart")) == 5)
    labels = " ".join(svg.get_attribute("aria-label") for svg in driver.find_elements(By.CSS_SELECTOR, "svg.chart"))
    for chart in ["Communications by type", "Actions by status", "Revenue", "Leads by source", "Lead conversion"]:
        if chart not in labels:
            fail(f"analytics has no chart {chart!r}")
    if "Revenue" not in visible_text():
        fail("analytics shows no revenue")
    shot("analytics")

    # A session ended elsewhere: the next request answers 401, the console asks to sign in again and then
    # returns to the page it was on.
    driver.get(base + "/app#/follow-up")
    wait.until(lambda d: "Follow-up" in visible_text())
    token = driver.execute_script("return sessionStorage.getItem('crm.token')")
    call("POST", "/auth/logout", token=token)
    driver.get(base + "/app#/repeat")
    wait.until(EC.presence_of_element_located((By.ID, "f-email")))
    driver.find_element(By.ID, "f-email").send_keys("sam@clinic.test")
    driver.find_element(By.ID, "f-password").send_keys("team-password")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    try:
        WebDriverWait(driver, 10).until(lambda d: d.execute_script("return location.hash") == "#/repeat")
    except Exception:
        fail("after a 401 and a new sign-in the console did not return to the page")

    # Signing out clears the session.
    driver.find_element(By.ID, "signout").click()
    wait.until(EC.presence_of_element_located((By.ID, "f-email")))
    if driver.execute_script("return sessionStorage.getItem('crm.token')"):
        fail("sign-out left the token in sessionStorage")
    if driver.execute_script("return localStorage.length") != 0:
        fail("the console wrote to localStorage")

    # The front desk hands its own action to the customer's salesperson.
    call("POST", "/crm/actions", {"customerId": customer, "actionType": "phone_call", "title": "Call back about prices",
                                  "assignedTo": users["SECRETARIAT"], "dueDate": iso(7200)}, desk)
    sign_in("desk@clinic.test", "team-password")
    wait.until(lambda d: "Call back about prices" in visible_text())
    driver.find_element(By.XPATH, "//li[.//strong[text()='Call back about prices']]//button[text()=\"To the customer's salesperson\"]").click()
    wait.until(lambda d: "Call back about prices" not in visible_text())
    if "Call back about prices" not in pending_titles("sam@clinic.test", "team-password"):
        fail("the desk's action did not go to the customer's salesperson")

    # The front desk books; a second booking of the same slot shows the conflict in the form.
    if offered() != {"day", "follow-up", "repeat", "inbox", "leads", "appointments"}:
        fail(f"the front desk is offered {sorted(offered())}")
    driver.get(base + "/app#/appointments")
    find = wait.until(EC.presence_of_element_located((By.ID, "book-find")))
    find.send_keys("Mia", Keys.TAB)
    wait.until(lambda d: "Mia Keller" in d.find_element(By.ID, "book-customerId").text)
    expect_field_error("book", "startTime", set_value(""))
    start = driver.find_element(By.ID, "book-startTime")
    for attempt in range(2):
        driver.execute_script("arguments[0].value = '2030-01-15T10:00'", start)
        driver.find_element(By.XPATH, "//form[.//select[@name='serviceId']]//button[@type='submit']").click()
        if attempt == 0:
            wait.until(lambda d: "Botox · Lakeside Clinic" in visible_text())
    wait.until(lambda d: "already has appointment" in visible_text())
    shot("appointments")
    driver.find_element(By.ID, "signout").click()
    wait.until(EC.presence_of_element_located((By.ID, "f-email")))

    # The ADMIN sees everything, reassigns from My day, and the admin screen lists users and tags.
    call("POST", "/crm/actions", {"customerId": customer, "actionType": "other", "title": "Order gloves",
                                  "assignedTo": admin_id, "dueDate": iso(3600)}, admin)
    sign_in("boss@clinic.test", "boss-password")
    wait.until(lambda d: "Order gloves" in visible_text())
    driver.find_element(By.XPATH, "//li[.//strong[text()='Order gloves']]//button[text()='Reassign']").click()
    wait.until(lambda d: "Order gloves" not in visible_text())
    if "Order gloves" not in pending_titles("sam@clinic.test", "team-password"):
        fail("the reassigned action is not Sam's")
    if offered() != {"day", "follow-up", "repeat", "inbox", "leads", "appointments", "analytics", "admin"}:
        fail(f"an ADMIN is offered {sorted(offered())}")
    driver.get(base + "/app#/admin")
    wait.until(lambda d: "sam@clinic.test" in visible_text() and "VIP" in visible_text())
    shot("admin")
    expect_field_error("user", "email", lambda element: element.send_keys("not-an-email"))
    driver.find_element(By.ID, "tag-name").send_keys("Gold")
    expect_field_error("tag", "color", lambda element: element.send_keys("gold"))
    # An ADMIN filters leads by any salesperson: Sam's claimed lead is there.
    driver.get(base + "/app#/leads")
    owner = wait.until(EC.presence_of_element_located((By.ID, "lead-owner")))
    wait.until(lambda d: any(o.text == "Sam" for o in owner.find_elements(By.TAG_NAME, "option")))
    Select(owner).select_by_visible_text("Sam")
    driver.find_element(By.XPATH, "//button[text()='Show']").click()
    wait.until(lambda d: "Lena Frei" in visible_text())
    driver.find_element(By.ID, "signout").click()
    wait.until(EC.presence_of_element_located((By.ID, "f-email")))

    # Nothing but the server was asked for anything; the browser saw no CSP violation or script error.
    hosts = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    foreign = [url for url in hosts if not url.startswith(base)]
    if foreign:
        fail(f"requests to other hosts: {foreign}")
    for entry in driver.get_log("browser"):
        message = entry.get("message", "")
        if entry.get("level") == "SEVERE" and ("Content Security Policy" in message or "Uncaught" in message):
            fail(f"browser: {message}")

    # Weight: every script and style sheet the shell names.
    html = urllib.request.urlopen(base + "/app").read().decode()
    total = 0
    for part in html.split('"'):
        if part.startswith("/app/assets/"):
            with urllib.request.urlopen(base + part) as response:
                total += len(response.read())
                if "immutable" not in response.headers.get("Cache-Control", ""):
                    fail(f"{part} is not served with an immutable cache")
    timings["JS + CSS (KB)"] = round(total / 1024, 1)
    if total > 150 * 1024:
        fail(f"JS + CSS weigh {total} bytes")
finally:
    driver.quit()
    server.terminate()
    server.wait(timeout=20)

print("console e2e:", json.dumps(timings), flush=True)
print("console e2e:", "FAILED" if failures else "passed", f"(screenshots in {os.path.relpath(artifacts, root)})", flush=True)
sys.exit(1 if failures else 0)
