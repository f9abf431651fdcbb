#!/bin/sh
# The -w stream read by real consumers while espvis writes it:
#   espvis -w FIFO   -> tcpdump -nn -q -r - (reading the FIFO on stdin)
#   espvis -w FIFO   -> tshark -r - (ip/ipv6 source and destination)
#   espvis -w -      | tcpdump -nn -q -r -
# for a pcaps/gen capture of each mode and a strongSwan capture.  Each
# reader must print as many packets as espvis says it wrote (the final
# stats event's inner.written), and between each pair of inner addresses
# as many packets as espvis's `flow` events between them count.  Skipped (77) when tcpdump or tshark is missing
# (Debian: tcpdump tshark).
top=$(cd "$(dirname "$0")/../.." && pwd)
ESPVIS=${ESPVIS:-$top/build/espvis}
for tool in tcpdump tshark python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "skip: $tool is not installed"
		exit 77
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/espvis-consumers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
rc=0
checks=0

# check LABEL EVE OUTPUT FORMAT: compare a reader's output (FORMAT tcpdump
# or tshark) with the EVE.
check() {
	checks=$((checks + 1))
	python3 "$top/tests/integration/evelib.py" accounting "$2" || rc=1
	if ! python3 - "$1" "$2" "$3" "$4" <<'EOF'
import ipaddress, json, re, sys
label, eve, out, fmt = sys.argv[1:5]
events = [json.loads(l) for l in open(eve) if l.strip()]
stats = [e for e in events if e.get('event_type') == 'stats'][-1]['stats']
written = stats['inner']['written']
def norm(a):
    return ipaddress.ip_address(a).compressed
flows = {}
for e in events:
    if e.get('event_type') == 'flow':
        k = frozenset((norm(e['src_ip']), norm(e['dest_ip'])))
        flows[k] = flows.get(k, 0) + e['flow']['pkts_toserver'] + \
            e['flow']['pkts_toclient']
pairs = []
for line in open(out, errors='replace'):
    if fmt == 'tcpdump':
        m = re.search(r' IP6? (\S+) > (\S+): ', line)
        if not m:
            continue
        ends = []
        for a in m.groups():
            # "10.0.0.1.80" or "fd00::1.80": drop a port after the address
            try:
                ends.append(norm(a))
            except ValueError:
                ends.append(norm(a.rsplit('.', 1)[0]))
    else:
        f = line.rstrip('\n').split('\t')
        if len(f) < 4:
            continue
        ends = [norm(f[0]), norm(f[1])] if f[0] else \
            [norm(f[2]), norm(f[3])]
    pairs.append(frozenset(ends))
bad = []
if len(pairs) != written:
    bad.append('%d packets, espvis wrote %d' % (len(pairs), written))
if written == 0:
    bad.append('espvis wrote no packets: nothing was tested')
seen = {}
for k in pairs:
    seen[k] = seen.get(k, 0) + 1
for k in sorted(set(seen) | set(flows), key=sorted):
    if seen.get(k, 0) != flows.get(k, 0):
        bad.append('%s: %d packets, espvis flows have %d' %
                   (' <-> '.join(sorted(k)), seen.get(k, 0),
                    flows.get(k, 0)))
print('%s %s: %d packets between %d address pairs%s' % (
    'FAIL' if bad else 'ok  ', label, len(pairs), len(seen),
    ': ' + '; '.join(bad[:4]) if bad else ''))
sys.exit(1 if bad else 0)
EOF
	then
		rc=1
	fi
}

# via_fifo CAPTURE LABEL READER...: espvis -w FIFO, the reader on the FIFO.
via_fifo() {
	cap=$1 label=$2
	shift 2
	rm -f "$tmp/fifo" "$tmp/eve.json" "$tmp/out"
	mkfifo "$tmp/fifo" || exit 1
	timeout 120 "$@" <"$tmp/fifo" >"$tmp/out" 2>"$tmp/err" &
	reader=$!
	if ! "$ESPVIS" -r "$cap" --eve "$tmp/eve.json" -w "$tmp/fifo" -q; then
		echo "FAIL $label: espvis failed"
		rc=1
		# Unblock a reader still waiting for a writer.
		# shellcheck disable=SC2016 # $1 is the inner shell's
		timeout 5 sh -c ': >"$1"' sh "$tmp/fifo"
	fi
	if ! wait "$reader"; then
		echo "FAIL $label: $1 failed: $(tail -n 3 "$tmp/err")"
		rc=1
		return
	fi
	check "$label" "$tmp/eve.json" "$tmp/out" "$1"
}

for cap in "$top/pcaps/gen/apps_tunnel.pcap" \
    "$top/pcaps/gen/apps_transport.pcap" \
    "$top/pcaps/strongswan/null-sha256.pcap"; do
	name=$(basename "$cap")
	via_fifo "$cap" "$name: FIFO -> tcpdump -r -" \
	    tcpdump -nn -q -r -
	via_fifo "$cap" "$name: FIFO -> tshark -r -" \
	    tshark -r - -T fields -E occurrence=f \
	    -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst
	rm -f "$tmp/eve.json"
	if ! "$ESPVIS" -r "$cap" --eve "$tmp/eve.json" -w - -q |
	    tcpdump -nn -q -r - >"$tmp/out" 2>"$tmp/err"; then
		echo "FAIL $name: -w - | tcpdump -r -: $(tail -n 3 "$tmp/err")"
		rc=1
	else
		check "$name: -w - | tcpdump -r -" "$tmp/eve.json" "$tmp/out" \
		    tcpdump
	fi
done

# A reader that leaves early (here one that closes the pipe at once) must
# not kill espvis: the run ends normally, with its final stats event and a
# note of what was lost.
cap="$top/pcaps/gen/apps_tunnel.pcap"
rm -f "$tmp/eve.json"
"$ESPVIS" -r "$cap" --eve "$tmp/eve.json" -w - -q 2>"$tmp/err" |
    sh -c 'exec 0<&-; sleep 1'
if ! grep -q '"event_type":"stats"' "$tmp/eve.json"; then
	echo "FAIL early reader: no final stats event (espvis killed?)"
	rc=1
elif ! grep -q 'the reader went away' "$tmp/err"; then
	echo "FAIL early reader: no note of the lost inner packets: $(cat "$tmp/err")"
	rc=1
fi
checks=$((checks + 1))
echo "consumers: $checks checks"
exit $rc
