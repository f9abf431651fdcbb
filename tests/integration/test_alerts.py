"""Alerts from the shipped rules on the project's captures.

apps_transport carries Telnet, FTP, POP3 and IMAP sessions inside
ESP-NULL: each must raise its cleartext-credentials rule exactly once (one
alert per flow and rule), with the flow's inner tuple and nDPI app; the
demo capture's two encrypted SAs must each raise the "cannot be
inspected" policy rule once, with the SA's outer tuple; the counts in the
stats event must agree.  Without --rules no alert is raised.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evelib  # noqa: E402

TOP = evelib.TOP
RULES = os.path.join(TOP, "rules")


def alerts_of(capture, extra=()):
    with tempfile.TemporaryDirectory() as tmp:
        eve = os.path.join(tmp, "eve.json")
        evelib.run_espvis(["-q", "-r", os.path.join(TOP, capture),
                           "--eve", eve] + list(extra))
        events = evelib.read_eve(eve)
    alerts = [e for e in events if e["event_type"] == "alert"]
    return alerts, evelib.final_stats(events)


def main():
    errors = []
    alerts, stats = alerts_of("pcaps/gen/apps_transport.pcap",
                              ["--rules", RULES])
    got = sorted((a["alert"]["signature_id"], a["dest_port"], a["app_proto"],
                  a["alert"]["action"]) for a in alerts)
    want = [(1001, 23, "Telnet", "allowed"), (1002, 21, "FTP_CONTROL", "allowed"),
            (1003, 110, "POP3", "allowed"), (1004, 143, "IMAP", "allowed")]
    if got != want:
        errors.append("apps_transport alerts %r, want %r" % (got, want))
    for a in alerts:
        if a["proto"] != "TCP" or a["esp"]["verdict"] != "null":
            errors.append("alert without inner TCP tuple or SA: %r" % a)
    if stats["rules"]["alerts"] != len(alerts):
        errors.append("stats.rules.alerts %d, %d alert events"
                      % (stats["rules"]["alerts"], len(alerts)))

    alerts, stats = alerts_of("pcaps/demo.pcap", ["--rules", RULES])
    got = sorted((a["alert"]["signature_id"], a["esp"]["spi"]) for a in alerts)
    want = [(3001, 1484836375), (3001, 3385322030)]
    if got != want:
        errors.append("demo alerts %r, want %r" % (got, want))
    if any(a["proto"] != "UDP" or a["dest_port"] != 4500 for a in alerts):
        errors.append("SA-level alerts must carry the outer UDP tuple")

    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as empty:
        empty.write("[]\n")
        empty.flush()
        alerts, stats = alerts_of("pcaps/gen/apps_transport.pcap",
                                  ["--rules", empty.name])
    if alerts or stats["rules"]["loaded"] != 0:
        errors.append("alerts with an empty rule set: %d" % len(alerts))

    for e in errors:
        print("FAIL " + e)
    print("alerts: %d failures" % len(errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
