#!/usr/bin/env python3
"""mykey-vprinter end to end on an ephemeral loopback port, at its default paper speed.

A job with a process-ID request becomes a PNG (203 dpi) and a JSON summary before the process ID
is answered; DLE EOT is answered on arrival; paper-out-after N holds the rest of the job until
`ok`, then the job completes and says where it was interrupted; DLE DC4 fn 8 clears a held job
(answered 37 25 00, its process ID never); an auto-cutter error waits for DLE ENQ 1; a second run
on the same --out numbers on; usage errors exit 2. No sleeps: every wait is for an answer.

usage: vprinter_tool_test.py MYKEY_VPRINTER
"""
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile

TOOL = sys.argv[1]
WORK = tempfile.mkdtemp(prefix="vprinter_tool_")
OUT = os.path.join(WORK, "jobs")
CLEAR = bytes([0x10, 0x14, 8, 1, 3, 20, 1, 6, 2, 8])


def fail(message):
    sys.exit("FAIL: " + message)


def check(condition, message):
    if not condition:
        fail(message)


class Printer:
    def __init__(self, *extra):
        self.proc = subprocess.Popen([TOOL, "--port", "0", "--out", OUT, "--no-font", *extra],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        ready = self.line()
        check(ready.startswith("ready port="), "bad ready line %r" % ready)
        self.port = int(ready.split("=")[1])

    def line(self):
        readable, _, _ = select.select([self.proc.stdout], [], [], 10)
        if not readable:
            fail("no line from mykey-vprinter: " + self.proc.stderr.read())
        return self.proc.stdout.readline().strip()

    def control(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.line()

    def quit(self):
        check(self.control("quit") == "ok bye", "reply to quit")
        check(self.proc.wait(10) == 0, "exit status after quit")


class Host:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)

    def send(self, data):
        self.sock.sendall(data)

    def receive(self, count, timeout=10.0):
        self.sock.settimeout(timeout)
        data = b""
        try:
            while len(data) < count:
                chunk = self.sock.recv(count - len(data))
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            pass
        return data

    def close(self):
        self.sock.close()


def job(text, process_id):
    return (b"\x1b@" + text.encode() + b"\n\x1dV\x00" + b"\x1d(H\x06\x00\x30\x30" +
            process_id.encode())


def proof(process_id):
    return b"\x37\x22" + process_id.encode() + b"\x00"


def summary(number):
    with open(os.path.join(OUT, "job-%04d.json" % number)) as f:
        return json.load(f)


def main():
    for args in (["--paper", "59"], ["--bogus"], ["--print-speed", "-1"], ["--on-fault", "x"],
                 ["--receive-buffer", "0"]):
        rc = subprocess.run([TOOL, *args], capture_output=True).returncode
        check(rc == 2, "%s should exit 2, got %d" % (" ".join(args), rc))

    printer = Printer()
    host = Host(printer.port)

    # A job, its proof of print, then status: the status is answered on arrival, ahead of the
    # process ID, which waits for printing; the files exist once the process ID is answered.
    host.send(job("Hello vprinter", "0001") + b"\x10\x04\x01")
    answers = host.receive(8)
    check(answers == b"\x12" + proof("0001"), "answers to job 1: %r" % answers)
    png = os.path.join(OUT, "job-0001.png")
    with open(png, "rb") as f:
        head = f.read(64)
    check(head[:8] == b"\x89PNG\r\n\x1a\n", "job-0001.png is a PNG")
    check(head[37:41] == b"pHYs" and head[41:49] == bytes.fromhex("00001f4000001f40"),
          "job-0001.png says 203 dpi (8000 dots per metre)")
    first = summary(1)
    check(first["completed"] and first["cut"] and "Hello vprinter" in first["text_lines"],
          "job 1 completed, cut, with its text: %s" % first)
    check(first["process_ids"] == [] and first["events"] == [], "job 1 had no events")
    check(not [n for n in os.listdir(OUT) if n.endswith(".partial")], "no partial files left")

    # Paper out mid-job: DLE EOT answers at once, the process ID waits for paper.
    check(printer.control("paper-out-after 5") == "ok paper-out-after 5", "paper-out-after")
    host.send(job("This voucher runs out of paper", "0002") + b"\x10\x04\x04")
    check(host.receive(1) == b"\x7e", "paper-end sensor byte")
    check(host.receive(1, timeout=0.3) == b"", "no proof of print while the paper is out")
    status = printer.control("status")
    check(status.startswith("ok status=offline, paper end") and " buffered=" in status,
          "status line %r" % status)
    check(printer.control("ok") == "ok ok", "reply to ok")
    check(host.receive(7) == proof("0002"), "proof of print once paper is loaded")
    second = summary(2)
    check(second["completed"] and second["cut"], "job 2 completed after the paper came back")
    events = [e["event"] for e in second["events"]]
    check(events == ["interrupted", "resumed"] and second["events"][0]["reason"] == "paper end",
          "job 2 says where it was interrupted: %s" % second["events"])

    # Paper out again, and the host clears the buffers: the tail is dropped, never printed.
    check(printer.control("paper-out-after 5").startswith("ok"), "paper-out-after")
    host.send(job("Torn and cleared", "0003") + b"\x10\x04\x04")
    check(host.receive(1) == b"\x7e", "paper end again")
    host.send(CLEAR)
    check(host.receive(3) == b"\x37\x25\x00", "clear-buffers answer")
    check(printer.control("ok") == "ok ok", "paper loaded")
    host.send(b"\x1d(H\x06\x00\x30\x300004")  # the queue is empty: answered at once
    check(host.receive(7) == proof("0004"), "proof of print after the clear")
    third = summary(3)
    check(not third["completed"] and third["failure"] == "paper end" and not third["cut"],
          "job 3 not completed: %s" % third)
    check(third["events"][-1]["event"] == "cleared" and third["bytes_dropped"] > 0,
          "job 3 cleared with its dropped bytes: %s" % third)
    check(third["process_ids"] == [], "job 3 process ID never answered: %s" % third)

    # An auto-cutter error: DLE EOT 3 says so; DLE ENQ 1 recovers and printing goes on.
    check(printer.control("error") == "ok error", "error fault")
    host.send(b"\x10\x04\x03" + job("After the cutter error", "0005"))
    check(host.receive(1) == b"\x1a", "DLE EOT 3 shows the auto-cutter error")
    check(host.receive(1, timeout=0.3) == b"", "nothing prints during the error")
    host.send(b"\x10\x05\x01")
    check(host.receive(7) == proof("0005"), "DLE ENQ 1 recovered: job printed")
    check(summary(4)["completed"], "job 4 completed")
    host.close()
    printer.quit()

    # A second run on the same directory numbers on.
    printer = Printer("--print-speed", "0")
    host = Host(printer.port)
    host.send(job("Second run", "0006"))
    check(host.receive(7) == proof("0006"), "proof of print in the second run")
    check(summary(5)["text_lines"] == ["Second run"], "the second run wrote job 5")
    check(summary(1)["text_lines"][0] == "Hello vprinter", "job 1 left as it was")
    host.close()
    printer.quit()
    print("ok")


try:
    main()
finally:
    shutil.rmtree(WORK, ignore_errors=True)
