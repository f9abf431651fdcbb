#!/bin/sh
# espvis --nfq inline (docs/inline.md), end to end through the kernel.
#
# Three private network namespaces, client - firewall - server, joined by
# two veth pairs on 10.201.1.0/24 and 10.201.2.0/24 (inside them only).
# The firewall forwards; iptables sends ESP (-p esp) and UDP 4500 FORWARD
# traffic to NFQUEUE with --queue-bypass (this kernel has no nftables
# `queue` statement), and espvis --nfq judges it with a rule that drops
# inner TCP to port 23 in ESP-NULL.  tests/integration/nfq_peer.py sends
# hand-made ESP from the client and counts, on the server, what arrives.
#
#   1. policy accept: Telnet (port 23) in ESP-NULL, over ESP and over UDP
#      4500, arrives not once; HTTP (port 80) beside it and random-looking
#      ESP all arrive, paced and in a burst (batched verdicts between
#      drops); stats.nfq counts exactly those verdicts.
#   2. policy hold: the first packet of an encrypted-looking SA waits for
#      the second, which decides the SA, then both arrive; a lone packet
#      of an SA never decided is held, then dropped at the timeout.
#   3. espvis stopped: with --queue-bypass everything arrives again.
#   1 and 2 run again with --workers 2, from four client addresses.
#
# Skips (77) without root, network namespaces, iptables or NFQUEUE.
# About 15 s.
top=$(cd "$(dirname "$0")/../.." && pwd)
ESPVIS=${ESPVIS:-$top/build/espvis}
peer="$top/tests/integration/nfq_peer.py"
queue=7

skip() { echo "skipped: $*"; exit 77; }
fail() { echo "FAIL: $*"; [ -f "$dir/espvis.err" ] && cat "$dir/espvis.err"; exit 1; }

[ -x "$ESPVIS" ] || { echo "FAIL: $ESPVIS missing or not executable"; exit 1; }
# Arguments first (no root needed): each misuse is refused with status 2.
usage_err() {	# wanted message, arguments
	want=$1; shift
	out=$("$ESPVIS" "$@" 2>&1); rc=$?
	[ $rc -eq 2 ] || { echo "FAIL: espvis $*: exit $rc, wanted 2"; exit 1; }
	case $out in *"$want"*) ;; *) echo "FAIL: espvis $*: said '$out'"; exit 1;; esac
}
usage_err "cannot be combined" --nfq 0 -r /dev/null
usage_err "need --nfq NUM" --nfq-fail-open
usage_err "need --nfq-undecided hold" --nfq 0 --nfq-hold 2
usage_err "0 to 65535" --nfq 65536
usage_err "at most half the queue" --nfq 0 --nfq-undecided hold --nfq-maxlen 4 --nfq-hold 3
echo "ok: misuse of the --nfq options refused"

