#!/bin/sh
# live_rate.sh - the fastest replay live capture keeps up with, on a veth
# pair between two private network namespaces (10.123.x.x inside them
# only; both removed on every exit).  A generated capture (gen_bench -m
# mixed) is replayed with tcpreplay at each rate while espvis captures on
# the other end; a rate is lossless when espvis read every frame of the
# file and the kernel dropped none (stats.capture in its final stats).
#
#   sh bench/live_rate.sh [-b BUILD] [-n FRAMES] [-m BUFFER_MB] [RATE ...]
#
# RATE is packets per second, or "top" for tcpreplay --topspeed; default:
# 50000 100000 150000 200000 250000 300000 top.  Prints one line per
# rate: asked, achieved (tcpreplay's count), frames read, kernel and
# interface drops, tcpreplay's send failures.  Not part of `make check`:
# it takes a minute or two.  Results: docs/live.md.
top=$(cd "$(dirname "$0")/.." && pwd)
build=build frames=300000 buffer_mb=
while getopts b:n:m: opt; do
	case $opt in
	b) build=$OPTARG;;
	n) frames=$OPTARG;;
	m) buffer_mb=$OPTARG;;
	*) echo "usage: $0 [-b BUILD] [-n FRAMES] [-m BUFFER_MB] [RATE ...]" >&2; exit 2;;
	esac
done
shift $((OPTIND - 1))
rates=${*:-"50000 100000 150000 200000 250000 300000 top"}
espvis=$top/$build/espvis

[ "$(id -u)" -eq 0 ] || { echo "live_rate: needs root (network namespaces)" >&2; exit 77; }
command -v tcpreplay >/dev/null || { echo "live_rate: needs tcpreplay" >&2; exit 77; }
[ -x "$espvis" ] || { echo "live_rate: build $espvis first (make BUILD=$build)" >&2; exit 1; }

nsa=evrA$$ nsb=evrB$$ va=evrA$$ vb=evrB$$
dir=$(mktemp -d /tmp/espvis-rate.XXXXXX) || exit 1
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -O2 -o "$dir/gen_bench" "$top/bench/gen_bench.c" || exit 1
"$dir/gen_bench" -m mixed -n "$frames" -o "$dir/bench.pcap" >/dev/null || exit 1

ip netns add "$nsa" && ip netns add "$nsb" || exit 1
for ns in "$nsa" "$nsb"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
ip link add "$va" netns "$nsa" type veth peer name "$vb" netns "$nsb" || exit 1
ip -n "$nsa" link set "$va" mtu 9000 up
ip -n "$nsb" link set "$vb" mtu 9000 up
ip -n "$nsa" addr add 10.123.8.1/30 dev "$va"
ip -n "$nsb" addr add 10.123.8.2/30 dev "$vb"

final() {	# final FIELD.PATH: from the last stats event
	python3 - "$dir/eve.json" "$1" <<'EOF'
import json, sys
last = None
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event_type"] == "stats":
        last = e["stats"]
for k in sys.argv[2].split("."):
    last = last[int(k)] if isinstance(last, list) else last[k]
print(last)
EOF
}

echo "frames=$frames buffer_mb=${buffer_mb:-default} cpus=$(nproc) kernel=$(uname -r)"
printf '%-8s %10s %10s %12s %8s %8s\n' asked achieved read kernel_drops if_drops failed
for rate in $rates; do
	rm -f "$dir/eve.json" "$dir/pid"
	ip netns exec "$nsb" "$espvis" -q -i "$vb" --rules "$top/rules" \
	    ${buffer_mb:+--buffer-size "$buffer_mb"} --stats-interval 0 \
	    --eve "$dir/eve.json" --pidfile "$dir/pid" 2>"$dir/err" &
	pid=$!
	while [ ! -s "$dir/pid" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	if [ "$rate" = top ]; then speed=--topspeed; else speed="--pps=$rate"; fi
	ip netns exec "$nsa" tcpreplay -K -i "$va" "$speed" "$dir/bench.pcap" \
	    >"$dir/replay" 2>&1
	sleep 1
	kill -TERM "$pid"; wait "$pid"; pid=
	achieved=$(sed -n 's/.*Rated: .* \([0-9.]*\) pps.*/\1/p' "$dir/replay")
	failed=$(sed -n 's/.*Failed packets: *\([0-9]*\).*/\1/p' "$dir/replay")
	printf '%-8s %10s %10s %12s %8s %8s\n' "$rate" "${achieved:-?}" \
	    "$(final packets.read)" "$(final capture.kernel_drops)" \
	    "$(final capture.if_drops)" "${failed:-?}"
done
