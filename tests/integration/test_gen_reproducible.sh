#!/bin/sh
# The committed golden captures are exactly what the generators make
# (gen_captures.py and gen_apps.py): regenerate pcaps/gen into a temporary
# directory and compare every file byte for byte (and the file lists both
# ways).  Skipped (77) when no python3 with scapy and cryptography is
# installed.
top=$(cd "$(dirname "$0")/../.." && pwd)
gen="$top/pcaps/gen"

py=""
for cand in python3 /usr/bin/python3; do
	if command -v "$cand" >/dev/null 2>&1 &&
	    "$cand" -c 'import scapy.all, cryptography' >/dev/null 2>&1; then
		py=$cand
		break
	fi
done
if [ -z "$py" ]; then
	echo "skip: needs python3 with scapy and cryptography" \
	    "(Debian: python3-scapy python3-cryptography)"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/espvis-gen.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

for script in gen_captures.py gen_apps.py; do
	if ! "$py" "$top/tests/gen/$script" "$tmp" >"$tmp/.log" 2>&1; then
		cat "$tmp/.log"
		echo "FAIL: $script failed"
		exit 1
	fi
	cat "$tmp/.log"
	rm -f "$tmp/.log"
done

rc=0
for f in "$tmp"/*; do
	name=$(basename "$f")
	if [ ! -e "$gen/$name" ]; then
		echo "FAIL: $name is generated but not in pcaps/gen (commit it)"
		rc=1
	elif ! cmp -s "$f" "$gen/$name"; then
		echo "FAIL: pcaps/gen/$name differs from a fresh generation" \
		    "($(wc -c <"$gen/$name") vs $(wc -c <"$f") bytes)"
		rc=1
	fi
done
for f in "$gen"/*; do
	name=$(basename "$f")
	case $name in
	*.pcap | *.pcapng | *.truth.json)
		if [ ! -e "$tmp/$name" ]; then
			echo "FAIL: pcaps/gen/$name is not generated any more" \
			    "(remove it)"
			rc=1
		fi
		;;
	esac
done
[ $rc -eq 0 ] && echo "pcaps/gen is reproducible ($(ls "$tmp" | wc -l) files)"
exit $rc
