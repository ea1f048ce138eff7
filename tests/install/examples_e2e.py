#!/usr/bin/env python3
"""examples/ as an integrator runs them: built against the INSTALLED SDK (cmake --install of this
build into a temporary prefix, examples/ configured with find_package(mykey)), then run against
the real stack: pcscd + vpcd + mykey-vcard (a card of a test JPKI), mykey-cloud serve on SQLite,
and a terminal identity enrolled with mykey-terminal. A kiosk (mykey-terminal, PIN typed on a
pseudo-terminal) creates the holder's MyKey ID and links library number LIB-0042; the
municipality grants 1,500 points; then

  shop_redemption  redeems 300 points (the PIN on its standard input): balance 1,200;
  library_lookup   --once prints LIB-0042 and waits until the card is taken away.

usage: examples_e2e.py BUILD_DIR SOURCE_DIR [--keep]   (needs root and a running pcscd)"""
import json, os, pty, select, shutil, signal, subprocess, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../support/python"))
import mykey_e2e  # noqa: E402
from mykey_e2e import local_api  # noqa: E402

build_dir, source_dir = sys.argv[1], sys.argv[2]
e2e = mykey_e2e.Session("examples-e2e", build_dir)
tool, work, procs = e2e.tool, e2e.work, e2e.procs
step, run, start, check = e2e.step, e2e.run, e2e.start, e2e.check
KIOSK_PORT = 18931
READER = "Virtual PCD 00 00"


