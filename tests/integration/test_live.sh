#!/bin/sh
# Live capture (-i, docs/live.md): two private network namespaces joined by
# veth pairs (10.123.x.x inside them only); espvis captures on one end while
# tcpreplay replays the project's captures onto the other, and must find the
# same SAs as when it reads the files (-r): tuple, SPI, verdict, ICV and IV
# lengths, packets, with one pipeline and with --workers 2.  Also: periodic
# and final stats with kernel drop counters,
# SIGHUP, SIGTERM and SIGINT stop cleanly with the inner pcap flushed, -u
# nobody keeps capturing, --pidfile comes and goes, two interfaces with a BPF
# filter, SAs timing out on a quiet link, bad interfaces and filters, an
# interface that disappears.
# Skips (77) without root, network namespaces or tcpreplay.  About 15 s.
top=$(cd "$(dirname "$0")/../.." && pwd)
ESPVIS=${ESPVIS:-$top/build/espvis}

if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: needs root for network namespaces"; exit 77
fi
if ! command -v tcpreplay >/dev/null; then
	echo "skipped: tcpreplay is not installed (make deps-test)"; exit 77
fi
probe=evprobe$$
if ! command -v ip >/dev/null || ! ip netns add "$probe" 2>/dev/null; then
	echo "skipped: ip netns is unusable here"; exit 77
fi
ip netns del "$probe"
[ -x "$ESPVIS" ] || { echo "FAIL: $ESPVIS missing or not executable"; exit 1; }

nsa=evlA$$ nsb=evlB$$			# replay side, capture side
va=evA$$ vb=evB$$ va2=evA2$$ vb2=evB2$$	# veth ends (<= 15 characters)
dir=$(mktemp -d /tmp/espvis-live.XXXXXX) || exit 1
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# IPv6 off before the links come up: no router solicitations or DAD frames
# among the replayed ones, so that every frame read is one replayed.
ip netns add "$nsa" && ip netns add "$nsb" || { echo "FAIL: netns"; exit 1; }
for ns in "$nsa" "$nsb"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
veth() {	# veth A-END B-END SUBNET
	ip link add "$1" netns "$nsa" type veth peer name "$2" netns "$nsb" &&
	ip -n "$nsa" link set "$1" mtu 9000 up &&
	ip -n "$nsb" link set "$2" mtu 9000 up &&
	ip -n "$nsa" addr add "10.123.$3.1/30" dev "$1" &&
	ip -n "$nsb" addr add "10.123.$3.2/30" dev "$2"
}
veth "$va" "$vb" 0 && veth "$va2" "$vb2" 4 || { echo "FAIL: veth setup"; exit 1; }

# Start espvis in the capture namespace; ready once its pidfile exists.
start() {	# start PIDFILE ESPVIS-ARGS...
	pf=$1; shift
	ip netns exec "$nsb" "$ESPVIS" "$@" --pidfile "$pf" \
	    2>"$dir/stderr" &
	pid=$!
	i=0
	while [ ! -s "$pf" ] && [ $i -lt 100 ]; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05; i=$((i + 1))
	done
	[ -s "$pf" ] || { bad "espvis did not start:"; cat "$dir/stderr"; return 1; }
	[ "$(cat "$pf")" -eq "$pid" ] || bad "pidfile holds $(cat "$pf"), not $pid"
}
stop() {	# stop SIGNAL: its exit status in $rc
	kill -"$1" "$pid"; wait "$pid"; rc=$?; pid=
}
replay() {	# replay IFACE FILES...: a modest rate, see docs/live.md
	ifc=$1; shift
	ip netns exec "$nsa" tcpreplay -q -i "$ifc" --pps 2000 "$@" \
	    >"$dir/replay.log" 2>&1 || { bad "tcpreplay failed:"; cat "$dir/replay.log"; }
}
count() { tcpdump -r "$1" -nn ${2:+"$2"} 2>/dev/null | wc -l; }

# What the comparison and the stats checks read from an EVE file.
cat >"$dir/eve.py" <<'EOF'
import json, sys

def events(path):
    with open(path) as f:
        return [json.loads(line) for line in f]

def sa_ends(path):
    out = []
    for e in events(path):
        if e["event_type"] != "esp" or e["esp"]["event"] != "end":
            continue
        x = e["esp"]
        out.append((e["src_ip"], e.get("src_port"), e["dest_ip"],
                    e.get("dest_port"), e["proto"], x["spi"], x["verdict"],
                    x.get("icv_len"), x.get("iv_len"), x["pkts"]))
    return sorted(out, key=repr)

cmd = sys.argv[1]
if cmd == "compare":	# compare LIVE OFFLINE
    live, offline = sa_ends(sys.argv[2]), sa_ends(sys.argv[3])
    for sa in sorted(set(live) ^ set(offline), key=repr):
        print("  only %s: %s" % ("live" if sa in live else "offline", sa))
    print("%d SAs live, %d offline" % (len(live), len(offline)))
    sys.exit(0 if live == offline and live else 1)
