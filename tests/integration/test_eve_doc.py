"""Every event type and every field espvis emits on the bundled captures
(pcaps/, default rules on) is described in docs/eve.md: each field path
appears there in backticks, whole (`esp.icv_len`), as a pattern
(`stats.packets.skipped.<reason>` with the reason named), or abbreviated
after a sibling on the same table row (`stats.packets.esp`, `.wesp`).
Also --nfq's and -i's sections, from docs/eve.md's own examples.
test_keys.py checks the fields of keyed SAs (docs/keys.md) with
undocumented() from here."""
import glob
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evelib  # noqa: E402

DOC = os.path.join(evelib.TOP, "docs", "eve.md")


def leaves(obj, prefix=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, prefix + "." + k if prefix else k)
    elif isinstance(obj, list):
        for v in obj:
            yield from leaves(v, prefix)
        if not obj:
            yield prefix
    else:
        yield prefix


def doc_rows():
    rows = []
    with open(DOC) as f:
        for line in f:
            rows.append(re.findall(r"`([^`]+)`", line))
    return rows


def documented(path, rows, named):
    parent, _, leaf = path.rpartition(".")
    for toks in rows:
        for t in toks:
            if t == path:
                return True
            # a pattern: stats.packets.skipped.<reason>, leaf named anywhere
            if "<" in t and parent and t.startswith(parent + ".<") and leaf in named:
                return True
            # the parent itself, or a sibling, with `.leaf`/`leaf` on the row
            if parent and (t == parent or t.rpartition(".")[0] == parent) and \
                    ("." + leaf in toks or leaf in toks):
                return True
    return False


def undocumented(events):
    """The field paths of events that docs/eve.md does not describe."""
    rows = doc_rows()
    named = {t for toks in rows for t in toks}
    missing = set()
    for e in events:
        for p in leaves(e):
            if not documented(p, rows, named):
                missing.add("%s: %s" % (e.get("event_type"), p))
    return sorted(missing)


def main():
    rows = doc_rows()
    named = {t for toks in rows for t in toks}
    with open(DOC) as f:
        text = f.read()
    captures = sorted(glob.glob(os.path.join(evelib.TOP, "pcaps", "**", "*.pcap*"),
                                recursive=True))
    captures = [c for c in captures if ".inner." not in c and "bad_" not in c]
    fields = {}
    with tempfile.TemporaryDirectory() as tmp:
        eve = os.path.join(tmp, "eve.json")
        # One run, every capture in turn: nDPI starts once.
        args = ["-q", "--rules", os.path.join(evelib.TOP, "rules"), "--eve", eve]
        for c in captures:
            args += ["-r", c]
        evelib.run_espvis(args, check=False)
        for e in evelib.read_eve(eve):
            et = e.get("event_type")
            for p in leaves(e):
                fields.setdefault(et, set()).add(p)
    missing = []
    for et in sorted(fields):
        if "### `%s`" % et not in text:
            missing.append("event_type %s has no section" % et)
        for p in sorted(fields[et]):
            if not documented(p, rows, named):
                missing.append("%s: %s" % (et, p))
    n = sum(len(v) for v in fields.values())
    if missing:
        print("FAIL: not described in docs/eve.md:\n  " + "\n  ".join(missing))
        sys.exit(1)
    print("eve doc: %d event types, %d field paths from %d captures, all "
          "described" % (len(fields), n, len(captures)))


if __name__ == "__main__":
    main()
