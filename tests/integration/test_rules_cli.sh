#!/bin/sh
# Rules on the command line: --check-rules on the shipped set (OK) and on
# broken files (exit 1, FILE:LINE:COL: REASON per error), --rules with a
# good and a bad set, and what happens without --rules.
top=$(cd "$(dirname "$0")/../.." && pwd)
ESPVIS=${ESPVIS:-$top/build/espvis}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

# check WANT-STATUS WANT-STDOUT WANT-STDERR-LINE PATH...: --check-rules.
check() {
	want=$1 out=$2 errline=$3
	shift 3
	args=
	for p in "$@"; do args="$args --check-rules $p"; done
	# shellcheck disable=SC2086
	"$ESPVIS" $args >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: --check-rules $*: exit $got, want $want"
		cat "$tmp/out" "$tmp/err"; fail=1; return
	fi
	if [ -n "$out" ] && [ "$(cat "$tmp/out")" != "$out" ]; then
		echo "FAIL: --check-rules $*: stdout '$(cat "$tmp/out")', want '$out'"
		fail=1; return
	fi
	if [ -n "$errline" ] && ! grep -qxF -- "$errline" "$tmp/err"; then
		echo "FAIL: --check-rules $*: stderr lacks the line '$errline':"
		cat "$tmp/err"; fail=1; return
	fi
	echo "ok: --check-rules $* -> $got"
}

# The shipped set, whole and file by file.
n=$(grep -c '^- id:' "$top"/rules/*.yaml | awk -F: '{s += $2} END {print s}')
check 0 "$n rules OK (1 disabled)" "" "$top/rules"
for f in "$top"/rules/*.yaml; do
	check 0 "" "" "$f"
	grep -q 'rules OK' "$tmp/out" || { echo "FAIL: $f: no 'rules OK'"; fail=1; }
done
[ -s "$tmp/err" ] && { echo "FAIL: a good check wrote to stderr"; fail=1; }

# Broken files: each error on its own line, nothing on stdout.
printf -- '- id: 1\n  msg: m\n  action: alert\n  match:\n    app: Telnt\n' >"$tmp/app.yaml"
check 1 "" "$tmp/app.yaml:5:10: unknown app 'Telnt': not an nDPI 4.2 protocol name (ndpiReader -a 0 lists them)" "$tmp/app.yaml"
[ -s "$tmp/out" ] && { echo "FAIL: a failed check wrote to stdout"; fail=1; }

printf -- '- id: 1\n  msg: [unclosed\n' >"$tmp/syntax.yaml"
check 1 "" "$tmp/syntax.yaml:3:1: did not find expected ',' or ']' (while parsing a flow sequence)" "$tmp/syntax.yaml"

printf -- '- id: 2\n  msg: m\n  action: alert\n  severity: 7\n  match:\n    dest_port: 80-20\n' >"$tmp/two.yaml"
printf -- '- id: 3\n  msg: m\n  action: block\n' >>"$tmp/two.yaml"
check 1 "" "$tmp/two.yaml:4:13: 7 is out of range 1..4" "$tmp/two.yaml"
grep -qxF "$tmp/two.yaml:9:11: expected alert, drop or pass, got 'block'" "$tmp/err" ||
	{ echo "FAIL: the second error of two.yaml is missing:"; cat "$tmp/err"; fail=1; }
[ "$(wc -l <"$tmp/err")" -eq 2 ] || { echo "FAIL: want 2 error lines"; cat "$tmp/err"; fail=1; }

: >"$tmp/empty.yaml"
check 1 "" "$tmp/empty.yaml:1:1: empty file: expected a list of rules" "$tmp/empty.yaml"

# Ids are unique across the files of a directory (and of several paths).
mkdir "$tmp/dir"
printf -- '- {id: 9, msg: a, action: alert}\n' >"$tmp/dir/a.yaml"
printf -- '- {id: 10, msg: b, action: alert}\n- {id: 9, msg: c, action: pass}\n' >"$tmp/dir/b.yaml"
check 1 "" "$tmp/dir/b.yaml:2:8: duplicate rule id 9 (first at $tmp/dir/a.yaml:1:8)" "$tmp/dir"
rm "$tmp/dir/b.yaml"
check 0 "1 rules OK" "" "$tmp/dir"
check 1 "" "$tmp/dir/a.yaml: the same file is given twice (first as $tmp/dir/a.yaml)" "$tmp/dir" "$tmp/dir/a.yaml"
cp "$tmp/dir/a.yaml" "$tmp/copy.yaml"
check 1 "" "$tmp/copy.yaml:1:8: duplicate rule id 9 (first at $tmp/dir/a.yaml:1:8)" "$tmp/dir" "$tmp/copy.yaml"

check 1 "" "$tmp/missing.yaml: No such file or directory" "$tmp/missing.yaml"

# --rules: a good set runs; a bad one stops espvis before reading (exit 2).
"$ESPVIS" -q -r "$top/pcaps/demo.pcap" --rules "$top/rules" --eve "$tmp/e.json" ||
	{ echo "FAIL: run with the shipped rules"; fail=1; }
grep -q '"event_type":"stats"' "$tmp/e.json" || { echo "FAIL: no stats event"; fail=1; }
python3 "$top/tests/integration/evelib.py" accounting "$tmp/e.json" || fail=1
"$ESPVIS" -q -r "$top/pcaps/demo.pcap" --rules "$tmp/app.yaml" --eve "$tmp/e2.json" 2>"$tmp/err"
[ $? -eq 2 ] || { echo "FAIL: a bad --rules set should exit 2"; fail=1; }
grep -qF "espvis: $tmp/app.yaml:5:10: unknown app 'Telnt'" "$tmp/err" ||
	{ echo "FAIL: bad --rules message:"; cat "$tmp/err"; fail=1; }
[ -e "$tmp/e2.json" ] && { echo "FAIL: outputs opened despite bad rules"; fail=1; }

# Without --rules: the installed set, or one notice that there is none.
default=$("$ESPVIS" --help | sed -n 's/^ *\(\/.*\/share\/espvis\/rules\))$/\1/p')
[ -n "$default" ] || { echo "FAIL: --help does not name the default rules"; fail=1; }
"$ESPVIS" -r "$top/pcaps/demo.pcap" --eve /dev/null 2>"$tmp/err" || fail=1
if [ -d "$default" ]; then
	grep -q 'no rules loaded' "$tmp/err" &&
		{ echo "FAIL: $default exists but espvis says no rules"; fail=1; }
else
	[ "$(grep -c "no rules loaded: $default does not exist" "$tmp/err")" -eq 1 ] ||
		{ echo "FAIL: want one 'no rules' notice:"; cat "$tmp/err"; fail=1; }
fi
"$ESPVIS" -q -r "$top/pcaps/demo.pcap" --eve /dev/null 2>"$tmp/err" || fail=1
[ -s "$tmp/err" ] && { echo "FAIL: -q printed:"; cat "$tmp/err"; fail=1; }

[ $fail -eq 0 ] && echo "rules cli: all passed"
exit $fail
