# Sourced by the bash tests that run two endpoints in network namespaces
# (test_ike_strongswan.sh, test_ike_dataplane.sh, test_mgmt.sh,
# test_ike_flood.sh): on exit, stop what runs in $NS_A, $NS_B and $NS_C
# (when set), delete them, and keep the scratch directory $W when the
# test failed or KEEP=1.
netns_cleanup() {
	local rc=$? p n
	trap - EXIT INT TERM
	for n in $NS_A $NS_B ${NS_C:-}; do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
	done
	sleep 0.3
	for n in $NS_A $NS_B ${NS_C:-}; do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		ip netns del "$n" 2>/dev/null || true
	done
	if [ -n "$W" ]; then
		if [ "$KEEP" = 1 ] || [ $rc -ne 0 ]; then echo "logs kept in $W" >&2
		else rm -rf "$W"; fi
	fi
	exit $rc
}
trap netns_cleanup EXIT
trap 'exit 130' INT TERM
