#!/bin/bash
# `espvis ike` with its ESP data plane, end to end, in private network
# namespaces joined by a veth pair (names end in this shell's PID; removed
# at exit).  Traffic goes through the TUN device of `espvis ike`.
#
#   S<esp>  strongSwan charon (kernel-libipsec: UDP 4500) <-> espvis ike,
#           ESP null-sha256 and aes128gcm16: charon's namespace pings the
#           sensor's inner (TUN) address through the tunnel, a TCP transfer
#           arrives with the right bytes (SHA-256) and its Mbit/s is shown;
#           with null-sha256 also both sides rekey the Child SA while a
#           ping -i 0.2 runs: no ping lost.
#   W<esp>  espvis ike <-> espvis ike with `wesp: true` on both sides: the
#           Child SA is WESP over IP protocol 141 (no NAT); ping and TCP
#           as above; a capture of the veth (tcpdump -w) holds protocol 141
#           only, espvis's inspector (`espvis -r`) reports esp.wesp true,
#           method wesp and the inner ICMP and TCP flows (null-sha256),
#           and tshark reads it; with null-sha256 each WESP packet is cut
#           at the offsets of its WESP header (HdrLen, TrailerLen, then
#           the ESP trailer) into one whole inner IPv4 packet, and tshark
#           dissects those (raw-IP pcap): the 5 echo requests and replies
#           and the TCP transfer between 10.202.1.1 and 10.202.2.1, with
#           good checksums (with aes128gcm16 skipped: encrypted, no keys
#           for tshark); then replayed and corrupted copies of the
#           captured packets are injected (scapy): the receiving SA counts
#           them as replay / icv errors and nothing reaches its TUN.
#   WUnull  espvis ike <-> espvis ike, `wesp: true` both sides and
#           `encap: true` at A (no NAT: A's NAT detection hash is random,
#           RFC 7296 2.23, as strongSwan's encap = yes): IKE moves to
#           4500 on both sides, the Child SA is WESP in UDP 4500; ping and
#           TCP; the capture's UDP 4500 payloads start with the WESP
#           identifier 0x00000002 (RFC 5840 2.1) or, for IKE, the
#           non-ESP marker, and nothing is IP 50 or 141; `espvis -r`
#           reports wesp true, encap udp, method wesp, verdict null and
#           the inner ICMP and TCP flows.
#   P<esp>  espvis ike <-> espvis ike, only one side asks for WESP: plain
#           ESP over IP protocol 50; ping and TCP.
#
#   usage: tests/integration/test_ike_dataplane.sh        (root)
#   env:   ESPVIS=build/espvis  CASES="Snull Sgcm Wnull Wgcm WUnull Pgcm"  SECS=1 (TCP;
#          docs/esp-dataplane.md's figures were taken with SECS=3)
#          KEEP=1 (keep the scratch directory)
# Exit 0 pass, 1 fail, 77 skipped (no root, netns, TUN, charon).
#
# Layout:
#   dpA<pid>: vA 10.79.0.1/24  <-veth->  vB 10.79.0.2/24 :dpB<pid>
#   A: 10.202.1.1 (charon: on lo, in its selector; espvis: its TUN)
#   B: espvis ike, TUN dpt<pid> 10.202.2.1/32
#   selectors 10.202.1.0/24 (A) <-> 10.202.2.0/24 (B)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
ESPVIS=${ESPVIS:-$top/build/espvis}
KEEP=${KEEP:-0} SECS=${SECS:-1}
# Under the sanitizer build, one strongSwan and one WESP case.
case $(basename "${BUILD:-build}") in
*san*)	CASES=${CASES:-"Snull Wgcm"} ;;
*)	CASES=${CASES:-"Snull Sgcm Wnull Wgcm WUnull Pgcm"} ;;
esac
CHARON=/usr/lib/ipsec/charon
PY=/usr/bin/python3
NS_A=dpA$$ NS_B=dpB$$
OA=10.79.0.1 OB=10.79.0.2 IA=10.202.1.1 IB=10.202.2.1
NET_A=10.202.1.0/24 NET_B=10.202.2.0/24
PSK=espvis-dataplane-psk-0123456789abcdef
fails=0 passes=0 W="" CPID=""

. "$top/tests/integration/sslib.sh"
ss_require root netns tun
case " $CASES " in *" S"*) ss_require charon;; esac
ss_require espvis

. "$top/tests/integration/netns_cleanup.sh"
W=$(mktemp -d /tmp/espvis-ike-dp.XXXXXX)
fail() { echo "  FAIL: $*"; fails=$((fails + 1)); }
inA() { ip netns exec "$NS_A" "$@"; }
inB() { ip netns exec "$NS_B" "$@"; }

