#!/bin/bash
# Regenerates tests/unit/data/ike_vectors.h from real strongSwan 5.9.8 runs.
#
# tests/strongswan/sspair.sh is run (a copy, patched on the fly) for a few
# IKE proposals, with charon's filelog at `ike = 4, chd = 4` so that it logs
# the DH secret, SKEYSEED, SK_* and the Child SA keys; gen_ike_vectors.py
# then takes the SPIs, nonces and the IKE_SA_INIT / IKE_AUTH (and
# CREATE_CHILD_SA) messages from the capture, the secrets from charon A's
# log, and writes the header.  Only the bytes the test needs are committed
# (the header), not the logs or captures.
#
# The `cert` case authenticates with the test PKI of data/ike_certs (run
# make_ike_certs.sh first if it changed): A signs with sspA (RSA), B with
# sspB (ECDSA P-256), both RFC 7427 signatures checked by test_ike_cert.
#
#   usage: tests/unit/data/make_ike_vectors.sh [OUTDIR]     (root)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../../.." && pwd)
OUTDIR=${1:-$(mktemp -d /tmp/espvis-ikevec.XXXXXX)}
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)

# name  IKE proposal  ESP proposal  IKE rekey once up (2.18)  auth
CASES="ecp256_gcm aes256gcm16-prfsha256-ecp256 null-sha256 0 psk
modp2048_cbc aes128-sha256-modp2048 aes128gcm16 0 psk
x25519_gcm aes128gcm16-prfsha256-curve25519 null-sha256 0 psk
ecp384_rekey aes256-sha384-ecp384 null-sha256 1 psk
ecp256_cert aes128gcm16-prfsha256-ecp256 null-sha256 0 cert"

# The copies: the IKE proposal from $IKE_PROPOSAL, charon logging keys,
# with IKE_REKEY=1 a rekey of the IKE SA right after the Child SA is up;
# the cert copy swaps PSK for public key authentication.
sed -e 's/^\(    proposals = \)aes256-sha256-modp2048$/\1$IKE_PROPOSAL/' \
    -e 's/^\(      esp = 2\)$/\1\n      ike = 4\n      chd = 4/' \
    -e '/^grep -q INSTALLED "\$W\/sas1.txt"/a [ "${IKE_REKEY:-0}" = 0 ] || { sw A --rekey --ike pair >"$W/ikerekey.log" 2>\&1; sleep 1; }' \
    "$TOP/tests/strongswan/sspair.sh" >"$OUTDIR/sspair-psk.sh"
grep -q 'proposals = \$IKE_PROPOSAL' "$OUTDIR/sspair-psk.sh" &&
	grep -q 'chd = 4' "$OUTDIR/sspair-psk.sh" &&
	grep -q 'rekey --ike pair' "$OUTDIR/sspair-psk.sh" ||
	{ echo "make_ike_vectors.sh: sspair.sh changed, patch does not apply" >&2; exit 1; }
sed -e '/^    local {$/,/^    }$/s/^      auth = psk$/      auth = pubkey\n      certs = $1.crt/' \
    -e '/^    remote {$/,/^    }$/s/^      auth = psk$/      auth = pubkey/' \
    -e 's|^\tmkdir -p "$d/run" "$d/swanctl"$|&\n\tcp -r "$IKE_CERTS/$1/." "$d/swanctl/"|' \
    "$OUTDIR/sspair-psk.sh" >"$OUTDIR/sspair-cert.sh"
[ "$(grep -c 'auth = pubkey' "$OUTDIR/sspair-cert.sh")" = 2 ] &&
	grep -q 'IKE_CERTS' "$OUTDIR/sspair-cert.sh" ||
	{ echo "make_ike_vectors.sh: sspair.sh changed, cert patch does not apply" >&2; exit 1; }
cp "$TOP"/tests/strongswan/*.py "$OUTDIR/"

# swanctl directories of the two charons: own certificate, CA, key
C=$HERE/ike_certs
export IKE_CERTS=$OUTDIR/certs
for s in A B; do
	mkdir -p "$IKE_CERTS/$s/x509" "$IKE_CERTS/$s/x509ca" "$IKE_CERTS/$s/private"
	cp "$C/ssp$s.crt" "$IKE_CERTS/$s/x509/$s.crt"
	cp "$C/ca.crt" "$IKE_CERTS/$s/x509ca/ca.crt"
done
openssl pkey -in "$C/sspA.key" -traditional -out "$IKE_CERTS/A/private/A.key"
mkdir -p "$IKE_CERTS/A/rsa" "$IKE_CERTS/B/ecdsa"
mv "$IKE_CERTS/A/private/A.key" "$IKE_CERTS/A/rsa/A.key"
openssl pkey -in "$C/sspB.key" -traditional -out "$IKE_CERTS/B/ecdsa/B.key"

args=()
while read -r name ike esp rekey auth; do
	log=$OUTDIR/$name.run.log
	IKE_PROPOSAL=$ike IKE_REKEY=$rekey KEEP=1 bash "$OUTDIR/sspair-$auth.sh" \
		"$esp" "$OUTDIR/$name.pcap" 2>"$log" || { cat "$log" >&2; exit 1; }
	w=$(sed -n 's/^sspair.sh: logs kept in //p' "$log")
	cp "$w/A/charon.log" "$OUTDIR/$name.A.log"
	cp "$w/B/charon.log" "$OUTDIR/$name.B.log"
	rm -rf "$w"
	args+=("$name" "$ike" "$esp" "$OUTDIR/$name.pcap" "$OUTDIR/$name.A.log")
done <<<"$CASES"

python3 "$HERE/gen_ike_vectors.py" --psk espvis-sspair-psk-0123456789 \
	"${args[@]}" >"$OUTDIR/ike_vectors.h"
mv "$OUTDIR/ike_vectors.h" "$HERE/ike_vectors.h"
echo "make_ike_vectors.sh: wrote $HERE/ike_vectors.h (raw runs in $OUTDIR)"
