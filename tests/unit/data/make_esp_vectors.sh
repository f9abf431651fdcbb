#!/bin/bash
# Regenerates tests/unit/data/esp_vectors.h from real strongSwan 5.9.8 runs:
# ESP packets as Debian's charon (kernel-libipsec, userspace ESP in UDP 4500)
# sends them, with the Child SA keys charon logs at `chd = 4`.
#
# tests/strongswan/sspair.sh is copied with its filelog raised to chd = 4 and
# run once per ESP proposal; gen_esp_vectors.py takes the SPIs and keys from
# charon A's log (A initiates: the "initiator" keys protect A -> B), a few ESP
# packets of each direction from the capture, decapsulates them with an
# independent implementation (python3-cryptography) to give the expected
# inner packets, and writes the header.  Only the header is committed.
#
#   usage: tests/unit/data/make_esp_vectors.sh [OUTDIR]     (root)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../../.." && pwd)
OUTDIR=${1:-$(mktemp -d /tmp/espvis-espvec.XXXXXX)}
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)

# name  ESP proposal (strongSwan syntax).  No aes128gmac: Debian's charon has
# no GMAC for ESP (NO_PROPOSAL_CHOSEN); GMAC is checked against scapy instead.
CASES=${CASES:-"null_sha1 null-sha1
null_sha256 null-sha256
null_sha384 null-sha384
null_sha512 null-sha512
aes128gcm16 aes128gcm16
aes256gcm16 aes256gcm16
aes128_sha256 aes128-sha256"}

sed -e 's/^\(      esp = 2\)$/\1\n      chd = 4/' \
    "$TOP/tests/strongswan/sspair.sh" >"$OUTDIR/sspair-keys.sh"
grep -q 'chd = 4' "$OUTDIR/sspair-keys.sh" ||
	{ echo "make_esp_vectors.sh: sspair.sh changed, patch does not apply" >&2; exit 1; }
cp "$TOP"/tests/strongswan/*.py "$OUTDIR/"

args=()
while read -r name esp; do
	log=$OUTDIR/$name.run.log
	if ! KEEP=1 bash "$OUTDIR/sspair-keys.sh" "$esp" "$OUTDIR/$name.pcap" 2>"$log"; then
		echo "make_esp_vectors.sh: $esp failed (skipped):" >&2
		tail -n 5 "$log" >&2
		continue
	fi
	w=$(sed -n 's/^sspair.sh: logs kept in //p' "$log")
	cp "$w/A/charon.log" "$OUTDIR/$name.A.log"
	rm -rf "$w"
	args+=("$name" "$esp" "$OUTDIR/$name.pcap" "$OUTDIR/$name.A.log")
done <<<"$CASES"

/usr/bin/python3 "$HERE/gen_esp_vectors.py" "${args[@]}" >"$OUTDIR/esp_vectors.h"
mv "$OUTDIR/esp_vectors.h" "$HERE/esp_vectors.h"
echo "make_esp_vectors.sh: wrote $HERE/esp_vectors.h (raw runs in $OUTDIR)"
