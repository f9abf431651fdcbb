#!/usr/bin/python3
"""--eve redis://HOST:PORT/KEY against a real redis-server (Debian's).

The server runs on 127.0.0.1 on a free port of its own, without
persistence, in a temporary directory, and is always stopped.

- list (LPUSH), channel (PUBLISH, a `redis-cli SUBSCRIBE` started first)
  and stream (XADD MAXLEN ~) modes: the events read back with LRANGE, from
  the subscriber and with XRANGE are exactly the lines of the same run
  written to a file.
- A key of the wrong type: every command gets an error reply; espvis
  counts them, names the last on the summary line, and exits 0.
- The server killed mid-run: espvis reads a capture from a pipe fed in
  phases; the server is killed between two phases and started again
  before the last ones.  espvis keeps going (exit 0, every packet read),
  reconnects, events arrive again, and every event is accounted for:
  acknowledged by the first server, stored by the second, or counted
  dropped.  (Standard input, not a FIFO given to -r: capture.c reads a
  named file's first bytes to tell pcapng from pcap, then reopens it.)

Exit 77 when redis-server or redis-cli is missing (make deps-test installs
them) or the server does not start.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evelib  # noqa: E402
import manysa  # noqa: E402

CAPTURE = os.path.join(evelib.TOP, "pcaps", "gen", "wesp.pcap")
SUMMARY = re.compile(r"espvis: EVE: (\d+) events, (\d+) dropped, (\d+) errors, "
                     r"(\d+) reconnects(, (\d+) Redis errors \(last: (.*)\))?")
READ = re.compile(r"espvis: (\d+) packets read")
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Redis:
    """One redis-server process; start() again after kill() reuses the
    port, as a restarted server would."""

    def __init__(self, tmp, port):
        self.tmp, self.port, self.proc = tmp, port, None

    def start(self):
        log = open(os.path.join(self.tmp, "redis.log"), "ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.tmp,
             "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if self.cli("PING", check=False).strip() == "PONG":
                return True
            time.sleep(0.05)
        return False

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def cli(self, *args, check=True):
        p = subprocess.run(["redis-cli", "-p", str(self.port)] + list(args),
                           capture_output=True, text=True, timeout=30)
        if check and p.returncode != 0:
            raise SystemExit("redis-cli %s: %s" % (args, p.stderr))
        return p.stdout

    def events(self, cmd, *args):
        """JSON lines of a reply (LRANGE, XRANGE print one per line)."""
        return [l for l in self.cli(cmd, *args).splitlines()
                if l.startswith("{")]


def file_lines(tmp, capture, name):
    path = os.path.join(tmp, name + ".json")
    evelib.run_espvis(["-q", "-r", capture, "--eve", path])
    evelib.read_eve(path)           # its stats events balance
    with open(path) as f:
        return f.read().splitlines()


def url(r, key, query=""):
    return "redis://127.0.0.1:%d/%s%s" % (r.port, key, query)


def test_modes(tmp, r):
    want = file_lines(tmp, CAPTURE, "ref")
    check(len(want) > 10, "reference run has %d events" % len(want))

    evelib.run_espvis(["-q", "-r", CAPTURE, "--eve", url(r, "ev-list")])
    got = r.events("LRANGE", "ev-list", "0", "-1")
    evelib.check_all_accounting(map(json.loads, got), "redis list")
    check(got[::-1] == want, "list: LRANGE (newest first) gives the file's "
          "%d lines" % len(want))

    sub_out = open(os.path.join(tmp, "sub.out"), "w")
    sub = subprocess.Popen(["redis-cli", "-p", str(r.port), "SUBSCRIBE",
                            "ev-chan"], stdout=sub_out,
                           stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and \
                r.cli("PUBSUB", "NUMSUB", "ev-chan").split()[-1:] != ["1"]:
            time.sleep(0.05)
        evelib.run_espvis(["-q", "-r", CAPTURE, "--eve",
                           url(r, "ev-chan", "?mode=channel")])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with open(sub_out.name) as f:
                got = [l for l in f.read().splitlines() if l.startswith("{")]
            if len(got) >= len(want):
                break
            time.sleep(0.05)
    finally:
        sub.terminate()
        sub.wait(10)
        sub_out.close()
    check(got == want, "channel: the subscriber got the file's %d lines "
          "(%d)" % (len(want), len(got)))

    evelib.run_espvis(["-q", "-r", CAPTURE, "--eve",
                       url(r, "ev-stream", "?mode=stream")])
    got = r.events("XRANGE", "ev-stream", "-", "+")
    check(got == want, "stream: XRANGE gives the file's %d lines" % len(want))
    check(r.cli("XLEN", "ev-stream").strip() == str(len(want)),
          "stream: XLEN %d" % len(want))


def test_error_replies(r):
    # ev-stream is a stream: LPUSH to it fails with WRONGTYPE each time.
    proc = evelib.run_espvis(["-r", CAPTURE, "--eve", url(r, "ev-stream")])
    m = SUMMARY.search(proc.stderr)
    check(m is not None and m.group(6) == m.group(1) and
          m.group(7).startswith("WRONGTYPE"),
          "wrong key type: every event's error reply counted, the last "
          "named (%s)" % (m.group(0) if m else proc.stderr.strip()))


def wait_llen(r, key, n, secs=10):
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        got = int(r.cli("LLEN", key).strip() or 0)
        if got >= n:
            return got
        time.sleep(0.05)
    return int(r.cli("LLEN", key).strip() or 0)


def decided_spis(lines, first, n):
    """SPIs in [first, first + n) with a "decided" event among lines."""
    spis = set()
    for e in map(json.loads, lines):
        if e["event_type"] == "esp" and e["esp"]["event"] == "decided" and \
                first <= e["esp"]["spi"] < first + n:
            spis.add(e["esp"]["spi"])
    return spis


def test_server_killed(tmp, r):
    """Phases fed through a pipe: A (50 SAs), a pause, one SA whose event
    flushes A out (the flush interval has passed); the server is killed;
    B (1000 SAs: more events than the 256 KiB buffer holds); the server
    is started again; C1 (5 SAs: their events find the buffer still full,
    and start the reconnection), a pause, C2 (50 SAs); end of input."""
    t0 = manysa.T_BASE * 1000000
    phases = [
        manysa.records(0x20000, 50, t0),               # A
        manysa.records(0x21000, 1, t0 + 1000000),      # trigger
        manysa.records(0x30000, 1000, t0 + 2000000),   # B
        manysa.records(0x40000, 5, t0 + 4000000),      # C1
        manysa.records(0x50000, 50, t0 + 5000000),     # C2
    ]
    capture = os.path.join(tmp, "phases.pcap")
    with open(capture, "wb") as f:
        f.write(manysa.pcap_header() + b"".join(phases))
    want = file_lines(tmp, capture, "phases")
    packets = (50 + 1 + 1000 + 5 + 50) * manysa.PKTS_PER_SA
    want_a = len(decided_spis(want, 0x20000, 50) |
                 decided_spis(want, 0x21000, 1))
    want_c2 = decided_spis(want, 0x50000, 50)

    key = "ev-kill"
    proc = subprocess.Popen([evelib.espvis_path(), "-r", "-", "--eve",
                             url(r, key, "?buffer=256k")],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        proc.stdin.write(manysa.pcap_header() + phases[0])
        proc.stdin.flush()
        time.sleep(1.2)
        proc.stdin.write(phases[1])
        proc.stdin.flush()
        first = wait_llen(r, key, want_a)
        check(first == want_a, "before the kill: the %d decided events of A "
              "and the trigger are in Redis (%d)" % (want_a, first))
        first_events = r.events("LRANGE", key, "0", "-1")
        r.kill()
        # A blocked espvis would stop reading: the pipe (64 KiB) fills and
        # this write blocks until the alarm in main() fails the test.
        proc.stdin.write(phases[2])
        proc.stdin.flush()
        time.sleep(0.5)
        if not r.start():
            raise SystemExit("redis-server did not restart")
        time.sleep(1.5)
        proc.stdin.write(phases[3])
        proc.stdin.flush()
        time.sleep(1.0)
        proc.stdin.write(phases[4])
        proc.stdin.close()
        proc.wait(timeout=60)
        err = proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    check(proc.returncode == 0, "server killed mid-run: exit %d"
          % proc.returncode)
    m = READ.search(err)
    check(m is not None and int(m.group(1)) == packets,
          "every packet read (%s of %d)" % (m.group(1) if m else "?",
                                            packets))
    m = SUMMARY.search(err)
    check(m is not None, "summary line with EVE counts: %s" % err.strip())
    if m is None:
        return
    events, dropped, reconnects = (int(m.group(1)), int(m.group(2)),
                                   int(m.group(4)))
    check(events == len(want), "%d events, as many as the file run"
          % events)
    check(reconnects >= 1, "%d reconnects" % reconnects)
    check(dropped > 0, "%d dropped while the server was away" % dropped)
    second = r.events("LRANGE", key, "0", "-1")[::-1]
    check(len(second) > 0, "events arrive again after the restart (%d)"
          % len(second))
    check(len(first_events) + len(second) + dropped == events,
          "%d before + %d after + %d dropped == %d events"
          % (len(first_events), len(second), dropped, events))
    got_c2 = decided_spis(second, 0x50000, 50)
    check(len(want_c2) > 40 and got_c2 == want_c2,
          "after the reconnection, all %d decided events of C2 arrived "
          "(%d)" % (len(want_c2), len(got_c2)))
    wanted = set(want)
    check(all(line in wanted for line in first_events + second
              if '"event_type":"stats"' not in line),
          "every event that arrived is one of the file run's")


def main():
    for tool in ("redis-server", "redis-cli"):
        if shutil.which(tool) is None:
            skip("%s not installed (make deps-test installs redis-server "
                 "and redis-tools)" % tool)
    # Whatever goes wrong, no test may hang forever.
    signal.alarm(300)
    with tempfile.TemporaryDirectory(prefix="espvis-redis-") as tmp:
        r = Redis(tmp, free_port())
        try:
            if not r.start():
                skip("redis-server did not start on 127.0.0.1:%d (see %s)"
                     % (r.port, os.path.join(tmp, "redis.log")))
            test_modes(tmp, r)
            test_error_replies(r)
            test_server_killed(tmp, r)
        finally:
            r.kill()
    if failures:
        print("%d failed" % len(failures))
        return 1
    print("eve redis: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
