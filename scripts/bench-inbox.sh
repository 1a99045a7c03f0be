#!/usr/bin/env bash
# bench-inbox.sh — the realtime inbox under load: `zapflow-bench inbox`
# signs in as the first admin (who sees every conversation) and holds
# INBOX_STREAMS (default 200) event streams open on a freshly started
# `zapflow serve` with its sandbox, while the bench-flows load runs
# (signed inbound webhooks, each starting a 3-step flow that sends a
# template: every message, queued send, outcome and delivery status is a
# live event every stream receives). Once per database.
#
# It reports the memory per open stream (the server's RSS growth while the
# streams sit idle, divided by their number) and the event delivery delay
# from the event's commit (its created_at, on this machine's clock) to its
# arrival at each stream: p50/p90/p99/max, and the events per stream (all
# streams should receive the same number: nothing lost).
#
# Environment (see scripts/bench-lib.sh for the shared ones):
#   BENCH_DBS, PORT, BENCH_POSTGRES_URL
#   BENCH_ARGS     extra `zapflow-bench flows` flags, default "-n 5000"
#   INBOX_STREAMS  event streams to hold open, default 200
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bench_name=bench-inbox
BENCH_ARGS=${BENCH_ARGS:--n 5000}
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

streams=${INBOX_STREAMS:-200}
admin_email=bench-inbox@zapflow.local
admin_password=bench-inbox-$$-password
inbox_pid=""

# The stream holder runs beside the flows load; stop it on any exit too.
stop_inbox() {
	[[ -n $inbox_pid ]] || return 0
	kill -TERM "$inbox_pid" 2>/dev/null || true
	wait "$inbox_pid" 2>/dev/null || bench_rc=1
	inbox_pid=""
}
trap 'rc=$?; stop_inbox; (exit $rc); cleanup' EXIT

bench_preflight
bench_build

for db in $dbs; do
	printf '\n=== inbox benchmark: db=%s addr=%s streams=%s flows args=%s\n' "$db" "$addr" "$streams" "$BENCH_ARGS"
	bench_start_server "$db" ZAPFLOW_SANDBOX=true ZAPFLOW_ADMIN_EMAIL="$admin_email" ZAPFLOW_ADMIN_PASSWORD="$admin_password"
	api_key=$(bench_api_key)
	wait_templates "$api_key"
	secret=$(bench_sandbox_secret)

	ready=$tmp/inbox-ready-$db
	"$tmp/zapflow-bench" inbox -url "http://$addr" -email "$admin_email" -password "$admin_password" \
		-pid "$server_pid" -streams "$streams" -ready "$ready" &
	inbox_pid=$!
	until [[ -e $ready ]]; do
		alive "$inbox_pid" || die "zapflow-bench inbox ended before its streams were open"
		sleep 0.2
	done

	run_child "$tmp/zapflow-bench" flows -url "http://$addr" -key "$api_key" -secret "$secret" -pid "$server_pid" \
		-senders 6 "${bench_args[@]}" || bench_rc=$?
	# The last statuses trail the last send by a little.
	sleep 3
	echo "--- event streams"
	stop_inbox

	bench_stop_server
done
exit "$bench_rc"
