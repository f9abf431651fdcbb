#!/bin/bash
# The management API of `espvis ike` (docs/mgmt.md), end to end: two
# `espvis ike` endpoints with their ESP data planes in private network
# namespaces joined by a veth pair (names end in this shell's PID; removed
# at exit).  B, the sensor, serves the API on its TUN address and on a
# unix socket.
#
#   - a `mgmt:` on 0.0.0.0, or on an address that is not the TUN's, is
#     refused at start;
#   - before the tunnel exists, A cannot reach the API, not even by
#     routing B's TUN address over the veth (the listener is bound to the
#     TUN device too);
#   - once the Child SA is up, curl from A's namespace through the tunnel
#     (A's TUN address -> B's TUN address) gets /v1/stats (200, JSON with
#     the data plane's counters), /v1/ike (the Child SA), /v1/sas (empty,
#     the inspector does not run in `espvis ike`), 404, 405, 501;
#   - the same request to B's outer (veth) address is refused (curl exit
#     7, connection refused), and B listens on TCP only on its TUN address;
#   - the unix socket answers in B's namespace;
#   - B runs sandboxed (NoNewPrivs 1, Seccomp 2 in /proc/PID/status).
#
#   usage: tests/integration/test_mgmt.sh        (root)
#   env:   ESPVIS=build/espvis  KEEP=1 (keep the scratch directory)
# Exit 0 pass, 1 fail, 77 skipped (no root, netns, TUN, curl).
#
# Layout:
#   mgA<pid>: vA 10.81.0.1/24  <-veth->  vB 10.81.0.2/24 :mgB<pid>
#   A: espvis ike, TUN mgta<pid> 10.204.1.1/32 (initiator)
#   B: espvis ike, TUN mgtb<pid> 10.204.2.1/32, mgmt on 10.204.2.1:8080
#   selectors 10.204.1.0/24 (A) <-> 10.204.2.0/24 (B), ESP null-sha256
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
ESPVIS=${ESPVIS:-$top/build/espvis}
KEEP=${KEEP:-0}
NS_A=mgA$$ NS_B=mgB$$
OA=10.81.0.1 OB=10.81.0.2 IA=10.204.1.1 IB=10.204.2.1
NET_A=10.204.1.0/24 NET_B=10.204.2.0/24
PORT=8080
PSK=espvis-mgmt-psk-0123456789abcdef0123
fails=0 W=""

. "$top/tests/integration/sslib.sh"
ss_require root netns tun curl espvis

