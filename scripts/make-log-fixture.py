#!/usr/bin/env python3
"""Writes an event-log fixture: a demo office's log after a morning of every kind of activity, made by
the queue-server binary given (the version whose log it is), for queue-server/tests/log_fixtures.rs.

    python3 scripts/make-log-fixture.py BIN OUT.sqlite3

The office is the demo office; the script drives the real HTTP API on loopback (tickets issued, called,
started, finished, missed, parked and unparked, recalled, transferred, cancelled; a dossier linked (with its
rating token, from versions that mint one) and its receipt printed on a fake network printer (from versions
that print receipts); ratings by ticket and by dossier, with choices of the indicator
set, with older kiosks' answers and with the dossier's rating token; an invitation to rate; a lease used and returned; settings, a service, a counter,
staff saved and disabled; devices enrolled, renamed, revoked; a login lockout; a dossier import), stops
it, writes a single-file backup to OUT and next to it OUT.json with what `verify` says of it. Commit
both: every later version must replay the log to the same summary (the log is a contract).
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

BIN, OUT = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp(prefix="motcua-fixture-")
data = os.path.join(work, "office")
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
port = sock.getsockname()[1]
sock.close()
base = f"http://127.0.0.1:{port}"
log = open(os.path.join(work, "server.log"), "w+")
server = subprocess.Popen([BIN, "demo", "--data-dir", data, "--listen", f"127.0.0.1:{port}"], stdout=log, stderr=log)


def server_output():
    log.flush()
    with open(log.name) as f:
        return f.read()


for _ in range(100):
    if re.search(r"^listening on", server_output(), re.M):
        break
    time.sleep(0.2)
else:
    sys.exit("the demo server did not start:\n" + server_output())


def call(method, path, token=None, body=None, headers=None, ok=(200, 201, 204)):
    req = urllib.request.Request(base + path, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, payload) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    if ok and status not in ok:
        sys.exit(f"{method} {path}: {status} {text}")
    return json.loads(text) if text.strip().startswith(("{", "[")) else text


def fake_printer():
    """A network printer that takes any job and answers every DLE EOT n with "ready" (0x12)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def serve(conn):
        with conn:
            tail = b""
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                seen = tail + data
                asks = sum(1 for i in range(len(seen) - 2)
                           if seen[i:i + 2] == b"\x10\x04" and 1 <= seen[i + 2] <= 4 and i + 2 >= len(tail))
                if asks:
                    conn.sendall(b"\x12" * asks)
                tail = seen[-2:]

    def accept():
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1]


printer_port = fake_printer()


def login(user, password="motcua-demo"):
    return call("POST", "/api/v1/auth/login", body={"username": user, "password": password})["token"]


def enrol(code, name):
    return call("POST", "/api/v1/devices/enrol", body={"code": code, "name": name})["token"]


admin = login("admin")
officer = login("canbo1")
kiosk_code = re.search(r"^Ticket-kiosk enrolment code.*: (.*)$", server_output(), re.M).group(1).strip()
kiosk = enrol(kiosk_code, "Kiosk sảnh A")


def device_code(role, name, counter=None):
    body = {"role": role, "name": name}
    if counter is not None:
        body["counter"] = counter
    return call("POST", "/api/v1/admin/enrolment-codes", admin, body)["code"]


terminal = enrol(device_code("rating-terminal", "Máy đánh giá quầy 1", 1), "Máy đánh giá quầy 1")
display = enrol(device_code("display", "Màn hình tầng 1"), "Màn hình tầng 1")
call("POST", "/api/v1/devices/heartbeat", kiosk, {"health": {"printer": "ok", "paper": "ok"}})

services = [s["code"] for s in call("GET", "/api/v1/services", kiosk)]
counter1 = call("GET", "/api/v1/admin/counters", admin)[0]
first_service = counter1["services"][0]
other_service = next(s for s in services if s != first_service)


def issue(service, key, priority=None):
    body = {"service": service}
    if priority:
        body["priority"] = priority
    return call("POST", "/api/v1/tickets", kiosk, body, {"Idempotency-Key": key})