try:
    step("cmake --install into a temporary prefix; examples/ built against it (find_package)")
    prefix = work + "/prefix"
    run("cmake", "--install", build_dir, "--prefix", prefix)
    run("cmake", "-S", source_dir + "/examples", "-B", work + "/examples", "-G", "Ninja",
        "-DCMAKE_PREFIX_PATH=" + prefix)
    run("cmake", "--build", work + "/examples")
    example = {name: "%s/examples/%s" % (work, name) for name in ("shop_redemption", "library_lookup")}
    check(all(os.access(p, os.X_OK) for p in example.values()),
          "shop_redemption and library_lookup built against the installed SDK")

    step("test JPKI, a card, the cloud on SQLite (municipality, programme, shop, provider)")
    ca_dir = e2e.test_card("examples-e2e", 11)
    store = ["--store", work + "/cloud.db"]
    run(tool["cloud"], "init", *store)
    run(tool["cloud"], "admin", "municipality", "add", *store, "--code", "131016", "--name", "千代田区")
    run(tool["cloud"], "admin", "programme", "add", *store, "--municipality", "131016",
        "--code", "health", "--name", "健康ポイント")
    run(tool["cloud"], "admin", "merchant", "add", *store, "--municipality", "131016",
        "--name", "さくら商店", "--kind", "shop")
    run(tool["cloud"], "admin", "merchant", "accept", *store, "--id", "1", "--programme", "1")
    run(tool["cloud"], "admin", "provider", "add", *store, "--code", "citylib", "--name", "City library")
    code = json.loads(run(tool["cloud"], "admin", "enrollment-code", "create", *store,
                          "--site-kind", "merchant", "--site-id", "1", "--provider-id", "1",
                          "--municipality", "131016", "--json"))["enrollment_code"]
    cloud, cloud_url = e2e.serve_cloud(store, ca_dir)
    vcard_control_r, vcard_control_w = os.pipe()
    vcard, _ = start([tool["vcard"], "--card", work + "/card.json", "--slot", "0"], "ready",
                     stdin=vcard_control_r)

    step("the terminal identity: mykey-terminal enroll (the examples use its key and id files)")
    master, slave = pty.openpty()
    token = "examples-e2e-token-0123456789"
    with open(work + "/api.token", "w") as f:
        f.write(token + "\n")
    os.chmod(work + "/api.token", 0o600)
    kiosk_config = work + "/kiosk.toml"
    with open(kiosk_config, "w") as f:
        f.write("""[terminal]
mode = "kiosk"
language = "en"
pin_device = "%s"
[reader]
name = "%s"
[cloud]
url = "%s"
key_file = "%s/terminal.key.pem"
id_file = "%s/terminal.id"
[offline]
revocation_cache = "%s/revocation.bin"
[local_api]
port = %d
token_file = "%s/api.token"
""" % (os.ttyname(slave), READER, cloud_url, work, work, work, KIOSK_PORT, work))
    run(tool["terminal"], "--config", kiosk_config, "enroll", code, "--name", "Examples")

    def api(method, path, body=None):
        return local_api(KIOSK_PORT, token, method, path, body)

    def kiosk_operation(body):
        deadline = time.monotonic() + 10
        while api("GET", "/healthz")[1].get("busy") and time.monotonic() < deadline:
            time.sleep(0.02)
        status, started = api("POST", "/v1/operations", body)
        check(status == 202, "%s accepted" % body["kind"])
        seen = b""
        deadline = time.monotonic() + 20
        while b"Esc" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 4096)
        os.write(master, b"1234\r")
        op = started
        while "result" not in op:
            _, op = api("GET", "/v1/operations/%s?after=%d&wait=25" % (started["id"], len(op["events"])))
        # The holder takes the card (the desk settles until it is gone) and puts it back at once.
        os.write(vcard_control_w, b"remove\n")
        deadline = time.monotonic() + 10
        while api("GET", "/healthz")[1].get("busy") and time.monotonic() < deadline:
            time.sleep(0.02)
        os.write(vcard_control_w, b"insert\n")
        return op["result"]

    step("kiosk: the holder creates MyKey ID E2EHANA7 and links library number LIB-0042")
    os.write(vcard_control_w, b"insert\n")
    kiosk, _ = start([tool["terminal"], "--config", kiosk_config, "--no-console"], "ready:")
    result = kiosk_operation({"kind": "create_mykey_id", "mykey_id": "E2EHANA7"})
    check(result["state"] == "done", "create_mykey_id: %s" % json.dumps(result))
    result = kiosk_operation({"kind": "link_service", "service_id": "LIB-0042"})
    check(result["state"] == "done" and result.get("service_id") == "LIB-0042",
          "link_service: %s" % json.dumps(result))
    kiosk.send_signal(signal.SIGTERM)
    check(kiosk.wait(40) == 0, "the kiosk stops (the card stays on the reader)")
    run(tool["cloud"], "admin", "grant", *store, "--mykey-id", "E2EHANA7", "--programme", "1",
        "--amount", "1500", "--expires-on", "%d-12-31" % (time.gmtime().tm_year + 1),
        "--department", "健康福祉部", "--reason", "健診", "--key", "examples-e2e-grant-1")

    flags = ["--cloud", cloud_url, "--key", work + "/terminal.key.pem", "--id", work + "/terminal.id",
             "--reader", READER]

    step("shop_redemption --programme 1 --amount 300, the PIN on its standard input")
    t0 = time.monotonic()
    out = subprocess.run([example["shop_redemption"], *flags, "--programme", "1", "--amount", "300"],
                         input="1234\n", capture_output=True, text=True, timeout=120)
    print("           " + (out.stdout + out.stderr).strip().replace("\n", "\n           "))
    check(out.returncode == 0 and "balance now 1200" in out.stdout,
          "redeemed 300 points, balance 1,200 (%.0f ms)" % ((time.monotonic() - t0) * 1000))

    step("library_lookup --once: the library number, then the card is taken away")
    p = subprocess.Popen([example["library_lookup"], *flags, "--once"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    procs.append(p)
    p.stdin.write("1234\n")
    p.stdin.flush()
    lines = []
    while True:
        line = p.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Take the card"):
            os.write(vcard_control_w, b"remove\n")
    code = p.wait(60)
    print("           " + "".join(lines).strip().replace("\n", "\n           "))
    check(code == 0 and "library card number: LIB-0042\n" in lines,
          "library_lookup printed LIB-0042 and ended when the card left (exit %d)" % code)
    keep = "--keep" in sys.argv[3:]
    step("all checks passed" + ("; work dir " + work if keep else ""))
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
finally:
    e2e.stop_all()
