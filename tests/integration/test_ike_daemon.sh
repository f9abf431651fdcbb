#!/bin/bash
# The IKE endpoint inside the inspector daemon (docs/ike.md, docs/mgmt.md):
# `espvis -i vB --config B.yaml` captures the sensor's own veth and runs,
# on a thread of its own, the IKEv2 endpoint, its ESP data plane (TUN) and
# the management API that the configuration's `ike:` and `mgmt:` sections
# describe.  A real strongSwan charon (kernel-libipsec, UDP 4500) in the
# other namespace initiates the management tunnel.
#
#   D<esp>  ESP null-sha256 (one pipeline) / aes128gcm16 (--workers 2):
#     - `espvis ike status --socket` answers from the daemon; the daemon
#       runs sandboxed (NoNewPrivs 1, Seccomp 2);
#     - through the tunnel, curl from charon's namespace gets /v1/stats
#       (the inspector's counters: packets read > 0, plus the endpoint's),
#       /v1/sas (the tunnel's own two ESP SAs as the inspector sees them on
#       the veth: null with a 16-byte ICV for null-sha256), /v1/ike, and
#       POST /v1/rules/reload: 200 with the rule count, 500 with the
#       reason for a broken rules file (the rules in use kept: 200 again
#       once it is repaired);
#     - the same request to the sensor's outer address fails (refused);
#     - (null-sha256) a rekey loses no management request: 30 GET
#       /v1/stats through the tunnel, 0.1 s apart, while strongSwan rekeys
#       the Child SA (swanctl --rekey --child c), then 30 more while the
#       sensor does (espvis ike rekey SPI): every one 200 with JSON, the
#       API's request counter increasing; the Child SA's SPIs new on both
#       sides (espvis ike status and swanctl --list-sas agree), the old
#       inbound SA gone from the data plane;
#     - after SIGTERM, exit 0; the EVE file's accounting holds, it has an
#       `esp` event for each of the tunnel's SPIs (both directions), each
#       saying `icv: verified` (the endpoint handed the Child SA's keys to
#       the inspector); the inspector shows the inner flows of the curl
#       requests (TCP to port 8080) with null-sha256 and, decrypted, with
#       aes128gcm16.
#
#   usage: tests/integration/test_ike_daemon.sh        (root)
#   env:   ESPVIS=build/espvis  CASES="Dnull Dgcm"  KEEP=1
# Exit 0 pass, 1 fail, 77 skipped (no root, netns, TUN, curl, charon).
#
# Layout (names end in this shell's PID; nothing leaves the namespaces):
#   idA<pid>: vA 10.83.0.1/24 charon, 10.205.1.1 on lo
#        <-veth->  vB 10.83.0.2/24 :idB<pid> espvis -i vB, TUN idt<pid>
#   selectors 10.205.1.0/24 (A) <-> 10.205.2.0/24 (B); API on 10.205.2.1:8080
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
ESPVIS=${ESPVIS:-$top/build/espvis}
KEEP=${KEEP:-0}
case $(basename "${BUILD:-build}") in
*san*)	CASES=${CASES:-"Dnull"} ;;
*)	CASES=${CASES:-"Dnull Dgcm"} ;;
esac
CHARON=/usr/lib/ipsec/charon
NS_A=idA$$ NS_B=idB$$
OA=10.83.0.1 OB=10.83.0.2 IA=10.205.1.1 IB=10.205.2.1
NET_A=10.205.1.0/24 NET_B=10.205.2.0/24
PORT=8080
PSK=espvis-ike-daemon-psk-0123456789abcdef
PY=python3
W="" CPID="" fails=0

. "$top/tests/integration/sslib.sh"
ss_require root netns tun curl charon espvis

