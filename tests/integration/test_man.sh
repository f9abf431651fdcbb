#!/bin/sh
# The man pages format without a warning (groff and man-db), every option
# of --help is in espvis(8), every key of docs/espvis.yaml and every key
# the ike: and mgmt: loaders accept in espvis.yaml(5); --help and
# --version say what they should.
top=$(cd "$(dirname "$0")/../.." && pwd)
espvis=${ESPVIS:-$top/build/espvis}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
command -v groff >/dev/null && command -v man >/dev/null ||
	{ echo "groff or man not installed"; exit 77; }

for page in docs/espvis.8 docs/espvis.yaml.5; do
	groff -ww -z -mandoc "$top/$page" >"$tmp/warn" 2>&1
	MANWIDTH=80 man --warnings -l "$top/$page" 2>>"$tmp/warn" >"$tmp/text"
	if [ -s "$tmp/warn" ]; then
		echo "FAIL: $page has warnings:"; cat "$tmp/warn"; fail=1
	fi
	[ "$(wc -l <"$tmp/text")" -gt 40 ] ||
		{ echo "FAIL: man -l $page rendered almost nothing"; fail=1; }
done

# Every --long option of --help is described in espvis(8).
"$espvis" --help >"$tmp/help" || { echo "FAIL: --help exit status"; fail=1; }
grep -q '^usage: espvis -r FILE' "$tmp/help" || { echo "FAIL: --help usage line"; fail=1; }
for opt in $(grep -o -- '--[a-z][a-z-]*' "$tmp/help" | sort -u); do
	name=${opt#--}
	grep -q -- "^\.It Fl -$name\b\|Fl -$name\b" "$top/docs/espvis.8" ||
		{ echo "FAIL: $opt of --help is not in docs/espvis.8"; fail=1; }
done

# Every key of the example configuration (commented-out ones too) is in
# espvis.yaml(5), by its last component.
for key in $(sed -n 's/^[ #]*\([a-z_][a-z_]*\):.*/\1/p' "$top/docs/espvis.yaml" | sort -u); do
	case $key in decode|detect|flows|dpi|nfq|outputs|eve|inner|redis|ike|mgmt) continue;; esac
	grep -q "^\.It Cm \([a-z_.]*\.\)\?$key :" "$top/docs/espvis.yaml.5" ||
		{ echo "FAIL: key $key of docs/espvis.yaml is not in espvis.yaml(5)"; fail=1; }
done

# Every key the ike: and mgmt: loaders accept (the key tables of
# src/ike/ike_config.c and mgmt_config_load) is in espvis.yaml(5), so that
# the page cannot fall behind the code.
awk '/static const char \*const [a-z_]*keys\[\] = [{]/ {on = 1}
    on {l = $0; while (match(l, /"[a-z_]+"/)) {
	print substr(l, RSTART + 1, RLENGTH - 2); l = substr(l, RSTART + RLENGTH)}}
    on && /[}];/ {on = 0}' "$top/src/ike/ike_config.c" "$top/src/mgmt/mgmt.c" |
    sort -u >"$tmp/loader-keys"
[ "$(wc -l <"$tmp/loader-keys")" -ge 40 ] ||
	{ echo "FAIL: found only $(wc -l <"$tmp/loader-keys") keys in the ike:/mgmt: key tables"; fail=1; }
for key in $(cat "$tmp/loader-keys"); do
	grep -q "^\.It Cm \([a-z_.]*\.\)\?$key :" "$top/docs/espvis.yaml.5" ||
		{ echo "FAIL: ike:/mgmt: key $key is not in espvis.yaml(5)"; fail=1; }
done

# --version: espvis's, then each library's as loaded.
"$espvis" --version >"$tmp/ver" || { echo "FAIL: --version exit status"; fail=1; }
grep -q '^espvis [0-9][0-9.]*$' "$tmp/ver" || { echo "FAIL: --version first line"; fail=1; }
for lib in libpcap nDPI libyaml OpenSSL; do
	grep -q "^  $lib  *[^ ]" "$tmp/ver" ||
		{ echo "FAIL: --version does not name $lib"; cat "$tmp/ver"; fail=1; }
done
grep -q 'libpcap version 1\.' "$tmp/ver" || { echo "FAIL: pcap_lib_version()"; fail=1; }
grep -q "nDPI *$(dpkg-query -W -f '${Version}' libndpi-dev 2>/dev/null | cut -d- -f1 | cut -d. -f1-2)" "$tmp/ver" ||
	{ echo "FAIL: nDPI version is not the installed one"; cat "$tmp/ver"; fail=1; }
[ $fail -eq 0 ] && echo "man pages, --help, --version: ok"
exit $fail
