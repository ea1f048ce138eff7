#!/usr/bin/env python3
"""mykey-terminal end to end, every piece a real process: mykey-cloud serve on
SQLite, pcscd + vpcd + mykey-vcard (an emulated card of the test JPKI),
mykey-vprinter on TCP, and mykey-terminal itself (enrolled with a one-time code)
driven over its local API, the holder typing the PIN on a pseudo-terminal.

usage: terminal_e2e.py BIN_DIR [--keep]   (the build tree; needs root and a running pcscd;
                                          --keep leaves the work dir with the receipts)

Prints each step with its time; exits 0 when every check passed."""
import json, os, pty, select, shutil, signal, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../../tests/support/python"))
import mykey_e2e  # noqa: E402
from mykey_e2e import local_api, rss_kb, type_pin  # noqa: E402

bin_dir = sys.argv[1]
e2e = mykey_e2e.Session("terminal-e2e", bin_dir)
tool, work, procs = e2e.tool, e2e.work, e2e.procs
step, run, start, check = e2e.step, e2e.run, e2e.start, e2e.check


try:
    step("test JPKI and a personalised card")
    ca_dir = e2e.test_card("terminal-e2e", 7)

    step("mykey-cloud on SQLite: municipality, programme, shop, provider, enrolment code")
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
    cloud, cloud_url = e2e.serve_cloud(store, ca_dir)

    step("mykey-vprinter on TCP and the card in vpcd slot 0")
    # Both read commands on stdin and stop at its end: keep a pipe open.
    printer_control_r, printer_control_w = os.pipe()
    printer, line = start([tool["vprinter"], "--port", "0", "--out", work + "/receipts", "--no-font"],
                          "ready port=", stdin=printer_control_r)
    printer_port = int(line.split("ready port=")[1].split()[0])
    vcard_control_r, vcard_control_w = os.pipe()
    vcard, _ = start([tool["vcard"], "--card", work + "/card.json", "--slot", "0"], "ready",
                     stdin=vcard_control_r)

    step("mykey-terminal: configuration, enrolment, connection test")
    master, slave = pty.openpty()
    token = "e2e-token-0123456789abcdef"
    with open(work + "/api.token", "w") as f:
        f.write(token + "\n")
    os.chmod(work + "/api.token", 0o600)

    def config(mode, port):
        path = "%s/%s.toml" % (work, mode)
        with open(path, "w") as f:
            f.write("""[terminal]
mode = "%s"
language = "ja"
site_name = "さくら商店"
pin_device = "%s"
log_level = "warning"
[reader]
name = "Virtual PCD 00 00"
[printer]
backend = "tcp"
port = %d
[cloud]
url = "%s"
key_file = "%s/terminal.key.pem"
id_file = "%s/terminal.id"
[offline]
revocation_cache = "%s/revocation.bin"
[local_api]
port = %d
token_file = "%s/api.token"
[shop]
merchant_name = "さくら商店"
programme_name = "健康ポイント"
programme_id = 1
""" % (mode, os.ttyname(slave), printer_port, cloud_url, work, work, work, port, work))
        return path

    shop_config = config("shop", 18901)
    kiosk_config = config("kiosk", 18902)
    print("           " + run(tool["terminal"], "--config", shop_config, "enroll", code, "--name", "Till 1").strip())
    print("           " + run(tool["terminal"], "--config", shop_config, "test-connection").strip())

    def api(port, method, path, body=None):
        return local_api(port, token, method, path, body)

    def holder_types_pin():
        return type_pin(master)

    def screen_after(seen):
        """Everything the PIN pad wrote, once the operation is over."""
        while select.select([master], [], [], 0)[0]:
            seen += os.read(master, 4096)
        return seen.decode("utf-8", "replace")

    def operation(port, body, pin=True):
        status, started = api(port, "POST", "/v1/operations", body)
        check(status == 202, "%s accepted (202)" % body["kind"])
        seen = holder_types_pin() if pin else b""
        op = started
        while "result" not in op:
            _, op = api(port, "GET", "/v1/operations/%s?after=%d&wait=25" % (started["id"], len(op["events"])))
        return op, screen_after(seen)

    def run_terminal(path):
        t0 = time.monotonic()
        p, _ = start([tool["terminal"], "--config", path, "--no-console"], "ready:")
        return p, (time.monotonic() - t0) * 1000

    # mykey-terminal logs "ready" at info only: run with log_level info for the start-up line.
    for path in (shop_config, kiosk_config):
        text = open(path).read().replace('log_level = "warning"', 'log_level = "info"')
        open(path, "w").write(text)

    step("kiosk: the holder creates MyKey ID E2EHANA7 (PIN typed on the pty)")
    kiosk, ready_ms = run_terminal(kiosk_config)
    print("           start-up to ready: %.0f ms, RSS idle %d kB" % (ready_ms, rss_kb(kiosk.pid)))
    op, screen = operation(18902, {"kind": "create_mykey_id", "mykey_id": "E2EHANA7"})
    check(op["result"]["state"] == "done", "create_mykey_id done: %s" % json.dumps(op["result"]))
    check("1234" not in screen and "● ● ● ●" in screen, "the PIN was not echoed, four marks shown")
    kiosk.send_signal(signal.SIGTERM)
    kiosk.wait(10)
    run(tool["cloud"], "admin", "grant", *store, "--mykey-id", "E2EHANA7", "--programme", "1",
        "--amount", "1500", "--expires-on", "%d-12-31" % (time.gmtime().tm_year + 1),
        "--department", "健康福祉部", "--reason", "健診", "--key", "e2e-grant-1")

    step("shop: the POS asks for 500 points; receipt on the virtual printer")
    shop, ready_ms = run_terminal(shop_config)
    print("           start-up to ready: %.0f ms" % ready_ms)
    t0 = time.monotonic()
    op, _ = operation(18901, {"kind": "redeem", "amount": 500, "reference": "POS-0001"})
    elapsed = (time.monotonic() - t0) * 1000
    print("           redemption end to end (POS request to final state, PIN typing included): %.0f ms; RSS %d kB"
          % (elapsed, rss_kb(shop.pid)))
    result = op["result"]
    check(result["state"] == "done", "redeem done: %s" % json.dumps(result))
    check(result.get("balance") == 1000, "balance 1000 after 500 of 1500")
    check(result.get("print") == "printed", "receipt printed with proof")
    jobs = [n for n in os.listdir(work + "/receipts") if n.endswith(".json")]
    check(len(jobs) == 1, "one job on the virtual printer (%s)" % work + "/receipts")
    job = json.load(open(os.path.join(work, "receipts", jobs[0])))
    check("さくら商店" in json.dumps(job, ensure_ascii=False), "the receipt names the shop")

    step("the holder takes the card: the terminal is free again")
    status, health = api(18901, "GET", "/healthz")
    check(health["busy"], "busy while the card is still on the reader")
    os.write(vcard_control_w, b"remove\n")
    deadline = time.monotonic() + 15
    while health["busy"] and time.monotonic() < deadline:
        time.sleep(0.05)
        _, health = api(18901, "GET", "/healthz")
    check(not health["busy"], "free once the card is taken away")

    step("shop: busy while one runs, cancel, final state always")
    status, first = api(18901, "POST", "/v1/operations", {"kind": "who_is_this", "card_timeout_ms": 30000})
    check(status == 202, "who_is_this accepted (202), waiting for a card")
    status2, busy = api(18901, "POST", "/v1/operations", {"kind": "redeem", "amount": 1})
    check(status2 == 409 and busy["error"] == "busy", "a second operation gets 409 busy")
    status3, _ = api(18901, "POST", "/v1/operations/%s/cancel" % first["id"])
    check(status3 == 202, "cancel accepted")
    op = first
    while "result" not in op:
        _, op = api(18901, "GET", "/v1/operations/%s?after=%d&wait=25" % (first["id"], len(op["events"])))
    check(op["state"] in ("cancelled", "failed"), "the cancelled operation is final: " + op["state"])
    status, health = api(18901, "GET", "/healthz")
    check(status == 200 and health["status"] == "ok", "healthz ok")
    shop.send_signal(signal.SIGTERM)
    check(shop.wait(15) == 0, "mykey-terminal stops cleanly on SIGTERM")
    keep = "--keep" in sys.argv[2:]
    step("all checks passed" + ("; receipts in " + work + "/receipts" if keep else ""))
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
finally:
    e2e.stop_all()