ss_netns_pair "$NS_A" "$NS_B" vA vB $OA/24 $OB/24
printf '%s\n' "$PSK" >"$W/psk"; chmod 600 "$W/psk"

# TCP: rx counts and hashes what arrives, tx sends SECS seconds of a
# pattern and reports its hash; the two must agree.
cat >"$W/rx.py" <<'PYEOF'
import hashlib, socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5201)); s.listen(1); s.settimeout(60)
open(sys.argv[2] + ".ready", "w").close()
c, _ = s.accept(); c.settimeout(30); n = 0; t0 = None; h = hashlib.sha256()
while True:
    b = c.recv(1 << 16)
    if not b: break
    if t0 is None: t0 = time.monotonic()
    n += len(b); h.update(b)
dt = time.monotonic() - t0
open(sys.argv[2], "w").write("%d %s %.1f\n" % (n, h.hexdigest(), n * 8 / dt / 1e6))
PYEOF
cat >"$W/tx.py" <<'PYEOF'
import hashlib, os, socket, sys, time
s = socket.create_connection((sys.argv[1], 5201), timeout=20, source_address=(sys.argv[3], 0))
blk = os.urandom(65536); h = hashlib.sha256(); n = 0
end = time.monotonic() + float(sys.argv[2]); limit = int(sys.argv[4])
while time.monotonic() < end and n < limit:
    s.sendall(blk); h.update(blk); n += len(blk)
s.shutdown(socket.SHUT_WR); s.recv(1); s.close()
print("%d %s" % (n, h.hexdigest()))
PYEOF

# tcp_check TAG FROM_ADDR TO_ADDR SECS MAXBYTES: TCP from A to B's address
tcp_check() {
	local t=$1 res sent
	rm -f "$W/tp.$t" "$W/tp.$t.ready"
	inB $PY "$W/rx.py" "$3" "$W/tp.$t" 2>"$W/rx.$t.err" &
	for _ in $(seq 100); do [ -e "$W/tp.$t.ready" ] && break; sleep 0.1; done
	sent=$(inA timeout 60 $PY "$W/tx.py" "$3" "$4" "$2" "$5" 2>"$W/tx.$t.err") ||
		{ fail "$t: TCP sender: $(tail -n 2 "$W/tx.$t.err")"; return; }
	for _ in $(seq 100); do [ -s "$W/tp.$t" ] && break; sleep 0.1; done
	read -r rn rh mbit <"$W/tp.$t" 2>/dev/null || { fail "$t: TCP receiver gave no result"; return; }
	if [ "$rn $rh" = "$sent" ]; then
		echo "  TCP $2 -> $3: $rn bytes, SHA-256 equal, $mbit Mbit/s"
		echo "$t $mbit" >>"$W/throughput"
	else
		fail "$t: TCP received '$rn $rh', sent '$sent'"
	fi
}

# ping_check TAG FROM TO COUNT INTERVAL: every echo answered
ping_check() {
	inA ping -n -q -c "$4" -i "$5" -W 2 -I "$2" "$3" >"$W/ping.$1.log" 2>&1
	if grep -q " $4 received, 0% packet loss" "$W/ping.$1.log"; then
		echo "  ping $2 -> $3: $4/$4"
	else
		fail "$1: ping: $(grep -E 'transmitted|100%' "$W/ping.$1.log")"
	fi
}

# espvis_conf FILE NAME LOCAL REMOTE LOCAL_ID REMOTE_ID LTS RTS TUN TUNADDR ESP WESP
espvis_conf() {
	cat >"$1" <<EOF
ike:
  local_id: $5
  listen: [$3]
  control_socket: $W/$2.sock
  retransmit_timeout_ms: 2000
  tun:
    name: $9
    address: ${10}/32
    mtu: 1400
  esp:
    replay_window: 128
  peers:
    - name: pair
      local_addr: $3
      remote_addr: $4
      auth: psk
      psk_file: $W/psk
      remote_id: $6
      ike_proposals: aes128-sha256-ecp256
      esp_proposals: ${11}
      local_ts: $7
      remote_ts: $8
      wesp: ${12}
EOF
}
ev() { local s=$1; shift; "$ESPVIS" ike "$@" --socket "$W/$s.sock"; }
# ns_pids NS PROGRAM: processes of that program in the namespace (ip netns
# exec may fork and wait: signal the program, not what $! names)
ns_pids() {
	local p
	for p in $(ip netns pids "$1" 2>/dev/null); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$(readlink -f "$2")" ] && echo "$p"
	done
}
start_espvis() {   # NS NAME
	rm -f "$W/$2.sock"
	ip netns exec "$1" "$ESPVIS" ike --config "$W/$2.yaml" -vv >"$W/$2.log" 2>&1 &
	for _ in $(seq 50); do [ -S "$W/$2.sock" ] && break; sleep 0.1; done
	[ -S "$W/$2.sock" ] || fail "espvis ike $2 did not start: $(tail -n 3 "$W/$2.log")"
}
stop_espvis() {   # NS: SIGTERM to the espvis of that namespace, wait
	local p
	for p in $(ns_pids "$1" "$ESPVIS"); do kill -TERM "$p"; done
	for _ in $(seq 50); do [ -z "$(ns_pids "$1" "$ESPVIS")" ] && break; sleep 0.1; done
}
child_up() {   # NAME: wait for an INSTALLED Child SA with an ESP SA in the plane
	for _ in $(seq 80); do
		ev "$1" status >"$W/$1.status" 2>/dev/null
		grep -q '"child_sa".*INSTALLED' "$W/$1.status" && grep -q '"esp_sa"' "$W/$1.status" && return 0
		sleep 0.25
	done
	return 1
}
# sa_field NAME SPI_IN FIELD: a number from the esp_sa line of that SA
sa_json() { ev "$1" status | grep "\"esp_sa\".*\"spi_in\":\"$2\""; }

