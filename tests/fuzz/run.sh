#!/bin/sh
# tests/fuzz/run.sh DIR NAME SECONDS - one libFuzzer target (make fuzz).
# First every input of tests/fuzz/regress/NAME (past findings, fixed),
# then SECONDS of fuzzing from DIR/corpus/NAME (seeds, read only) into
# DIR/work/NAME (what the fuzzer finds; kept between runs).  A finding
# is written as DIR/crash-NAME-* and fails the run.
dir=${1:?usage: run.sh DIR NAME SECONDS}
n=${2:?} secs=${3:?}
bin=$dir/fuzz_$n
log=$dir/fuzz_$n.log
if ls tests/fuzz/regress/"$n"/* >/dev/null 2>&1; then
	if ! "$bin" tests/fuzz/regress/"$n"/* >"$dir/fuzz_$n.regress.log" 2>&1
	then
		echo "FAIL $n: a regression input crashes again:"
		tail -n 30 "$dir/fuzz_$n.regress.log"
		exit 1
	fi
fi
mkdir -p "$dir/work/$n" "$dir/corpus/$n"
echo "== $n for ${secs}s"
"$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=2560 -artifact_prefix="$dir/crash-$n-" \
    "$dir/work/$n" "$dir/corpus/$n" >"$log" 2>&1
rc=$?
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' \
    "$log" | tail -n 3
[ $rc -eq 0 ] || { echo "FAIL $n (exit $rc), see $log"; tail -n 40 "$log"; }
exit $rc
