#!/bin/bash
# Capture real strongSwan IPsec traffic: two charons (Debian 12's strongSwan,
# userspace ESP through the kernel-libipsec plugin, because the kernel may have
# no ESP) in two private network namespaces joined by a veth pair.  A initiates
# with PSK, negotiates one Child SA with the ESP proposal given, sends known
# traffic through the tunnel and the veth is captured (IKE + ESP) to OUT.pcap.
# OUT.truth.json says which SAs the capture holds (SPIs as seen on the wire,
# algorithms from `swanctl --list-sas`) and what traffic went through them.
#
#   usage: tests/strongswan/sspair.sh PROPOSAL OUT.pcap      (root)
#          PROPOSAL: null-sha1 | null-sha256 | aes128gcm16 | aes128-sha256 | ...
#   env:   REKEY=1   rekey the Child SA halfway (swanctl --rekey): two SPI generations
#          KEEP=1    keep the scratch directory (configs, charon logs) and say where
# Exit 0 done, 77 when the packages it needs cannot be installed, else failure
# (the scratch directory with the charon logs is then kept).
#
# Layout (nothing leaves the two namespaces; names end in this shell's PID):
#   evA<pid>: vA 10.77.0.1/24  <-veth->  vB 10.77.0.2/24 :evB<pid>
#   tunnel 10.201.1.0/24 (A, 10.201.1.1 on lo) <-> 10.201.2.0/24 (B, 10.201.2.1 on lo)
# Traffic A->B: PINGS ICMP echo requests (replies come back), one TCP session
# (TCP_LINES lines to port 5001), UDP_DGRAMS datagrams to port 5002.
# Debian's 5.9.8 libipsec always sends ESP in UDP 4500 and supports tunnel mode only.
set -euo pipefail
PROPOSAL=${1:?usage: $0 PROPOSAL OUT.pcap}
OUT=$(realpath -m "${2:?usage: $0 PROPOSAL OUT.pcap}")
TRUTH=${OUT%.pcap}.truth.json
REKEY=${REKEY:-0} KEEP=${KEEP:-0}
PINGS=10 TCP_LINES=10 UDP_DGRAMS=5
HERE=$(cd "$(dirname "$0")" && pwd)
NS_A=evA$$ NS_B=evB$$
OA=10.77.0.1 OB=10.77.0.2 IA=10.201.1.1 IB=10.201.2.1
PSK=espvis-sspair-psk-0123456789
CHARON=/usr/lib/ipsec/charon
PIDS=()
W=""

[ "$(id -u)" -eq 0 ] || { echo "sspair.sh: needs root (network namespaces)" >&2; exit 77; }

missing() {   # Debian packages this script needs that are not there
	local c
	[ -x $CHARON ] || echo strongswan-charon
	[ -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ] || echo libcharon-extra-plugins
	[ -e /usr/lib/ipsec/plugins/libstrongswan-openssl.so ] || echo libstrongswan-standard-plugins
	for c in swanctl:strongswan-swanctl tcpdump:tcpdump ip:iproute2 socat:socat ping:iputils-ping; do
		command -v "${c%%:*}" >/dev/null || echo "${c#*:}"
	done
}

need() {   # install what is missing; never let a package start a service here
	local pk created=0 apt="apt-get -o DPkg::Lock::Timeout=600 -q"
	pk=$(missing | tr '\n' ' ')
	[ -z "$pk" ] && return 0
	echo "sspair.sh: installing $pk" >&2
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		created=1
	fi
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $apt install -y --no-install-recommends $pk >/dev/null 2>&1 ||
		{ DEBIAN_FRONTEND=noninteractive $apt update >/dev/null 2>&1
		  DEBIAN_FRONTEND=noninteractive $apt install -y --no-install-recommends $pk >/dev/null 2>&1; } || true
	[ $created = 0 ] || rm -f /usr/sbin/policy-rc.d
	pk=$(missing | tr '\n' ' ')
	[ -z "$pk" ] || { echo "sspair.sh: cannot install $pk" >&2; exit 77; }
}

cleanup() {   # only what this run started: its PIDs and whatever runs in its namespaces
	local rc=$? p n
	trap - EXIT INT TERM
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for n in $NS_A $NS_B; do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
	done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	for n in $NS_A $NS_B; do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		ip netns del "$n" 2>/dev/null || true
	done
	if [ -n "$W" ]; then
		if [ "$KEEP" = 1 ] || [ $rc -ne 0 ]; then echo "sspair.sh: logs kept in $W" >&2
		else rm -rf "$W"; fi
	fi
	exit $rc
}