# san_check: a sanitizer build (make SAN=1) reports nothing in our logs
san_check() {
	local f
	for f in "$W/A.log" "$W/B.log"; do
		[ -e "$f" ] && grep -q 'Sanitizer\|runtime error' "$f" &&
			fail "sanitizer report in $f: $(grep -m 1 'Sanitizer\|runtime error' "$f")"
	done
}

# --- strongSwan <-> espvis -------------------------------------------------
charon_start() {
	ss_strongswan_conf "$W/A" "ike=2 esp=2"
	inA ip addr add $IA/32 dev lo   # charon routes from an address in its TS
	ss_start_charon "$NS_A"
}
charon_stop() {   # charon is all that runs in A now (ip netns exec may fork)
	local p
	for p in $(ip netns pids "$NS_A"); do kill "$p" 2>/dev/null; done
	for _ in $(seq 50); do [ -z "$(ip netns pids "$NS_A")" ] && break; sleep 0.1; done
	wait "$CPID" 2>/dev/null; CPID=""
	inA ip addr del $IA/32 dev lo 2>/dev/null
}

run_strongswan() {   # TAG ESP
	local t=$1 esp=$2 before=$fails spi old
	echo "case $t: strongSwan <-> espvis ike, ESP $esp (UDP 4500), ping and TCP through espvis's TUN"
	[ -n "$CPID" ] || charon_start
	ss_swanctl_conf "$W/A" $OA $OB aes128-sha256-ecp256 "$esp" $NET_A $NET_B A.ike.test B.ike.test "$PSK"
	sw --load-all >"$W/load.$t.log" 2>&1 || { fail "$t: swanctl --load-all"; return; }
	espvis_conf "$W/B.yaml" B $OB $OA B.ike.test A.ike.test $NET_B $NET_A dpt$$ $IB "$esp" false
	start_espvis "$NS_B" B
	sw --initiate --child c --timeout 20 >"$W/initiate.$t.log" 2>&1 ||
		fail "$t: swanctl --initiate: $(tail -n 2 "$W/initiate.$t.log")"
	child_up B || fail "$t: no Child SA in espvis's data plane"
	ping_check "$t" $IA $IB 5 0.2
	tcp_check "$t" $IA $IB "$SECS" 400000000
	ev B status >"$W/B.$t.status"
	grep '"esp_sa"\|"esp_plane"' "$W/B.$t.status" | sed 's/^/    > /'
	grep -q '"esp_sa".*"encap":"udp","wesp":false' "$W/B.$t.status" || fail "$t: SA is not ESP in UDP"
	grep -q '"esp_sa".*"in_errors":{}' "$W/B.$t.status" || fail "$t: espvis counted inbound errors"
	sw --list-sas >"$W/sas.$t.txt"
	if [ "$esp" = null-sha256 ]; then
		echo "  Child SA rekeyed by espvis, then by strongSwan, while ping -i 0.2 runs"
		spi=$(grep '"child_sa"' "$W/B.$t.status" | sed 's/.*"spi_in":"\([0-9a-f]*\)".*/\1/')
		# 4 s of pings: 5 on the first SA, 7 on the second, 8 on the third
		inA ping -n -q -c 20 -i 0.2 -W 2 -I $IA $IB >"$W/ping.$t.rekey.log" 2>&1 &
		local pp=$!
		sleep 1
		ev B rekey "$spi" >/dev/null || fail "$t: espvis ike rekey $spi"
		sleep 1.4
		sw --rekey --child c >"$W/rekey.$t.log" 2>&1 || fail "$t: swanctl --rekey --child c"
		wait $pp
		grep -q ' 20 received, 0% packet loss' "$W/ping.$t.rekey.log" ||
			fail "$t: pings lost across the rekeys: $(grep transmitted "$W/ping.$t.rekey.log")"
		grep -q ' 20 received' "$W/ping.$t.rekey.log" && echo "  ping across two rekeys: 20/20"
		ev B status >"$W/B.$t.rekey.status"
		old=$spi
		spi=$(grep '"child_sa".*INSTALLED' "$W/B.$t.rekey.status" | head -n 1 | sed 's/.*"spi_in":"\([0-9a-f]*\)".*/\1/')
		[ -n "$spi" ] && [ "$spi" != "$old" ] || fail "$t: Child SA SPI unchanged after the rekeys"
		grep -q "\"esp_sa\".*\"spi_in\":\"$old\"" "$W/B.$t.rekey.status" && fail "$t: the old SA is still in the data plane"
		echo "  TCP during a rekey by espvis"
		( sleep 1; ev B rekey "$spi" >/dev/null ) &
		local rp=$!
		tcp_check "$t-rekey" $IA $IB 2 400000000
		wait $rp
		ev B status | grep -q "\"child_sa\".*INSTALLED.*\"spi_in\":\"$spi\"" &&
			fail "$t: the Child SA was not rekeyed during the transfer"
	fi
	stop_espvis "$NS_B"
	sw --terminate --ike pair --force >/dev/null 2>&1
	san_check
	if [ $fails -eq $before ]; then passes=$((passes + 1)); echo "  ok"
	else echo "  espvis log:"; tail -n 20 "$W/B.log" | sed 's/^/    /'; fi
}

