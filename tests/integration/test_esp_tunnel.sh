#!/bin/sh
# The userspace ESP data plane end to end: two esp_peer instances (src/esp
# with fixed test keys) in two private network namespaces joined by a veth,
# each with a TUN device and a route for the other's selector.  For each
# case, ping through the tunnel must work and the SA counters must agree;
# with THROUGHPUT=1 (the default) a TCP transfer measures Mbit/s.
#
#   sh tests/integration/test_esp_tunnel.sh        (root; ESPVIS/BUILD set)
#   env: CASES="suite:encap[:wesp][:v6] ..."  SECS=1 (transfer length;
#        docs/esp-dataplane.md's figures were taken with SECS=3)
#        THROUGHPUT=0 to skip the transfers
# Layout (names end in this shell's PID, removed at exit):
#   etA<pid>: vA 10.88.0.1/24 <-veth-> vB 10.88.0.2/24 :etB<pid>
#   A: tun ept<pid>a 10.202.1.1, selector 10.202.1.0/24 <-> 10.202.2.0/24
#   B: tun ept<pid>b 10.202.2.1
#   :v6 cases: fd88::1/2 outside, fd88:1::/64 <-> fd88:2::/64 inside
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
[ -c /dev/net/tun ] || { echo "no /dev/net/tun"; exit 77; }
command -v ip >/dev/null || { echo "no ip (iproute2)"; exit 77; }
PY=/usr/bin/python3
. "$top/tests/integration/esp_peer_build.sh"
# Under the sanitizer build, one case per framing.
case $(basename "${BUILD:-build}") in
*san*)	CASES=${CASES:-"null-sha256:udp aes128gcm16:ip null-sha256:udp:wesp aes128gmac:ip:wesp null-sha256:ip:wesp:v6"} ;;
*)	CASES=${CASES:-"null-sha256:udp aes128gcm16:udp null-sha256:ip aes128gcm16:ip null-sha256:udp:wesp aes128gmac:ip:wesp null-sha512:udp aes256-sha256:udp null-sha256:ip:wesp:v6 aes128gcm16:udp:v6"} ;;
esac
SECS=${SECS:-1} THROUGHPUT=${THROUGHPUT:-1}
NS_A=etA$$ NS_B=etB$$
OA=10.88.0.1 OB=10.88.0.2 IA=10.202.1.1 IB=10.202.2.1
OA6=fd88::1 OB6=fd88::2 IA6=fd88:1::1 IB6=fd88:2::1
W=$(mktemp -d /tmp/espvis-esptun.XXXXXX)
PIDS=""

cleanup() {   # only what this run started: its PIDs and what runs in its namespaces
	for p in $PIDS $(ip netns pids "$NS_A" 2>/dev/null) $(ip netns pids "$NS_B" 2>/dev/null); do
		kill "$p" 2>/dev/null || true
	done
	sleep 0.2
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
inA() { ip netns exec "$NS_A" "$@"; }
inB() { ip netns exec "$NS_B" "$@"; }
# `ip netns exec` may fork: start through sh so the pid file names the
# program itself, which stop() signals and waits for.
start() {   # NS PIDFILE LOG CMD...
	ns=$1 pf=$2 log=$3
	shift 3
	rm -f "$pf"
	ip netns exec "$ns" sh -c 'echo $$ >"$0"; exec "$@"' "$pf" "$@" \
	    </dev/null >/dev/null 2>"$log" &
	for _ in $(seq 50); do [ -s "$pf" ] && break; sleep 0.05; done
	PIDS="$PIDS $(cat "$pf")"
}
stop() {   # PID...: SIGTERM, then wait until gone
	for p in "$@"; do kill "$p" 2>/dev/null || true; done
	for p in "$@"; do
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
	done
}

ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add vA netns "$NS_A" type veth peer name vB netns "$NS_B"
inA ip link set lo up
inB ip link set lo up
inA ip addr add $OA/24 dev vA
inB ip addr add $OB/24 dev vB
inA ip addr add $OA6/64 dev vA nodad
inB ip addr add $OB6/64 dev vB nodad
inA ip link set vA up
inB ip link set vB up

# A receiver that counts bytes until EOF and prints Mbit/s.
cat >"$W/rx.py" <<'PYEOF'
import socket, sys, time
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5201)); s.listen(1)
open(sys.argv[2] + ".ready", "w").close()
c, _ = s.accept(); n = 0; t0 = None
while True:
    b = c.recv(1 << 16)
    if not b: break
    if t0 is None: t0 = time.monotonic()
    n += len(b)
