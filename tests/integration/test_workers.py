"""--workers N gives the events and inner packets of one worker.

For every good capture of pcaps/gen, the strongSwan captures and the demo
capture, espvis runs with --workers 1, 2 and 3 (and the shipped rules,
so that alerts are compared too); under the sanitizer build (BUILD ending
in -san, where a run costs three times as much) with 1 and 3: the
dispatch, the rings and the merge are the same code for 2 and 3 workers,
and the plain build compares all three.  The events other than stats must
be the same multiset: esp (decided and end, by SA and every field), flow
and alert events, timestamps included, since the reader drives every
worker's expiry clock as a lone pipeline's.  The final stats event must
be one, with the same counters (nDPI's process-wide memory aside), and
the -w stream the same multiset of records.  The exit status must agree
too (a corrupt capture is still exported up to its fault).
"""
import glob
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evelib  # noqa: E402

TOP = evelib.TOP
RULES = os.path.join(TOP, "rules")


def run(capture, workers, tmp):
    eve = os.path.join(tmp, "eve-%d.json" % workers)
    inner = os.path.join(tmp, "inner-%d.pcap" % workers)
    for f in (eve, inner):      # EVE files are appended to
        if os.path.exists(f):
            os.unlink(f)
    proc = evelib.run_espvis(["-q", "-r", capture, "--eve", eve, "-w", inner,
                              "--rules", RULES, "--workers", str(workers)],
                             check=False)
    events = evelib.read_eve(eve) if os.path.exists(eve) else []
    stats = [e for e in events if e["event_type"] == "stats"]
    others = sorted(json.dumps(e, sort_keys=True) for e in events
                    if e["event_type"] != "stats")
    if os.path.exists(inner) and os.path.getsize(inner) > 0:
        linktype, recs = evelib.read_pcap(inner)
    else:
        linktype, recs = None, []
    for s in stats:
        s["stats"].get("ndpi", {}).pop("memory", None)
        s["stats"].get("ndpi", {}).pop("memory_peak", None)
    return proc.returncode, others, stats, linktype, sorted(recs)


def worker_counts():
    """The counts compared with one worker (see the docstring)."""
    build = os.path.basename(os.path.normpath(os.environ.get("BUILD", "build")))
    return (3,) if "san" in build else (2, 3)


def main():
    caps = sorted(glob.glob(os.path.join(TOP, "pcaps/gen/*.pcap")))
    caps = [c for c in caps if not c.endswith(".inner.pcap")]
    caps += sorted(glob.glob(os.path.join(TOP, "pcaps/strongswan/*.pcap")))
    caps.append(os.path.join(TOP, "pcaps/demo.pcap"))
    errors = []
    counts = worker_counts()
    checked = kinds = 0
    seen = set()
    with tempfile.TemporaryDirectory() as tmp:
        for cap in caps:
            name = os.path.relpath(cap, TOP)
            one = run(cap, 1, tmp)
            rc1, ev1, st1, lt1, in1 = one
            for e in ev1:
                d = json.loads(e)
                seen.add(d["event_type"] if d["event_type"] != "esp"
                         else "esp." + d["esp"].get("event", "?"))
            for n in counts:
                rc, ev, st, lt, inn = run(cap, n, tmp)
                if rc != rc1:
                    errors.append("%s: exit %d with %d workers, %d with 1"
                                  % (name, rc, n, rc1))
                if ev != ev1:
                    a, b = set(ev1) - set(ev), set(ev) - set(ev1)
                    errors.append("%s, %d workers: events differ: only with "
                                  "1: %s; only with %d: %s"
                                  % (name, n, sorted(a)[:2], n, sorted(b)[:2]))
                if len(st) != 1 or len(st1) != 1:
                    errors.append("%s: %d and %d stats events, want 1"
                                  % (name, len(st1), len(st)))
                elif st != st1:
                    errors.append("%s, %d workers: stats differ:\n%s\n%s"
                                  % (name, n, st1[0], st[0]))
                if (lt, inn) != (lt1, in1):
                    errors.append("%s, %d workers: inner pcap differs "
                                  "(%d records, %d with 1)"
                                  % (name, n, len(inn), len(in1)))
            checked += 1
            kinds += len(ev1)
    # The comparison must have had something to compare.
    for want in ("esp.end", "esp.decided", "flow", "alert"):
        if want not in seen:
            errors.append("no %s event in any capture" % want)
    # Bad values are usage errors (live and inline with workers:
    # test_live.sh, test_nfq.sh).
    demo = os.path.join(TOP, "pcaps/demo.pcap")
    for args in (["--workers", "0", "-r", demo],
                 ["--workers", "65", "-r", demo],
                 ["--workers", "x", "-r", demo]):
        proc = evelib.run_espvis(["-q"] + args, check=False)
        if proc.returncode != 2 or "--workers" not in proc.stderr:
            errors.append("%s: exit %d, stderr %r, want 2 naming --workers"
                          % (" ".join(args), proc.returncode, proc.stderr))
    if checked < 20 or kinds < 100:
        errors.append("only %d captures, %d events" % (checked, kinds))
    for e in errors:
        print("FAIL:", e)
    if errors:
        return 1
    print("ok: %d captures, %d events each way, same with %s workers"
          % (checked, kinds, " and ".join(str(n) for n in counts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
