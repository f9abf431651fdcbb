#!/bin/sh
# The binary is built hardened (Makefile HARDEN, docs/security.md), as
# Debian's hardening-check would say: a position-independent executable,
# full RELRO (read-only relocations, every symbol bound at start), stack
# protector and fortified libc calls.  Both builds (plain and ASan).
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
[ $fail -eq 0 ] && echo "hardening: PIE, full RELRO, stack protector, $n fortified calls, no executable stack"
exit $fail
