# Sourced by test_esp_*.sh: builds tests/integration/esp_peer.c against
# $BUILD/libespvis.a (with the sanitizers when the library has them) into
# $BUILD/tests/esp_peer and sets PEER.  Not a test itself (no test_ prefix).
top=${top:?}
BUILD=${BUILD:-$top/build}
[ -f "$BUILD/libespvis.a" ] || { echo "no $BUILD/libespvis.a (make first)"; exit 77; }
PKGS="libpcap libndpi libgcrypt yaml-0.1 libcrypto hiredis libnetfilter_queue"
san=""
if nm "$BUILD/libespvis.a" 2>/dev/null | grep -q __asan_report; then
	san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
fi
PEER=$BUILD/tests/esp_peer
mkdir -p "$BUILD/tests"
if [ ! -x "$PEER" ] || [ "$top/tests/integration/esp_peer.c" -nt "$PEER" ] ||
    [ "$BUILD/libespvis.a" -nt "$PEER" ]; then
	# shellcheck disable=SC2046,SC2086
	cc -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wsign-compare \
	    -Wno-missing-field-initializers -O2 -g -D_GNU_SOURCE $san \
	    $(pkg-config --cflags $PKGS) -I"$top/src" -o "$PEER" \
	    "$top/tests/integration/esp_peer.c" "$BUILD/libespvis.a" \
	    $(pkg-config --libs $PKGS) -lm -lpthread || exit 1
fi
