#!/bin/sh
# `make deb` builds a package that dpkg-deb accepts, with the binary,
# both man pages, the rules, the example configuration (a conffile) and
# the systemd unit, depending on the runtime libraries (libmicrohttpd12
# too: the management API of espvis ike links it); unpacked into a
# scratch root (dpkg -x), its espvis runs with the system's libraries.
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
command -v dpkg-deb >/dev/null || { echo "dpkg-deb not installed"; exit 77; }
b=$(basename "$build")
# A package is made from the plain build; the sanitizer run has nothing
# to add here (and would package a binary that needs libasan).
case $b in *san*) echo "packaging is tested with the plain build"; exit 77;; esac
deb=$(make -s -C "$top" deb BUILD="$b" SAN=0 2>"$tmp/log" | tail -n 1)
case $deb in /*) ;; *) deb="$top/$deb";; esac
[ -f "$deb" ] || { cat "$tmp/log"; echo "FAIL: make deb made no package"; exit 1; }
echo "package: $deb ($(wc -c <"$deb") bytes)"

dpkg-deb -I "$deb" >"$tmp/info" || bad "dpkg-deb -I refuses it"
for field in Package:\ espvis Version:\ [0-9] Architecture:\ "$(dpkg --print-architecture)" \
    Maintainer: Installed-Size: Description: Section:; do
	grep -q "^ $field" "$tmp/info" || bad "control lacks '$field'"
done
deps=$(dpkg-deb -f "$deb" Depends)
for p in libc6 libpcap0.8 libndpi4.2 libyaml-0-2 libssl3 libmicrohttpd12; do
	echo "$deps" | grep -q "\(^\|, \)$p (>= [0-9]" || bad "Depends lacks $p: $deps"
done
[ "$(dpkg-deb -I "$deb" conffiles)" = /etc/espvis/espvis.yaml ] || bad "conffiles"

root="$tmp/root"
dpkg -x "$deb" "$root" || { echo "FAIL: dpkg -x"; exit 1; }
for f in usr/bin/espvis usr/share/man/man8/espvis.8.gz \
    usr/share/man/man5/espvis.yaml.5.gz usr/share/espvis/rules/30-policy.yaml \
    etc/espvis/espvis.yaml usr/share/doc/espvis/examples/espvis.yaml \
    usr/share/doc/espvis/copyright lib/systemd/system/espvis.service; do
	[ -f "$root/$f" ] || bad "$f not in the package"
done
grep -q '^ExecStart=/usr/bin/espvis ' "$root/lib/systemd/system/espvis.service" ||
	bad "the unit does not run /usr/bin/espvis"
MANWIDTH=80 man --warnings -l "$root/usr/share/man/man5/espvis.yaml.5.gz" 2>"$tmp/warn" >/dev/null
[ -s "$tmp/warn" ] && { bad "packaged espvis.yaml(5) has warnings"; cat "$tmp/warn"; }

# It runs from there, with the system's libraries.
"$root/usr/bin/espvis" --version >"$tmp/ver" 2>&1 || { bad "--version from the package"; cat "$tmp/ver"; }
grep -q '^espvis [0-9]' "$tmp/ver" && grep -q '^  nDPI ' "$tmp/ver" ||
	{ bad "--version text"; cat "$tmp/ver"; }
# Its rule set is the packaged one, looked for under /usr.
"$root/usr/bin/espvis" -r "$top/pcaps/demo.pcap" --eve "$tmp/e.json" 2>"$tmp/err"
if [ -d /usr/share/espvis/rules ]; then :; else
	grep -q '/usr/share/espvis/rules does not exist' "$tmp/err" ||
		{ bad "the packaged binary looks for its rules elsewhere"; cat "$tmp/err"; }
fi
"$root/usr/bin/espvis" -q -c "$root/etc/espvis/espvis.yaml" -r "$top/pcaps/demo.pcap" \
    --rules "$root/usr/share/espvis/rules" --eve "$tmp/e2.json" ||
	bad "the packaged configuration and rules do not load"
grep -q '"event_type":"alert"' "$tmp/e2.json" || bad "the packaged rules raised no alert"
[ $fail -eq 0 ] && echo "deb: ok"
exit $fail
