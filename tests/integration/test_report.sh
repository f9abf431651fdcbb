#!/bin/sh
# espvis report: the HTML page of the bundled captures' events has its
# five charts, no script and no external asset, counts bad lines instead
# of failing on them; headless Chromium renders it without a console
# message (a blocked script or asset would log one).  The screenshot and
# the page are kept in BUILD/tests/report/.
top=$(cd "$(dirname "$0")/../.." && pwd)
espvis=${ESPVIS:-$top/build/espvis}
build=${BUILD:-$top/build}
art="$build/tests/report"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$art"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

eve="$tmp/eve.json"
for p in demo.pcap gen/apps_tunnel.pcap gen/apps_transport.pcap \
    gen/neg_encrypted.pcap gen/wesp.pcap gen/null_gmac.pcap; do
	"$espvis" -q -r "$top/pcaps/$p" --rules "$top/rules" --eve "$eve" ||
		bad "espvis -r $p"
done
# Lines the report must skip, and count.
printf '%s\n' 'not json' '{"event_type":"dns","dns":{}}' '{"truncated":' >>"$eve"
head -c 70000 /dev/zero | tr '\0' x >>"$eve"; echo >>"$eve"

start=$(date +%s.%N)
"$espvis" report "$eve" -o "$art/report.html" 2>"$tmp/err" ||
	{ bad "espvis report: exit $?"; cat "$tmp/err"; }
end=$(date +%s.%N)
echo "report: $(wc -c <"$art/report.html") bytes in $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}') s"
grep -q '3 malformed and 1 unknown lines skipped' "$tmp/err" ||
	{ bad "bad lines not counted:"; cat "$tmp/err"; }
sas=$(grep -c '"event":"end"' "$eve")
grep -q ": [0-9]* lines: $sas SAs, " "$tmp/err" || { bad "SA count is not $sas:"; cat "$tmp/err"; }

page="$art/report.html"
for id in chart-sa-verdict chart-sa-icv chart-apps chart-alerts-time chart-talkers; do
	grep -q "<svg id=\"$id\"" "$page" || bad "no chart $id"
done
grep -qi '<script' "$page" && bad "the page has a script"
grep -qiE '(src|href)=' "$page" && bad "the page refers to something outside it"
grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$page" || bad "no CSP"
# Well-formed enough for a strict parser: every SVG is XML.
/usr/bin/python3 - "$page" <<'PY' || bad "an SVG is not well-formed XML"
import re, sys, xml.etree.ElementTree as ET
html = open(sys.argv[1], encoding="utf-8").read()
svgs = re.findall(r"<svg.*?</svg>", html, re.S)
assert len(svgs) == 5, len(svgs)
for s in svgs:
    ET.fromstring(s.replace("&mdash;", "-"))
PY

# Errors are errors: an unreadable input, an unwritable page.
"$espvis" report "$tmp/missing.json" -o "$tmp/x.html" 2>/dev/null; [ $? -eq 1 ] || bad "missing input: not exit 1"
"$espvis" report "$eve" -o "$tmp/none/x.html" 2>/dev/null; [ $? -eq 1 ] || bad "unwritable page: not exit 1"
"$espvis" report 2>/dev/null; [ $? -eq 2 ] || bad "no input: not exit 2"
"$espvis" report -q - -o - <"$eve" | grep -q '<svg id="chart-apps"' || bad "stdin to stdout"

# The browser.  Under the sanitizer build the page is the same bytes; the
# plain build's run renders it.
case $(basename "$build") in *san*)
	[ $fail -eq 0 ] && echo "report: ok (browser run in the plain build)"; exit $fail;;
esac
chromium=$(command -v chromium || command -v chromium-browser)
[ -n "$chromium" ] || { echo "chromium not installed"; exit 77; }
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --no-first-run --user-data-dir="$tmp/chromium" --enable-logging=stderr --v=0 \
    --single-process --no-zygote --disable-extensions --disable-background-networking \
    --disable-component-update --disable-sync --disable-default-apps --mute-audio \
    --window-size=900,2400 --screenshot="$art/report.png" --dump-dom \
    "file://$page" >"$tmp/dom" 2>"$tmp/chromium.log" || bad "chromium: exit $?"
grep 'CONSOLE' "$tmp/chromium.log" && bad "console messages while rendering"
for id in chart-sa-verdict chart-sa-icv chart-apps chart-alerts-time chart-talkers; do
	grep -q "<svg id=\"$id\"[^>]*>.*<rect" "$tmp/dom" || bad "rendered DOM lacks chart $id with bars"
done
[ "$(wc -c <"$art/report.png" 2>/dev/null || echo 0)" -gt 20000 ] ||
	bad "screenshot missing or blank ($art/report.png)"
[ $fail -eq 0 ] && echo "report: ok ($art/report.png)"
exit $fail
