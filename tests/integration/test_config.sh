#!/bin/sh
# The configuration file (-c): the shipped example runs as is, the file's
# settings take effect, the command line overrides them, and a bad file
# stops espvis (exit 2) with FILE:LINE:COL: REASON before any output.
top=$(cd "$(dirname "$0")/../.." && pwd)
ESPVIS=${ESPVIS:-$top/build/espvis}
demo=$top/pcaps/demo.pcap
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

# Every stats event of an EVE file balances (tests/integration/evelib.py).
accounting() {
	python3 "$top/tests/integration/evelib.py" accounting "$@" || fail=1
}

# The stats event's "sa" object of an EVE file.
sa_stats() {
	grep '"event_type":"stats"' "$1" | grep -o '"sa":{[^}]*}'
}

# The example configuration: every key at its default, events on stdout.
"$ESPVIS" -c "$top/docs/espvis.yaml" -r "$demo" --rules "$top/rules" \
    >"$tmp/out" 2>"$tmp/err" || { echo "FAIL: -c docs/espvis.yaml"; cat "$tmp/err"; fail=1; }
grep -q '"event_type":"stats"' "$tmp/out" || { echo "FAIL: example: no EVE on stdout"; fail=1; }
grep -q '82 packets read' "$tmp/err" || { echo "FAIL: example: no summary"; cat "$tmp/err"; fail=1; }
accounting "$tmp/out"
"$ESPVIS" -q -r "$demo" --rules "$top/rules" >"$tmp/plain" 2>/dev/null
[ "$(sa_stats "$tmp/out")" = "$(sa_stats "$tmp/plain")" ] ||
	{ echo "FAIL: the example config changes the result"; fail=1; }

# The file's settings act: a table of one SA evicts; quiet; outputs.
cat >"$tmp/small.yaml" <<EOF
quiet: true
rules: []
detect:
  max_sas: 1
outputs:
  log_dir: $tmp/logs
  inner:
    linktype: raw
EOF
mkdir "$tmp/logs"
"$ESPVIS" -c "$tmp/small.yaml" -r "$demo" 2>"$tmp/err" || { echo "FAIL: small.yaml run"; fail=1; }
[ -s "$tmp/err" ] && { echo "FAIL: quiet: true still printed:"; cat "$tmp/err"; fail=1; }
sa_stats "$tmp/logs/eve.json" | grep -q '"evicted":49' ||
	{ echo "FAIL: max_sas: 1 did not evict: $(sa_stats "$tmp/logs/eve.json")"; fail=1; }
accounting "$tmp/logs/eve.json"
# pcap header: link type at offset 20, LINKTYPE_RAW is 101.
[ "$(od -An -tu4 -j20 -N4 "$tmp/logs/inner.pcap" | tr -d ' ')" = 101 ] ||
	{ echo "FAIL: linktype: raw not used"; fail=1; }

# The command line overrides the file, key by key.
rm -f "$tmp/logs/"*
"$ESPVIS" -c "$tmp/small.yaml" -r "$demo" --max-sas 100 \
    --inner-linktype ethernet --eve "$tmp/cli.json" || fail=1
sa_stats "$tmp/cli.json" | grep -q '"created":4,.*"evicted":0' ||
	{ echo "FAIL: --max-sas did not override: $(sa_stats "$tmp/cli.json")"; fail=1; }
accounting "$tmp/cli.json"
[ -e "$tmp/logs/eve.json" ] && { echo "FAIL: --eve did not override log_dir's eve.json"; fail=1; }
[ "$(od -An -tu4 -j20 -N4 "$tmp/logs/inner.pcap" | tr -d ' ')" = 1 ] ||
	{ echo "FAIL: --inner-linktype did not override (or inner.pcap not in log_dir)"; fail=1; }

