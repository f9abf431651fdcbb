#!/bin/sh
# The binary is built hardened (Makefile HARDEN, docs/security.md), as
# Debian's hardening-check would say: a position-independent executable,
# full RELRO (read-only relocations, every symbol bound at start), stack
# protector and fortified libc calls; and the sandbox is on by default.
# Both builds (plain and ASan).
top=$(cd "$(dirname "$0")/../.." && pwd)
ESPVIS=${ESPVIS:-$top/build/espvis}
command -v readelf >/dev/null || { echo "readelf (binutils) missing"; exit 77; }
fail=0
bad() { echo "FAIL: $*"; fail=1; }

readelf -h "$ESPVIS" | grep -q 'Type: *DYN' || bad "not PIE: $(readelf -h "$ESPVIS" | grep Type:)"
readelf -d "$ESPVIS" | grep -q '(FLAGS_1).*PIE' || bad "no PIE flag in the dynamic section"
readelf -lW "$ESPVIS" | grep -q GNU_RELRO || bad "no GNU_RELRO segment"
readelf -d "$ESPVIS" | grep -Eq '\(BIND_NOW\)|\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW' ||
	bad "not bound now (partial RELRO only)"
syms=$(readelf -W --dyn-syms "$ESPVIS")
echo "$syms" | grep -q ' __stack_chk_fail' || bad "no stack protector (__stack_chk_fail)"
n=$(echo "$syms" | grep -c ' __[a-z]*_chk@')
[ "$n" -ge 3 ] || bad "fortified calls: only $n __*_chk functions"
readelf -lW "$ESPVIS" | grep GNU_STACK | grep -q RWE && bad "executable stack"
# The sandbox is on by default (docs/security.md): a running espvis has
# no_new_privs and a seccomp filter; --no-sandbox has neither.  It waits
# on an empty FIFO (-r -) while its /proc status is read.
tmp=$(mktemp -d) || exit 1
trap 'exec 7>&-; rm -rf "$tmp"' EXIT
sandbox_status() {	# [options]: "NoNewPrivs Seccomp" of a running espvis
	mkfifo "$tmp/in"
	"$ESPVIS" -q -r - --rules "$top/rules" --eve "$tmp/eve.json" "$@" \
	    <"$tmp/in" &
	pid=$!
	exec 7>"$tmp/in"
	i=0
	until grep -q 'Seccomp:.*[12]' "/proc/$pid/status" 2>/dev/null ||
	    [ $i -ge 20 ]; do sleep 0.1; i=$((i + 1)); done
	awk '/^NoNewPrivs:/ { n = $2 } /^Seccomp:/ { s = $2 }
	    END { print n, s }' "/proc/$pid/status"
	cat "$top/pcaps/demo.pcap" >&7
	exec 7>&-
	wait $pid || echo "exit $?"
	rm -f "$tmp/in"
}
got=$(sandbox_status)
[ "$got" = "1 2" ] || bad "sandbox by default: NoNewPrivs Seccomp = $got, want 1 2"
got=$(sandbox_status --no-sandbox)
[ "$got" = "0 0" ] || bad "--no-sandbox: NoNewPrivs Seccomp = $got, want 0 0"
python3 "$top/tests/integration/evelib.py" accounting "$tmp/eve.json" ||
	bad "sandboxed run: accounting"

[ $fail -eq 0 ] && echo "sandbox: on by default (no_new_privs, seccomp filter), off with --no-sandbox"
[ $fail -eq 0 ] && echo "hardening: PIE, full RELRO, stack protector, $n fortified calls, no executable stack"
exit $fail
