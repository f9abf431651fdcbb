"""espvis against the public IPsec captures in ../shared/pcaps-public.

For every capture with ESP rows in its truth file, every SA direction
(outer src, dst, SPI, UDP ports) must get the truth's verdict: `no`
(NULL encryption) -> null with the truth's ICV and IV lengths, `yes` ->
encrypted, `unknown` (no trailer ever captured) -> undecided.  The packet
accounting is checked too: every ESP frame whose 8-byte header was captured
is decoded, and no frame is counted twice.  An SA seen only in frames cut
inside the ESP header (tcpdump/esp_truncated.pcap) makes no SA: those
frames are skipped as `truncated`.  Prints the accuracy table.
"""
import collections
import csv
import glob
import gzip
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evelib  # noqa: E402

PUBLIC = os.path.join(evelib.SHARED, "pcaps-public")
WANT = {"no": "null", "yes": "encrypted", "unknown": "undecided"}


def truth_sas(rows):
    sas = collections.OrderedDict()
    for r in rows:
        if r["outer_kind"] not in ("esp", "esp-udp"):
            continue
        ports = (int(r["sport"]), int(r["dport"])) if r["sport"] != "-" else (0, 0)
        key = (r["outer_src"], r["outer_dst"], int(r["spi"], 16)) + ports
        sas.setdefault(key, []).append(r)
    return sas


def esp_header_captured(r):
    return int(r["caplen"]) >= int(r["esp_off"]) + 8


def check_capture(tsv, tmp, table, errors):
    capture = tsv[:-len(".truth.tsv")]
    name = os.path.relpath(capture, PUBLIC)
    with open(tsv) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    sas = truth_sas(rows)
    if capture.endswith(".gz"):
        plain = os.path.join(tmp, os.path.basename(capture)[:-3])
        with gzip.open(capture, "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst)
        capture = plain
    eve = os.path.join(tmp, "eve.json")
    if os.path.exists(eve):
        os.unlink(eve)
    evelib.run_espvis(["-q", "-r", capture, "--eve", eve])
    events = evelib.read_eve(eve)
    got = evelib.end_events(events)
    stats = evelib.final_stats(events)["packets"]

    skipped = sum(stats["skipped"].values())
    if stats["read"] != stats["decoded"] + skipped + stats["dropped"]:
        errors.append("%s: accounting: %r" % (name, stats))
    want_decoded = sum(1 for r in rows if r["outer_kind"] in ("esp", "esp-udp")
                       and esp_header_captured(r))
    if stats["decoded"] != want_decoded:
        errors.append("%s: decoded %d ESP packets, truth has %d"
                      % (name, stats["decoded"], want_decoded))
    keepalives = sum(1 for r in rows if r["outer_kind"] == "natt-keepalive")
    if stats["skipped"]["natt_keepalive"] != keepalives:
        errors.append("%s: %d keepalives, truth has %d"
                      % (name, stats["skipped"]["natt_keepalive"], keepalives))

    for key, pkts in sas.items():
        truth = pkts[0]
        if not any(esp_header_captured(r) for r in pkts):
            # Only frames cut inside the 8-byte ESP header: they are
            # skipped as `truncated` and make no SA.
            if key in got:
                errors.append("%s: SA %r from truncated frames only"
                              % (name, key))
            continue
        want = WANT[truth["encrypted"]]
        e = got.get(key)
        verdict = e["esp"]["verdict"] if e else "missing"
        table[(want, verdict)] += 1
        if e is None:
            errors.append("%s: SA %r: no end event" % (name, key))
            continue
        if verdict != want:
            errors.append("%s: SA %r: verdict %s, truth %s (%d pkts)"
                          % (name, key, verdict, want, len(pkts)))
        elif want == "null":
            for field in ("icv_len", "iv_len"):
                if e["esp"][field] != int(truth[field]):
                    errors.append("%s: SA %r: %s %d, truth %s" % (
                        name, key, field, e["esp"][field], truth[field]))
        if e["esp"]["pkts"] != sum(1 for r in pkts if esp_header_captured(r)):
            errors.append("%s: SA %r: %d pkts, truth %d"
                          % (name, key, e["esp"]["pkts"], len(pkts)))
    extra = set(got) - set(sas)
    if extra:
        errors.append("%s: SAs not in the truth: %r" % (name, sorted(extra)))


def main():
    tsvs = sorted(glob.glob(os.path.join(PUBLIC, "**", "*.truth.tsv"),
                            recursive=True))
    if not tsvs:
        print("no public captures under %s" % PUBLIC)
        return 77
    table = collections.Counter()
    errors = []
    tmp = tempfile.mkdtemp(prefix="espvis-public-")
    try:
        for tsv in tsvs:
            check_capture(tsv, tmp, table, errors)
    finally:
        shutil.rmtree(tmp)
    print("SAs by truth x verdict (%d captures):" % len(tsvs))
    verdicts = ("null", "encrypted", "undecided", "missing")
    print("%-10s %s" % ("truth", " ".join("%10s" % v for v in verdicts)))
    for want in ("null", "encrypted", "undecided"):
        print("%-10s %s" % (want, " ".join("%10d" % table[(want, v)]
                                         for v in verdicts)))
    for e in errors:
        print("FAIL " + e)
    if table[("encrypted", "null")]:
        print("FAIL an encrypted SA was reported null")
    print("%d mismatches" % len(errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
