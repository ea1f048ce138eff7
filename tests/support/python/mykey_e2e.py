"""What the end-to-end scripts share (firmware/terminal/test/*_e2e.py,
tests/install/examples_e2e.py): the tools of a build tree, a work directory,
steps printed with their time, commands run and processes started and
stopped, checks that stop the script with the terminal's own words.

    e2e = mykey_e2e.Session("terminal-e2e", bin_dir)
    try:
        e2e.step("...")
        e2e.run(e2e.tool["cloud"], "init", ...)
        cloud, line = e2e.start([...], "listening on")
        e2e.check(condition, "what must hold")
        e2e.passed(keep)        # prints the last step, removes the work dir unless kept
    finally:
        e2e.stop_all()
"""
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

TOOLS = {
    "cloud": "cloud/tool/mykey-cloud",
    "testjpki": "cards/testjpki/mykey-testjpki",
    "vcard": "cards/vcard/mykey-vcard",
    "vprinter": "sdk/vprinter/mykey-vprinter",
    "terminal": "firmware/terminal/mykey-terminal",
    "load": "tests/load/mykey-load",
}


class Session:
    def __init__(self, name, bin_dir):
        self.tool = {key: os.path.join(bin_dir, path) for key, path in TOOLS.items()}
        self.work = tempfile.mkdtemp(prefix="mykey-%s-" % name)
        self.procs = []
        self.t_start = time.monotonic()

    def step(self, text):
        print("[%7.3f s] %s" % (time.monotonic() - self.t_start, text), flush=True)

    def run(self, *args, ok=True, **kwargs):
        """Runs a command to its end; its stdout. ok: a non-zero exit ends the script."""
        out = subprocess.run(args, capture_output=True, text=True, **kwargs)
        if ok and out.returncode != 0:
            sys.exit("failed: %s\n%s%s" % (" ".join(args), out.stdout, out.stderr))
        return out.stdout

    def start(self, args, ready, seconds=20, **kwargs):
        """Starts a process (stdout and stderr on one pipe) and reads until a
        line holds `ready`; the process and that line. Ends the script if it
        does not get there."""
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             **kwargs)
        self.procs.append(p)
        deadline = time.monotonic() + seconds
        lines = []
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            lines.append(line)
            if ready in line:
                return p, line
        sys.exit("did not start: %s\n%s" % (args[0], "".join(lines)))

    def check(self, condition, what):
        """Ends the script with what failed, and what any running
        mykey-terminal said, unless `condition` holds."""
        if not condition:
            for p in self.procs:
                if p.poll() is None and p.args[0] == self.tool["terminal"]:
                    p.send_signal(signal.SIGTERM)
                    print("--- mykey-terminal said:\n" + p.communicate(timeout=10)[0])
            sys.exit("CHECK FAILED: " + what)
        print("           ok: " + what, flush=True)

    def test_card(self, seed, index, pin="1234"):
        """A test JPKI (seeded) and one personalised card of it in
        work/card.json; the directory of its auth CA certificates (PEM)."""
        pki = self.work + "/pki"
        self.run(self.tool["testjpki"], "init", "--seed", seed, "--out", pki)
        self.run(self.tool["testjpki"], "card", "--pki", pki, "--out", self.work + "/card.json",
                 "--index", str(index), "--pin", pin, "--counter-file",
                 self.work + "/card.counters")
        ca_dir = self.work + "/auth-ca"
        os.mkdir(ca_dir)
        for name in sorted(os.listdir(pki)):
            if name.startswith("auth-ca-") and name.endswith(".pem"):
                shutil.copy(os.path.join(pki, name), ca_dir)
        return ca_dir

    def serve_cloud(self, store, ca_dir, listen="127.0.0.1:0", log_level="warning"):
        """mykey-cloud serve on `store` (its --store arguments), trusting the
        test JPKI in `ca_dir`; the process and its base URL."""
        cloud, line = self.start([self.tool["cloud"], "serve", *store, "--listen", listen,
                                  "--jpki-auth-ca", ca_dir, "--log-level", log_level],
                                 "listening on")
        return cloud, "http://" + line.split("listening on")[1].strip()

    def passed(self, keep, kept_what="work dir"):
        """The last step; the work directory goes unless `keep`."""
        self.step("all checks passed" + ("; %s in %s" % (kept_what, self.work) if keep else ""))
        if not keep:
            shutil.rmtree(self.work, ignore_errors=True)

    def stop_all(self):
        """stop() for every process started, newest first."""
        for p in reversed(self.procs):
            stop(p)


def stop(p):
    """SIGTERM to a process still running, SIGKILL after 10 s; its exit status."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p.returncode


def wait_for_line(p, text, seconds):
    """Reads the process's output until a line holds `text`; (found, the lines read)."""
    deadline = time.monotonic() + seconds
    lines = []
    while time.monotonic() < deadline:
        if not select.select([p.stdout], [], [], 0.5)[0]:
            continue
        line = p.stdout.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            return True, lines
    return False, lines


def local_api(port, token, method, path, body=None, timeout=40):
    """One call to a terminal's local API; (status, JSON body), errors included."""
    request = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def type_pin(master, pin=b"1234", seconds=20):
    """The holder waits for the PIN prompt on the pty (the pad shows "Esc")
    and types `pin`; what the screen showed until then."""
    seen = b""
    deadline = time.monotonic() + seconds
    while b"Esc" not in seen and time.monotonic() < deadline:
        if select.select([master], [], [], 0.5)[0]:
            seen += os.read(master, 4096)
    os.write(master, pin + b"\r")
    return seen


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS"):
            return int(line.split()[1])
    return 0