[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
for t in ip iptables python3; do
	command -v $t >/dev/null || skip "$t is not installed"
done

tag=$$
C=evnfq-c-$tag F=evnfq-f-$tag S=evnfq-s-$tag
dir=$(mktemp -d /tmp/espvis-nfq.XXXXXX)
espvis_pid= recv_pid=
cleanup() {
	[ -n "$espvis_pid" ] && kill "$espvis_pid" 2>/dev/null
	[ -n "$recv_pid" ] && kill "$recv_pid" 2>/dev/null
	wait 2>/dev/null
	for n in "$C" "$F" "$S"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$C" 2>/dev/null || skip "ip netns is unusable here"
ip netns add "$F" && ip netns add "$S" || fail "cannot create namespaces"
# Veth ends are created inside the namespaces: nothing on the host.
ip -n "$C" link add c0 type veth peer name fc0 netns "$F" &&
ip -n "$S" link add s0 type veth peer name fs0 netns "$F" ||
	fail "cannot create veth pairs"
ip -n "$C" addr add 10.201.1.1/24 dev c0
ip -n "$F" addr add 10.201.1.254/24 dev fc0
ip -n "$F" addr add 10.201.2.254/24 dev fs0
ip -n "$S" addr add 10.201.2.1/24 dev s0
for n in "$C" "$F" "$S"; do ip -n "$n" link set lo up; done
ip -n "$C" link set c0 up; ip -n "$S" link set s0 up
ip -n "$F" link set fc0 up; ip -n "$F" link set fs0 up
ip -n "$C" route add default via 10.201.1.254
ip -n "$S" route add default via 10.201.2.254
ip netns exec "$F" sysctl -qw net.ipv4.ip_forward=1 || fail "no forwarding"

inf() { ip netns exec "$F" "$@"; }
inf iptables -A FORWARD -p esp -j NFQUEUE --queue-num $queue \
	--queue-bypass 2>"$dir/ipt.err" || skip "iptables NFQUEUE unavailable: $(cat "$dir/ipt.err")"
inf iptables -A FORWARD -p udp --dport 4500 -j NFQUEUE --queue-num $queue \
	--queue-bypass || fail "iptables NFQUEUE for UDP 4500"

cat >"$dir/rules.yaml" <<'EOF'
- id: 9001
  msg: "test: Telnet port inside ESP-NULL"
  action: drop
  severity: 1
  match:
    esp: "null"
    inner_proto: tcp
    dest_port: 23
- id: 9002
  msg: "test: HTTP inside ESP-NULL"
  action: alert
  severity: 3
  match:
    esp: "null"
    inner_proto: tcp
    dest_port: 80
EOF

ip netns exec "$S" python3 "$peer" recv "$dir/counts.json" &
recv_pid=$!
i=0
until [ -f "$dir/counts.json" ]; do	# written once its sockets are open
	i=$((i + 1)); [ $i -lt 50 ] || fail "receiver never started"
	sleep 0.1
done
# Neighbours resolved now, so that no first packet waits on ARP.
ip netns exec "$C" ping -c 1 -W 2 10.201.2.1 >/dev/null || fail "no route"
send() { ip netns exec "$C" python3 "$peer" send 10.201.2.1 "$dir/seq.json" "$@" >/dev/null || fail "sender: $*"; }
# The count of KEY at the server, after the packets in flight settled.
count() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0))' "$dir/counts.json" "$1"; }
settle() { sleep 0.5; }

start_espvis() {	# name, options
	name=$1; shift
	# Not through inf(): a function in the background is a subshell,
	# and $! must be espvis itself (ip netns exec execs it).
	ip netns exec "$F" "$ESPVIS" --nfq $queue --rules "$dir/rules.yaml" \
	    --eve "$dir/$name.json" "$@" 2>"$dir/espvis.err" &
	espvis_pid=$!
	# Bound when the queue shows up in this namespace's nfnetlink_queue.
	i=0
	until inf awk -v q=$queue '$1 == q { f = 1 } END { exit !f }' \
	    /proc/net/netfilter/nfnetlink_queue 2>/dev/null; do
		kill -0 "$espvis_pid" 2>/dev/null || {
			grep -q "Operation not supported\|Protocol not supported" \
			    "$dir/espvis.err" && skip "NFQUEUE: $(cat "$dir/espvis.err")"
			fail "espvis --nfq exited at start: $(cat "$dir/espvis.err")"; }
		i=$((i + 1)); [ $i -lt 50 ] || fail "queue $queue never bound"
		sleep 0.1
	done
}
stop_espvis() {
	kill -TERM "$espvis_pid"; wait "$espvis_pid"; rc=$?; espvis_pid=
	[ $rc -eq 0 ] || fail "espvis exited $rc after SIGTERM"
	# read == decoded + skipped + dropped in every stats event
	python3 "$top/tests/integration/evelib.py" accounting \
	    "$dir/$name.json" || fail "$name.json: accounting"
}
# stats.nfq.FIELD of the final stats event in EVE file $1.
nfqstat() {
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
st = [e for e in ev if e["event_type"] == "stats"]
print(st[-1]["stats"]["nfq"][sys.argv[2]] if st else "no-stats-event")' "$1" "$2"
}
expect() {	# what, got, wanted
	[ "$2" = "$3" ] || fail "$1: got $2, wanted $3"
	echo "ok: $1 = $2"
}

