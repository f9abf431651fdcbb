#!/bin/sh
# Live strongSwan test: two real charons (Debian's strongSwan, kernel-libipsec)
# in private network namespaces make fresh captures (ESP-NULL with HMAC-SHA-256,
# and AES-GCM) through tests/strongswan/sspair.sh; espvis must find in them what
# strongSwan negotiated and the traffic that was sent (tests/strongswan/check_sas.py).
# Skips (77) without root or usable network namespaces.  About 15 s.
top=$(cd "$(dirname "$0")/../.." && pwd)
ESPVIS=${ESPVIS:-$top/build/espvis}
export ESPVIS

if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: needs root for network namespaces"; exit 77
fi
probe=evprobe$$
if ! command -v ip >/dev/null || ! ip netns add "$probe" 2>/dev/null; then
	echo "skipped: ip netns is unusable here"; exit 77
fi
ip netns del "$probe"
[ -x "$ESPVIS" ] || { echo "FAIL: $ESPVIS missing or not executable"; exit 1; }

dir=$(mktemp -d /tmp/espvis-sslive.XXXXXX)
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
for p in null-sha256 aes128gcm16; do
	timeout 40 "$top/tests/strongswan/sspair.sh" "$p" "$dir/$p.pcap"
	rc=$?
	[ $rc -eq 77 ] && { echo "skipped: strongSwan or its tools cannot be installed"; exit 77; }
	[ $rc -eq 0 ] || { echo "FAIL: strongSwan pair for $p did not produce a capture (exit $rc)"; exit 1; }
done
python3 "$top/tests/strongswan/check_sas.py" --espvis "$ESPVIS" \
	"$dir/null-sha256.pcap" "$dir/aes128gcm16.pcap" || exit 1