# --- espvis <-> espvis over IP 50 ------------------------------------------
run_plain() {   # TAG ESP
	local t=$1 esp=$2 before=$fails
	echo "case $t: espvis ike <-> espvis ike, ESP $esp over IP protocol 50 (no NAT, no WESP)"
	[ -z "$CPID" ] || charon_stop
	espvis_conf "$W/A.yaml" A $OA $OB A.ike.test B.ike.test $NET_A $NET_B dpa$$ $IA "$esp" false
	espvis_conf "$W/B.yaml" B $OB $OA B.ike.test A.ike.test $NET_B $NET_A dpt$$ $IB "$esp" true
	start_espvis "$NS_A" A
	start_espvis "$NS_B" B
	ev A initiate pair >/dev/null || fail "$t: espvis ike initiate"
	child_up A && child_up B || fail "$t: no Child SA in both data planes"
	ev B status >"$W/B.$t.status"
	# B asked for WESP, A did not: plain ESP (RFC 5840 5)
	grep -q '"esp_sa".*"encap":"ip","wesp":false' "$W/B.$t.status" || fail "$t: data plane SA not ESP over IP"
	ping_check "$t" $IA $IB 5 0.2
	tcp_check "$t" $IA $IB "$SECS" 400000000
	ev B status >"$W/B.$t.status"
	grep '"esp_sa"\|"esp_plane"' "$W/B.$t.status" | sed 's/^/    > /'
	grep -q '"esp_sa".*"in_errors":{}' "$W/B.$t.status" || fail "$t: espvis counted inbound errors"
	stop_espvis "$NS_A"; stop_espvis "$NS_B"
	san_check
	if [ $fails -eq $before ]; then passes=$((passes + 1)); echo "  ok"
	else echo "  espvis logs:"; tail -n 12 "$W/A.log" "$W/B.log" | sed 's/^/    /'; fi
}

