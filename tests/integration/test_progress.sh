#!/bin/sh
# Reading files on a terminal: a progress line on stderr (\r, percent,
# packets/s, ETA), redrawn a few times a second at most, erased before
# the summary table; silent without a terminal, with -q, and when the
# events themselves go to the terminal.  The summary's SA count is the
# eve.json's, and its rows are those `espvis report --summary` reads
# back from the eve.json.  A terminal comes from script(1).
top=$(cd "$(dirname "$0")/../.." && pwd)
espvis=${ESPVIS:-$top/build/espvis}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
command -v script >/dev/null || { echo "script(1) not installed"; exit 77; }
cc -O2 -o "$tmp/gen_bench" "$top/bench/gen_bench.c" || exit 1
"$tmp/gen_bench" -n 20000 -t 50 -c 200 -o "$tmp/b.pcap" >/dev/null || exit 1
in="-r $tmp/b.pcap -r $tmp/b.pcap -r $tmp/b.pcap --rules $top/rules"

# On a terminal.
start=$(date +%s.%N)
script -qec "$espvis $in --eve $tmp/e.json" "$tmp/ts" >/dev/null ||
	bad "espvis on a terminal: exit $?"
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')
tr '\r' '\n' <"$tmp/ts" >"$tmp/lines"
grep -q '^espvis: [0-9.]* [kMG]\?B of [0-9.]* [kMG]\?B ([0-9]*%), [0-9]* packets, [0-9]* packets/s, ETA ' "$tmp/lines" ||
	{ bad "no progress line on the terminal:"; cat -A "$tmp/ts" | head; }
draws=$(grep -c 'packets/s, ETA' "$tmp/lines")
max=$(awk -v s="$secs" 'BEGIN {printf "%d", s * 4 + 2}')
[ "$draws" -le "$max" ] || bad "$draws redraws in ${secs}s: more than 4 a second"
grep -q '^espvis: 60000 packets read' "$tmp/lines" || bad "no summary first line"
for row in '  time  ' '  SAs  *by method  *null  *encrypted  *undecided' \
    '  *heuristic  *[0-9]' '  flows  *[0-9]* inner flows' '  *DNS  *[0-9]* flows' \
    '  alerts  *[0-9]' '  skipped  *not_ipsec [0-9]'; do
	grep -q "^$row" "$tmp/lines" || { bad "summary lacks '$row':"; cat "$tmp/lines"; }
done
# The table counts what eve.json holds.
ends=$(grep -c '"event":"end"' "$tmp/e.json")
sas=$(sed -n 's/.*SAs: \([0-9]*\) null, \([0-9]*\) encrypted, \([0-9]*\) undecided.*/\1 \2 \3/p' "$tmp/lines" |
	awk '{print $1+$2+$3}')
[ "$ends" = "$sas" ] || bad "summary: $sas SAs, eve.json: $ends end events"
cells=$(grep '^  *\(heuristic\|wesp\|none\)  ' "$tmp/lines" | awk '{s+=$2+$3+$4} END {print s}')
[ "$cells" = "$ends" ] || bad "SA table adds up to $cells, eve.json has $ends"

# The run counts its events from the reports it formats them from, and
# `espvis report` from their JSON: both must give the same rows, with one
# worker and with two (a tally each, added up at the end).
for w in 1 2; do
	rm -f "$tmp/ew.json"
	$espvis $in --workers $w --eve "$tmp/ew.json" 2>"$tmp/errw" ||
		bad "espvis --workers $w: exit $?"
	sed -n '/^  SAs /,$p' "$tmp/errw" | grep -v '^  skipped ' >"$tmp/run.rows"
	grep -q 'inner flows' "$tmp/run.rows" && grep -q '^  alerts  *[1-9]' "$tmp/run.rows" ||
		{ bad "--workers $w: summary without flows or alerts:"; cat "$tmp/errw"; }
	"$espvis" report -q --summary "$tmp/ew.json" >"$tmp/rep.rows" ||
		bad "espvis report --summary: exit $?"
	cmp -s "$tmp/run.rows" "$tmp/rep.rows" ||
		{ bad "--workers $w: the summary and espvis report --summary differ:"; diff "$tmp/run.rows" "$tmp/rep.rows"; }
done

# Not a terminal: the summary, no progress.
$espvis $in --eve "$tmp/e2.json" 2>"$tmp/err" || bad "espvis to a file: exit $?"
grep -q "$(printf '\r')" "$tmp/err" && bad "progress written to a file"
grep -q '^espvis: 60000 packets read' "$tmp/err" || bad "no summary when stderr is a file"
grep -q 'by method' "$tmp/err" || bad "no SA table when stderr is a file"

# -q on a terminal: nothing at all.
script -qec "$espvis $in --eve $tmp/e3.json -q" "$tmp/tsq" >/dev/null
grep -q 'packets' "$tmp/tsq" && { bad "-q still prints:"; cat "$tmp/tsq"; }

# Events on the terminal: no progress line drawn over them.
script -qec "$espvis $in -q --eve - >/dev/null; $espvis -r $tmp/b.pcap --rules $top/rules" "$tmp/tss" >/dev/null
grep -q 'ETA' "$tmp/tss" && bad "progress drawn over events on the terminal"

# A pipe: packets and rate, no percentage.
script -qec "cat $tmp/b.pcap | $espvis -r - --rules $top/rules --eve $tmp/e4.json" "$tmp/tsp" >/dev/null
tr '\r' '\n' <"$tmp/tsp" | grep -q '^espvis: [0-9]* packets, [0-9]* packets/s *$' ||
	{ bad "no progress line for a pipe:"; cat -A "$tmp/tsp" | head -5; }

[ $fail -eq 0 ] && echo "progress and summary: ok"
exit $fail
