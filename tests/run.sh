#!/bin/sh
# Run the test suite against one build directory.
#   tests/run.sh BUILD [unit|integration]
# Unit tests: every Check program built under BUILD/tests/unit.
# Integration tests: every tests/integration/test_*.sh and test_*.py, each given
# ESPVIS (the binary) and BUILD in its environment; exit 77 means skipped
# for a reason it prints.
build=${1:?usage: tests/run.sh BUILD [unit|integration]}
what=${2:-all}
top=$(cd "$(dirname "$0")/.." && pwd)
ESPVIS="$top/$build/espvis"
BUILD="$top/$build"
export ESPVIS BUILD
# Debian's tools first: `make deps-test` installs what the tests drive
# (python3 with python3-scapy and python3-cryptography, tshark, ...) under
# /usr.  A python3 found earlier in PATH, such as pyenv's shim (a chain of
# shell scripts, ~0.2 s per start on an idle 2-core machine, seconds on a
# loaded one), would cost that on each of the suite's hundreds of starts.
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH
# Check's per-test timeouts are set for a quiet machine; a shared or
# sanitized run may be several times slower.
CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-4}
export CK_TIMEOUT_MULTIPLIER
# Under the sanitizers (a BUILD named *san*), each Check program runs its
# tests in one process: with a child forked per test (Check's default),
# LeakSanitizer scanned the whole process at every child's exit, ~0.1 s a
# test, two minutes of the sanitizer round for its ~1150 tests.  A leak,
# an ASan or a UBSan report still fails the program, at exit or at once;
# the plain round keeps a process per test and Check's per-test timeouts,
# and here `timeout` bounds each program instead (CK_FORK=yes: as plain).
unit_wrap=""
case $(basename "$BUILD") in
*san*)	[ "${CK_FORK:-no}" = no ] && unit_wrap="env CK_FORK=no timeout 900";;
esac
pass=0 fail=0 skip=0
failed=""

run_one() {
	name=$1; shift
	log="$BUILD/tests/logs/$(basename "$name").log"
	mkdir -p "$BUILD/tests/logs"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) pass=$((pass + 1)); echo "PASS $name (${secs}s)";;
	77) skip=$((skip + 1)); echo "SKIP $name: $(tail -n 1 "$log")";;
	*) fail=$((fail + 1)); failed="$failed $name"
	   echo "FAIL $name (exit $rc), last lines of $log:"; tail -n 30 "$log";;
	esac
}

if [ "$what" != integration ]; then
	for t in "$BUILD"/tests/unit/test_*; do
		[ -x "$t" ] || continue
		# shellcheck disable=SC2086
		run_one "unit/$(basename "$t")" $unit_wrap "$t"
	done
fi
if [ "$what" != unit ]; then
	for t in "$top"/tests/integration/test_*.sh "$top"/tests/integration/test_*.py; do
		[ -f "$t" ] || continue
		case $t in
		*.py) run_one "integration/$(basename "$t")" python3 "$t";;
		*) run_one "integration/$(basename "$t")" sh "$t";;
		esac
	done
fi
echo "[$build]${failed:+ failed:$failed}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