dt = time.monotonic() - t0
open(sys.argv[2], "w").write("%.1f Mbit/s (%d bytes in %.2f s)\n" % (n * 8 / dt / 1e6, n, dt))
PYEOF
cat >"$W/tx.py" <<'PYEOF'
import socket, sys, time
s = socket.create_connection((sys.argv[1], 5201), timeout=10)
buf = b"\0" * 65536; end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end: s.sendall(buf)
s.close()
PYEOF

n=0 fails=0
for c in $CASES; do
	n=$((n + 1))
	suite=${c%%:*} rest=${c#*:} encap=${rest%%:*} wesp=""
	case $rest in *:wesp*) wesp=--wesp;; esac
	# IPv6 outside and inside (the raw IPv6 sockets, WESP's P flag)
	case $rest in
	*:v6) oa=$OA6 ob=$OB6 ia=$IA6 ib=$IB6 na=fd88:1::/64 nb=fd88:2::/64 pl=128 v=" IPv6";;
	*) oa=$OA ob=$OB ia=$IA ib=$IB na=10.202.1.0/24 nb=10.202.2.0/24 pl=32 v="";;
	esac
	ta=ept$$a tb=ept$$b
	# shellcheck disable=SC2086
	start "$NS_A" "$W/A.pid" "$W/A.$n.log" "$PEER" run --suite "$suite" \
	    --encap "$encap" $wesp --local $oa --remote $ob \
	    --spi-in c0a0000$n --spi-out c0b0000$n --initiator 1 \
	    --tun "$ta" --tun-addr $ia/$pl --ts-local $na \
	    --ts-remote $nb --status "$W/A.$n.json"
	pa=$(cat "$W/A.pid")
	# shellcheck disable=SC2086
	start "$NS_B" "$W/B.pid" "$W/B.$n.log" "$PEER" run --suite "$suite" \
	    --encap "$encap" $wesp --local $ob --remote $oa \
	    --spi-in c0b0000$n --spi-out c0a0000$n --initiator 0 \
	    --tun "$tb" --tun-addr $ib/$pl --ts-local $nb \
	    --ts-remote $na --status "$W/B.$n.json"
	pb=$(cat "$W/B.pid")
	for _ in $(seq 50); do
		[ "$(grep -l 'esp_peer: up' "$W/A.$n.log" "$W/B.$n.log" 2>/dev/null | wc -l)" = 2 ] && break
		sleep 0.1
	done
	ok=1
	inA ping -n -q -c 5 -i 0.2 -W 2 -I $ia $ib >"$W/ping.$n.log" 2>&1 || ok=0
	tput=""
	if [ $ok = 1 ] && [ "$THROUGHPUT" = 1 ]; then
		rm -f "$W/tp.$n" "$W/tp.$n.ready"
		start "$NS_B" "$W/rx.pid" "$W/rx.$n.log" $PY "$W/rx.py" $ib "$W/tp.$n"
		for _ in $(seq 50); do [ -e "$W/tp.$n.ready" ] && break; sleep 0.1; done
		inA $PY "$W/tx.py" $ib "$SECS" || ok=0
		for _ in $(seq 100); do [ -s "$W/tp.$n" ] && break; sleep 0.1; done
		stop "$(cat "$W/rx.pid")"
		tput=$(cat "$W/tp.$n" 2>/dev/null || echo "no result")
	fi
	stop "$pa" "$pb"
	# Both sides counted what the other sent, and nothing failed.
	if ! $PY - "$W/A.$n.json" "$W/B.$n.json" <<'PYEOF'
import json, sys
def sa(p):
    return [json.loads(l)["esp_sa"] for l in open(p) if "esp_sa" in l][0]
a, b = sa(sys.argv[1]), sa(sys.argv[2])
assert a["out_packets"] > 0 and b["out_packets"] > 0, (a, b)
# everything sent arrived or was lost on the veth; nothing was refused
for s in (a, b):
    assert not s["in_errors"], s
print("A out %d in %d, B out %d in %d" % (a["out_packets"], a["in_packets"], b["out_packets"], b["in_packets"]))
PYEOF
	then ok=0; fi
	if [ $ok = 1 ]; then
		echo "ok $suite over$v $encap${wesp:+ (WESP)}: ping 5/5${tput:+, TCP $tput}"
	else
		fails=$((fails + 1))
		echo "FAIL $suite over$v $encap${wesp:+ (WESP)}"
		cat "$W/ping.$n.log" "$W/A.$n.log" "$W/B.$n.log"
	fi
done
[ $fails -eq 0 ] || { echo "test_esp_tunnel: $fails of $n cases failed"; exit 1; }
echo "test_esp_tunnel: $n cases passed"
