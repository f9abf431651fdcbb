"""--no-ndpi and --eve none (docs/espvis.8): the benchmark's row (b), and a
sensor that wants the SA verdicts and the inner stream without the cost of
application detection or of events.

--no-ndpi: the same SAs and the same inner flows (tuples, counts, end
reasons) as with nDPI, each `flow` event without `app_proto`; nDPI is fed
nothing (stats.ndpi.pkts 0); rules with an `app` condition never match,
not even `app: Unknown`, while a port rule on the same flows still fires,
once per flow, at its first packet.  The configuration key dpi.enabled:
false does the same, and so do two workers.

--eve none: no event anywhere (standard output empty, no eve.json under
-l), the same summary on standard error and the same -w stream, byte for
byte, as with events; outputs.eve.dest: none in the file does the same.
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evelib  # noqa: E402

TOP = evelib.TOP
APPS = os.path.join(TOP, "pcaps/gen/apps_transport.pcap")
DEMO = os.path.join(TOP, "pcaps/demo.pcap")

RULES = """\
- id: 9001
  msg: "Telnet by app"
  action: alert
  severity: 1
  match: {esp: "null", app: Telnet}
- id: 9002
  msg: "any flow nDPI could not name"
  action: alert
  severity: 3
  match: {esp: "null", app: Unknown}
- id: 9003
  msg: "Telnet by port"
  action: alert
  severity: 2
  match: {esp: "null", dest_port: 23}
