#!/bin/bash
# IKE_SA_INIT flood (RFC 7296 2.6, docs/ike.md "Denial of service"):
# `espvis ike` answers a flood of requests from thousands of forged
# sources with stateless COOKIE notifies, keeps its half-open SAs under
# half_open_max, keeps its memory flat and its log quiet, and a real
# strongSwan initiator (Debian's 5.9.8, kernel-libipsec) still brings up
# its IKE SA and Child SA during the flood by sending the cookie back.
# Then a flooder that owns its address and echoes every cookie (what
# cookies cannot stop) fills the half-open table to the cap, and not one
# SA past it.
#
#   usage: tests/integration/test_ike_flood.sh        (root)
#   env:   ESPVIS=build/espvis  BUILD=build  KEEP=1 (keep the scratch dir)
#          FLOOD_PPS=N  the forged flood's rate (default 20000; 5000
#                       under the sanitizer build; 0: as fast as it can)
# Exit 0 pass, 1 fail, 77 skipped (no root, no netns, no charon/swanctl, no cc).
#
# Layout (names end in this shell's PID; nothing leaves the namespaces):
#   ikfA<pid>: vA 10.78.0.1 charon  <-veth->  vB 10.78.0.2 espvis :ikfB<pid>
#   ikfC<pid>: vC 10.79.0.1 flooder <-veth->  vD 10.79.0.2        :ikfB<pid>
#   ikfB routes the forged sources 10.80.0.0/16 back to ikfC, where a
#   blackhole route ends the answers (and ikfC does not forward).
# tests/run.sh runs *.sh with sh: this one needs bash.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
ESPVIS=${ESPVIS:-$top/build/espvis}
KEEP=${KEEP:-0}
CHARON=/usr/lib/ipsec/charon
NS_A=ikfA$$ NS_B=ikfB$$ NS_C=ikfC$$
OA=10.78.0.1 OB=10.78.0.2 OC=10.79.0.1 OD=10.79.0.2
FORGED=10.80            # the forged sources' /16
NET_A=10.202.1.0/24 NET_B=10.202.2.0/24
PSK=espvis-ike-flood-psk-0123456789
COOKIE_THRESHOLD=10 HALF_OPEN_MAX=40
# Memory: the half-open table is bounded (IKE_SA_MAX = 128 records of a
# few kB, and their 8 kB message buffers), the cookie path allocates
# nothing; 8 MB is far above what the bound allows and far below what a
# leak of one allocation a request (10^5 of them) would show.
RSS_GROWTH_MAX_KB=8192
# Log lines: per-request events are logged at most once a second.
LOG_LINES_MAX=60
# Under ASan, freed blocks wait in its quarantine (256 MB by default)
# before reuse, and libcrypto frees a digest context per cookie: keep the
# quarantine small, and allow for ASan's own allocator and shadow pages
# (measured: about 13 MB).  Leaks there are LeakSanitizer's at exit (the
# exit status and the log are checked).
case $(basename "${BUILD:-build}") in
*san*)	FLOOD_PPS=${FLOOD_PPS:-5000} RSS_GROWTH_MAX_KB=32768
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4 ;;
*)	FLOOD_PPS=${FLOOD_PPS:-20000} ;;
esac
FLOOD_SECS=12 ECHO_PPS=300 ECHO_SECS=3
W="" EPID="" CPID=""
fails=0

. "$top/tests/integration/sslib.sh"
ss_require root netns charon
command -v cc >/dev/null || { echo "skipped: no C compiler for the flooder"; exit 77; }
ss_require espvis

. "$top/tests/integration/netns_cleanup.sh"
W=$(mktemp -d /tmp/espvis-ike-flood.XXXXXX)

