# Sourced by the bash tests that run espvis against strongSwan's charon
# (Debian's 5.9.8, kernel-libipsec) or against itself in private network
# namespaces (test_ike_strongswan.sh, test_ike_flood.sh,
# test_ike_daemon.sh, test_ike_dataplane.sh, test_mgmt.sh): the checks
# that skip them, the namespaces and their veth pair, charon's
# strongswan.conf and swanctl.conf, starting charon and talking to it.
# The exit trap that removes the namespaces is netns_cleanup.sh.
# Everything here is bash; the functions read ESPVIS and CHARON when set.
CHARON=${CHARON:-/usr/lib/ipsec/charon}

# ss_require CHECK...: each check in order; when it fails, print why and
# exit 77 (skipped), or 1 for `espvis`.  Checks:
#   root    the test runs as root
#   netns   `ip` exists and `ip netns add` works (a probe namespace)
#   tun     /dev/net/tun exists
#   curl    curl is installed
#   charon  $CHARON, swanctl and the kernel-libipsec plugin are installed
#   espvis  $ESPVIS is executable (else FAIL, exit 1)
ss_require() {
	local c probe=ssprobe$$
	for c in "$@"; do
		case $c in
		root)	[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root (network namespaces)"; exit 77; } ;;
		netns)	if ! command -v ip >/dev/null || ! ip netns add "$probe" 2>/dev/null; then
				echo "skipped: ip netns is unusable here"; exit 77
			fi
			ip netns del "$probe" ;;
		tun)	[ -c /dev/net/tun ] || { echo "skipped: no /dev/net/tun"; exit 77; } ;;
		curl)	command -v curl >/dev/null || { echo "skipped: no curl"; exit 77; } ;;
		charon)	if [ ! -x "$CHARON" ] || ! command -v swanctl >/dev/null ||
			   [ ! -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ]; then
				echo "skipped: strongSwan charon, swanctl or kernel-libipsec missing"; exit 77
			fi ;;
		espvis)	[ -x "$ESPVIS" ] || { echo "FAIL: $ESPVIS missing or not executable"; exit 1; } ;;
		*)	echo "ss_require: unknown check '$c'" >&2; exit 1 ;;
		esac
	done
}

# ss_netns NS: create namespace NS with IPv6 off and lo up.
ss_netns() {
	ip netns add "$1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$1" ip link set lo up
}

# ss_netns_pair NS_A NS_B IF_A IF_B ADDR_A/LEN ADDR_B/LEN: both namespaces
# (ss_netns), joined by a veth pair IF_A (in NS_A) <-> IF_B (in NS_B),
# each end with its address and up.
ss_netns_pair() {
	ss_netns "$1"; ss_netns "$2"
	ip link add "$3" netns "$1" type veth peer name "$4" netns "$2"
	ip netns exec "$1" ip addr add "$5" dev "$3"
	ip netns exec "$1" ip link set "$3" up
	ip netns exec "$2" ip addr add "$6" dev "$4"
	ip netns exec "$2" ip link set "$4" up
}

# ss_strongswan_conf DIR LOGLEVELS [CHARON_LINE...]: DIR/run (charon's
# /run: its vici socket DIR/run/charon.vici) and DIR/swanctl, and
# DIR/strongswan.conf for charon: the plugins kernel-libipsec needs,
# retransmit_timeout 2 s and 3 tries, vici on that socket, no syslog, a
# file log DIR/charon.log at level 1 plus LOGLEVELS ("ike=2 cfg=2": a
# subsystem=level each), and each CHARON_LINE (e.g. "fragment_size =
# 500") inside `charon { }`.  A `swanctl { load = ... }` section for PSK
# and certificates unless SS_SWANCTL_LOAD is set empty.  Sets SS_DIR=DIR
# for sw and ss_start_charon.
ss_strongswan_conf() {
	local d=$1 lv=$2 l s
	SS_DIR=$d
	shift 2
	mkdir -p "$d/run" "$d/swanctl"
	{
		echo "charon {"
		echo "  load_modular = no"
		echo "  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey kdf sha1 sha2 hmac gcm aes kernel-libipsec kernel-netlink socket-default vici"
		echo "  retransmit_timeout = 2"
		echo "  retransmit_tries = 3"
		for l in "$@"; do echo "  $l"; done
		echo "  plugins {"
		echo "    vici {"
		echo "      socket = unix://$d/run/charon.vici"
		echo "    }"
		echo "  }"
		echo "  syslog {"
		echo "    daemon {"
		echo "      default = -1"
		echo "    }"
		echo "  }"
		echo "  filelog {"
		echo "    log {"
		echo "      path = $d/charon.log"
		echo "      time_format = %T"
		echo "      flush_line = yes"
		echo "      default = 1"
		for s in $lv; do echo "      ${s%%=*} = ${s#*=}"; done
		echo "    }"
		echo "  }"
		echo "}"
		s=${SS_SWANCTL_LOAD-random openssl pem pkcs1 pkcs8 x509 pubkey}
		if [ -n "$s" ]; then
			echo "swanctl {"
			echo "  load = $s"
			echo "}"
		fi
	} >"$d/strongswan.conf"
}

