#!/bin/sh
# `make install` honours PREFIX and DESTDIR, and uninstall removes it all.
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
b=$(basename "$build")
san=0
case $b in *san*) san=1;; esac
make -s -C "$top" install BUILD="$b" SAN=$san PREFIX=/opt/ev DESTDIR="$tmp/root" >"$tmp/log" 2>&1 ||
	{ cat "$tmp/log"; echo "FAIL: make install"; exit 1; }
for f in opt/ev/bin/espvis opt/ev/share/man/man8/espvis.8 \
    opt/ev/share/man/man5/espvis.yaml.5; do
	[ -f "$tmp/root/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
"$tmp/root/opt/ev/bin/espvis" --version | grep -q '^espvis ' ||
	{ echo "FAIL: installed binary does not run"; exit 1; }
make -s -C "$top" uninstall BUILD="$b" SAN=$san PREFIX=/opt/ev DESTDIR="$tmp/root" >"$tmp/log" 2>&1 ||
	{ cat "$tmp/log"; echo "FAIL: make uninstall"; exit 1; }
[ -e "$tmp/root/opt/ev/bin/espvis" ] && { echo "FAIL: uninstall left the binary"; exit 1; }
echo "install: ok"