fail() { echo "  FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "  ok: $*"; }
ev() { "$ESPVIS" ike "$@" --socket "$W/espvis.sock"; }
# snap: `espvis ike status` into $W/status.json; init FIELD: a counter of
# its "ike_init" line (sed, not python: this runs on loaded machines)
snap() { ev status >"$W/status.json" 2>&1; }
init() { grep '^{"ike_init":' "$W/status.json" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$EPID/status"; }
now() { date +%s.%N; }

cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$W/ike_flood" "$top/tests/integration/ike_flood.c" ||
	{ echo "FAIL: cannot build the flooder"; exit 1; }

# --- namespaces -------------------------------------------------------------
ss_netns_pair "$NS_A" "$NS_B" vA vB $OA/24 $OB/24
ss_netns "$NS_C"
ip link add vC netns "$NS_C" type veth peer name vD netns "$NS_B"
ip netns exec "$NS_A" ip addr add 10.202.1.1/32 dev lo
ip netns exec "$NS_B" ip addr add $OD/24 dev vD
ip netns exec "$NS_B" ip link set vD up
ip netns exec "$NS_B" ip route add $FORGED.0.0/16 via $OC
ip netns exec "$NS_C" ip addr add $OC/24 dev vC
ip netns exec "$NS_C" ip link set vC up
ip netns exec "$NS_C" ip route add 10.78.0.0/24 via $OD
ip netns exec "$NS_C" sysctl -qw net.ipv4.ip_forward=0
ip netns exec "$NS_C" ip route add blackhole $FORGED.0.0/16

# --- charon (side A), as in test_ike_strongswan.sh ---------------------------
SS_SWANCTL_LOAD="" ss_strongswan_conf "$W/A" "ike=2 net=2"
ss_swanctl_conf "$W/A" $OA $OB aes128-sha256-modp2048 null-sha256 $NET_A $NET_B A.ike.test B.ike.test "$PSK"
ss_start_charon "$NS_A"
sw --load-all >"$W/load.log" 2>&1 || { echo "FAIL: swanctl --load-all"; cat "$W/load.log"; exit 1; }

# --- espvis (side B): a responder for any address ----------------------------
printf '%s\n' "$PSK" >"$W/psk"
chmod 600 "$W/psk"
cat >"$W/ike.yaml" <<EOF
ike:
  local_id: B.ike.test
  listen: [$OB]
  control_socket: $W/espvis.sock
  cookie_threshold: $COOKIE_THRESHOLD
  half_open_max: $HALF_OPEN_MAX
  peers:
    - name: pair
      local_addr: $OB
      auth: psk
      psk_file: $W/psk
      remote_id: A.ike.test
      ike_proposals: aes128-sha256-modp2048
      esp_proposals: null-sha256
      local_ts: $NET_B
      remote_ts: $NET_A
EOF
ip netns exec "$NS_B" "$ESPVIS" ike --config "$W/ike.yaml" >"$W/espvis.log" 2>&1 &
EPID=$!
for _ in $(seq 50); do [ -S "$W/espvis.sock" ] && break; sleep 0.1; done
[ -S "$W/espvis.sock" ] || { echo "FAIL: espvis ike did not start"; cat "$W/espvis.log"; exit 1; }
rss0=$(rss_kb)

# --- 1. the forged flood, for the whole test -----------------------------------
echo "forged flood: $FLOOD_PPS pps for ${FLOOD_SECS} s from $FORGED.0.0/16 to $OB"
t_flood=$(now)
ip netns exec "$NS_C" "$W/ike_flood" spoof $OB $FORGED $FLOOD_PPS $FLOOD_SECS >"$W/flood.out" 2>&1 &
FPID=$!
sleep 2
snap
req1=$(init init_requests) sent1=$(init cookies_sent) half1=$(init half_open)
echo "  after 2 s: ${req1:-?} requests, ${sent1:-?} COOKIE answers, ${half1:-?} half-open"
[ "${sent1:-0}" -gt 1000 ] && ok "cookies engaged (${sent1} COOKIE answers)" ||
	fail "cookies did not engage: ${sent1:-none} COOKIE answers"
[ "${half1:-0}" -ge $COOKIE_THRESHOLD ] && [ "${half1:-0}" -le $HALF_OPEN_MAX ] ||
	fail "half-open ${half1:-?}: not between cookie_threshold $COOKIE_THRESHOLD and half_open_max $HALF_OPEN_MAX"

# --- 2. strongSwan initiates during the flood ----------------------------------
snap
ok_before=$(init cookie_ok)
t0=$(now)
if sw --initiate --child c --timeout 20 >"$W/initiate.log" 2>&1; then
	t_up=$(awk "BEGIN { printf \"%.2f\", $(now) - $t0 }")
	ok "strongSwan initiated during the flood in ${t_up} s"
else
	t_up=none
	fail "strongSwan could not initiate during the flood"; tail -n 15 "$W/initiate.log" | sed 's/^/    /'
fi
sw --list-sas >"$W/sas.txt" 2>&1
grep -v "^plugin '" "$W/sas.txt" | sed 's/^/    | /'
grep -Eq '^pair: #[0-9]+, ESTABLISHED, IKEv2' "$W/sas.txt" || fail "strongSwan lists no ESTABLISHED IKE SA"
grep -Eq '^  c: #[0-9]+, reqid [0-9]+, INSTALLED, TUNNEL' "$W/sas.txt" || fail "strongSwan lists no INSTALLED Child SA"
snap
grep -q '^{"ike_sa":{"name":"pair","state":"ESTABLISHED"' "$W/status.json" || fail "espvis shows no ESTABLISHED IKE SA"
grep -q '^{"child_sa":.*"state":"INSTALLED"' "$W/status.json" || fail "espvis shows no INSTALLED Child SA"
# While the forged flood keeps the half-open count past the threshold,
# strongSwan got a COOKIE and came back with it: the only right cookies.
ok_after=$(init cookie_ok)
[ "${ok_after:-0}" -gt "${ok_before:-0}" ] && ok "strongSwan followed the COOKIE (cookie_ok ${ok_before} -> ${ok_after})" ||
	fail "no request came back with the right cookie (cookie_ok ${ok_before:-?} -> ${ok_after:-?})"
grep -q 'received COOKIE notify' "$W/A/charon.log" && ok "charon: $(grep -m 1 'received COOKIE notify' "$W/A/charon.log")" ||
	fail "charon's log has no 'received COOKIE notify'"
peak=$(init half_open_peak)
[ "${peak:-999}" -le $((COOKIE_THRESHOLD + 1)) ] && ok "forged sources never got past the cookie: half-open peak $peak" ||
	fail "half-open peak ${peak:-?} during the forged flood (threshold $COOKIE_THRESHOLD)"

# --- 3. a flooder that echoes cookies: the cap holds ---------------------------
echo "cookie-echoing flood: $ECHO_PPS pps for ${ECHO_SECS} s from $OC"
ip netns exec "$NS_C" "$W/ike_flood" echo $OB $OC $ECHO_PPS $ECHO_SECS >"$W/echo.out" 2>&1
sed 's/^/    /' "$W/echo.out"
snap
half=$(init half_open) peak=$(init half_open_peak) dropped=$(init half_open_dropped)
[ "${half:-0}" -eq $HALF_OPEN_MAX ] && [ "${peak:-0}" -eq $HALF_OPEN_MAX ] &&
	ok "half-open table full and never past the cap: $half now, peak $peak, $dropped requests dropped at the cap" ||
	fail "half-open ${half:-?} now, peak ${peak:-?}: expected both at half_open_max $HALF_OPEN_MAX"
[ "${dropped:-0}" -gt 0 ] || fail "no request dropped at the cap"
grep -q '^{"ike_sa":{"name":"pair","state":"ESTABLISHED"' "$W/status.json" || fail "the established IKE SA is gone"

# --- 4. the end of the flood: counters, memory, log, a clean exit ---------------
wait $FPID
t_flood=$(awk "BEGIN { printf \"%.2f\", $(now) - $t_flood }")
sed 's/^/    /' "$W/flood.out"
snap
grep '^{"ike_init":' "$W/status.json" | sed 's/^/    > /'
rss1=$(rss_kb)
req=$(init init_requests) sent=$(init cookies_sent)
rate=$(awk "BEGIN { printf \"%d\", $req / $t_flood }")
echo "  espvis handled $req IKE_SA_INIT requests in ${t_flood} s (~$rate a second), sent $sent COOKIE answers"
echo "  espvis VmRSS ${rss0} kB before, ${rss1} kB after (growth $((rss1 - rss0)) kB, bound $RSS_GROWTH_MAX_KB kB)"
[ $((rss1 - rss0)) -lt $RSS_GROWTH_MAX_KB ] || fail "espvis grew by $((rss1 - rss0)) kB"
[ "${sent:-0}" -gt $((req / 2)) ] || fail "fewer COOKIE answers ($sent) than half the requests ($req)"
lines=$(wc -l <"$W/espvis.log")
[ "$lines" -le $LOG_LINES_MAX ] && ok "espvis logged $lines lines for $req requests" ||
	fail "espvis logged $lines lines (at most $LOG_LINES_MAX: per-request events are rate-limited)"
kill -0 "$EPID" 2>/dev/null || fail "espvis ike is gone"
kill -TERM "$EPID"; wait "$EPID"; rc=$?; EPID=""
[ $rc -eq 0 ] || fail "espvis ike exited $rc after SIGTERM"
grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error' "$W/espvis.log" && fail "sanitizer report in the espvis log"

echo "summary: flood $(sed -n 's/.*: \([0-9]*\) pps.*/\1/p' "$W/flood.out") pps sent, espvis handled ~$rate/s," \
	"cookies sent $sent, half-open peak $peak (cap $HALF_OPEN_MAX), RSS ${rss0}->${rss1} kB," \
	"strongSwan up in ${t_up} s"
if [ $fails -eq 0 ]; then echo "test_ike_flood: passed"; else
	echo "  espvis log:"; tail -n 20 "$W/espvis.log" | sed 's/^/    /'
	echo "test_ike_flood: $fails failures"; fi
[ $fails -eq 0 ]
