"""Helpers shared by the Python integration tests: find espvis, run it,
read its EVE output and pcap files without third-party modules."""
import json
import os
import re
import struct
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(TOP), "shared")


def espvis_path():
    return os.environ.get("ESPVIS") or os.path.join(TOP, "build", "espvis")


def run_espvis(args, check=True, timeout=120):
    """Run espvis with args; return the CompletedProcess."""
    proc = subprocess.run([espvis_path()] + list(args), capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit("espvis %s exited %d" % (" ".join(args), proc.returncode))
    return proc


def skip_reasons():
    """The skip reasons espvis counts, from src/util/packet.h (X-macro)."""
    with open(os.path.join(TOP, "src", "util", "packet.h")) as f:
        text = f.read()
    names = re.findall(r'X\(\s*[A-Z0-9_]+\s*,\s*"([a-z0-9_]+)"\s*\)', text)
    return [n for n in names if n != "none"]


def check_accounting(stats, label="espvis"):
    """Every packet read is counted once: read == decoded + skipped (the
    sum over every named reason) + dropped, and the stats event names
    every reason there is.  stats: a stats event or its "stats" object.
    Returns the packets read; raises SystemExit when it does not add up."""
    if "stats" in stats:
        stats = stats["stats"]
    p = stats["packets"]
    reasons = skip_reasons()
    missing = sorted(set(reasons) - set(p["skipped"]))
    unknown = sorted(set(p["skipped"]) - set(reasons))
    if missing or unknown:
        raise SystemExit("%s: stats.packets.skipped: missing %s, unknown %s"
                         % (label, missing, unknown))
    total = p["decoded"] + sum(p["skipped"].values()) + p["dropped"]
    if total != p["read"]:
        raise SystemExit("%s: accounting: read %d != decoded %d + skipped %d"
                         " + dropped %d (%r)" % (label, p["read"], p["decoded"],
                                                 sum(p["skipped"].values()),
                                                 p["dropped"], p["skipped"]))
    return p["read"]


def check_all_accounting(events, label="espvis"):
    """check_accounting() on every stats event of events (periodic ones
    too); returns how many there were."""
    n = 0
    for e in events:
        if e.get("event_type") == "stats":
            check_accounting(e, label)
            n += 1
    return n


def read_eve(path):
    """The events of an EVE file; every stats event among them must
    balance (check_accounting)."""
    with open(path) as f:
        events = [json.loads(line) for line in f if line.strip()]
    check_all_accounting(events, path)
    return events


def end_events(events):
    """The one `end` esp event per SA, keyed by the outer SA tuple."""
    sas = {}
    for e in events:
        if e.get("event_type") != "esp" or e["esp"].get("event") != "end":
            continue
        key = (e["src_ip"], e["dest_ip"], e["esp"]["spi"],
               e.get("src_port", 0), e.get("dest_port", 0))
        if key in sas:
            raise SystemExit("two end events for SA %r" % (key,))
        sas[key] = e
    return sas


def final_stats(events):
    stats = [e for e in events if e.get("event_type") == "stats"]
    if not stats:
        raise SystemExit("no stats event")
    check_accounting(stats[-1])
    return stats[-1]["stats"]


def read_pcap(path):
    """(linktype, [(ts_sec, ts_usec, bytes)]) of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: not a pcap file" % path)
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        endian = "<"
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        endian = ">"
    else:
        raise ValueError("%s: not a pcap file" % path)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    recs, off = [], 24
    while off + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        recs.append((sec, usec, data[off:off + caplen]))
        off += caplen
    return linktype, recs


def main(argv):
    """evelib.py accounting FILE [MIN]: for the shell tests, check every
    stats event of an EVE file (at least MIN of them, default 1)."""
    if len(argv) < 3 or argv[1] != "accounting":
        raise SystemExit("usage: evelib.py accounting EVE-FILE [MIN]")
    events = []
    with open(argv[2]) as f:
        for line in f:
            if line.strip():
                events.append(json.loads(line))
    n = check_all_accounting(events, argv[2])
    want = int(argv[3]) if len(argv) > 3 else 1
    if n < want:
        raise SystemExit("%s: %d stats events, expected at least %d"
                         % (argv[2], n, want))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
