#!/usr/bin/env python3
"""mykey-terminal offline mode end to end, every piece a real process:
mykey-cloud serve on SQLite, pcscd + vpcd + mykey-vcard, mykey-terminal in
shop mode with [offline] enabled.

The card is seen online once (the terminal learns its MyKey ID); the cloud is
stopped; two redemptions are authorised offline and journalled; the terminal
is killed with SIGKILL; `journal counts` shows 2 outstanding; the terminal is
restarted and the cloud brought back; the forwarder sends both; the cloud's
ledger has each exactly once (one idempotency record per key, the balance
moved by exactly the sum); `journal list` shows them applied.

usage: offline_e2e.py BIN_DIR [--keep]   (needs root and a running pcscd)"""
import json, os, pty, shutil, signal, sqlite3, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../../tests/support/python"))
import mykey_e2e  # noqa: E402
from mykey_e2e import free_port, local_api, type_pin, wait_for_line  # noqa: E402

bin_dir = sys.argv[1]
e2e = mykey_e2e.Session("offline-e2e", bin_dir)
tool, work, procs = e2e.tool, e2e.work, e2e.procs
step, run, start, check = e2e.step, e2e.run, e2e.start, e2e.check


try:
    step("test JPKI and a card (the terminal downloads the auth CAs when it enrols)")
    ca_dir = e2e.test_card("offline-e2e", 9)

    step("mykey-cloud on SQLite (a fixed port, so that it can come back)")
    store = ["--store", work + "/cloud.db"]
    run(tool["cloud"], "init", *store)
    run(tool["cloud"], "admin", "municipality", "add", *store, "--code", "131016", "--name", "千代田区")
    run(tool["cloud"], "admin", "programme", "add", *store, "--municipality", "131016",
        "--code", "health", "--name", "健康ポイント")
    run(tool["cloud"], "admin", "merchant", "add", *store, "--municipality", "131016",
        "--name", "さくら商店", "--kind", "shop")
    run(tool["cloud"], "admin", "merchant", "accept", *store, "--id", "1", "--programme", "1")
    run(tool["cloud"], "admin", "provider", "add", *store, "--code", "sakura", "--name", "さくら商店")
    code = json.loads(run(tool["cloud"], "admin", "enrollment-code", "create", *store,
                          "--site-kind", "merchant", "--site-id", "1", "--provider-id", "1",
                          "--municipality", "131016", "--json"))["enrollment_code"]
    cloud_port = free_port()
    cloud_args = [tool["cloud"], "serve", *store, "--listen", "127.0.0.1:%d" % cloud_port,
                  "--jpki-auth-ca", ca_dir, "--log-level", "warning"]
    cloud, _ = start(cloud_args, "listening on")
    cloud_url = "http://127.0.0.1:%d" % cloud_port

    step("the card in vpcd slot 0")
    vcard_control_r, vcard_control_w = os.pipe()
    vcard, _ = start([tool["vcard"], "--card", work + "/card.json", "--slot", "0"], "ready",
                     stdin=vcard_control_r)

    master, slave = pty.openpty()
    token = "offline-e2e-token-0123456789"
    with open(work + "/api.token", "w") as f:
        f.write(token + "\n")
    os.chmod(work + "/api.token", 0o600)
    # The daily jobs (revocation sync, journal forwarding) run at start inside the window:
    # the kiosk's window holds now (it syncs the revocation set the shop shares); the
    # shop's does not, so that only its forwarder can send the journal.
    def window(offset_minutes):
        now = time.localtime()
        first = (now.tm_hour * 60 + now.tm_min + 1440 + offset_minutes) % 1440
        last = (first + 120) % 1440
        return "%02d:%02d-%02d:%02d" % (first // 60, first % 60, last // 60, last % 60)

    def config(mode, port, maintenance):
        path = "%s/%s.toml" % (work, mode)
        with open(path, "w") as f:
            f.write("""[terminal]
mode = "%s"
language = "en"
pin_device = "%s"
log_level = "info"
[reader]
name = "Virtual PCD 00 00"
[cloud]
url = "%s"
timeout_ms = 2000
key_file = "%s/terminal.key.pem"
id_file = "%s/terminal.id"
[offline]
enabled = true
journal = "%s/journal.db"
revocation_cache = "%s/revocation.bin"
trust_anchors = "%s/anchors.pem"
[maintenance]
window = "%s"
[local_api]
port = %d
token_file = "%s/api.token"
[shop]
merchant_name = "さくら商店"
programme_name = "健康ポイント"
programme_id = 1
""" % (mode, os.ttyname(slave), cloud_url, work, work, work, work, work, maintenance, port, work))
        return path

    shop_port, kiosk_port = free_port(), free_port()
    shop_config = config("shop", shop_port, window(600))
    kiosk_config = config("kiosk", kiosk_port, window(-1))
    enrolled = run(tool["terminal"], "--config", shop_config, "enroll", code, "--name", "Till 1")
    # Offline authentication trusts what the cloud trusts: the enrolment
    # downloaded every auth CA generation into offline.trust_anchors.
    cas = sorted(name for name in os.listdir(ca_dir) if name.endswith(".pem"))
    check("JPKI auth CAs: %d cached" % len(cas) in enrolled, "the enrolment caches the auth CAs")
    with open(work + "/anchors.pem") as anchors:
        cached = anchors.read()
    for name in cas:
        with open(os.path.join(ca_dir, name)) as ca:
            check(ca.read().strip() in cached, "the cached anchors hold " + name)

    def api(port, method, path, body=None):
        return local_api(port, token, method, path, body)

    def holder_types_pin():
        return type_pin(master)

    def operation(port, body):
        status, started = api(port, "POST", "/v1/operations", body)
        check(status == 202, "%s accepted (202)" % body["kind"])
        holder_types_pin()
        op = started
        while "result" not in op:
            _, op = api(port, "GET", "/v1/operations/%s?after=%d&wait=25" % (started["id"], len(op["events"])))
        return op["result"]

    def next_customer(port):
        """The holder takes the card and presents it again; the desk is free."""
        os.write(vcard_control_w, b"remove\n")
        deadline = time.monotonic() + 15
        _, health = api(port, "GET", "/healthz")
        while health["busy"] and time.monotonic() < deadline:
            time.sleep(0.05)
            _, health = api(port, "GET", "/healthz")
        check(not health["busy"], "the desk is free once the card is taken away")
        os.write(vcard_control_w, b"insert\n")
        time.sleep(0.5)  # vpcd reports the card to pcscd on its next poll

    def run_terminal(path):
        p, _ = start([tool["terminal"], "--config", path, "--no-console"], "ready:")
        return p

    def journal(view):
        return run(tool["terminal"], "--config", shop_config, "journal", view)

    step("kiosk: the holder creates MyKey ID E2EHANA7; the municipality grants 1,500")
    kiosk = run_terminal(kiosk_config)
    result = operation(kiosk_port, {"kind": "create_mykey_id", "mykey_id": "E2EHANA7"})
    check(result["state"] == "done", "create_mykey_id done: %s" % json.dumps(result))
    kiosk.send_signal(signal.SIGTERM)
    kiosk.wait(10)
    run(tool["cloud"], "admin", "grant", *store, "--mykey-id", "E2EHANA7", "--programme", "1",
        "--amount", "1500", "--expires-on", "%d-12-31" % (time.gmtime().tm_year + 1),
        "--department", "健康福祉部", "--reason", "健診", "--key", "offline-e2e-grant-1")

    step("shop, online: 100 points (the terminal learns the card's MyKey ID)")
    shop = run_terminal(shop_config)
    result = operation(shop_port, {"kind": "redeem", "amount": 100})
    check(result["state"] == "done" and not result.get("offline") and result.get("balance") == 1400,
          "online redemption done, balance 1400: %s" % json.dumps(result))
    next_customer(shop_port)

    step("the cloud goes away; two redemptions are authorised offline")
    cloud.send_signal(signal.SIGTERM)
    cloud.wait(10)
    keys = []
    for amount in (200, 300):
        result = operation(shop_port, {"kind": "redeem", "amount": amount})
        check(result["state"] == "done" and result.get("offline") is True and
              result.get("amount") == amount and result.get("idempotency_key", "").startswith("mk-"),
              "%d points approved offline, journalled: %s" % (amount, json.dumps(result)))
        keys.append(result["idempotency_key"])
        next_customer(shop_port)

    # The forwarder reports the queue (Counter::ReportOfflineQueue -> the desk) on its own
    # thread, just after the operation: look until the report is in (at most 10 s).
    deadline = time.monotonic() + 10
    while True:
        _, health = api(shop_port, "GET", "/healthz")
        if "cloud_reachable" in health.get("offline", {}) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    check(health.get("offline") == {"outstanding": 2, "outstanding_points": 500,
                                    "cloud_reachable": False},
          "/healthz shows the queue and the cloud unreachable: %s" % json.dumps(health.get("offline")))

    step("the terminal is killed (SIGKILL); the journal keeps both")
    shop.send_signal(signal.SIGKILL)
    shop.wait(10)
    counts = journal("counts")
    print("           " + counts.strip().replace("\n", "; "))
    check("outstanding: 2\n" in counts and "outstanding_points: 500\n" in counts,
          "journal counts: 2 outstanding, 500 points")

    step("the terminal restarts, then the cloud comes back: the forwarder sends both")
    shop = run_terminal(shop_config)
    found, lines = wait_for_line(shop, "cloud not reachable; retrying later", 30)
    check(found, "after the restart the forwarder tries, finds no cloud and keeps both\n"
          + "".join(lines[-10:]))
    cloud, _ = start(cloud_args, "listening on")
    t0 = time.monotonic()
    found, lines = wait_for_line(shop, ", 0 outstanding", 90)
    check(found, "the forwarder applied both (%.1f s after the cloud was back)\n%s"
          % (time.monotonic() - t0, "".join(lines[-10:])))
    print("           forwarded %.1f s after the cloud came back" % (time.monotonic() - t0))
    deadline = time.monotonic() + 10
    while True:
        _, health = api(shop_port, "GET", "/healthz")
        if health.get("offline", {}).get("cloud_reachable") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    check(health.get("offline") == {"outstanding": 0, "outstanding_points": 0,
                                    "cloud_reachable": True},
          "/healthz: the queue is empty and the cloud reachable: %s" % json.dumps(health.get("offline")))
    shop.send_signal(signal.SIGTERM)
    check(shop.wait(15) == 0, "mykey-terminal stops cleanly on SIGTERM")

    step("the cloud's ledger has each exactly once")
    db = sqlite3.connect(work + "/cloud.db")
    for key in keys:
        n = db.execute("SELECT count(*) FROM idempotency_records WHERE idempotency_key = ?",
                       (key,)).fetchone()[0]
        check(n == 1, "one operation for key %s" % key)
    amounts = sorted(r[0] for r in db.execute("SELECT amount FROM ledger_redemptions"))
    check(amounts == [100, 200, 300], "redemptions in the ledger: %s" % amounts)
    db.close()
    granted = json.loads(run(tool["cloud"], "admin", "grant", *store, "--mykey-id", "E2EHANA7",
                             "--programme", "1", "--amount", "1", "--expires-on",
                             "%d-12-31" % (time.gmtime().tm_year + 1), "--department", "健康福祉部",
                             "--reason", "check", "--key", "offline-e2e-grant-2", "--json"))
    check(granted["balance"] == 1500 - 100 - 200 - 300 + 1,
          "balance moved by exactly the sum (%d)" % granted["balance"])
    listed = journal("list")
    print("           " + listed.strip().replace("\n", "\n           "))
    check(listed.count(" applied ") == 2 and all(k in listed for k in keys),
          "journal list: both entries applied")
    keep = "--keep" in sys.argv[2:]
    step("all checks passed" + ("; work dir " + work if keep else ""))
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
finally:
    e2e.stop_all()
