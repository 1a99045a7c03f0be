#!/usr/bin/env bash
# bench-send.sh — measure zapflow's outbound path (API enqueue, per-sender
# pacing, queue-to-sent latency, memory) against a freshly started
# `zapflow serve` with its built-in sandbox, once per database.
#
# `zapflow-bench send` sets each sender's rate_limit and the sandbox's
# throughput to the same value, POSTs template sends round-robin over the
# senders and reads back from the sandbox when each one was accepted: the
# measured per-sender rate should match the configured one, no 1-second
# window should hold more than that, and nothing may fail.
#
# Environment (see scripts/bench-lib.sh for the shared ones):
#   BENCH_DBS, PORT, BENCH_POSTGRES_URL
#   BENCH_ARGS          extra `zapflow-bench send` flags, e.g. "-n 5000 -rate 200 -senders 1"
#   BENCH_PROFILE       a folder: save a CPU profile (send-<db>.pprof, 10 s from
#                       the start of the load) and heap profiles 4 s and 12 s
#                       in (send-<db>-heap-<s>.pprof) of the server, through
#                       ZAPFLOW_DEBUG_ADDR on loopback port PORT+1
#
# Everything listens on / connects to loopback only. A trap stops the server
# and the load generator, drops the scratch database and removes the temp
# dir on any exit, including Ctrl-C.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bench_name=bench-send
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

bench_preflight
bench_build

for db in $dbs; do
	printf '\n=== send benchmark: db=%s addr=%s args=%s\n' "$db" "$addr" "${BENCH_ARGS:-(none)}"
	bench_profile_env
	bench_start_server "$db" ZAPFLOW_SANDBOX=true "${profile_env[@]}"
	api_key=$(bench_api_key)
	wait_templates "$api_key"

	profile_pids=()
	if [[ -n ${BENCH_PROFILE:-} ]]; then
		debug=http://127.0.0.1:$((port + 1))/debug/pprof
		curl -sf -o "$BENCH_PROFILE/send-$db.pprof" "$debug/profile?seconds=10" &
		profile_pids+=($!)
		for at in 4 12; do
			(sleep "$at" && curl -sf -o "$BENCH_PROFILE/send-$db-heap-$at.pprof" "$debug/heap") &
			profile_pids+=($!)
		done
	fi
	run_child "$tmp/zapflow-bench" send -url "http://$addr" -key "$api_key" -pid "$server_pid" "${bench_args[@]}" || bench_rc=$?
	for pid in "${profile_pids[@]}"; do
		wait "$pid" || log "$bench_name: a profile for $db is missing"
	done

	bench_stop_server
done
exit "$bench_rc"
