#!/bin/sh
# The command-line contract: help, version, bad arguments (exit 2 with one
# clear line), unreadable inputs (exit 1), -l, and outputs to stdout.
top=$(cd "$(dirname "$0")/../.." && pwd)
ESPVIS=${ESPVIS:-$top/build/espvis}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

# Every stats event of an EVE file balances (tests/integration/evelib.py).
accounting() {
	python3 "$top/tests/integration/evelib.py" accounting "$@" || fail=1
}

# expect STATUS PATTERN-ON-STDERR ARGS...
expect() {
	want=$1 pattern=$2
	shift 2
	"$ESPVIS" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: espvis $*: exit $got, want $want"; cat "$tmp/err"; fail=1
	elif [ -n "$pattern" ] && ! grep -q -- "$pattern" "$tmp/err"; then
		echo "FAIL: espvis $*: stderr lacks '$pattern':"; cat "$tmp/err"; fail=1
	else
		echo "ok: espvis $* -> $got"
	fi
}

expect 0 "" --help
grep -q 'usage: espvis -r FILE' "$tmp/out" || { echo "FAIL: --help text"; fail=1; }
expect 0 "" --version
grep -q '^espvis [0-9]' "$tmp/out" || { echo "FAIL: --version text"; fail=1; }
expect 2 "nothing to read"
expect 2 "unrecognized option" --no-such-option
expect 2 "unexpected argument" -r x.pcap extra
expect 2 "expected ethernet or raw" -r x.pcap --inner-linktype ppp
expect 2 "expected an integer" -r x.pcap --max-sas 0
expect 2 "expected an integer" -r x.pcap --sa-timeout -5
expect 2 "not a directory" -r x.pcap -l "$tmp/none"
expect 2 "eve" -r x.pcap --eve "$tmp/none/eve.json"
expect 2 "-w" -r x.pcap -w "$tmp/none/inner.pcap" --eve "$tmp/e.json"

# Unreadable inputs: exit 1, one line naming the file, stats still written.
# (--rules: without it a missing installed rule set adds a notice line.)
expect 1 "$tmp/missing.pcap" -r "$tmp/missing.pcap" --eve "$tmp/e1.json" \
    --rules "$top/rules"
[ "$(wc -l <"$tmp/err")" -eq 2 ] || { echo "FAIL: want error + summary lines"; cat "$tmp/err"; fail=1; }
grep -q '"event_type":"stats"' "$tmp/e1.json" || { echo "FAIL: no stats event"; fail=1; }
accounting "$tmp/e1.json"
expect 1 "is a directory" -r "$tmp" --eve "$tmp/e2.json"
printf 'this is not a capture file at all\n' >"$tmp/text.pcap"
expect 1 "text.pcap" -r "$tmp/text.pcap" --eve "$tmp/e3.json"
: >"$tmp/empty.pcap"
expect 1 "empty.pcap" -r "$tmp/empty.pcap" --eve "$tmp/e4.json"
for e in e2 e3 e4; do accounting "$tmp/$e.json"; done

# Default output is EVE on stdout; -q silences the summary.
"$ESPVIS" -r "$top/pcaps/demo.pcap" >"$tmp/out" 2>"$tmp/err" || { echo "FAIL: demo run"; fail=1; }
grep -q '"event_type":"stats"' "$tmp/out" || { echo "FAIL: no EVE on stdout"; fail=1; }
accounting "$tmp/out"
grep -q 'packets read' "$tmp/err" || { echo "FAIL: no summary"; fail=1; }
"$ESPVIS" -q -r "$top/pcaps/demo.pcap" >"$tmp/out" 2>"$tmp/err"
[ -s "$tmp/err" ] && { echo "FAIL: -q printed:"; cat "$tmp/err"; fail=1; }

# -l DIR gives eve.json and inner.pcap there.
mkdir "$tmp/logs"
"$ESPVIS" -q -r "$top/pcaps/demo.pcap" -l "$tmp/logs" || fail=1
[ -s "$tmp/logs/eve.json" ] && [ -s "$tmp/logs/inner.pcap" ] ||
	{ echo "FAIL: -l did not write eve.json and inner.pcap"; fail=1; }

[ $fail -eq 0 ] && echo "cli: all passed"
exit $fail