# Before espvis: with --queue-bypass and nobody on the queue, ESP flows.
send 0x1000/esp/null/23/3
settle
expect "bypass before start: Telnet packets at the server" "$(count 4096/23)" 3

# Sections 1 and 2, once with one pipeline and once with --workers 2.
# The workers round uses other SPIs (the server counts per SPI) and sends
# each SA from its own client address, so that the SAs spread over the
# workers and their verdicts come back interleaved (docs/inline.md; the
# dispatch hash is fixed, and tests/unit/test_workers.c checks that
# these four addresses use both workers).
policies() {	# name suffix, SPI offset, source addresses A B C D, espvis options
	sfx=$1 off=$2; shift 2
	fs=$(printf %s "$sfx" | tr -cd a-z0-9)
	if [ -n "$1" ]; then
		sa=/$1 sb=/$2 sc=/$3 sd=/$4
	else
		sa= sb= sc= sd=
	fi
	shift 4
	e1=$((0x1001 + off)) u1=$((0x2001 + off)) r1=$((0x3001 + off))
	r2=$((0x3002 + off)) r3=$((0x3003 + off))

	# 1. Policy accept.  The first HTTP packets decide each ESP-NULL SA.
	start_espvis accept$fs --nfq-fail-open --nfq-maxlen 256 "$@"
	case " $* " in *" -u nobody "*)
		# As nobody (-u) with CAP_NET_ADMIN only: verdicts still taken.
		uid=$(id -u nobody)
		i=0	# the queue is bound before the drop: wait for it
		until grep -q "^Uid:	$uid	$uid	$uid	$uid$" \
		    "/proc/$espvis_pid/status"; do
			i=$((i + 1)); [ $i -lt 30 ] ||
				fail "-u nobody: $(grep '^Uid:' "/proc/$espvis_pid/status")"
			sleep 0.1
		done
		expect "-u nobody: effective capabilities" \
		    "$(awk '/^CapEff:/ { print $2 }' "/proc/$espvis_pid/status")" \
		    0000000000001000
	esac
	send $e1/esp/null/80/3$sa $e1/esp/null/23/5$sa $e1/esp/null/80/5$sa \
		$e1/esp/null/23/5$sa \
		$u1/udp/null/80/3$sb $u1/udp/null/23/6$sb \
		$r1/esp/random/0/10$sc
	settle
	expect "ESP$sfx: Telnet in ESP-NULL at the server" "$(count $e1/23)" 0
	expect "ESP$sfx: HTTP in ESP-NULL at the server" "$(count $e1/80)" 8
	expect "UDP 4500$sfx: Telnet in ESP-NULL at the server" "$(count $u1/23)" 0
	expect "UDP 4500$sfx: HTTP in ESP-NULL at the server" "$(count $u1/80)" 3
	expect "encrypted-looking ESP$sfx at the server" "$(count $r1/-)" 10
	# A burst, so that accepts are batched between drops: still exact.
	burst=""
	for i in 1 2 3 4 5 6 7 8 9 10; do
		burst="$burst $e1/esp/null/80/7$sa $e1/esp/null/23/3$sa $r1/esp/random/0/5$sc"
	done
	NFQ_PEER_GAP=0 send $burst
	settle
	expect "burst$sfx: Telnet at the server" "$(count $e1/23)" 0
	expect "burst$sfx: HTTP at the server" "$(count $e1/80)" 78
	expect "burst$sfx: encrypted-looking ESP at the server" "$(count $r1/-)" 60
	stop_espvis
	ev=$dir/accept$fs.json
	expect "stats.nfq.dropped$sfx" "$(nfqstat "$ev" dropped)" 46
	expect "stats.nfq.accepted$sfx" "$(nfqstat "$ev" accepted)" 141
	echo "info: $(nfqstat "$ev" verdict_msgs) verdict messages for 187 packets"
	expect "stats.nfq.held$sfx" "$(nfqstat "$ev" held)" 0
	# The encrypted SA's first packet is undecided (it takes two), no more.
	expect "stats.nfq.undecided$sfx" "$(nfqstat "$ev" undecided)" 1
	# Alerts: the drop rule's say blocked, the alert rule's allowed.
	expect "alerts of drop rule 9001$sfx" "$(alerts "$ev" 9001)" "True blocked"
	expect "alerts of alert rule 9002$sfx" "$(alerts "$ev" 9002)" "True allowed"

	# 2. Policy hold, expiry drop.
	start_espvis hold$fs --nfq-undecided hold --nfq-hold 4 \
		--nfq-hold-timeout 300 --nfq-hold-expire drop --stats-interval 1 "$@"
	send $r2/esp/random/0/6$sc $r3/esp/random/0/1$sd
	sleep 1
	expect "hold$sfx: encrypted SA, all its packets at the server" "$(count $r2/-)" 6
	expect "hold$sfx: undecided SA's lone packet at the server" "$(count $r3/-)" 0
	stop_espvis
	ev=$dir/hold$fs.json
	expect "hold$sfx: stats.nfq.held" "$(nfqstat "$ev" held)" 2
	expect "hold$sfx: stats.nfq.hold_expired" "$(nfqstat "$ev" hold_expired)" 1
	expect "hold$sfx: stats.nfq.dropped" "$(nfqstat "$ev" dropped)" 1
	expect "hold$sfx: stats.nfq.accepted" "$(nfqstat "$ev" accepted)" 6
	# --stats-interval: periodic stats events during the run carry stats.nfq.
	expect "hold$sfx: periodic stats events with stats.nfq" "$(python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