# write_conf SIDE MY_OUTER PEER_OUTER MY_NET PEER_NET PEER_SIDE
write_conf() {
	local d=$W/$1
	mkdir -p "$d/run" "$d/swanctl"
	cat >"$d/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = random nonce openssl pem pkcs1 x509 pubkey kdf sha1 sha2 hmac gcm aes kernel-libipsec kernel-netlink socket-default vici
  plugins {
    vici {
      socket = unix://$d/run/charon.vici
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
  filelog {
    log {
      path = $d/charon.log
      time_format = %T
      flush_line = yes
      default = 1
      cfg = 2
      knl = 2
      esp = 2
    }
  }
}
swanctl {
  load = random openssl pem pkcs1 x509 pubkey
}
EOF
	cat >"$d/swanctl/swanctl.conf" <<EOF
connections {
  pair {
    version = 2
    local_addrs = $2
    remote_addrs = $3
    proposals = aes256-sha256-modp2048
    encap = yes
    mobike = no
    local {
      auth = psk
      id = $1.espvis.test
    }
    remote {
      auth = psk
      id = $6.espvis.test
    }
    children {
      c {
        local_ts = $4
        remote_ts = $5
        mode = tunnel
        esp_proposals = $PROPOSAL
      }
    }
  }
}
secrets {
  ike-pair {
    id-a = A.espvis.test
    id-b = B.espvis.test
    secret = "$PSK"
  }
}
EOF
}

sw() {   # swanctl against side $1's charon
	local s=$1; shift
	STRONGSWAN_CONF=$W/$s/strongswan.conf SWANCTL_DIR=$W/$s/swanctl \
		swanctl "$@" --uri "unix://$W/$s/run/charon.vici"
}
inA() { ip netns exec "$NS_A" "$@"; }
inB() { ip netns exec "$NS_B" "$@"; }

need
trap cleanup EXIT
trap 'exit 130' INT TERM
W=$(mktemp -d /tmp/espvis-sspair.XXXXXX)
mkdir -p "$(dirname "$OUT")"
rm -f "$OUT" "$TRUTH"

# --- namespaces, veth, addresses ------------------------------------------------
ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add vA netns "$NS_A" type veth peer name vB netns "$NS_B"
for n in "$NS_A" "$NS_B"; do
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$n" ip link set lo up
done
inA ip addr add $OA/24 dev vA
inA ip addr add $IA/32 dev lo
inA ip link set vA up
inB ip addr add $OB/24 dev vB
inB ip addr add $IB/32 dev lo
inB ip link set vB up
write_conf A $OA $OB 10.201.1.0/24 10.201.2.0/24 B
write_conf B $OB $OA 10.201.2.0/24 10.201.1.0/24 A

inA tcpdump -Z root -U -s 0 -i vA -w "$OUT" 2>"$W/tcpdump.log" &
PIDS+=($!)
for _ in $(seq 50); do grep -q listening "$W/tcpdump.log" 2>/dev/null && break; sleep 0.1; done

# --- charons: each in its own mount namespace with /run -> $W/X/run, because
# the Debian binary hard-codes /var/run/charon.pid
for s in A B; do
	ns=$NS_A; [ $s = B ] && ns=$NS_B
	ip netns exec "$ns" unshare -m --propagation private sh -c \
		"mount --bind '$W/$s/run' /run && STRONGSWAN_CONF='$W/$s/strongswan.conf' exec $CHARON" \
		>"$W/$s/charon.stdout" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 50); do [ -S "$W/$s/run/charon.vici" ] && break; sleep 0.1; done
	sw $s --load-all >"$W/$s/load.log" 2>&1 || { cat "$W/$s/load.log" >&2; exit 1; }
done

sw A --initiate --child c --timeout 20 >"$W/initiate.log" 2>&1 ||
	{ tail -n 20 "$W/initiate.log" >&2; exit 1; }
sw A --list-sas >"$W/sas1.txt"
grep -q INSTALLED "$W/sas1.txt" || { echo "no Child SA installed" >&2; tail -n 20 "$W/A/charon.log" >&2; exit 1; }

# --- traffic A -> B through the Child SA -------------------------------------------
inB socat -u TCP-LISTEN:5001,bind=$IB,reuseaddr CREATE:"$W/tcp.rx" &
PIDS+=($!)
inB socat -u UDP-RECV:5002,bind=$IB CREATE:"$W/udp.rx" &
PIDS+=($!)
sleep 0.3
if [ "$REKEY" = 1 ]; then   # half the echoes under the first Child SA, the rest under the second
	inA ping -n -c $((PINGS / 2)) -i 0.2 -W 1 -I $IA $IB >"$W/ping1.log" || true
	sw A --rekey --child c >"$W/rekey.log" 2>&1 || { cat "$W/rekey.log" >&2; exit 1; }
	sleep 1
	sw A --list-sas >"$W/sas2.txt"
	inA ping -n -c $((PINGS - PINGS / 2)) -i 0.2 -W 1 -I $IA $IB >"$W/ping2.log" || true
else
	inA ping -n -c $PINGS -i 0.2 -W 1 -I $IA $IB >"$W/ping1.log" || true
fi
seq -f 'ESPVIS-TCP-LINE-%g' $TCP_LINES |
	timeout 10 ip netns exec "$NS_A" socat -u STDIN TCP:$IB:5001,bind=$IA || true
for i in $(seq $UDP_DGRAMS); do
	echo "ESPVIS-UDP-DGRAM-$i" | inA socat -u STDIN UDP-SENDTO:$IB:5002,bind=$IA
	sleep 0.1
done
sleep 0.5
sw A --terminate --ike pair --timeout 5 >/dev/null 2>&1 || true
sleep 0.5
kill "${PIDS[0]}"
wait "${PIDS[0]}" 2>/dev/null || true

# --- truth sidecar -----------------------------------------------------------------
req=0 rep=0
for f in "$W"/ping*.log; do
	req=$((req + $(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$f")))
	rep=$((rep + $(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$f")))
done
cat "$W"/sas*.txt >"$W/sas.txt"
python3 "$HERE/make_truth.py" --proposal "$PROPOSAL" --rekey "$REKEY" --sas "$W/sas.txt" \
	--pcap "$OUT" --icmp-echo "$req" --icmp-reply "$rep" \
	--tcp-rx "$W/tcp.rx" --udp-rx "$W/udp.rx" --inner-a $IA --inner-b $IB >"$TRUTH"
echo "sspair.sh: $PROPOSAL: $(tcpdump -r "$OUT" 2>/dev/null | wc -l) packets in $OUT," \
	"echo $req/$rep, tcp $(wc -l <"$W/tcp.rx") lines, udp $(wc -l <"$W/udp.rx") datagrams; truth in $TRUTH"
