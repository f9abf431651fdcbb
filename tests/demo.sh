#!/bin/sh
# `make demo`: run espvis on the bundled capture and show what it found.
espvis=${1:-build/espvis}
top=$(cd "$(dirname "$0")/.." && pwd)
capture="$top/pcaps/demo.pcap"
out=$(mktemp -d "${TMPDIR:-/tmp}/espvis-demo.XXXXXX") || exit 1
echo "== espvis -r pcaps/demo.pcap --rules rules -l $out"
"$espvis" -r "$capture" --rules "$top/rules" -l "$out" || exit 1
echo
echo "== SAs found ($out/eve.json, event \"end\"):"
grep '"event":"end"' "$out/eve.json" | sed 's/"timestamp":"[^"]*",//'
echo
echo "== alerts from the default rules:"
grep '"event_type":"alert"' "$out/eve.json" | sed 's/"timestamp":"[^"]*",//'
echo
echo "== inner flows and their applications (nDPI):"
grep '"event_type":"flow"' "$out/eve.json" | sed 's/"timestamp":"[^"]*",//'
echo
echo "== decapsulated inner packets ($out/inner.pcap):"
if command -v tcpdump >/dev/null 2>&1; then
	tcpdump -n -r "$out/inner.pcap" 2>/dev/null | head -n 12
else
	echo "(install tcpdump to see them)"
fi
echo
echo "Outputs kept in $out"