tickets = [issue(first_service, f"fx-{i}") for i in range(7)]
issue(first_service, "fx-elderly", "elderly")
issue(other_service, "fx-other")
issue(first_service, "fx-0")  # a retry: the same ticket, no new event
# A ticket for a catalogue procedure (ticket_issued.procedure), and the catalogue edited and imported.
procedure = call("GET", f"/api/v1/procedures?service={first_service}&limit=1", kiosk)["procedures"][0]
call("POST", "/api/v1/tickets", kiosk, {"service": first_service, "procedure": procedure["code"]},
     {"Idempotency-Key": "fx-procedure"})
record = {k: procedure[k] for k in ("code", "name", "field", "time_limit", "fees", "papers", "service", "active")}
record["counters"] = []
record["papers"] = record["papers"] + [{"vi": "Giấy tờ bổ sung của bản ghi mẫu", "en": ""}]
call("PUT", f"/api/v1/admin/procedures/{procedure['code']}", admin, record)
call("POST", "/api/v1/admin/procedures/import", admin, {"format": "csv", "content":
     "code,name_vi,field_vi,service,time_limit,active\n9.000001,Thủ tục mẫu đã ngừng,Thử nghiệm,"
     + first_service + ",2 ngày,không\n"})

c = "/api/v1/counters/1"
served = call("POST", c + "/call-next", officer)
call("POST", c + "/recall", officer)
call("POST", c + "/start", officer)
linked_code = "000.00.01.H29-261203-0999"
linked = call("POST", c + "/link-dossier", officer, {"code": linked_code}, ok=None)
# The dossier's receipt printed on counter 1's receipt printer (counter_saved.receipt_printer,
# receipt_issued), from versions that print receipts; the printer is a fake that takes any job.
if isinstance(linked, dict) and linked.get("rating_token"):
    with_printer = dict(counter1, receipt_printer={"target": f"tcp://127.0.0.1:{printer_port}", "profile": "epson-tm-t20"})
    if call("PUT", "/api/v1/admin/counters/1", admin, with_printer, ok=None) == with_printer:
        call("POST", c + "/receipt", officer, {"code": linked_code, "rating_token": linked["rating_token"],
             "citizen_name": "Nguyễn Văn Mẫu", "procedure": procedure["code"], "bring_back": "Bản chính CCCD"})
call("POST", c + "/finish", officer, {"outcome": "completed"})
call("POST", c + "/invite-rating", officer, ok=None)
call("POST", "/api/v1/ratings", terminal, {"ticket": served["id"], "level": "very_satisfied", "counter": 1,
     "choices": [{"indicator": "staff_attitude", "option": "good"}, {"indicator": "contacts_to_complete", "option": "none"}]},
     ok=None)
if isinstance(linked, dict) and linked.get("rating_token"):
    call("POST", "/api/v1/ratings", kiosk, {"dossier": linked_code, "rating_token": linked["rating_token"],
         "stage": "reception", "level": "satisfied", "choices": [{"indicator": "public_disclosure", "option": "full"}]})
call("POST", c + "/call-next", officer)
call("POST", c + "/no-show", officer)
parked = call("POST", c + "/call-next", officer)
call("POST", c + "/park", officer)
call("POST", f"/api/v1/tickets/{parked['id']}/unpark", officer, {"placement": "front"}, ok=None)
again = call("POST", c + "/call-next", officer)
call("POST", c + "/transfer", officer, {"to_service": other_service, "placement": "back"})
# An older kiosk's answers: (indicator, points).
call("POST", "/api/v1/ratings", kiosk, {"ticket": again["id"], "level": "satisfied",
     "answers": [["total_processing_time", 2], ["staff_attitude", 1]]}, ok=None)
waiting = [t for t in call("GET", "/api/v1/tickets", admin) if t.get("status") == "waiting"]
if waiting:
    call("POST", f"/api/v1/tickets/{waiting[-1]['id']}/cancel", admin)