"""


def run(tmp, name, capture, extra):
    eve = os.path.join(tmp, name + ".json")
    evelib.run_espvis(["-q", "-r", capture, "--eve", eve] + extra)
    return evelib.read_eve(eve)


def flows_of(events, drop_app=False):
    out = []
    for e in events:
        if e["event_type"] != "flow":
            continue
        e = dict(e)
        if drop_app:
            e.pop("app_proto", None)
        out.append(json_key(e))
    return sorted(out)


def json_key(e):
    return json.dumps(e, sort_keys=True)


def esp_of(events):
    return sorted(json_key(e) for e in events if e["event_type"] == "esp")


def alerts_of(events):
    return sorted((a["alert"]["signature_id"], a.get("dest_port"),
                   a.get("app_proto")) for a in events
                  if a["event_type"] == "alert")


def main():
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, "rules.yaml")
        with open(rules, "w") as f:
            f.write(RULES)
        on = run(tmp, "on", APPS, ["--rules", rules])
        off = run(tmp, "off", APPS, ["--rules", rules, "--no-ndpi"])
        cfg = os.path.join(tmp, "off.yaml")
        with open(cfg, "w") as f:
            f.write("dpi:\n  enabled: false\n")
        off_cfg = run(tmp, "offcfg", APPS, ["--rules", rules, "-c", cfg])
        off_w2 = run(tmp, "offw2", APPS, ["--rules", rules, "--no-ndpi",
                                          "--workers", "2"])

        # The flows are all there, named by nDPI only when it runs.
        if not any(e["event_type"] == "flow" for e in on):
            errors.append("apps_transport: no flow events at all")
        if not all("app_proto" in e for e in on if e["event_type"] == "flow"):
            errors.append("with nDPI every flow event has app_proto")
        if any("app_proto" in e for e in off if e["event_type"] == "flow"):
            errors.append("--no-ndpi: a flow event has app_proto")
        if flows_of(on, drop_app=True) != flows_of(off):
            errors.append("--no-ndpi changed the flows (beyond app_proto)")
        if esp_of(on) != esp_of(off):
            errors.append("--no-ndpi changed the esp events")
        st_on, st_off = evelib.final_stats(on), evelib.final_stats(off)
        if st_on["ndpi"]["pkts"] == 0:
            errors.append("with nDPI, stats.ndpi.pkts is 0")
        if st_off["ndpi"]["pkts"] != 0 or st_off["ndpi"]["detected"] != 0:
            errors.append("--no-ndpi fed nDPI: %r" % st_off["ndpi"])
        if st_on["flow"] != st_off["flow"]:
            errors.append("flow stats differ: %r / %r"
                          % (st_on["flow"], st_off["flow"]))

        # Rules: app conditions need nDPI; ports do not.
        a_on, a_off = alerts_of(on), alerts_of(off)
        if (9001, 23, "Telnet") not in a_on:
            errors.append("with nDPI, the Telnet app rule did not fire: %r"
                          % a_on)
        if [a for a in a_off if a[0] in (9001, 9002)]:
            errors.append("--no-ndpi: an app rule fired: %r" % a_off)
        if a_off != [(9003, 23, None)]:
            errors.append("--no-ndpi: want the port rule once, without "
                          "app_proto, got %r" % a_off)
        port_on = [a for a in on if a["event_type"] == "alert" and
                   a["alert"]["signature_id"] == 9003]
        port_off = [a for a in off if a["event_type"] == "alert"]
        first = [e for e in off if e["event_type"] == "flow" and
                 e.get("dest_port") == 23]
        if port_off and first and \
                port_off[0]["timestamp"] != first[0]["flow"]["start"]:
            errors.append("--no-ndpi: the port rule must fire on the "
                          "flow's first packet (%s), fired at %s"
                          % (first[0]["flow"]["start"],
                             port_off[0]["timestamp"]))
        if len(port_on) != 1:
            errors.append("with nDPI the port rule fired %d times"
                          % len(port_on))
        for name, evs in (("dpi.enabled: false", off_cfg),
                          ("--no-ndpi --workers 2", off_w2)):
            if flows_of(evs) != flows_of(off) or \
                    alerts_of(evs) != alerts_of(off):
                errors.append("%s differs from --no-ndpi" % name)

        # --eve none: nothing written, the same summary and -w stream.
        w1, w2 = os.path.join(tmp, "w1.pcap"), os.path.join(tmp, "w2.pcap")
        p1 = evelib.run_espvis(["-r", DEMO, "--eve", os.path.join(
            tmp, "e.json"), "-w", w1, "--rules", rules])
        p2 = evelib.run_espvis(["-r", DEMO, "--eve", "none", "-w", w2,
                                "--rules", rules])
        if p2.stdout != "":
            errors.append("--eve none wrote to stdout: %r" % p2.stdout[:200])
        # The counters' line and the skipped reasons are the same; the
        # summary's tables are counted from events, and none were made.
        def counters(err):
            return [l for l in err.splitlines()
                    if "packets read" in l or l.lstrip().startswith("skipped")]
        if counters(p1.stderr) != counters(p2.stderr) or \
                "packets read" not in p2.stderr:
            errors.append("--eve none: summary %r, want %r"
                          % (p2.stderr, p1.stderr))
        with open(w1, "rb") as f1, open(w2, "rb") as f2:
            b1, b2 = f1.read(), f2.read()
        if b1 != b2 or len(evelib.read_pcap(w1)[1]) == 0:
            errors.append("--eve none changed the -w stream")
        logs = os.path.join(tmp, "logs")
        os.mkdir(logs)
        evelib.run_espvis(["-q", "-r", DEMO, "-l", logs, "--eve", "none"])
        if sorted(os.listdir(logs)) != ["inner.pcap"]:
            errors.append("-l DIR --eve none: want only inner.pcap, got %r"
                          % sorted(os.listdir(logs)))
        none_cfg = os.path.join(tmp, "none.yaml")
        with open(none_cfg, "w") as f:
            f.write("outputs:\n  eve:\n    dest: none\n")
        p3 = evelib.run_espvis(["-q", "-r", DEMO, "-c", none_cfg])
        if p3.stdout != "" or p3.stderr != "":
            errors.append("outputs.eve.dest: none still wrote: %r %r"
                          % (p3.stdout[:200], p3.stderr[:200]))
        p4 = evelib.run_espvis(["-q", "-r", DEMO, "-c", none_cfg, "--eve",
                                "-"])
        if '"event_type":"stats"' not in p4.stdout:
            errors.append("--eve - must override outputs.eve.dest: none")
        bad = os.path.join(tmp, "bad.yaml")
        with open(bad, "w") as f:
            f.write("dpi:\n  enabled: maybe\n")
        p5 = evelib.run_espvis(["-q", "-r", DEMO, "-c", bad], check=False)
        if p5.returncode != 2 or "enabled" not in p5.stderr and \
                "bad.yaml" not in p5.stderr:
            errors.append("dpi.enabled: maybe: exit %d, %r"
                          % (p5.returncode, p5.stderr))

    for e in errors:
        print("FAIL: " + e)
    if errors:
        return 1
    print("ok: --no-ndpi and --eve none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