if cmd == "protos":	# protos EVE: the protos of the ended SAs
    print(" ".join(sorted(set(sa[4] for sa in sa_ends(sys.argv[2])))))
    sys.exit(0)
if cmd == "reasons":	# reasons EVE: why the SAs ended
    print(" ".join(sorted(set(e["esp"]["end_reason"]
                              for e in events(sys.argv[2])
                              if e["event_type"] == "esp"
                              and e["esp"]["event"] == "end"))))
    sys.exit(0)
stats = [e["stats"] for e in events(sys.argv[2]) if e["event_type"] == "stats"]
if cmd == "final":	# final EVE KEY.PATH: a field of the last stats event
    v = stats[-1]
    for k in sys.argv[3].split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    print(v)
elif cmd == "nstats":	# nstats EVE: how many stats events
    print(len(stats))
EOF
ev() { python3 "$dir/eve.py" "$@"; }

files="pcaps/gen/null_tunnel_v4.pcap pcaps/gen/null_tunnel_v6.pcap
pcaps/gen/natt.pcap pcaps/gen/wesp.pcap pcaps/gen/neg_encrypted.pcap
pcaps/gen/null_transport.pcap pcaps/gen/frag_v4.pcap pcaps/gen/rekey.pcap
pcaps/gen/l2_vlan.pcap pcaps/gen/apps_tunnel.pcap pcaps/strongswan/null-sha256.pcap"
cd "$top" || exit 1
total=0
for f in $files; do total=$((total + $(count "$f"))); done
rargs=
for f in $files; do rargs="$rargs -r $f"; done
# shellcheck disable=SC2086
"$ESPVIS" -q --rules rules $rargs --eve "$dir/offline.json" \
    -w "$dir/offline.pcap" || bad "offline run"

# 1. The captures replayed while espvis runs as nobody, reloading its rules
# on SIGHUP; stopped by SIGTERM.  The pidfile's directory is nobody's so that
# espvis can still remove it after giving up root.
mkdir "$dir/run" && chown nobody "$dir/run" && chmod 755 "$dir"
# The rules it re-reads on SIGHUP as nobody: a copy nobody can reach (the
# checkout may sit in a directory only root can enter, as mktemp -d makes).
cp -r rules "$dir/rules" && chmod -R a+rX "$dir/rules"
start "$dir/run/espvis.pid" -i "$vb" --rules "$dir/rules" --stats-interval 1 \
    -u nobody --eve "$dir/live.json" -w "$dir/live.pcap" || exit 1
uid=$(id -u nobody)
grep -q "^Uid:	$uid	$uid	$uid	$uid$" "/proc/$pid/status" ||
	bad "not running as nobody: $(grep '^Uid:' "/proc/$pid/status")"
kill -HUP "$pid"
# shellcheck disable=SC2086
replay "$va" $files
sleep 1.2				# a periodic stats event, blocks handed over
stop TERM
[ "$rc" -eq 0 ] || { bad "SIGTERM: exit $rc"; cat "$dir/stderr"; }
[ -e "$dir/run/espvis.pid" ] && bad "pidfile left behind"
grep -q "rules reloaded" "$dir/stderr" || bad "SIGHUP: no reload in stderr"
grep -q "kernel drops" "$dir/stderr" || bad "no capture line in the summary"
ev compare "$dir/live.json" "$dir/offline.json" || bad "live SAs differ from the offline run"
[ "$(ev nstats "$dir/live.json")" -ge 2 ] || bad "no periodic stats event"
# Periodic and final stats events alike: read == decoded + skipped + dropped.
python3 tests/integration/evelib.py accounting "$dir/live.json" 2 ||
	bad "live.json: accounting"
python3 tests/integration/evelib.py accounting "$dir/offline.json" ||
	bad "offline.json: accounting"
for k in packets.read capture.interfaces.0.read capture.interfaces.0.received; do
	[ "$(ev final "$dir/live.json" $k)" -eq "$total" ] ||
		bad "stats.$k $(ev final "$dir/live.json" $k), want $total"
done
for k in capture.kernel_drops capture.if_drops; do
	[ "$(ev final "$dir/live.json" $k)" -eq 0 ] ||
		bad "stats.$k $(ev final "$dir/live.json" $k) at 2000 pps"
done
[ "$(count "$dir/live.pcap")" -eq "$(count "$dir/offline.pcap")" ] ||
	bad "inner pcap: $(count "$dir/live.pcap") packets, offline $(count "$dir/offline.pcap")"
echo "1: $total frames replayed; SAs, stats, pidfile, -u, SIGHUP checked"

# 1b. The same with --workers 2 (no -u: the threads are what is tested):
# the same SAs, counters and inner packets as the offline run.
start "$dir/espvis1b.pid" -q -i "$vb" --workers 2 --rules rules \
    --stats-interval 1 --eve "$dir/workers.json" -w "$dir/workers.pcap" || exit 1
