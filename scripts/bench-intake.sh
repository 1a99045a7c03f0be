#!/usr/bin/env bash
# bench-intake.sh — measure zapflow's webhook intake (throughput, latency,
# memory) against a freshly started `zapflow serve`, once per database.
#
# Target on the 2-core reference machine: >= 10,000 messages/s with
# p99 < 50 ms on SQLite. Each database gets a fresh data dir (and, for
# Postgres, a fresh database) so runs do not inherit each other's state.
#
# Environment (see scripts/bench-lib.sh for the shared ones):
#   BENCH_DBS, PORT, BENCH_POSTGRES_URL
#   DURATION            measured run time, default 10s
#   BENCH_ARGS          extra `zapflow-bench intake` flags, e.g. "-batch 10 -concurrency 128"
#   BENCH_PROFILE       a folder: save a CPU profile of the server under load
#                       there (intake-<db>.pprof), through ZAPFLOW_DEBUG_ADDR
#                       on loopback port PORT+1
#
# Everything listens on / connects to loopback only. A trap stops the server
# and the load generator, drops the scratch database and removes the temp
# dir on any exit, including Ctrl-C.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bench_name=bench-intake
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

duration=${DURATION:-10s}

bench_preflight
bench_build

for db in $dbs; do
	printf '\n=== intake benchmark: db=%s addr=%s duration=%s args=%s\n' \
		"$db" "$addr" "$duration" "${BENCH_ARGS:-(none)}"
	bench_profile_env
	bench_start_server "$db" "${profile_env[@]}"

	echo "--- idle memory (3s)"
	run_child "$tmp/zapflow-bench" rss -pid "$server_pid" -for 3s

	echo "--- load"
	secret=$(bench_sandbox_secret)
	profile_pid=""
	if [[ -n ${BENCH_PROFILE:-} ]]; then
		# The middle of the run: skip a second of warm-up, stop before the end.
		secs=$(( ${duration%s} > 4 ? ${duration%s} - 3 : 1 ))
		(sleep 1 && curl -sf -o "$BENCH_PROFILE/intake-$db.pprof" \
			"http://127.0.0.1:$((port + 1))/debug/pprof/profile?seconds=$secs") &
		profile_pid=$!
	fi
	run_child "$tmp/zapflow-bench" intake -pid "$server_pid" -duration "$duration" \
		-url "http://$addr/webhooks/whatsapp/1" -secret "$secret" "${bench_args[@]}"
	[[ -z $profile_pid ]] || wait "$profile_pid" || log "$bench_name: no CPU profile for $db"
	grep -h VmHWM "/proc/$server_pid/status" 2>/dev/null | sed 's/^/server /' || true

	bench_stop_server
done
