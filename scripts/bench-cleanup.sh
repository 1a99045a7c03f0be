#!/usr/bin/env bash
# bench-cleanup.sh — the chat history cleanup on a large database:
# `zapflow-bench cleanup` writes CLEANUP_MESSAGES (default 1,000,000)
# messages over 10,000 conversations straight into a freshly started
# `zapflow serve`'s database (generated in SQL, 90% dated before the
# cutoff, 1% of those with cached media, 70% of the conversations with
# only old messages), then reads the inbox in closed loops (GET
# /api/v1/conversations with an API key and the /inbox page with a
# session) while POST /api/v1/cleanup/run cleans it with a 30-day
# retention.
#
# It reports the cleanup's duration (wall and as the server logged it),
# what it removed, and the inbox's latency before and during the cleanup:
# p50/p90/p99/max. Goal: under 20 s, inbox p99 under 100 ms.
#
# Environment (see scripts/bench-lib.sh for the shared ones):
#   BENCH_DBS          default "sqlite" here (postgres works too)
#   PORT, BENCH_POSTGRES_URL
#   CLEANUP_MESSAGES   messages to seed, default 1000000
#   BENCH_ARGS         extra `zapflow-bench cleanup` flags
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bench_name=bench-cleanup
BENCH_DBS=${BENCH_DBS:-sqlite}
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

messages=${CLEANUP_MESSAGES:-1000000}
admin_email=bench-cleanup@zapflow.local
admin_password=bench-cleanup-$$-password

bench_preflight
bench_build

for db in $dbs; do
	printf '\n=== cleanup benchmark: db=%s addr=%s messages=%s\n' "$db" "$addr" "$messages"
	bench_start_server "$db" ZAPFLOW_SANDBOX=true ZAPFLOW_ADMIN_EMAIL="$admin_email" ZAPFLOW_ADMIN_PASSWORD="$admin_password"
	api_key=$(bench_api_key)
	target=(-sqlite "$tmp/data-$db/zapflow.db")
	if [[ $db == postgres ]]; then
		target=(-database-url "$(pg_url_for "$pg_db")")
	fi
	run_child "$tmp/zapflow-bench" cleanup -url "http://$addr" -key "$api_key" -email "$admin_email" -password "$admin_password" \
		"${target[@]}" -messages "$messages" -pid "$server_pid" "${bench_args[@]}" || bench_rc=$?
	bench_stop_server
done
exit "$bench_rc"
