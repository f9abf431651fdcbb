#!/bin/sh
# Regenerate the committed strongSwan captures and their truth files:
#   pcaps/strongswan/<name>.pcap + <name>.truth.json
# One capture per ESP proposal (ESP-NULL with each integrity algorithm, AES-GCM,
# and AES-CBC as an encrypted negative), plus one ESP-NULL capture with a
# Child SA rekey in the middle (two SPI generations between the same peers).
#   usage: tests/strongswan/make-captures.sh [OUTDIR]     (root; about 10 s each)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../pcaps/strongswan}
mkdir -p "$out"
for p in null-sha1 null-sha256 null-sha384 null-sha512 aes128gcm16 aes128-sha256; do
	"$here/sspair.sh" "$p" "$out/$p.pcap"
done
REKEY=1 "$here/sspair.sh" null-sha256 "$out/null-sha256-rekey.pcap"
ls -l "$out"
