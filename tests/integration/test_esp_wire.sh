#!/bin/sh
# The ESP data plane's wire format against implementations that share no
# code with it, no root needed:
#  - esp_peer writes packets src/esp encapsulated for every suite (NULL with
#    HMAC-SHA1/SHA2, AES-GMAC, AES-GCM-16, AES-CBC with HMAC) and
#    check_esp_scapy.py opens them with scapy's ESP (python3-cryptography
#    for GMAC) and compares the inner packets;
#  - WESP captures it writes (RFC 5840; over IP 141 and UDP 4500, IPv4 and
#    IPv6) must be what espvis's own inspector calls WESP: esp.wesp true,
#    method wesp, verdict null, the suite's icv_len and iv_len.
# (Real strongSwan packets are the unit test test_esp_sa's vectors.)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
ESPVIS=${ESPVIS:-$top/build/espvis}
PY=/usr/bin/python3
$PY -c 'import scapy.layers.ipsec, cryptography' 2>/dev/null ||
	{ echo "python3-scapy / python3-cryptography missing"; exit 77; }
[ -x "$ESPVIS" ] || { echo "no $ESPVIS"; exit 77; }
. "$top/tests/integration/esp_peer_build.sh"
W=$(mktemp -d /tmp/espvis-espwire.XXXXXX)
trap 'rm -rf "$W"' EXIT

"$PEER" vectors "$W"
$PY "$top/tests/integration/check_esp_scapy.py" "$W/ours.json"

check_wesp() {   # pcap, icv_len, iv_len, encap
	"$ESPVIS" -r "$1" >"$W/eve.json" 2>"$W/espvis.err" ||
		{ cat "$W/espvis.err"; exit 1; }
	$PY - "$W/eve.json" "$2" "$3" "$4" "$1" <<'PYEOF'
import json, sys
path, icv, iv, encap, name = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
evs = [json.loads(l)["esp"] for l in open(path) if '"event_type":"esp"' in l]
assert evs, "no esp events for " + name
for e in evs:
    want = {"wesp": True, "method": "wesp", "verdict": "null", "icv_len": icv,
            "iv_len": iv, "encap": encap}
    got = {k: e.get(k) for k in want}
    assert got == want, "%s: %s != %s" % (name, got, want)
end = [e for e in evs if e["event"] == "end"]
assert end and end[0]["pkts"] == 12 and end[0]["next_header"] == 4, end
print("ok %s: inspector says WESP, null, icv_len %d" % (name.split("/")[-1], icv))
PYEOF
}
check_wesp "$W/wesp-null-sha256-ip.pcap" 16 0 none
check_wesp "$W/wesp-null-sha256-udp.pcap" 16 0 udp
check_wesp "$W/wesp-aes128gmac-ip.pcap" 16 8 none
check_wesp "$W/wesp-null-sha512-udp.pcap" 32 0 udp
check_wesp "$W/wesp-null-sha256-ip6.pcap" 16 0 none	# P flag, HdrLen 16
check_wesp "$W/wesp-null-sha1-udp6.pcap" 12 0 udp
check_wesp "$W/wesp-aes256gmac-ip6.pcap" 16 8 none	# HdrLen 24
echo "test_esp_wire: all checks passed"