st = [e for e in ev if e["event_type"] == "stats"]
print(len(st) >= 2 and all("nfq" in e["stats"] for e in st))' "$ev")" True
}
alerts() {	# EVE file, signature id: "N ACTION[,ACTION...]"
	python3 -c 'import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
a = [e["alert"]["action"] for e in ev if e["event_type"] == "alert"
     and e["alert"]["signature_id"] == int(sys.argv[2])]
print(len(a) > 0, ",".join(sorted(set(a))))' "$1" "$2"
}
policies "" 0 "" "" "" "" -u nobody
for a in 3 4 5 6; do ip -n "$C" addr add 10.201.1.$a/24 dev c0; done
policies " (--workers 2)" 0x100 10.201.1.3 10.201.1.4 10.201.1.5 10.201.1.6 \
	--workers 2
# 2c. Hold again, every setting from the configuration file (docs/
# configuration.md, nfq: and workers:), one overridden on the command line.
cat >"$dir/hold.yaml" <<'EOF'
workers: 2
nfq:
  maxlen: 128
  undecided: hold
  hold: 4
  hold_timeout_ms: 60000
  hold_expire: drop
EOF
start_espvis holdconf -c "$dir/hold.yaml" --nfq-hold-timeout 300
send 0x3202/esp/random/0/6/10.201.1.5 0x3203/esp/random/0/1/10.201.1.6
sleep 1
expect "hold -c: encrypted SA, all its packets at the server" "$(count 12802/-)" 6
expect "hold -c: undecided SA's lone packet at the server" "$(count 12803/-)" 0
stop_espvis
expect "hold -c: stats.nfq.held" "$(nfqstat "$dir/holdconf.json" held)" 2
expect "hold -c: stats.nfq.hold_expired" "$(nfqstat "$dir/holdconf.json" hold_expired)" 1
expect "hold -c: stats.nfq.dropped" "$(nfqstat "$dir/holdconf.json" dropped)" 1

# 3. espvis stopped: the bypass lets Telnet through again.
send 0x1001/esp/null/23/4 0x2001/udp/null/23/2
settle
expect "bypass after stop: Telnet over ESP at the server" "$(count 4097/23)" 4
expect "bypass after stop: Telnet over UDP 4500 at the server" "$(count 8193/23)" 2
echo "PASS"
