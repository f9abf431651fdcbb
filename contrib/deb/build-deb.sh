#!/bin/sh
# build-deb.sh BUILD - the Debian package of espvis, from BUILD/espvis-deb
# (espvis linked for PREFIX=/usr: `make deb`).  Writes
# BUILD/espvis_VERSION-1_ARCH.deb and prints its path.
#
# dpkg-deb alone (no debhelper): the tree is laid out here, Depends is
# worked out from the libraries the binary loads (the package owning
# each, at least the version installed here), and --root-owner-group
# makes every file root's without fakeroot.
set -eu
build=${1:?usage: build-deb.sh BUILD}
top=$(cd "$(dirname "$0")/../.." && pwd)
bin="$build/espvis-deb"
version=$(sed -n 's/^#define ESPVIS_VERSION[ 	]*"\(.*\)"/\1/p' "$top/src/version.h")
arch=$(dpkg --print-architecture)
pkg="$build/deb/espvis"
rm -rf "$pkg"
mkdir -p "$pkg/DEBIAN"

install -D -m 0755 "$bin" "$pkg/usr/bin/espvis"
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
    "$pkg/usr/bin/espvis" 2>/dev/null || true
for f in "$top"/rules/*.yaml; do
	install -D -m 0644 "$f" "$pkg/usr/share/espvis/rules/$(basename "$f")"
done
install -D -m 0644 "$top/docs/espvis.8" "$pkg/usr/share/man/man8/espvis.8"
install -D -m 0644 "$top/docs/espvis.yaml.5" "$pkg/usr/share/man/man5/espvis.yaml.5"
gzip -9n "$pkg/usr/share/man/man8/espvis.8" "$pkg/usr/share/man/man5/espvis.yaml.5"
doc="$pkg/usr/share/doc/espvis"
install -D -m 0644 "$top/LICENSE" "$doc/copyright"
install -m 0644 "$top/README.md" "$doc/"
for f in "$top"/docs/*.md; do install -m 0644 "$f" "$doc/"; done
install -D -m 0644 "$top/docs/espvis.yaml" "$doc/examples/espvis.yaml"
# The configuration an administrator edits: a conffile, kept on upgrade.
install -D -m 0644 "$top/docs/espvis.yaml" "$pkg/etc/espvis/espvis.yaml"
echo /etc/espvis/espvis.yaml >"$pkg/DEBIAN/conffiles"
# The unit, pointed at the packaged binary and configuration.
install -d "$pkg/lib/systemd/system"
sed -e 's#/usr/local/bin/espvis#/usr/bin/espvis -c /etc/espvis/espvis.yaml#' \
    "$top/contrib/espvis.service" >"$pkg/lib/systemd/system/espvis.service"
chmod 0644 "$pkg/lib/systemd/system/espvis.service"

# Depends: the package of each library the binary names (DT_NEEDED, as
# dpkg-shlibdeps reads them; what those load in turn is theirs to pull).
# One dpkg -S for all: each call reads the whole file database.
ldd "$bin" >"$build/deb/ldd"
libs=$(objdump -p "$bin" | awk '$1 == "NEEDED" {print $2}' | while read -r so; do
	awk -v so="$so" '$1 == so && $3 ~ /^\// {print $3}' "$build/deb/ldd" |
	    while read -r l; do echo "$l"; readlink -f "$l"; done
done)
depends=$(dpkg -S $libs 2>/dev/null | cut -d: -f1 | sort -u | while read -r p; do
	echo "$p (>= $(dpkg-query -W -f '${Version}' "$p" | sed 's/-[^-]*$//'))"
done | paste -sd, - | sed 's/,/, /g')
size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
cat >"$pkg/DEBIAN/control" <<CONTROL
Package: espvis
Version: $version-1
Architecture: $arch
Maintainer: espvis developers <espvis@localhost>
Installed-Size: $size
Depends: $depends
Section: net
Priority: optional
Homepage: https://example.invalid/espvis
Description: ESP-NULL visibility for IDS and firewalls
 espvis finds every IPsec ESP and WESP security association in packet
 captures, live traffic or an NFQUEUE, decides for each whether it is
 ESP-NULL (RFC 5879 heuristics, RFC 5840 WESP) or encrypted, and exports
 what is inside the ESP-NULL ones: EVE JSON events (file, Unix socket,
 Redis) and a pcap stream of the inner packets for Suricata, Snort,
 tcpdump and Wireshark.
CONTROL
out="$build/espvis_${version}-1_${arch}.deb"
dpkg-deb --root-owner-group -Zgzip --build "$pkg" "$out" >/dev/null
echo "$out"
