"""Report how espvis decides, over every capture with a truth file:
the SAs by truth x verdict, and for ESP-NULL SAs the median number of
packets needed to decide, by inner protocol (the SA's ESP next header).

    python3 tests/report_decisions.py [ESPVIS]

Not a test (the tests assert the same verdicts); it prints the numbers
quoted in closing notes and docs.
"""
import collections
import csv
import glob
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PUBLIC = os.path.join(os.path.dirname(TOP), "shared", "pcaps-public")
NH = {1: "ICMP", 4: "IPv4 (tunnel)", 6: "TCP", 17: "UDP", 41: "IPv6 (tunnel)",
      47: "GRE", 58: "ICMPv6", 89: "OSPF", 132: "SCTP"}


def run(espvis, capture, tmp):
    eve = os.path.join(tmp, "eve.json")
    if os.path.exists(eve):
        os.unlink(eve)
    subprocess.run([espvis, "-q", "-r", capture, "--eve", eve], check=False)
    out = {}
    with open(eve) as f:
        for line in f:
            e = json.loads(line)
            if e.get("event_type") == "esp" and e["esp"]["event"] == "end":
                key = (e["src_ip"], e["dest_ip"], e["esp"]["spi"],
                       e.get("src_port", 0), e.get("dest_port", 0))
                out[key] = e["esp"]
    return out


def json_truths():
    for path in sorted(glob.glob(os.path.join(TOP, "pcaps", "*", "*.truth.json"))):
        base = path[:-len(".truth.json")]
        capture = next((base + ext for ext in (".pcap", ".pcapng")
                        if os.path.exists(base + ext)), None)
        with open(path) as f:
            truth = json.load(f)
        if capture is None or not truth.get("sas"):
            continue
        sas = {}
        for s in truth["sas"]:
            key = (s["src_ip"], s["dest_ip"], s["spi"],
                   s.get("src_port", 0), s.get("dest_port", 0))
            sas[key] = s.get("verdict")
        yield capture, sas


def tsv_truths(tmp):
    want = {"no": "null", "yes": "encrypted", "unknown": "undecided"}
    for tsv in sorted(glob.glob(os.path.join(PUBLIC, "**", "*.truth.tsv"),
                                recursive=True)):
        capture = tsv[:-len(".truth.tsv")]
        with open(tsv) as f:
            rows = [r for r in csv.DictReader(f, delimiter="\t")
                    if r["outer_kind"] in ("esp", "esp-udp")
                    and int(r["caplen"]) >= int(r["esp_off"]) + 8]
        if not rows:
            continue
        if capture.endswith(".gz"):
            plain = os.path.join(tmp, os.path.basename(capture)[:-3])
            with gzip.open(capture) as src, open(plain, "wb") as dst:
                shutil.copyfileobj(src, dst)
            capture = plain
        sas = {}
        for r in rows:
            ports = (int(r["sport"]), int(r["dport"])) if r["sport"] != "-" else (0, 0)
            sas[(r["outer_src"], r["outer_dst"], int(r["spi"], 16)) + ports] = \
                want[r["encrypted"]]
        yield capture, sas


def main():
    espvis = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, "build", "espvis")
    table = collections.Counter()
    decide = collections.defaultdict(list)
    tmp = tempfile.mkdtemp(prefix="espvis-report-")
    try:
        for capture, sas in list(json_truths()) + list(tsv_truths(tmp)):
            got = run(espvis, capture, tmp)
            for key, want in sas.items():
                e = got.get(key)
                table[(want, e["verdict"] if e else "missing")] += 1
                if e and e["verdict"] == "null" and e["method"] == "heuristic":
                    nh = e.get("next_header", 0)
                    decide[NH.get(nh, "NH %d" % nh)].append(e["decided_after"])
    finally:
        shutil.rmtree(tmp)
    cols = ("null", "encrypted", "undecided", "missing")
    print("SAs by truth (rows) x espvis verdict (columns)")
    print("%-10s" % "truth" + "".join("%11s" % c for c in cols))
    for want in ("null", "encrypted", "undecided"):
        print("%-10s" % want + "".join("%11d" % table[(want, c)] for c in cols))
    print()
    print("ESP-NULL SAs judged by heuristic: packets needed to decide")
    print("%-16s %5s %7s %5s" % ("inner protocol", "SAs", "median", "max"))
    for name in sorted(decide):
        v = decide[name]
        print("%-16s %5d %7g %5d" % (name, len(v), statistics.median(v), max(v)))


if __name__ == "__main__":
    main()
