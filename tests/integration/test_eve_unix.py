#!/usr/bin/python3
"""--eve unix:PATH, unix-dgram:PATH and unix-stream:PATH.

- A datagram consumer and a stream consumer listening on a temporary path
  receive every event of a pcaps/gen run, byte for byte the lines the same
  run writes to a file (plain unix: is datagrams).
- Consumers that accept but never read (stream, and datagram) do not
  block espvis: it finishes in bounded time, and every event is either in
  the consumer's socket queue afterwards or counted as dropped on the
  summary line (the final stats event cannot say: it is written before
  the last attempts and is usually among the dropped).
- No consumer at all: exit 0, everything counted as dropped.
"""
import json
import os
import re
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evelib  # noqa: E402
import manysa  # noqa: E402

CAPTURE = os.path.join(evelib.TOP, "pcaps", "gen", "wesp.pcap")
SUMMARY = re.compile(r"espvis: EVE: (\d+) events, (\d+) dropped, (\d+) errors")
PACKETS = re.compile(r"espvis: (\d+) packets read: (\d+) decoded, (\d+) "
                     r"skipped, (\d+) dropped")
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def file_lines(tmp, capture):
    path = os.path.join(tmp, "ref-%s.json" % os.path.basename(capture))
    if os.path.exists(path):
        os.unlink(path)
    evelib.run_espvis(["-q", "-r", capture, "--eve", path])
    evelib.read_eve(path)           # its stats events balance
    with open(path, "rb") as f:
        return f.read().splitlines(keepends=True)


class DgramServer(threading.Thread):
    """Collects datagrams until one holds the stats event (the last)."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(30)
        self.got = []

    def run(self):
        try:
            while True:
                d = self.sock.recv(65536)
                self.got.append(d)
                if b'"event_type":"stats"' in d:
                    break
        except socket.timeout:
            pass
        self.sock.close()


class StreamServer(threading.Thread):
    """Accepts one connection and reads it to its end."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.sock.settimeout(30)
        self.data = b""

    def run(self):
        try:
            conn, _ = self.sock.accept()
            conn.settimeout(30)
            while True:
                d = conn.recv(65536)
                if not d:
                    break
                self.data += d
            conn.close()
        except socket.timeout:
            pass
        self.sock.close()


def run_with(dest, capture=CAPTURE, timeout=60):
    start = time.monotonic()
    proc = evelib.run_espvis(["-r", capture, "--eve", dest], timeout=timeout)
    return proc, time.monotonic() - start


def test_delivery(tmp):
    want = file_lines(tmp, CAPTURE)
    check(len(want) > 10, "reference run has %d events" % len(want))
    for scheme in ("unix", "unix-dgram"):
        path = os.path.join(tmp, scheme + ".sock")
        server = DgramServer(path)
        server.start()
        run_with("%s:%s" % (scheme, path))
        server.join(30)
        check(server.got == want, "%s: %d datagrams, each one line, same as "
              "the file" % (scheme, len(server.got)))
    path = os.path.join(tmp, "stream.sock")
    server = StreamServer(path)
    server.start()
    run_with("unix-stream:" + path)
    server.join(30)
    evelib.check_all_accounting(
        [json.loads(l) for l in server.data.splitlines() if l.strip()],
        "unix-stream")
    check(server.data.splitlines(keepends=True) == want,
          "unix-stream: %d bytes, same lines as the file" % len(server.data))


def is_subsequence(got, want):
    it = iter(want)
    return all(line in it for line in got)


def test_stalled(tmp, kind):
    """A consumer that accepts and never reads until espvis is gone."""
    capture = os.path.join(tmp, "many.pcap")
    if not os.path.exists(capture):
        manysa.write_pcap(capture, 10000)
    want = file_lines(tmp, capture)
    path = os.path.join(tmp, "stalled-%s.sock" % kind)
    if kind == "stream":
        lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        lsock.bind(path)
        lsock.listen(1)
    else:
        lsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        lsock.bind(path)
    proc, secs = run_with("unix-%s:%s" % (kind, path), capture, timeout=120)
    # Bounded: the run itself plus the 2 s close timeout, with room for
    # a slow sanitizer build; blocking would hit the 120 s timeout.
    check(secs < 60, "%s: never-reading consumer, espvis done in %.1f s"
          % (kind, secs))
    m = SUMMARY.search(proc.stderr)
    check(m is not None, "%s: summary line with the EVE counts: %r"
          % (kind, proc.stderr.strip().splitlines()[-1:]))
    if m is None:
        return
    events, dropped = int(m.group(1)), int(m.group(2))
    check(events == len(want), "%s: %d events handed over, as many as the "
          "file run" % (kind, events))
    check(dropped > 0, "%s: %d dropped" % (kind, dropped))
    # Capture went on: every packet read and accounted for.
    pm = PACKETS.search(proc.stderr)
    check(pm is not None and int(pm.group(1)) == 2 * 10000 and
          int(pm.group(1)) == sum(int(pm.group(i)) for i in (2, 3, 4)),
          "%s: every packet read and counted despite the consumer (%s)"
          % (kind, pm.group(0) if pm else "no summary"))
    got = []
    if kind == "stream":
        conn, _ = lsock.accept()
        conn.settimeout(5)
        data = b""
        try:
            while True:
                d = conn.recv(1 << 20)
                if not d:
                    break
                data += d
        except socket.timeout:
            pass
        conn.close()
        got = data.splitlines(keepends=True)
        if got and not got[-1].endswith(b"\n"):
            got.pop()       # the record cut at exit: counted dropped
    else:
        lsock.setblocking(False)
        try:
            while True:
                got.append(lsock.recv(65536))
        except BlockingIOError:
            pass
    lsock.close()
    check(len(got) + dropped == events, "%s: %d delivered + %d dropped == "
          "%d events" % (kind, len(got), dropped, events))
    check(len(got) > 0 and is_subsequence(got, want),
          "%s: what arrived is whole lines of the file run, in order"
          % kind)


def test_absent(tmp):
    proc, secs = run_with("unix:" + os.path.join(tmp, "nobody.sock"))
    m = SUMMARY.search(proc.stderr)
    check(m is not None and int(m.group(1)) == int(m.group(2)) > 0,
          "no consumer: exit 0, every event dropped (%s)"
          % (m.group(0) if m else proc.stderr.strip()))
    check(secs < 30, "no consumer: done in %.1f s" % secs)


def main():
    with tempfile.TemporaryDirectory(prefix="espvis-unix-") as tmp:
        test_delivery(tmp)
        test_stalled(tmp, "stream")
        test_stalled(tmp, "dgram")
        test_absent(tmp)
    if failures:
        print("%d failed" % len(failures))
        return 1
    print("eve unix: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