. "$top/tests/integration/netns_cleanup.sh"
W=$(mktemp -d /tmp/espvis-ike-daemon.XXXXXX)
chmod 755 "$W"
fail() { echo "  FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "  ok: $*"; }
inA() { ip netns exec "$NS_A" "$@"; }
inB() { ip netns exec "$NS_B" "$@"; }

ss_netns_pair "$NS_A" "$NS_B" vA vB $OA/24 $OB/24
inA ip addr add $IA/32 dev lo   # charon routes from an address in its TS
printf '%s\n' "$PSK" >"$W/psk"; chmod 600 "$W/psk"

# Self-inspection (issue 7 item 4): every esp event of the tunnel says
# icv: verified.
ICV=1

# --- charon (side A) --------------------------------------------------------
ss_strongswan_conf "$W/A" ""
ss_start_charon "$NS_A"

charon_conf() {   # ESP
	ss_swanctl_conf "$W/A" $OA $OB aes128-sha256-ecp256 "$1" $NET_A $NET_B A.daemon.test B.daemon.test "$PSK"
}

# The sensor's one configuration file: the endpoint and its API.
espvis_conf() {   # ESP
	cat >"$W/B.yaml" <<EOF
ike:
  local_id: B.daemon.test
  listen: [$OB]
  control_socket: $W/B.sock
  retransmit_timeout_ms: 2000
  tun:
    name: idt$$
    address: $IB/32
  peers:
    - name: pair
      local_addr: $OB
      remote_addr: $OA
      auth: psk
      psk_file: $W/psk
      remote_id: A.daemon.test
      ike_proposals: aes128-sha256-ecp256
      esp_proposals: $1
      local_ts: $NET_B
      remote_ts: $NET_A
mgmt:
  port: $PORT
  unix_socket: $W/B.mgmt.sock
EOF
}

ev() { "$ESPVIS" ike "$@" --socket "$W/B.sock"; }
espvis_pid() {
	local p
	for p in $(ip netns pids "$NS_B" 2>/dev/null); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$(readlink -f "$ESPVIS")" ] && echo "$p"
	done
}
# get TAG PATH [curl args]: through the tunnel, from charon's address
get() {
	inA curl -sS -m 5 --interface $IA -o "$W/$1.json" -w '%{http_code}' "${@:3}" \
		"http://$IB:$PORT$2" 2>"$W/$1.err"
}

# child_spis: "IN OUT" of the one INSTALLED Child SA, espvis's view, then
# strongSwan's ("in  SPI," / "out SPI,", crossed), once both list one
child_spis() {
	local s l
	for _ in $(seq 40); do
		s=$(ev status 2>/dev/null | grep '"child_sa"')
		l=$(sw --list-sas 2>/dev/null)
		if [ "$(grep -c . <<<"$s")" = 1 ] && grep -q INSTALLED <<<"$s" &&
		   [ "$(grep -c '^  c: .*INSTALLED' <<<"$l")" = 1 ] && [ "$(grep -c '^  c: ' <<<"$l")" = 1 ] &&
		   ! grep -Eq '^  (queued|active|passive): ' <<<"$l"; then
			echo "$(sed 's/.*"spi_in":"\([0-9a-f]*\)","spi_out":"\([0-9a-f]*\)".*/\1 \2/' <<<"$s")" \
				"$(sed -n 's/^    out \([0-9a-f]\{8\}\),.*/\1/p' <<<"$l")" \
				"$(sed -n 's/^    in  \([0-9a-f]\{8\}\),.*/\1/p' <<<"$l")"
			return 0
		fi
		sleep 0.25
	done
	echo "none"
}

# mgmt_rekey TAG: the management API through a Child SA rekey, once by
# strongSwan (swanctl --rekey --child) and once by the sensor (espvis ike
# rekey SPI): 30 GET /v1/stats, 0.1 s apart, from charon's namespace
# while the rekey runs; every one 200 with a JSON body, the API's request
# counter increasing; the Child SA's SPIs new on both sides afterwards and
# the old inbound SA gone from the sensor's data plane.
mgmt_rekey() {
	local t=$1 who before after n=30
	for who in strongSwan espvis; do
		before=$(child_spis)
		read -r bi bo si so <<<"$before"
		[ -n "${so:-}" ] && [ "$bi" = "$si" ] && [ "$bo" = "$so" ] ||
			{ fail "$t: Child SA before the rekey by $who: '$before'"; return; }
		rm -f "$W/rk.$t".*.json
		inA bash -c 'for i in $(seq '$n'); do
			curl -sS -m 3 --interface '$IA' -o "'"$W/rk.$t"'.$i.json" -w "%{http_code}\n" \
				"http://'$IB:$PORT'/v1/stats" 2>>"'"$W/rk.$t.err"'" || echo "curl $?"
			sleep 0.1; done' >"$W/rk.$t.$who.codes" &
		local lp=$!
		sleep 0.8
		if [ $who = strongSwan ]; then
			sw --rekey --child c >"$W/rk.$t.$who.log" 2>&1 || fail "$t: swanctl --rekey --child c: $(tail -n 1 "$W/rk.$t.$who.log")"
		else
			ev rekey "$bi" >"$W/rk.$t.$who.log" 2>&1 || fail "$t: espvis ike rekey $bi: $(tail -n 1 "$W/rk.$t.$who.log")"
		fi
		wait $lp
		after=$(child_spis)
		read -r ai ao si so <<<"$after"
		if [ -n "${so:-}" ] && [ "$ai" = "$si" ] && [ "$ao" = "$so" ] && [ "$ai" != "$bi" ] && [ "$ao" != "$bo" ]; then
			ok "Child SA rekeyed by $who during the requests: in/out $bi/$bo -> $ai/$ao (swanctl --list-sas agrees)"
		else fail "$t: Child SA after the rekey by $who: espvis/strongSwan '$after', before '$before'"; fi
		ev status | grep -q "\"esp_sa\".*\"spi_in\":\"$bi\"" && fail "$t: old SA $bi still in the data plane"
		if $PY - "$W/rk.$t" "$n" "$W/rk.$t.$who.codes" <<'PYEOF'
import json, sys
base, n = sys.argv[1], int(sys.argv[2])
codes = open(sys.argv[3]).read().split("\n")[:-1]
assert codes == ["200"] * n, "HTTP codes: %s" % codes
reqs = []
for i in range(1, n + 1):
    d = json.load(open("%s.%d.json" % (base, i)))
    assert d["process"] == "espvis" and d["ike"]["ike_sas_established"] == 1, d
    reqs.append(d["mgmt"]["requests"])
assert reqs == sorted(reqs) and len(set(reqs)) == n, reqs
print("  ok: %d of %d GET /v1/stats answered 200 with JSON (mgmt.requests %d -> %d)"
      % (len(codes), n, reqs[0], reqs[-1]))
PYEOF
		then :; else fail "$t: requests during the rekey by $who: $(head -c 300 "$W/rk.$t.err" 2>/dev/null)"; fi
	done
}

run_case() {   # TAG ESP WORKERS
	local t=$1 esp=$2 nw=$3 before=$fails pid code rc spi_in spi_out
	echo "case $t: strongSwan initiates ESP $esp to \`espvis -i vB --workers $nw\` with the endpoint inside"
	charon_conf "$esp"
	sw --load-all >"$W/load.$t.log" 2>&1 || { fail "$t: swanctl --load-all"; return; }
	espvis_conf "$esp"
	cp "$(ls "$top"/rules/*.yaml | head -n 1)" "$W/rules.yaml"
	rm -f "$W/B.sock" "$W/B.eve.json"
	inB "$ESPVIS" -i vB --config "$W/B.yaml" --eve "$W/B.eve.json" \
		--rules "$W/rules.yaml" --stats-interval 0 --workers "$nw" >"$W/B.$t.log" 2>&1 &
	for _ in $(seq 50); do [ -S "$W/B.sock" ] && break; sleep 0.1; done
	[ -S "$W/B.sock" ] || { fail "$t: daemon did not start: $(tail -n 3 "$W/B.$t.log")"; return; }
	pid=$(espvis_pid)
	if grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$pid/status" &&
	   grep -q '^Seccomp:[[:space:]]*2' "/proc/$pid/status"; then
		ok "daemon $pid sandboxed: NoNewPrivs 1, Seccomp 2"
	else fail "$t: daemon not sandboxed: $(grep -E 'NoNewPrivs|Seccomp:' "/proc/$pid/status" | tr '\n' ' ')"; fi
	sw --initiate --child c --timeout 20 >"$W/initiate.$t.log" 2>&1 ||
		fail "$t: swanctl --initiate: $(tail -n 2 "$W/initiate.$t.log")"
	for _ in $(seq 80); do
		ev status >"$W/B.$t.status" 2>/dev/null
		grep -q '"child_sa".*INSTALLED' "$W/B.$t.status" && grep -q '"esp_sa"' "$W/B.$t.status" && break
		sleep 0.25
	done
	grep -q '"esp_sa"' "$W/B.$t.status" || { fail "$t: no Child SA: $(tail -n 5 "$W/B.$t.log")"; return; }
	spi_in=$(grep -m 1 '"child_sa"' "$W/B.$t.status" | sed -n 's/.*"spi_in":"\([0-9a-f]*\)".*/\1/p')
	spi_out=$(grep -m 1 '"child_sa"' "$W/B.$t.status" | sed -n 's/.*"spi_out":"\([0-9a-f]*\)".*/\1/p')
	ok "espvis ike status from the daemon: Child SA in $spi_in out $spi_out"
	grep -q "Child SA in $spi_in out $spi_out: keys handed to the inspector" "$W/B.$t.log" &&
		ok "its keys handed to the inspector" || fail "$t: no key hand-off in the log"
	inA ping -n -q -c 5 -i 0.2 -W 2 -I $IA $IB >"$W/ping.$t.log" 2>&1 ||
		fail "$t: ping through the tunnel: $(grep transmitted "$W/ping.$t.log")"

	# One Python for the three answers: it costs seconds on a loaded machine.
	for r in stats sas ike; do
		code=$(get $r.$t /v1/$r)
		[ "$code" = 200 ] || fail "$t: GET /v1/$r: $code $(cat "$W/$r.$t.err" "$W/$r.$t.json" 2>/dev/null | head -c 300)"
	done
	if $PY - "$W" "$t" "$spi_in" "$spi_out" "$esp" "$OA" "$OB" "$top/tests/integration" "$nw" <<'PYEOF'
import json, sys
w, t, spi_in, spi_out, esp, oa, ob, lib, nw = sys.argv[1:]
sys.path.insert(0, lib)
import evelib
d = json.load(open("%s/stats.%s.json" % (w, t)))
assert d["process"] == "espvis", d
i = d["inspector"]
evelib.check_accounting(i, "/v1/stats")   # the stats event's counters
assert i["workers"] == int(nw) and i["packets"]["read"] > 0, i
assert i["packets"]["esp_udp"] > 0, i["packets"]
assert d["ike"]["ike_sas_established"] == 1 and d["esp"]["in_packets"] >= 1, d
print("  ok: GET /v1/stats: the inspector read %d packets, %d ESP in UDP; the endpoint's ESP in %d"
      % (i["packets"]["read"], i["packets"]["esp_udp"], d["esp"]["in_packets"]))
d = json.load(open("%s/sas.%s.json" % (w, t)))
want = {int(spi_in, 16): (oa, ob), int(spi_out, 16): (ob, oa)}
assert d["inspector"] is True and d["truncated"] is False, d
got = {s["spi"]: s for s in d["sas"]}
for spi, (src, dst) in want.items():
    s = got[spi]
    assert (s["src_ip"], s["dest_ip"]) == (src, dst), s
    assert s["encap"] == "udp" and s["pkts"] > 0, s
    if esp == "null-sha256":
        assert s["verdict"] == "null" and s["icv_len"] == 16, s
print("  ok: GET /v1/sas: the tunnel's SAs %s and %s as the inspector sees them: %s"
      % (spi_in, spi_out, ", ".join("%08x %s" % (k, got[k]["verdict"]) for k in want)))
d = json.load(open("%s/ike.%s.json" % (w, t)))
assert d["child_sas"][0]["spi_in"] == spi_in, d
print("  ok: GET /v1/ike: the Child SA")
PYEOF
	then :; else fail "$t: the API's answers: $(head -c 300 "$W/sas.$t.json")"; fi

	code=$(get reload1.$t /v1/rules/reload -X POST)
	[ "$code" = 200 ] && grep -q '"result":"[0-9]* rules"' "$W/reload1.$t.json" &&
		ok "POST /v1/rules/reload: 200 $(cat "$W/reload1.$t.json")" ||
		fail "$t: reload: $code $(cat "$W/reload1.$t.json" "$W/reload1.$t.err")"
	cp "$W/rules.yaml" "$W/rules.good"
	printf -- '- id: [broken\n' >"$W/rules.yaml"
	code=$(get reload2.$t /v1/rules/reload -X POST)
	[ "$code" = 500 ] && grep -q 'keeping the' "$W/reload2.$t.json" &&
		ok "broken rules: 500 $(head -c 160 "$W/reload2.$t.json")" ||
		fail "$t: broken rules reload: $code $(cat "$W/reload2.$t.json")"
	cp "$W/rules.good" "$W/rules.yaml"
	code=$(get reload3.$t /v1/rules/reload -X POST)
	[ "$code" = 200 ] && cmp -s "$W/reload1.$t.json" "$W/reload3.$t.json" &&
		ok "repaired: 200, the same rule count" || fail "$t: reload after repair: $code $(cat "$W/reload3.$t.json")"

	rc=0; inA curl -sS -m 3 -o /dev/null "http://$OB:$PORT/v1/stats" 2>"$W/outside.$t.err" || rc=$?
	[ $rc -ne 0 ] && ok "the sensor's outer address: curl exit $rc" ||
		fail "$t: the API answered on the outer address"
	code=$(inB curl -sS -m 5 -o /dev/null -w '%{http_code}' --unix-socket "$W/B.mgmt.sock" http://x/v1/sas)
	[ "$code" = 200 ] && ok "unix socket: 200" || fail "$t: unix socket: $code"

	[ "$esp" = null-sha256 ] && mgmt_rekey "$t"
	sw --terminate --ike pair --timeout 5 >/dev/null 2>&1
	kill -TERM "$pid"
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && fail "$t: the daemon did not stop on SIGTERM"
	wait %% 2>/dev/null; rc=$?
	[ $rc -eq 0 ] || fail "$t: exit $rc: $(tail -n 3 "$W/B.$t.log")"
	[ -e "$W/B.sock" ] && fail "$t: control socket left behind"
	grep -q "Child SA in $spi_in out $spi_out: keys withdrawn" "$W/B.$t.log" ||
		fail "$t: the keys were not withdrawn at the end"
	grep -q 'Sanitizer\|runtime error' "$W/B.$t.log" && fail "$t: sanitizer: $(grep -m 1 'Sanitizer\|runtime error' "$W/B.$t.log")"
	if $PY - "$W/B.eve.json" "$spi_in" "$spi_out" "$esp" "$ICV" "$PORT" "$top/tests/integration" <<'PYEOF'
import json, sys
sys.path.insert(0, sys.argv[7])
import evelib
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert evelib.check_all_accounting(ev, sys.argv[1]) >= 1
spis = {int(sys.argv[2], 16), int(sys.argv[3], 16)}
esp = [e for e in ev if e["event_type"] == "esp" and e["esp"]["spi"] in spis]
assert {e["esp"]["spi"] for e in esp} == spis, esp
icv, gcm = sys.argv[5] == "1", sys.argv[4] != "null-sha256"
for e in esp:
    if sys.argv[4] == "null-sha256":
        assert e["esp"]["verdict"] == "null", e
    if icv:
        assert e["esp"].get("icv") == "verified", e
# The curl requests to the API, inside the tunnel: ESP-NULL shows them;
# AES-GCM once the inspector decrypts with the endpoint's keys.
flows = [e for e in ev if e["event_type"] == "flow" and e.get("dest_port") == int(sys.argv[6])
         and e["proto"] == "TCP" and e["esp"]["spi"] in spis]
if not gcm or icv:
    assert flows, "no inner flow to the API port"
print("  %d esp events for the tunnel's SPIs%s" % (len(esp), ", icv verified" if icv else
      " (esp.icv not in this build: not asserted)"))
PYEOF
	then ok "EVE: the management tunnel's own SAs"
	else fail "$t: EVE esp events of the tunnel"; fi
	[ $fails -eq $before ] && echo "  case $t passed"
}

for c in $CASES; do
	case $c in
	Dnull) run_case Dnull null-sha256 1 ;;
	Dgcm) run_case Dgcm aes128gcm16 2 ;;
	*) fail "unknown case $c" ;;
	esac
done
if [ $fails -eq 0 ]; then echo "test_ike_daemon: all passed"; exit 0; fi
echo "test_ike_daemon: $fails failures"; exit 1
