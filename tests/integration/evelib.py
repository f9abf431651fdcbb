"""Helpers shared by the Python integration tests: find espvis, run it,
read its EVE output and pcap files without third-party modules."""
import json
import os
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


def read_eve(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


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