# ss_start_charon NS [DIR]: start charon in NS with DIR/strongswan.conf
# (DIR defaults to SS_DIR), in a mount namespace of its own where DIR/run
# is /run; its output in DIR/charon.stdout, its PID (of the wrapper) in
# CPID.  Waits up to 5 s for the vici socket; without it, FAIL and exit 1.
ss_start_charon() {
	local d=${2:-$SS_DIR}
	ip netns exec "$1" unshare -m --propagation private sh -c \
		"mount --bind '$d/run' /run && STRONGSWAN_CONF='$d/strongswan.conf' exec $CHARON" \
		>"$d/charon.stdout" 2>&1 &
	CPID=$!
	for _ in $(seq 50); do [ -S "$d/run/charon.vici" ] && break; sleep 0.1; done
	[ -S "$d/run/charon.vici" ] || { echo "FAIL: charon did not start"; tail "$d/charon.stdout"; exit 1; }
}

# ss_swanctl DIR ARGS...: swanctl with DIR's strongswan.conf, swanctl
# directory and vici socket.  sw ARGS...: the same for SS_DIR.
ss_swanctl() {
	local d=$1
	shift
	STRONGSWAN_CONF=$d/strongswan.conf SWANCTL_DIR=$d/swanctl \
		swanctl "$@" --uri "unix://$d/run/charon.vici"
}
sw() { ss_swanctl "$SS_DIR" "$@"; }

# ss_swanctl_conf DIR ADDR_A ADDR_B IKE ESP LTS RTS ID_A ID_B PSK: write
# DIR/swanctl/swanctl.conf: connection `pair` (IKEv2, ADDR_A -> ADDR_B,
# IKE proposals IKE, no MOBIKE), its Child SA `c` (tunnel LTS <-> RTS,
# ESP proposals ESP), and the secret PSK for ID_A and ID_B.  Optional,
# as variables set for the call:
#   SS_AUTH=pubkey  certificates instead of the PSK (auth of both ends)
#   SS_FRAG=yes     fragmentation (default no)
#   SS_CONN         lines for the connection (e.g. "encap = yes")
#   SS_LOCAL        lines for its `local { }` (e.g. "certs = A.crt")
#   SS_CHILDREN     more Child SA sections (text inside `children { }`)
#   SS_SECRET_IDS   "IDA IDB" for the secret when not ID_A ID_B
ss_swanctl_conf() {
	local auth=${SS_AUTH:-psk} ids=${SS_SECRET_IDS:-$8 $9} l
	{
		echo "connections {"
		echo "  pair {"
		echo "    version = 2"
		echo "    local_addrs = $2"
		echo "    remote_addrs = $3"
		echo "    proposals = $4"
		echo "    mobike = no"
		echo "    fragmentation = ${SS_FRAG:-no}"
		[ -n "${SS_CONN:-}" ] && printf '    %s\n' "$SS_CONN"
		echo "    local {"
		echo "      auth = $auth"
		echo "      id = $8"
		[ -n "${SS_LOCAL:-}" ] && printf '      %s\n' "$SS_LOCAL"
		echo "    }"
		echo "    remote {"
		echo "      auth = $auth"
		echo "      id = $9"
		echo "    }"
		echo "    children {"
		echo "      c {"
		echo "        local_ts = $6"
		echo "        remote_ts = $7"
		echo "        mode = tunnel"
		echo "        esp_proposals = $5"
		echo "      }"
		[ -n "${SS_CHILDREN:-}" ] && printf '%s\n' "$SS_CHILDREN"
		echo "    }"
		echo "  }"
		echo "}"
		echo "secrets {"
		echo "  ike-pair {"
		echo "    id-a = ${ids% *}"
		echo "    id-b = ${ids#* }"
		echo "    secret = \"${10}\""
		echo "  }"
		echo "}"
	} >"$1/swanctl/swanctl.conf"
}