kill -HUP "$pid"
# shellcheck disable=SC2086
replay "$va" $files
sleep 1.2
stop TERM
[ "$rc" -eq 0 ] || { bad "--workers 2: exit $rc"; cat "$dir/stderr"; }
ev compare "$dir/workers.json" "$dir/offline.json" ||
	bad "--workers 2: live SAs differ from the offline run"
[ "$(ev nstats "$dir/workers.json")" -ge 2 ] || bad "--workers 2: no periodic stats event"
for k in packets.read capture.interfaces.0.read; do
	[ "$(ev final "$dir/workers.json" $k)" -eq "$total" ] ||
		bad "--workers 2: stats.$k $(ev final "$dir/workers.json" $k), want $total"
done
[ "$(count "$dir/workers.pcap")" -eq "$(count "$dir/offline.pcap")" ] ||
	bad "--workers 2: inner pcap: $(count "$dir/workers.pcap") packets, offline $(count "$dir/offline.pcap")"
echo "1b: --workers 2: the same SAs, stats and inner packets"

# 2. Two interfaces at once, each with the filter; SIGINT stops.  The SAs
# time out while no frame comes: expiry runs on the clock too.
start "$dir/espvis2.pid" -q -i "$vb" -i "$vb2" -f "udp port 4500" \
    --sa-timeout 1 --rules rules --eve "$dir/two.json" || exit 1
replay "$va" pcaps/gen/natt.pcap
replay "$va2" pcaps/gen/wesp.pcap
sleep 3
stop INT
[ "$rc" -eq 0 ] || bad "SIGINT: exit $rc"
[ -e "$dir/espvis2.pid" ] && bad "pidfile left behind after SIGINT"
n1=$(count pcaps/gen/natt.pcap "udp port 4500")
n2=$(count pcaps/gen/wesp.pcap "udp port 4500")
[ "$(ev final "$dir/two.json" capture.interfaces.0.read)" -eq "$n1" ] &&
[ "$(ev final "$dir/two.json" capture.interfaces.1.read)" -eq "$n2" ] &&
[ "$(ev final "$dir/two.json" packets.read)" -eq $((n1 + n2)) ] ||
	bad "two interfaces: read $(ev final "$dir/two.json" packets.read), want $n1 + $n2"
python3 tests/integration/evelib.py accounting "$dir/two.json" ||
	bad "two.json: accounting"
[ "$(ev protos "$dir/two.json")" = "UDP" ] || bad "filter let through: $(ev protos "$dir/two.json")"
[ "$(ev reasons "$dir/two.json")" = "timeout" ] ||
	bad "idle SAs ended by: $(ev reasons "$dir/two.json"), want timeout only"
echo "2: two interfaces, -f: $n1 + $n2 frames"

# 3. Interfaces and filters that cannot be used: one line, no output file.
ip netns exec "$nsb" "$ESPVIS" -q -i evNone$$ --eve "$dir/no.json" 2>"$dir/err"
rc=$?
[ $rc -eq 1 ] && grep -q "evNone$$: no such interface" "$dir/err" ||
	{ bad "missing interface: exit $rc"; cat "$dir/err"; }
[ -e "$dir/no.json" ] && bad "missing interface: an EVE file was created"
ip netns exec "$nsb" "$ESPVIS" -q -i "$vb" -f "udp port" --eve "$dir/no.json" 2>"$dir/err"
rc=$?
[ $rc -eq 2 ] && grep -q "^espvis: -f 'udp port' on $vb: " "$dir/err" ||
	{ bad "bad filter: exit $rc"; cat "$dir/err"; }
ip netns exec "$nsb" "$ESPVIS" -q -i "$vb" -i "$vb" 2>"$dir/err"
[ $? -eq 2 ] && grep -q "given twice" "$dir/err" || bad "-i twice accepted"
echo "3: bad interfaces and filters refused"

# 4. The interface disappears under espvis: exit 1, final stats still out.
start "$dir/espvis4.pid" -q -i "$vb2" --rules rules --eve "$dir/gone.json" || exit 1
replay "$va2" pcaps/gen/null_tunnel_v4.pcap
sleep 0.2
ip -n "$nsa" link del "$va2"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
kill -0 "$pid" 2>/dev/null && bad "espvis still runs after its interface went"
wait "$pid"; rc=$?; pid=
[ $rc -eq 1 ] || { bad "interface gone: exit $rc"; cat "$dir/stderr"; }
grep -q "^espvis: -i $vb2: " "$dir/stderr" || { bad "interface gone: no message"; cat "$dir/stderr"; }
[ "$(ev final "$dir/gone.json" packets.read)" -eq "$(count pcaps/gen/null_tunnel_v4.pcap)" ] ||
	bad "interface gone: final stats missing or short"
echo "4: a vanished interface ends the capture cleanly: $(cat "$dir/stderr")"

[ $fail -eq 0 ] && echo "live: all passed"
exit $fail