# -l on the command line beats the file's eve destination.
printf 'outputs:\n  eve:\n    dest: %s/file.json\n' "$tmp" >"$tmp/dest.yaml"
mkdir "$tmp/cli-logs"
"$ESPVIS" -q -c "$tmp/dest.yaml" -r "$demo" -l "$tmp/cli-logs" || fail=1
[ -s "$tmp/cli-logs/eve.json" ] && [ ! -e "$tmp/file.json" ] ||
	{ echo "FAIL: -l did not override outputs.eve.dest"; fail=1; }
"$ESPVIS" -q -c "$tmp/dest.yaml" -r "$demo" || fail=1
[ -s "$tmp/file.json" ] || { echo "FAIL: outputs.eve.dest not used"; fail=1; }

# The file's rules are used, and --rules replaces them.
printf -- '- {id: 1, msg: m, action: alert, match: {app: Nope}}\n' >"$tmp/bad-rules.yaml"
printf 'rules: %s\n' "$tmp/bad-rules.yaml" >"$tmp/rules.yaml"
"$ESPVIS" -q -c "$tmp/rules.yaml" -r "$demo" --eve /dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -qF "$tmp/bad-rules.yaml:1:47: unknown app 'Nope'" "$tmp/err" ||
	{ echo "FAIL: the file's rules were not loaded:"; cat "$tmp/err"; fail=1; }
"$ESPVIS" -q -c "$tmp/rules.yaml" --rules "$top/rules" -r "$demo" --eve /dev/null ||
	{ echo "FAIL: --rules did not replace the file's rules"; fail=1; }

# nfq: the file's settings meet the command line's checks, and the
# command line overrides them (test_nfq.sh runs a queue from a file).
printf 'nfq:\n  undecided: hold\n  maxlen: 4\n' >"$tmp/nfq.yaml"
"$ESPVIS" -q -c "$tmp/nfq.yaml" --nfq 0 --nfq-hold 3 2>"$tmp/err"
[ $? -eq 2 ] && grep -qF "at most half the queue length (--nfq-maxlen 4)" "$tmp/err" ||
	{ echo "FAIL: nfq: undecided, maxlen not taken from the file:"; cat "$tmp/err"; fail=1; }
"$ESPVIS" -q -c "$tmp/nfq.yaml" --nfq 0 --nfq-undecided accept --nfq-hold 2 2>"$tmp/err"
[ $? -eq 2 ] && grep -qF "need --nfq-undecided hold" "$tmp/err" ||
	{ echo "FAIL: --nfq-undecided did not override nfq.undecided:"; cat "$tmp/err"; fail=1; }

# Errors: exit 2, one line FILE:LINE:COL: REASON, no output opened.
printf 'detect:\n  max_sas: 5\n  sa_timout: 10\n' >"$tmp/bad.yaml"
"$ESPVIS" -c "$tmp/bad.yaml" -r "$demo" --eve "$tmp/never.json" 2>"$tmp/err"
[ $? -eq 2 ] || { echo "FAIL: bad config: want exit 2"; fail=1; }
[ "$(cat "$tmp/err")" = "espvis: $tmp/bad.yaml:3:3: unknown key 'sa_timout'" ] ||
	{ echo "FAIL: bad config message:"; cat "$tmp/err"; fail=1; }
[ -e "$tmp/never.json" ] && { echo "FAIL: output opened despite a bad config"; fail=1; }
printf 'detect:\n  max_sas: lots\n' >"$tmp/bad.yaml"
"$ESPVIS" --config "$tmp/bad.yaml" -r "$demo" 2>"$tmp/err"
[ $? -eq 2 ] && grep -qF "$tmp/bad.yaml:2:12: expected an integer, got 'lots'" "$tmp/err" ||
	{ echo "FAIL: --config type error:"; cat "$tmp/err"; fail=1; }
"$ESPVIS" -c "$tmp/none.yaml" -r "$demo" 2>"$tmp/err"
[ $? -eq 2 ] && grep -qF "$tmp/none.yaml: No such file or directory" "$tmp/err" ||
	{ echo "FAIL: missing config:"; cat "$tmp/err"; fail=1; }

[ $fail -eq 0 ] && echo "config: all passed"
exit $fail
