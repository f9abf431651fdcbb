#!/bin/sh
# tests/fuzz/summarize.sh DIR - one markdown table row per fuzz log in
# DIR (fuzz_NAME.log from tests/fuzz/run.sh): executions, speed, final
# coverage (cov: edges, ft: features), corpus, peak RSS, and whether the
# run ended clean.
dir=${1:-build-fuzz}
echo "| target | executions | exec/s | cov | ft | corpus | peak RSS MB | result |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
for log in "$dir"/fuzz_*.log; do
	case $log in *.regress.log) continue;; esac
	n=$(basename "$log" .log)
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.*corp: \([^ ]*\).*/\1/p')
	if grep -q 'ERROR: \|==ERROR\|deadly signal\|Test unit written' "$log"; then
		res="FINDING: $(grep -m1 -o 'SUMMARY: .*' "$log")"
	elif grep -q 'DONE' "$log"; then
		res="clean"
	else
		res="running or stopped"
	fi
	echo "| $n | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?} | ${rss:-?} | $res |"
done
