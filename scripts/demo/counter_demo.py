#!/usr/bin/env python3
"""The counter demo: every piece of mykey on its embedded defaults, end to end.

Starts, on this machine:
  - a test JPKI and an emulated My Number Card (mykey-testjpki), put into the
    vpcd reader of pcscd (mykey-vcard): the real PC/SC stack;
  - the cloud on SQLite (mykey-cloud) with demo data: the municipality
    千代田区, its points programme, a shop, a library, a kiosk and a café;
  - two virtual receipt printers (mykey-vprinter, TCP, PNG per job);
  - four mykey-terminal processes (shop, library, kiosk, café), each enrolled
    with its one-time code and driven through its local API, as a POS or a
    library system would. The holder types the PIN on each terminal's PIN pad
    (a pseudo-terminal with echo off); this script types it for them.

Then, without questions: the holder creates a MyKey ID and links the library
number at the kiosk, the municipality grants points, the library looks the
holder up, the shop redeems points and prints a receipt, the kiosk prints a
point voucher, and the café scans the voucher picture and redeems it (a second
scan is refused). Each step prints its time; the receipt images are listed.

  counter_demo.py --bin BUILD_DIR --work DIR            run the demo
  counter_demo.py --bin BUILD_DIR --work DIR --interactive [--mode shop]
        start the same pieces, then hand the shop terminal's console to you
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

PIN = "1234"
HOLDER_ID = "KANDA777"  # MyKey IDs use 23456789ABCDEFGHJKLMNPQRSTVWXYZ
MUNICIPALITY = "131016"
T0 = time.monotonic()


def now_ms():
    return int((time.monotonic() - T0) * 1000)


def step(text):
    print(f"\n\033[1m[{now_ms():6d} ms] {text}\033[0m", flush=True)


def say(text):
    print(f"           {text}", flush=True)


class DemoError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise DemoError(f"timed out waiting for {what}")


class Processes:
    """The background processes, stopped in reverse order at the end."""

    def __init__(self, work):
        self.work = work
        self.running = []

    def start(self, name, argv, **kwargs):
        log = open(os.path.join(self.work, f"{name}.log"), "wb")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                stdin=kwargs.pop("stdin", subprocess.DEVNULL), **kwargs)
        self.running.append((name, proc, log))
        return proc

    def log_text(self, name):
        try:
            with open(os.path.join(self.work, f"{name}.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_log(self, name, pattern, timeout=20):
        proc = next(p for n, p, _ in self.running if n == name)

        def seen():
            if proc.poll() is not None:
                raise DemoError(f"{name} exited ({proc.returncode}):\n{self.log_text(name)[-2000:]}")
            return re.search(pattern, self.log_text(name)) is not None

        wait_for(seen, timeout, f"{name} ({pattern})")
        return re.search(pattern, self.log_text(name))

    def stop(self, name):
        for i, (n, proc, log) in enumerate(self.running):
            if n == name:
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait()
                log.close()
                del self.running[i]
                return

    def stop_all(self):
        for name, proc, log in reversed(self.running):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log.close()
        self.running.clear()


def run(argv, **kwargs):
    """Runs a command to completion; its output is returned (and checked)."""
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise DemoError(f"{' '.join(argv)} failed ({result.returncode}):\n"
                        f"{result.stdout}{result.stderr}")
    return result.stdout


class Terminal:
    """A mykey-terminal process, its PIN pad (a pty) and its local API."""

    def __init__(self, demo, name, mode, printer_port, extra_toml=""):
        self.demo = demo
        self.name = name
        self.mode = mode
        self.dir = os.path.join(demo.work, name)
        os.makedirs(self.dir, exist_ok=True)
        self.api_port = free_port()
        self.token = f"demo-{name}-" + os.urandom(12).hex()
        token_file = os.path.join(self.dir, "local-api.token")
        with open(os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(self.token + "\n")
        # The holder's PIN pad: the terminal opens the pty's other end with echo off.
        self.pin_master, self.pin_slave = os.openpty()
        printer = (f'backend = "tcp"\nprofile = "generic-58-kanji"\nhost = "127.0.0.1"\n'
                   f'port = {printer_port}\n') if printer_port else 'backend = "none"\n'
        self.config = os.path.join(self.dir, "terminal.toml")
        with open(self.config, "w") as f:
            f.write(f"""# {name}: written by the demo (see firmware/terminal/mykey-terminal.example.toml)