lease = call("POST", "/api/v1/leases", kiosk, {"service": first_service, "size": 3})
lease_first = lease.get("first", lease.get("from", 1))
now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
upload = {"number": lease_first, "issued_at": now}
if "follow_urls" in lease:
    # Versions with follow pages also take the procedure chosen offline (LeasedTicketUpload.procedure).
    upload["procedure"] = procedure["code"]
call("POST", f"/api/v1/leases/{lease['id']}/tickets", kiosk, upload, {"Idempotency-Key": "fx-lease-1"}, ok=None)
call("POST", f"/api/v1/leases/{lease['id']}/return", kiosk, {"unused": [lease_first + 1, lease_first + 2]}, ok=None)

settings = call("GET", "/api/v1/admin/settings", admin)
settings["notice"] = {"vi": "Thông báo thử của bản ghi mẫu.", "en": "A fixture notice."}
# Fields of later versions, set only where the version has them.
for key, value in (("parent_agency", "UBND PHƯỜNG MẪU"), ("follow_base_url", "http://192.168.1.10:8080")):
    if key in settings:
        settings[key] = value
call("PUT", "/api/v1/admin/settings", admin, settings)
service = call("GET", "/api/v1/admin/services", admin)[0]
service["name"]["en"] = service["name"]["en"] + " (fixture)"
call("PUT", f"/api/v1/admin/services/{service['code']}", admin, service)
counter1["name"] = {"vi": "Quầy số 1 (mẫu)", "en": "Counter 1 (fixture)"} if isinstance(counter1.get("name"), dict) else counter1.get("name")
call("PUT", "/api/v1/admin/counters/1", admin, counter1, ok=None)
call("PUT", "/api/v1/admin/staff/canbo9", admin,
     {"display_name": "Cán bộ thử", "role": "officer", "counters": [2], "password": "mat-khau-thu-9"})
call("POST", "/api/v1/admin/staff/canbo9/disable", admin)
devices = call("GET", "/api/v1/admin/devices", admin)
display_id = next(d["device_id"] for d in devices if d["role"] == "display")
call("PUT", f"/api/v1/admin/devices/{display_id}", admin, {"name": "Màn hình tầng 1 (sảnh)"})
call("POST", f"/api/v1/admin/devices/{display_id}/revoke", admin)
for _ in range(5):
    call("POST", "/api/v1/auth/login", body={"username": "canbo2", "password": "sai-mat-khau"}, ok=None)
records = [{
    "MaHoSo": f"000.00.01.H29-261202-{i:04d}", "TenTTHC": "Chứng thực bản sao từ bản chính", "TenLinhVuc": "Chứng thực",
    "ChuHoSo": "Trần Văn Bình", "NgayTiepNhan": "20261202080000", "NgayHenTra": "20261203170000", "TrangThaiHoSo": 4,
} for i in range(1, 4)]
call("POST", "/api/v1/dossiers/import", admin, {"service": "DongBoHoSoMC", "isUpdating": False, "data": records})
call("POST", "/api/v1/ratings", kiosk,
     {"dossier": records[0]["MaHoSo"], "stage": "reception", "level": "satisfied"}, ok=None)

server.send_signal(signal.SIGTERM)
server.wait(timeout=30)
if os.path.exists(OUT):
    os.remove(OUT)
subprocess.run([BIN, "backup", "--data-dir", data, "--out", OUT], check=True, stdout=subprocess.DEVNULL)
verify = subprocess.run([BIN, "verify", "--data-dir", data], check=True, capture_output=True, text=True).stdout
version = subprocess.run([BIN, "--version"], capture_output=True, text=True).stdout.strip()
events = int(re.search(r"(\d+) events", verify).group(1))
summary = [line for line in verify.splitlines() if line.strip()]
with open(OUT + ".json", "w") as f:
    json.dump({"written_by": version, "events": events, "verify": summary}, f, ensure_ascii=False, indent=2)
    f.write("\n")
print(f"{OUT}: {events} events, written by {version}")