# --- espvis <-> espvis, WESP ------------------------------------------------
# wesp_inner TAG ESP: what an analyst does with tshark, which has no WESP
# dissector (Wireshark 4.0): take each WESP packet's IP payload from tshark,
# read the offsets from its WESP header (RFC 5840 2: HdrLen = WESP + ESP
# header + IV, TrailerLen = ICV length; RFC 4303 2: Pad Length and Next
# Header precede the ICV), cut the inner IP packet, write those as a raw-IP
# pcap (linktype 101) and let tshark dissect them: the pings and the TCP
# transfer between the tunnel's inner addresses, with good checksums.
# Only with ENCR_NULL: an encrypted payload cannot be read without keys.
wesp_inner() {
	local t=$1 n141 nip ncut nreq nrep ntcp nother nbad
	command -v tshark >/dev/null || { echo "  (no tshark: inner packets not dissected)"; return; }
	if [ "$2" != null-sha256 ]; then
		echo "  tshark on the inner packets: skipped, $2 encrypts them (no keys for tshark)"
		return
	fi
	tshark -r "$W/$t.pcap" -Y 'ip.proto == 141' -T fields -e frame.number \
		-e frame.time_epoch -e data.data >"$W/$t.wesp.txt" 2>"$W/tshark.$t.err" ||
		{ fail "$t: tshark -T fields: $(tail -n 1 "$W/tshark.$t.err")"; return; }
	read -r ncut nbad <<<"$($PY - "$W/$t.wesp.txt" "$W/$t.inner.pcap" <<'PYEOF' 2>"$W/$t.cut.err"
import struct, sys
out = open(sys.argv[2], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW
n = bad = 0
for l in open(sys.argv[1]):
    fno, ts, hexdata = l.rstrip("\n").split("\t")
    w = bytes.fromhex(hexdata)
    nh, hdrlen, trailer, flags = w[0], w[1], w[2], w[3]
    end = len(w) - trailer
    padlen, esp_nh = w[end - 2], w[end - 1]
    inner = w[hdrlen:end - 2 - padlen]
    # WESP version 0, IPv4 inside (WESP and ESP Next Header 4), and the cut
    # is exactly one IPv4 packet: its Total Length is the cut length
    if not (flags >> 6 == 0 and nh == 4 and esp_nh == 4 and len(inner) >= 20 and
            inner[0] >> 4 == 4 and struct.unpack(">H", inner[2:4])[0] == len(inner)):
        bad += 1
        print("frame %s: WESP nh %d hdrlen %d trailerlen %d flags %#x, cut %d bytes: "
              "not one IPv4 packet" % (fno, nh, hdrlen, trailer, flags, len(inner)), file=sys.stderr)
        continue
    sec, frac = ts.split(".")
    out.write(struct.pack("<IIII", int(sec), int(frac[:6].ljust(6, "0")), len(inner), len(inner)) + inner)
    n += 1
print(n, bad)
PYEOF
)"
	n141=$(wc -l <"$W/$t.wesp.txt")
	[ "${nbad:-x}" = 0 ] && [ "$ncut" = "$n141" ] ||
		{ fail "$t: $n141 WESP packets, ${ncut:-?} cut to IPv4, ${nbad:-?} not: $(head -n 2 "$W/$t.cut.err")"; return; }
	tshark -r "$W/$t.inner.pcap" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
		-T fields -e ip.src -e ip.dst -e ip.checksum.status -e icmp.type \
		-e icmp.checksum.status -e tcp.dstport -e tcp.srcport -e tcp.checksum.status \
		-e _ws.malformed >"$W/$t.inner.txt" 2>"$W/tshark.$t.err" ||
		{ fail "$t: tshark cannot read the inner packets: $(tail -n 1 "$W/tshark.$t.err")"; return; }
	echo "  tshark on the $ncut inner packets cut at the WESP offsets:"
	tshark -r "$W/$t.inner.pcap" 2>/dev/null | sed -n '1,2p' | sed 's/^/    | /'
	nip=$(wc -l <"$W/$t.inner.txt")
	# ip.src ip.dst ipsum icmp.type icmpsum dport sport tcpsum malformed
	nreq=$(awk -F'\t' '$1=="'$IA'" && $2=="'$IB'" && $3==1 && $4==8 && $5==1' "$W/$t.inner.txt" | wc -l)
	nrep=$(awk -F'\t' '$1=="'$IB'" && $2=="'$IA'" && $3==1 && $4==0 && $5==1' "$W/$t.inner.txt" | wc -l)
	ntcp=$(awk -F'\t' '$3==1 && $8==1 && $9=="" &&
		(($1=="'$IA'" && $2=="'$IB'" && $6==5201) || ($1=="'$IB'" && $2=="'$IA'" && $7==5201))' \
		"$W/$t.inner.txt" | wc -l)
	nother=$((nip - nreq - nrep - ntcp))
	echo "  tshark: $nreq echo requests $IA -> $IB, $nrep replies, $ntcp TCP port 5201" \
		"packets ($IA <-> $IB), checksums good; $nother other"
	[ "$nip" = "$ncut" ] || fail "$t: tshark read $nip of $ncut inner packets"
	[ "$nreq" = 5 ] && [ "$nrep" = 5 ] || fail "$t: tshark: $nreq echo requests, $nrep replies, 5 pings sent"
	[ "$ntcp" -gt 10 ] && [ "$nother" = 0 ] || fail "$t: tshark: $ntcp TCP packets, $nother unexpected"
}

# wesp_start TAG: start A and B, capture vA into $W/TAG.pcap (tcpdump's
# PID in TPID), A initiates, both must get the Child SA in their planes
wesp_start() {
	local t=$1
	start_espvis "$NS_A" A
	start_espvis "$NS_B" B
	inA tcpdump -i vA -w "$W/$t.pcap" -U not arp >/dev/null 2>"$W/tcpdump.$t.log" &
	TPID=$!
	for _ in $(seq 50); do grep -q 'listening on' "$W/tcpdump.$t.log" 2>/dev/null && break; sleep 0.1; done
	ev A initiate pair >/dev/null || fail "$t: espvis ike initiate"
	child_up A && child_up B || fail "$t: no Child SA in both data planes"
}
# wesp_traffic TAG: ping and a short TCP transfer into the capture, stop
# it, then the timed TCP transfer (outside the capture)
wesp_traffic() {
	local t=$1 p
	ping_check "$t" $IA $IB 5 0.2
	tcp_check "$t-cap" $IA $IB 1 300000
	sleep 0.5
	for p in $(ns_pids "$NS_A" "$(command -v tcpdump)"); do kill -INT "$p"; done
	wait $TPID 2>/dev/null
	tcp_check "$t" $IA $IB "$SECS" 400000000
}

run_wesp() {   # TAG ESP
	local t=$1 esp=$2 before=$fails spi_b p
	echo "case $t: espvis ike <-> espvis ike, ESP $esp, wesp: true both sides"
	[ -z "$CPID" ] || charon_stop
	espvis_conf "$W/A.yaml" A $OA $OB A.ike.test B.ike.test $NET_A $NET_B dpa$$ $IA "$esp" true
	espvis_conf "$W/B.yaml" B $OB $OA B.ike.test A.ike.test $NET_B $NET_A dpt$$ $IB "$esp" true
	wesp_start "$t"
	ev A status >"$W/A.$t.status"
	grep '"child_sa"\|"esp_sa"' "$W/A.$t.status" | sed 's/^/    > /'
	grep -q '"child_sa".*"encap":false,"wesp":true' "$W/A.$t.status" || fail "$t: Child SA not WESP without encapsulation"
	grep -q '"esp_sa".*"encap":"ip","wesp":true' "$W/A.$t.status" || fail "$t: data plane SA not WESP over IP"
	wesp_traffic "$t"
	# the capture: IP protocol 141 only (and IKE on UDP 500), no ESP (50)
	local n141 n50
	n141=$(tcpdump -nr "$W/$t.pcap" 'ip proto 141' 2>/dev/null | wc -l)
	n50=$(tcpdump -nr "$W/$t.pcap" 'ip proto 50 or udp port 4500' 2>/dev/null | wc -l)
	echo "  capture: $n141 packets of IP protocol 141, $n50 of ESP or UDP 4500"
	[ "$n141" -gt 20 ] && [ "$n50" = 0 ] || fail "$t: capture is not WESP over IP"
	if command -v tshark >/dev/null; then
		# Wireshark 4.0 names protocol 141 but has no WESP dissector:
		# "IPv4 150 WESP (141)", the rest is Data
		tshark -r "$W/$t.pcap" -Y 'ip.proto == 141' 2>"$W/tshark.$t.err" >"$W/tshark.$t.txt" ||
			fail "$t: tshark cannot read the capture: $(tail -n 1 "$W/tshark.$t.err")"
		grep -q 'WESP (141)' "$W/tshark.$t.txt" || fail "$t: tshark does not show WESP (141)"
		echo "  tshark shows protocol 141 as:"; head -n 2 "$W/tshark.$t.txt" | sed 's/^/    | /'
	fi
	wesp_inner "$t" "$esp"
	if [ "$esp" = null-sha256 ]; then
		"$ESPVIS" -r "$W/$t.pcap" >"$W/$t.eve" 2>"$W/$t.eve.err" || fail "$t: espvis -r: $(tail -n 2 "$W/$t.eve.err")"
		$PY - "$W/$t.eve" <<'PYEOF' || fail "$t: the inspector's view of the capture"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
esp = [e["esp"] for e in evs if e["event_type"] == "esp"]
assert esp, "no esp events"
for e in esp:
    assert e["wesp"] is True and e["method"] == "wesp" and e["verdict"] == "null" \
        and e["icv_len"] == 16 and e["encap"] == "none", e
flows = [e for e in evs if e["event_type"] == "flow" and "esp" in e]
icmp = [f for f in flows if f["proto"] == "ICMP"]
tcp = [f for f in flows if f["proto"] == "TCP" and f.get("dest_port") == 5201]
assert icmp and tcp, [(f["proto"], f.get("dest_port")) for f in flows]
print("  inspector: %d esp events (wesp true, method wesp, verdict null, icv_len 16); "
      "inner flows: ICMP %s -> %s (%d pkts), TCP %s -> %s:5201 (%d pkts)" % (
      len(esp), icmp[0]["src_ip"], icmp[0]["dest_ip"],
      icmp[0]["flow"]["pkts_toserver"] + icmp[0]["flow"]["pkts_toclient"],
      tcp[0]["src_ip"], tcp[0]["dest_ip"],
      tcp[0]["flow"]["pkts_toserver"] + tcp[0]["flow"]["pkts_toclient"]))
PYEOF
		# anti-replay and ICV on the wire, at B's inbound SA
		spi_b=$(ev B status | grep '"esp_sa"' | head -n 1 | sed 's/.*"spi_in":"\([0-9a-f]*\)".*/\1/')
		ev B status >"$W/B.$t.before"
		inA $PY - "$W/$t.pcap" $OA $OB "$W/inject.$t" <<'PYEOF' 2>"$W/inject.$t.err" || fail "$t: injection: $(tail -n 2 "$W/inject.$t.err")"
import sys, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import rdpcap, IP, Raw, send, conf
conf.verb = 0
pcap, src, dst, out = sys.argv[1:5]
pk = [bytes(p[IP].payload) for p in rdpcap(pcap)
      if IP in p and p[IP].proto == 141 and p[IP].src == src and p[IP].dst == dst]
replays = pk[:10]                      # sequence numbers B has seen: replays
corrupt = []
for i, w in enumerate(pk[:10]):        # new sequence numbers, bytes flipped
    b = bytearray(w)
    hl = b[1]                          # WESP HdrLen: the inner packet starts here
    b[8:12] = (0x10000000 + i).to_bytes(4, "big")   # ESP seq, right of the window
    b[hl + 20] ^= 0x01                 # a byte of the inner packet
    corrupt.append(bytes(b))
for w in replays + corrupt:
    send(IP(src=src, dst=dst, proto=141) / Raw(w))
open(out, "w").write("%d %d\n" % (len(replays), len(corrupt)))
PYEOF
		sleep 0.5
		ev B status >"$W/B.$t.after"
		$PY - "$W/B.$t.before" "$W/B.$t.after" "$spi_b" "$W/inject.$t" <<'PYEOF' || fail "$t: replay/ICV counters"
import json, sys
def view(p, spi):
    l = [json.loads(x) for x in open(p)]
    sa = [x["esp_sa"] for x in l if "esp_sa" in x and x["esp_sa"]["spi_in"] == spi][0]
    plane = [x["esp_plane"] for x in l if "esp_plane" in x][0]
    return sa, plane
b, bp = view(sys.argv[1], sys.argv[3]); a, ap = view(sys.argv[2], sys.argv[3])
nr, nc = map(int, open(sys.argv[4]).read().split())
rep = a["in_errors"].get("replay", 0) - b["in_errors"].get("replay", 0)
icv = a["in_errors"].get("icv", 0) - b["in_errors"].get("icv", 0)
print("  injected %d replays and %d corrupted packets: SA %s counts replay +%d, icv +%d; "
      "in_packets %d -> %d, TUN writes %d -> %d" % (nr, nc, sys.argv[3], rep, icv,
      b["in_packets"], a["in_packets"], bp["tun_out"], ap["tun_out"]))
assert nr == 10 and nc == 10
assert rep == nr and icv == nc, (rep, icv)
assert a["in_packets"] == b["in_packets"] and ap["tun_out"] == bp["tun_out"]
PYEOF
	fi
	stop_espvis "$NS_A"; stop_espvis "$NS_B"
	san_check
	if [ $fails -eq $before ]; then passes=$((passes + 1)); echo "  ok"
	else echo "  espvis logs:"; tail -n 12 "$W/A.log" "$W/B.log" | sed 's/^/    /'; fi
}

# --- espvis <-> espvis, WESP in UDP 4500 (encap: true, no NAT) ------------
run_wesp_udp() {   # TAG ESP
	local t=$1 esp=$2 before=$fails p nw nesp nip nike
	echo "case $t: espvis ike <-> espvis ike, ESP $esp, wesp: true both sides, encap: true at A: WESP in UDP 4500"
	[ -z "$CPID" ] || charon_stop
	espvis_conf "$W/A.yaml" A $OA $OB A.ike.test B.ike.test $NET_A $NET_B dpa$$ $IA "$esp" true
	espvis_conf "$W/B.yaml" B $OB $OA B.ike.test A.ike.test $NET_B $NET_A dpt$$ $IB "$esp" true
	# only at the initiator: B learns it from A's NAT detection hash
	echo "      encap: true" >>"$W/A.yaml"
	wesp_start "$t"
	ev A status >"$W/A.$t.status"
	grep '"ike_sa"\|"child_sa"\|"esp_sa"' "$W/A.$t.status" | sed 's/^/    > /'
	grep -q '"ike_sa".*\[4500\]","remote":"[0-9.]*\[4500\]".*"natt":true' "$W/A.$t.status" ||
		fail "$t: IKE SA not on port 4500 with natt"
	grep -q '"child_sa".*"encap":true,"wesp":true' "$W/A.$t.status" || fail "$t: Child SA not WESP with UDP encapsulation"
	grep -q 'pair: UDP encapsulation forced (encap: true), using port 4500' "$W/A.log" ||
		fail "$t: A did not force UDP encapsulation: $(grep -m 1 'port 4500' "$W/A.log")"
	ev B status | grep -q '"ike_sa".*\[4500\]","remote":"[0-9.]*\[4500\]".*"natt":true' ||
		fail "$t: B's IKE SA not on port 4500 with natt"
	grep -q '"esp_sa".*"encap":"udp","wesp":true' "$W/A.$t.status" || fail "$t: data plane SA not WESP in UDP"
	wesp_traffic "$t"
	# UDP 4500 payloads: 00000000 (non-ESP marker: IKE) or 00000002 (the
	# WESP protocol identifier, RFC 5840 2.1); nothing of IP 50 or 141
	nw=$(tcpdump -nr "$W/$t.pcap" 'udp port 4500 and udp[8:4] = 2' 2>/dev/null | wc -l)
	nike=$(tcpdump -nr "$W/$t.pcap" 'udp port 4500 and udp[8:4] = 0' 2>/dev/null | wc -l)
	nesp=$(tcpdump -nr "$W/$t.pcap" 'udp port 4500 and udp[8:4] != 0 and udp[8:4] != 2' 2>/dev/null | wc -l)
	nip=$(tcpdump -nr "$W/$t.pcap" 'ip proto 50 or ip proto 141' 2>/dev/null | wc -l)
	echo "  capture: UDP 4500: $nw WESP (identifier 2), $nike IKE (non-ESP marker), $nesp other; IP 50/141: $nip"
	[ "$nw" -gt 20 ] && [ "$nike" -ge 2 ] && [ "$nesp" = 0 ] && [ "$nip" = 0 ] ||
		fail "$t: capture is not WESP in UDP 4500"
	"$ESPVIS" -r "$W/$t.pcap" >"$W/$t.eve" 2>"$W/$t.eve.err" || fail "$t: espvis -r: $(tail -n 2 "$W/$t.eve.err")"
	$PY - "$W/$t.eve" "$esp" <<'PYEOF' || fail "$t: the inspector's view of the capture"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
esp = [e["esp"] for e in evs if e["event_type"] == "esp"]
assert len(esp) >= 2, "esp events: %s" % esp
null = sys.argv[2].startswith("null")
for e in esp:
    assert e["wesp"] is True and e["method"] == "wesp" and e["encap"] == "udp", e
    assert not null or (e["verdict"] == "null" and e["icv_len"] == 16), e
flows = [e for e in evs if e["event_type"] == "flow" and "esp" in e]
icmp = [f for f in flows if f["proto"] == "ICMP"]
tcp = [f for f in flows if f["proto"] == "TCP" and f.get("dest_port") == 5201]
assert not null or (icmp and tcp), [(f["proto"], f.get("dest_port")) for f in flows]
assert not null or (icmp[0]["src_ip"], icmp[0]["dest_ip"]) == ("10.202.1.1", "10.202.2.1"), icmp[0]
print("  inspector: %d esp events (wesp true, encap udp, method wesp, verdict %s); "
      "inner flows: ICMP %s -> %s (%d pkts), TCP %s -> %s:5201 (%d pkts)" % (
      len(esp), esp[0]["verdict"], icmp[0]["src_ip"], icmp[0]["dest_ip"],
      icmp[0]["flow"]["pkts_toserver"] + icmp[0]["flow"]["pkts_toclient"],
      tcp[0]["src_ip"], tcp[0]["dest_ip"],
      tcp[0]["flow"]["pkts_toserver"] + tcp[0]["flow"]["pkts_toclient"]))
PYEOF
	ev B status >"$W/B.$t.status"
	grep -q '"esp_sa".*"encap":"udp","wesp":true.*"in_errors":{}' "$W/B.$t.status" ||
		fail "$t: B's SA not WESP in UDP, or inbound errors: $(grep '"esp_sa"' "$W/B.$t.status")"
	stop_espvis "$NS_A"; stop_espvis "$NS_B"
	san_check
	if [ $fails -eq $before ]; then passes=$((passes + 1)); echo "  ok"
	else echo "  espvis logs:"; tail -n 12 "$W/A.log" "$W/B.log" | sed 's/^/    /'; fi
}

: >"$W/throughput"
for c in $CASES; do
	case $c in
	Snull) run_strongswan "$c" null-sha256;;
	Sgcm) run_strongswan "$c" aes128gcm16;;
	Wnull) run_wesp "$c" null-sha256;;
	Wgcm) run_wesp "$c" aes128gcm16;;
	WUnull) run_wesp_udp "$c" null-sha256;;
	Pnull) run_plain "$c" null-sha256;;
	Pgcm) run_plain "$c" aes128gcm16;;
	*) fail "unknown case $c";;
	esac
done
echo "throughput (Mbit/s, TCP through the TUN of espvis ike, $SECS s):"
sed 's/^/  /' "$W/throughput"
echo "test_ike_dataplane: $passes passed, $fails failures"
[ $fails -eq 0 ]