[terminal]
mode = "{mode}"
language = "ja"
site_name = "{demo.site_names[name]}"
log_level = "info"
pin_device = "{os.ttyname(self.pin_slave)}"

[reader]
name = "{demo.reader_name}"

[printer]
{printer}
[cloud]
url = "{demo.cloud_url}"
ca_file = ""
timeout_ms = 10000
key_file = "{self.dir}/terminal.key.pem"
id_file = "{self.dir}/terminal.id"

[local_api]
enabled = true
address = "127.0.0.1"
port = {self.api_port}
token_file = "{token_file}"
{extra_toml}""")
        self.proc = None

    def enroll(self, code):
        out = run([self.demo.terminal_bin, "--config", self.config, "enroll", code,
                   "--name", self.name])
        return "; ".join(line for line in out.strip().splitlines() if line) or "enrolled"

    def test_connection(self):
        return run([self.demo.terminal_bin, "--config", self.config, "test-connection"]).strip()

    def start(self):
        self.proc = self.demo.procs.start(
            f"terminal-{self.name}",
            [self.demo.terminal_bin, "--config", self.config, "--no-console"])
        wait_for(self.healthy, 20, f"mykey-terminal {self.name}")

    def healthy(self):
        if self.proc.poll() is not None:
            raise DemoError(f"mykey-terminal {self.name} exited ({self.proc.returncode}):\n"
                            + self.demo.procs.log_text(f"terminal-{self.name}")[-3000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.api_port}/healthz",
                                        timeout=1) as r:
                return r.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def idle(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.api_port}/healthz",
                                        timeout=1) as r:
                return not json.loads(r.read()).get("busy", False)
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.api_port}{path}", data=data, method=method,
            headers={"Authorization": f"Bearer {self.token}",
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=40) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def operate(self, body, what, started=None):
        """Starts an operation, calls `started` (the holder presents the card),
        types the PIN when asked, prints each event, and returns the final
        result."""
        # After an operation the terminal stays busy until the card has gone;
        # in library mode it is always watching for taps, and a request preempts that.
        if self.mode != "library":
            wait_for(self.idle, 35, f"{self.name} to be idle")
        status, op = self.call("POST", "/v1/operations", body)
        if status != 202:
            raise DemoError(f"{self.name}: {what} refused ({status}): {op}")
        if started:
            started()
        after = 0
        pin_typed_at = None
        while True:
            status, op = self.call("GET", f"/v1/operations/{op['id']}?after={after}&wait=2")
            if status != 200:
                raise DemoError(f"{self.name}: {what}: {status} {op}")
            for event in op.get("events", []):
                if event["sequence"] <= after:
                    continue
                after = event["sequence"]
                name = event.get("name", "")
                value = f" {event['value']}" if "value" in event else ""
                say(f"[{now_ms():6d} ms] {event['kind']}: {name}{value}")
                if event["kind"] == "progress" and name == "waiting_for_pin":
                    pin_typed_at = self.type_pin()
                if event["kind"] == "progress" and name == "verifying_pin":
                    pin_typed_at = None
            if op["state"] not in ("pending", "running"):
                return op
            # A PIN typed before the pad took the terminal is flushed: type again.
            if pin_typed_at is not None and time.monotonic() - pin_typed_at > 3:
                pin_typed_at = self.type_pin()

    def type_pin(self):
        time.sleep(0.2)
        os.write(self.pin_master, (PIN + "\r").encode())
        say(f"[{now_ms():6d} ms] (the holder types the PIN on the PIN pad: ●●●●)")
        return time.monotonic()


class Demo:
    def __init__(self, args):
        self.bin = os.path.abspath(args.bin)
        self.work = os.path.abspath(args.work)
        self.procs = Processes(self.work)
        self.site_names = {"shop": "神田書店", "library": "千代田区立図書館",
                           "kiosk": "区役所 MyKey キオスク", "cafe": "神保町カフェ"}
        self.terminal_bin = self.tool("firmware/terminal/mykey-terminal")
        self.cloud_bin = self.tool("cloud/tool/mykey-cloud")
        self.vcard_bin = self.tool("cards/vcard/mykey-vcard")
        self.vprinter_bin = self.tool("sdk/vprinter/mykey-vprinter")
        self.testjpki_bin = self.tool("cards/testjpki/mykey-testjpki")
        self.store = os.path.join(self.work, "cloud", "cloud.db")
        self.cloud_url = ""
        self.printers = {}

    def tool(self, relative):
        path = os.path.join(self.bin, relative)
        if not os.access(path, os.X_OK):
            raise DemoError(f"{path} is missing: build it first (scripts/demo.sh builds it)")
        return path

    def admin(self, *words):
        return run([self.cloud_bin, "admin", *words, "--store", self.store])

    def admin_json(self, *words):
        return json.loads(self.admin(*words, "--json"))

    # -- the pieces --------------------------------------------------------

    def card_stack(self):
        step("a test JPKI (auth CAs 2015/2019/2023, TEST in the DN) and the holder's card")
        pki = os.path.join(self.work, "pki")
        run([self.testjpki_bin, "init", "--seed", "mykey-demo", "--out", pki])
        self.card = os.path.join(self.work, "card.json")
        run([self.testjpki_bin, "card", "--pki", pki, "--out", self.card, "--index", "1",
             "--pin", PIN, "--counter-file", os.path.join(self.work, "card.counters")])
        self.ca_dir = os.path.join(self.work, "jpki-auth-ca")
        os.makedirs(self.ca_dir, exist_ok=True)
        for name in sorted(os.listdir(pki)):
            if name.startswith("auth-ca-") and name.endswith(".pem"):
                os.link(os.path.join(pki, name), os.path.join(self.ca_dir, name))
        say(f"PKI in {pki}; card personalisation {self.card} (PIN {PIN})")

        step("pcscd with the vpcd reader, and the card in it (mykey-vcard)")
        if subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True).returncode == 0:
            say("pcscd already running: using it")
        else:
            if os.geteuid() != 0:
                raise DemoError("pcscd is not running and starting it needs root")
            os.makedirs("/run/pcscd", exist_ok=True)
            self.procs.start("pcscd", ["pcscd", "-f"])
            wait_for(lambda: os.path.exists("/run/pcscd/pcscd.comm"), 10, "pcscd")
            say("pcscd started")
        self.vcard_control = os.path.join(self.work, "vcard.control")
        # vpcd has two slots; another program may hold the first one.
        for slot in ("0", "1"):
            self.procs.start("vcard", [self.vcard_bin, "--card", self.card, "--slot", slot,
                                       "--control", self.vcard_control])
            try:
                self.procs.wait_log("vcard", r"ready", timeout=5)
                break
            except DemoError:
                if slot == "1":
                    raise
                self.procs.stop("vcard")
        self.reader_name = f"Virtual PCD 00 0{slot}"
        say(f"card inserted in vpcd slot {slot}; control socket {self.vcard_control}"
            " (insert | remove)")

    def vcard(self, command):
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(self.vcard_control)
            s.sendall((command + "\n").encode())
            return s.makefile().readline().strip()

    def cloud(self):
        step("the cloud on SQLite: schema, keys, demo data (mykey-cloud init / admin)")
        os.makedirs(os.path.dirname(self.store), exist_ok=True)
        run([self.cloud_bin, "init", "--store", self.store])
        self.admin("municipality", "add", "--code", MUNICIPALITY, "--name", "千代田区")
        self.programme = self.admin_json("programme", "add", "--municipality", MUNICIPALITY,
                                         "--code", "chiyoda-points", "--name", "千代田区ポイント")["id"]
        self.merchants = {}
        for name, kind in (("shop", "shop"), ("library", "library"), ("kiosk", "kiosk"),
                           ("cafe", "shop")):
            self.merchants[name] = self.admin_json(
                "merchant", "add", "--municipality", MUNICIPALITY, "--name",
                self.site_names[name], "--kind", kind)["id"]
        for name in ("shop", "cafe", "kiosk"):
            self.admin("merchant", "accept", "--id", str(self.merchants[name]), "--programme",
                       str(self.programme))
        self.library_provider = self.admin_json("provider", "add", "--code", "chiyoda-library",
                                                "--name", "千代田区立図書館")["id"]
        self.shop_provider = self.admin_json("provider", "add", "--code", "kanda-shoten",
                                             "--name", "神田書店")["id"]
        say(f"municipality {MUNICIPALITY} 千代田区, programme {self.programme} 千代田区ポイント, "
            f"merchants {self.merchants}")

        step("mykey-cloud serve (HTTP on loopback, JPKI auth CAs of the test PKI)")
        port = free_port()
        self.cloud_url = f"http://127.0.0.1:{port}"
        self.procs.start("cloud", [self.cloud_bin, "serve", "--store", self.store, "--listen",
                                   f"127.0.0.1:{port}", "--jpki-auth-ca", self.ca_dir,
                                   "--log-level", "warning"])
        self.procs.wait_log("cloud", r"listening on")
        say(f"listening on {self.cloud_url}")

    def printers_up(self):
        step("three virtual receipt printers (mykey-vprinter: ESC/POS over TCP, PNG per job)")
        for name in ("shop", "kiosk", "cafe"):
            out = os.path.join(self.work, f"printer-{name}")
            self.procs.start(f"vprinter-{name}", [self.vprinter_bin, "--port", "0", "--paper",
                                                   "58", "--out", out, "--control",
                                                   os.path.join(self.work, f"vprinter-{name}.control")])
            match = self.procs.wait_log(f"vprinter-{name}", r"ready port=(\d+)")
            self.printers[name] = (int(match.group(1)), out)
            say(f"{name} printer on 127.0.0.1:{match.group(1)}, jobs in {out}")

    def terminals_up(self):
        step("four terminals enrol with their one-time codes and pass the connection test")
        kiosk_extra = ('\n[kiosk]\nvoucher_amounts = [500, 1000]\n'
                       'voucher_title = "千代田区"\n')
        shop_extra = (f'\n[shop]\nmerchant_name = "神田書店"\nprogramme_name = "千代田区ポイント"\n'
                      f"programme_id = {self.programme}\n")
        cafe_extra = (f'\n[shop]\nmerchant_name = "神保町カフェ"\nprogramme_name = "千代田区ポイント"\n'
                      f"programme_id = {self.programme}\n")
        library_extra = '\n[library]\noutput = "stdout"\n'
        self.terminals = {
            "shop": Terminal(self, "shop", "shop", self.printers["shop"][0], shop_extra),
            "library": Terminal(self, "library", "library", 0, library_extra),
            "kiosk": Terminal(self, "kiosk", "kiosk", self.printers["kiosk"][0], kiosk_extra),
            "cafe": Terminal(self, "cafe", "shop", self.printers["cafe"][0], cafe_extra),
        }
        providers = {"shop": self.shop_provider, "library": self.library_provider,
                     "kiosk": self.library_provider, "cafe": self.shop_provider}
        for name, terminal in self.terminals.items():
            kind = "library" if name == "library" else ("kiosk" if name == "kiosk" else "merchant")
            code = json.loads(run([self.cloud_bin, "admin", "enrollment-code", "create",
                                   "--store", self.store, "--site-kind", kind,
                                   "--site-id", str(self.merchants[name]),
                                   "--provider-id", str(providers[name]),
                                   "--municipality", MUNICIPALITY, "--json"]))["enrollment_code"]
            say(f"{name}: {terminal.enroll(code)}")
            say(f"{name}: {terminal.test_connection().splitlines()[0]}")
        step("the shop, kiosk and café terminals start (mykey-terminal, local API on loopback)")
        for name in ("shop", "kiosk", "cafe"):
            terminal = self.terminals[name]
            terminal.start()
            say(f"{name}: ready, local API 127.0.0.1:{terminal.api_port}")
        say("(all share one card reader here; the library desk opens for its step: in library")
        say(" mode a terminal keeps watching its reader for taps)")
        self.holder_takes_card()

    # -- the counter flows ---------------------------------------------------

    def holder_presents_card(self):
        reply = self.vcard("insert")
        if not reply.startswith("ok"):
            raise DemoError(f"mykey-vcard insert: {reply}")

    def holder_takes_card(self):
        reply = self.vcard("remove")
        if not reply.startswith("ok") and "no card" not in reply:
            raise DemoError(f"mykey-vcard remove: {reply}")
        # No pause before the next card: the terminal keeps the card connected
        # until pcscd reports it gone and then lets it go without a reset, so a
        # card put back at once is seen (it was missed when the reset raced the pull).

    def at(self, terminal, body, what):
        """The clerk (or POS) starts the operation, the holder presents the card,
        the operation runs, the card is taken away."""
        needs_card = body["kind"] not in ("redeem_voucher", "refund")
        started = time.monotonic()
        try:
            op = terminal.operate(body, what, self.holder_presents_card if needs_card else None)
            self.last_ms = int((time.monotonic() - started) * 1000)
            return self.result_of(op, what)
        finally:
            if needs_card:
                self.holder_takes_card()

    def result_of(self, op, what):
        result = op.get("result", {})
        if op["state"] != "done":
            raise DemoError(f"{what} ended {op['state']}: {json.dumps(result, ensure_ascii=False)}")
        return result

    def setup_holder(self):
        kiosk = self.terminals["kiosk"]
        step(f"kiosk: the holder creates the MyKey ID of their choice, {HOLDER_ID} (card + PIN)")
        result = self.at(kiosk, {"kind": "create_mykey_id", "mykey_id": HOLDER_ID}, "create")
        self.mykey_id = HOLDER_ID
        say(f"MyKey ID {result.get('mykey_id_masked', '********')} created")

        step("kiosk: the holder links the library card number L-0012345 (card + PIN)")
        self.at(kiosk, {"kind": "link_service", "service_id": "L-0012345"}, "link")
        say("linked for the library provider")

        step("the municipality grants 3,000 points (mykey-cloud admin grant)")
        say(self.admin("grant", "--mykey-id", self.mykey_id, "--programme",
                       str(self.programme), "--amount", "3000", "--expires-on", "2099-03-31",
                       "--department", "健康福祉部", "--reason", "健康診断の受診",
                       "--key", "demo-grant-1").strip())

    def flows(self):
        self.setup_holder()
        kiosk = self.terminals["kiosk"]

        step("library desk: who is this? (card + PIN; the number goes to the library system)")
        library = self.terminals["library"]
        library.start()
        say(f"library: ready, local API 127.0.0.1:{library.api_port}")
        result = self.at(library, {"kind": "library_lookup", "reference": "desk-1"}, "lookup")
        say(f"library number {result.get('service_id')} in {self.last_ms} ms"
            " (also printed by the terminal for the library system: "
            f"{os.path.join(self.work, 'terminal-library.log')})")
        self.procs.stop("terminal-library")

        step("shop: the clerk asks for 500 points; the customer authenticates; receipt printed")
        result = self.at(self.terminals["shop"],
                         {"kind": "redeem", "amount": 500, "reference": "POS-0001"}, "redeem")
        say(f"redeemed {result['amount']} points, balance {result.get('balance')}, "
            f"receipt {result.get('print')}; {self.last_ms} ms from the POS request to the end"
            " (card reading, PIN typing and signing included)")

        step("kiosk: the holder prints a 1,000-point voucher (counted only once printed)")
        result = self.at(kiosk, {"kind": "issue_voucher", "amount": 1000}, "voucher")
        say(f"voucher {result.get('voucher_serial')} printed and confirmed in {self.last_ms} ms")
        voucher_png = self.latest_job("kiosk")
        say(f"voucher image {voucher_png}")

        step("café (a second terminal): the clerk scans the voucher picture and redeems it")
        result = self.at(self.terminals["cafe"], {"kind": "redeem_voucher", "image": voucher_png},
                         "voucher redeem")
        say(f"voucher {result.get('voucher_serial')} redeemed: {result.get('amount')} points, "
            f"receipt {result.get('print')}, in {self.last_ms} ms (scan, offline check, cloud)")

        step("café: the same voucher scanned again is refused")
        op = self.terminals["cafe"].operate({"kind": "redeem_voucher", "image": voucher_png},
                                            "second scan")
        if op["state"] == "done":
            raise DemoError("a voucher was redeemed twice")
        say(f"refused: {op.get('result', {}).get('reason')}")

    def latest_job(self, printer):
        out = self.printers[printer][1]
        jobs = sorted(f for f in os.listdir(out) if f.endswith(".png"))
        if not jobs:
            raise DemoError(f"the {printer} printer has printed nothing")
        return os.path.join(out, jobs[-1])

    def summary(self):
        step("done: the receipts and the voucher as printed")
        for name, (_, out) in self.printers.items():
            for job in sorted(os.listdir(out)):
                if job.endswith(".png"):
                    say(os.path.join(out, job))
        say(f"logs and configurations: {self.work}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", help="the build directory")
    parser.add_argument("--work", required=True, help="scratch directory (emptied)")
    parser.add_argument("--interactive", action="store_true",
                        help="start everything, then give the shop console to you")
    parser.add_argument("command", nargs="*", help="card insert|remove (a running demo)")
    args = parser.parse_args()
    if args.command:
        if args.command[0] != "card" or len(args.command) != 2:
            parser.error("the only command is: card insert|remove")
        return card_command(os.path.abspath(args.work), args.command[1])
    if not args.bin:
        parser.error("--bin is required")
    # SIGTERM and SIGHUP (a closed terminal) end the demo like Ctrl-C: everything it
    # started (pcscd included, if it started it) is stopped on the way out.
    def interrupted(signum, frame):
        raise KeyboardInterrupt
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupted)
    if os.path.isdir(args.work):
        subprocess.run(["rm", "-rf", args.work], check=True)
    os.makedirs(args.work)
    demo = Demo(args)
    try:
        demo.card_stack()
        demo.cloud()
        demo.printers_up()
        demo.terminals_up()
        if args.interactive:
            interactive(demo)
        else:
            demo.flows()
            demo.summary()
    except DemoError as error:
        print(f"\ndemo: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        demo.procs.stop_all()
    return 0


def interactive(demo):
    """The holder gets a MyKey ID and points, then the shop console is yours."""
    demo.setup_holder()
    shop = demo.terminals["shop"]
    demo.procs.stop("terminal-shop")
    with open(shop.config) as f:
        text = f.read()
    with open(shop.config, "w") as f:
        f.write(re.sub(r'pin_device = ".*"', 'pin_device = "/dev/tty"', text))
    demo.holder_presents_card()
    step("the shop console is yours")
    say(f"the holder {HOLDER_ID} has 3,000 points; PIN {PIN}. Type an amount to redeem it,")
    say("r to refund, w for who-is-this, q to quit. From another shell:")
    say("  scripts/demo.sh card remove     the holder takes the card away")
    say("  scripts/demo.sh card insert     and puts it back")
    say(f"receipts: {demo.printers['shop'][1]}; the POS API: 127.0.0.1:{shop.api_port}"
        f" (token in {shop.dir}/local-api.token)")
    subprocess.run([demo.terminal_bin, "--config", shop.config])


def card_command(work, action):
    """`counter_demo.py --work DIR card insert|remove`: the holder's card."""
    if action not in ("insert", "remove"):
        print("usage: counter_demo.py --work DIR card insert|remove", file=sys.stderr)
        return 2
    with socket.socket(socket.AF_UNIX) as s:
        try:
            s.connect(os.path.join(work, "vcard.control"))
        except OSError:
            print("no demo is running (start scripts/demo.sh --interactive)", file=sys.stderr)
            return 1
        s.sendall((action + "\n").encode())
        print(s.makefile().readline().strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