. "$top/tests/integration/netns_cleanup.sh"
W=$(mktemp -d /tmp/espvis-mgmt.XXXXXX)
fail() { echo "  FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "  ok: $*"; }
inA() { ip netns exec "$NS_A" "$@"; }
inB() { ip netns exec "$NS_B" "$@"; }

ss_netns_pair "$NS_A" "$NS_B" vA vB $OA/24 $OB/24
printf '%s\n' "$PSK" >"$W/psk"; chmod 600 "$W/psk"

# conf FILE NAME LOCAL REMOTE LOCAL_ID REMOTE_ID LTS RTS TUN TUNADDR START [MGMT...]
conf() {
	local f=$1 start=${11}
	cat >"$f" <<EOF
ike:
  local_id: $5
  listen: [$3]
  control_socket: $W/$2.sock
  retransmit_timeout_ms: 2000
  tun:
    name: $9
    address: ${10}/32
  peers:
    - name: pair
      local_addr: $3
      remote_addr: $4
      auth: psk
      psk_file: $W/psk
      remote_id: $6
      ike_proposals: aes128-sha256-ecp256
      esp_proposals: null-sha256
      local_ts: $7
      remote_ts: $8
      start_action: $start
EOF
	shift 11
	[ $# -gt 0 ] && printf '%s\n' "$@" >>"$f"
}
start_espvis() {   # NS NAME: start, wait for its control socket
	rm -f "$W/$2.sock"
	ip netns exec "$1" "$ESPVIS" ike --config "$W/$2.yaml" -v >"$W/$2.log" 2>&1 &
	for _ in $(seq 50); do [ -S "$W/$2.sock" ] && return 0; sleep 0.1; done
	fail "espvis ike $2 did not start: $(tail -n 3 "$W/$2.log")"
	return 1
}
ev() { local s=$1; shift; "$ESPVIS" ike "$@" --socket "$W/$s.sock"; }

# --- refused configurations --------------------------------------------
echo "case refuse: mgmt on a wildcard or on another address than the TUN's"
conf "$W/bad1.yaml" bad1 $OB $OA B.mgmt.test A.mgmt.test $NET_B $NET_A mgtx$$ $IB none \
	"mgmt:" "  listen: 0.0.0.0" "  port: $PORT"
if inB "$ESPVIS" ike --config "$W/bad1.yaml" >"$W/bad1.log" 2>&1; then
	fail "listen 0.0.0.0 accepted"
elif grep -q "never a wildcard" "$W/bad1.log"; then ok "0.0.0.0 refused: $(head -n 1 "$W/bad1.log")"
else fail "0.0.0.0: unexpected message: $(head -n 2 "$W/bad1.log")"; fi
conf "$W/bad2.yaml" bad2 $OB $OA B.mgmt.test A.mgmt.test $NET_B $NET_A mgtx$$ $IB none \
	"mgmt:" "  listen: $OB" "  port: $PORT"
if inB "$ESPVIS" ike --config "$W/bad2.yaml" >"$W/bad2.log" 2>&1; then
	fail "listen on the outer address accepted"
elif grep -q "is not the TUN address" "$W/bad2.log"; then ok "outer address refused: $(head -n 1 "$W/bad2.log")"
else fail "outer address: unexpected message: $(head -n 2 "$W/bad2.log")"; fi

# --- the sensor B and its peer A ----------------------------------------
echo "case tunnel: the API through the tunnel, not from outside"
conf "$W/B.yaml" B $OB $OA B.mgmt.test A.mgmt.test $NET_B $NET_A mgtb$$ $IB none \
	"mgmt:" "  port: $PORT" "  unix_socket: $W/B.mgmt.sock"
conf "$W/A.yaml" A $OA $OB A.mgmt.test B.mgmt.test $NET_A $NET_B mgta$$ $IA none
start_espvis "$NS_B" B || exit 1
for _ in $(seq 50); do [ -S "$W/B.mgmt.sock" ] && break; sleep 0.1; done
grep -q "management API on $IB:$PORT unix:$W/B.mgmt.sock" "$W/B.log" &&
	ok "B: $(grep 'management API' "$W/B.log")" || fail "B: no start-up line for the API: $(tail -n 3 "$W/B.log")"
listen=$(inB ss -ltnH | awk '{print $4}' | sort | tr '\n' ' ')
if [ "$listen" = "$IB%mgtb$$:$PORT " ]; then ok "B listens on TCP only on $listen (address and device)"
else fail "B's TCP listeners: '$listen' (want $IB%mgtb$$:$PORT only)"; fi
start_espvis "$NS_A" A || exit 1
# `espvis ike` runs sandboxed once its sockets, TUN and API are open.
for p in $(ip netns pids "$NS_B"); do
	[ "$(readlink "/proc/$p/exe")" = "$(readlink -f "$ESPVIS")" ] || continue
	if grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$p/status" &&
	   grep -q '^Seccomp:[[:space:]]*2' "/proc/$p/status"; then
		ok "espvis ike $p sandboxed: NoNewPrivs 1, Seccomp 2"
	else fail "espvis ike not sandboxed: $(grep -E 'NoNewPrivs|Seccomp:' "/proc/$p/status" | tr '\n' ' ')"; fi
done

# Before the tunnel: no way in from A.
rc=0; inA curl -sS -m 3 -o /dev/null "http://$IB:$PORT/v1/stats" 2>"$W/pre.err" || rc=$?
[ $rc -ne 0 ] && ok "before the tunnel: curl exit $rc ($(head -c 80 "$W/pre.err"))" ||
	fail "API reachable before the tunnel exists"

# refused PORT ADDR: what connect() from A's namespace says
refused() {
	inA python3 -c '
import errno, socket, sys
s = socket.socket(); s.settimeout(5)
try:
    s.connect((sys.argv[1], int(sys.argv[2]))); print("connected")
except OSError as e:
    print(errno.errorcode.get(e.errno, e))' "$1" "$PORT"
}
# Linux accepts a packet for any local address on any interface (the
# weak host model): an outsider who routes B's TUN address over the veth
# must still find no listener there (SO_BINDTODEVICE on the TUN device).
inA ip route add $IB/32 via $OB dev vA
why=$(refused $IB)
[ "$why" = ECONNREFUSED ] && ok "B's TUN address routed over the veth, not the tunnel: connect(): $why" ||
	fail "B's TUN address routed over the veth: connect(): $why"
inA ip route del $IB/32 via $OB dev vA

ev A initiate pair >/dev/null || fail "initiate"
up=0
for _ in $(seq 80); do
	ev B status >"$W/B.status" 2>/dev/null
	ev A status >"$W/A.status" 2>/dev/null
	if grep -q '"child_sa".*INSTALLED' "$W/A.status" && grep -q '"esp_sa"' "$W/A.status" &&
	   grep -q '"esp_sa"' "$W/B.status"; then up=1; break; fi
	sleep 0.25
done
[ $up = 1 ] || { fail "no Child SA: $(tail -n 5 "$W/A.log")"; exit 1; }
ok "Child SA up"

# get NAME URL: through the tunnel from A's namespace; the body in $W/NAME.json
get() {
	inA curl -sS -m 5 -o "$W/$1.json" -w '%{http_code}' "${@:3}" "http://$IB:$PORT$2" 2>"$W/$1.err"
}
code=$(get stats /v1/stats)
if [ "$code" = 200 ] && python3 - "$W/stats.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["process"] == "ike", d
assert d["ike"]["ike_sas_established"] == 1 and d["ike"]["child_sas"] >= 1, d
assert d["esp"]["sas"] >= 1 and d["esp"]["in_packets"] >= 1, d   # this request came in by ESP
assert d["esp"]["tun_in"] >= 1 and d["esp"]["tun_out"] >= 1, d
assert d["mgmt"]["requests"] >= 0, d
PYEOF
then ok "GET /v1/stats through the tunnel: 200, $(head -c 160 "$W/stats.json")..."
else fail "GET /v1/stats through the tunnel: $code $(cat "$W/stats.err" "$W/stats.json" 2>/dev/null | head -c 300)"; fi

code=$(get ike /v1/ike)
if [ "$code" = 200 ] && python3 - "$W/ike.json" "$W/B.status" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
st = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
child = [s["child_sa"] for s in st if "child_sa" in s]
assert len(d["ike_sas"]) == 1 and d["ike_sas"][0]["state"] == "ESTABLISHED", d
assert d["ike_sas"][0]["remote_id"] == "A.mgmt.test", d
c = d["child_sas"][0]
assert c["spi_in"] == child[0]["spi_in"] and c["alg"] == "NULL/HMAC_SHA2_256_128", (c, child)
assert c["local_ts"] == ["10.204.2.0/24"] and c["esp"]["in_packets"] >= 1, c
init = [s["ike_init"] for s in st if "ike_init" in s]
assert len(init) == 1 and set(d["ike_init"]) == set(init[0]), (d["ike_init"], init)
assert all(d["ike_init"][k] >= init[0][k] for k in init[0] if k != "half_open"), d["ike_init"]
PYEOF
then ok "GET /v1/ike: the Child SA as \`espvis ike status\` shows it, with ESP counters and ike_init"
else fail "GET /v1/ike: $code $(head -c 300 "$W/ike.json")"; fi

code=$(get sas /v1/sas)
[ "$code" = 200 ] && grep -q '"inspector":false' "$W/sas.json" && grep -q '"sas":\[\]' "$W/sas.json" &&
	ok "GET /v1/sas: $(cat "$W/sas.json")" || fail "GET /v1/sas: $code $(cat "$W/sas.json")"
code=$(get nf /v1/nothing)
[ "$code" = 404 ] && grep -q '"error"' "$W/nf.json" && ok "404: $(cat "$W/nf.json")" || fail "404: $code"
code=$(get m405 /v1/stats -X DELETE)
[ "$code" = 405 ] && ok "405: $(cat "$W/m405.json")" || fail "405: $code"
code=$(get rl /v1/rules/reload -X POST)
[ "$code" = 501 ] && ok "POST /v1/rules/reload: 501 $(cat "$W/rl.json")" || fail "reload: $code $(cat "$W/rl.json")"
code=$(get body /v1/rules/reload -X POST --data-binary @/etc/hostname)
[ "$code" = 413 ] && ok "a request body: 413" || fail "a body: $code"

# The outer address: nothing listens there.
# curl says "Couldn't connect" (exit 7); the errno says why: a RST.
rc=0; inA curl -sS -m 5 -o /dev/null "http://$OB:$PORT/v1/stats" 2>"$W/outer.err" || rc=$?
why=$(refused $OB)
if [ $rc = 7 ] && [ "$why" = ECONNREFUSED ]; then ok "B's veth address $OB: curl exit 7, connect(): $why"
else fail "B's veth address $OB: curl exit $rc, connect(): $why"; fi

# The unix socket, in B's namespace.
code=$(inB curl -sS -m 5 -o "$W/unix.json" -w '%{http_code}' --unix-socket "$W/B.mgmt.sock" http://localhost/v1/stats 2>"$W/unix.err")
[ "$code" = 200 ] && grep -q '"process":"ike"' "$W/unix.json" && ok "unix socket: 200" ||
	fail "unix socket: $code $(cat "$W/unix.err")"
[ "$(stat -c %a "$W/B.mgmt.sock")" = 600 ] && ok "unix socket mode 0600" || fail "unix socket mode $(stat -c %a "$W/B.mgmt.sock")"

# Many requests: B's memory does not grow with them.
pid=""
for p in $(ip netns pids "$NS_B"); do
	[ "$(readlink "/proc/$p/exe")" = "$(readlink -f "$ESPVIS")" ] && pid=$p
done
rss0=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
for _ in $(seq 200); do inA curl -s -m 5 -o /dev/null "http://$IB:$PORT/v1/ike" || true; done
rss1=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
if ldd "$ESPVIS" 2>/dev/null | grep -q libasan; then
	# ASan's quarantine holds freed memory: LeakSanitizer at exit judges.
	ok "200 more requests (ASan build: RSS ${rss0} -> ${rss1} kB not judged)"
elif [ $((rss1 - rss0)) -lt 2048 ]; then ok "200 more requests: RSS ${rss0} -> ${rss1} kB"
else fail "RSS grew ${rss0} -> ${rss1} kB over 200 requests"; fi

# A clean stop removes the unix socket.
for p in $(ip netns pids "$NS_B"); do kill -TERM "$p" 2>/dev/null; done
for _ in $(seq 50); do [ -S "$W/B.mgmt.sock" ] || break; sleep 0.1; done
[ -S "$W/B.mgmt.sock" ] && fail "unix socket left after exit" || ok "unix socket removed at exit"
for _ in $(seq 50); do [ -z "$(ip netns pids "$NS_B")" ] && break; sleep 0.1; done
grep -q "Sanitizer" "$W/B.log" "$W/A.log" && fail "sanitizer report: $(grep -h -m 3 Sanitizer "$W/B.log" "$W/A.log")"

if [ $fails -ne 0 ]; then echo "$fails failure(s)"; exit 1; fi
echo "all passed"
exit 0
