#!/bin/sh
# The documentation points at things that exist: relative links in
# README.md and docs/*.md resolve; every src/ path named in
# docs/architecture.md and docs/rfc-support.md exists; every src/**/*.c
# is named in architecture.md; rfc-support.md covers each RFC the
# project implements or plans.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
fail=0
bad() { echo "FAIL: $*"; fail=1; }

for md in README.md docs/*.md; do
	dir=$(dirname "$md")
	for link in $(grep -o '](\([^)#:]*\))' "$md" | sed 's/^](\(.*\))$/\1/'); do
		[ -e "$dir/$link" ] || bad "$md links to $link, which does not exist"
	done
done
for md in docs/architecture.md docs/rfc-support.md; do
	for p in $(grep -o '`src/[^` ]*`' "$md" | tr -d '`' | sort -u); do
		[ -e "$p" ] || bad "$md names $p, which does not exist"
	done
done
for f in $(find src -name '*.c' | sort); do
	grep -q "\b$(basename "$f")\b" docs/architecture.md ||
		bad "docs/architecture.md does not name $f"
done
for rfc in 4303 3948 5840 5879 7296 7427 6290 4543 4106 4868 5282; do
	grep -q "^| $rfc " docs/rfc-support.md || bad "docs/rfc-support.md has no row for RFC $rfc"
done
# Every YAML example of the rule language is a valid rule file.
espvis=${ESPVIS:-$top/build/espvis}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
awk -v d="$tmp" '/^```yaml/ {n++; f = sprintf("%s/%02d.yaml", d, n); on = 1; next}
    /^```/ {on = 0} on {print > f}' docs/rules.md
n=0
for f in "$tmp"/*.yaml; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	"$espvis" --check-rules "$f" >/dev/null 2>"$tmp/err" ||
		{ bad "docs/rules.md example $(basename "$f" .yaml) is refused:"; cat "$tmp/err"; }
done
[ $n -gt 0 ] || bad "no yaml examples found in docs/rules.md"
[ $fail -eq 0 ] && echo "docs: links, file names and $n rule examples ok"
exit $fail
