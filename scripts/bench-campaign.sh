#!/usr/bin/env bash
# bench-campaign.sh — a 100,000-recipient campaign on one sandbox sender,
# at 80/s and at 1,000/s, against a freshly started `zapflow serve`, once
# per database.
#
# `zapflow-bench campaign` seeds the audience straight into the server's
# database (100,000 tagged contacts in a few transactions), sets the
# campaigns' send share to 100% (so the campaign's rate is the sender's
# rate_limit; -share says otherwise) and, per rate, sets the sender's
# rate_limit and the sandbox's throughput to it, creates a campaign,
# times its expansion (the audience preview), starts it, measures its
# pace over a window, pauses it (pause latency), resumes it, and then
# cancels it (80/s: the whole audience would take 21 minutes) or lets it
# finish (1,000/s). Every send the sandbox received is checked against
# the recipient list: none twice, none skipped. The sender's messaging
# limit is set to TIER_UNLIMITED in the database (the sandbox reports
# TIER_2K, 2,000 sends a day) and the sender check, which would read it
# back, is moved out to 24h. With ZAPFLOW_DEBUG_ADDR
# the server is profiled during the run that completes; the profile's
# top functions are printed.
#
# Environment (see scripts/bench-lib.sh for the shared ones):
#   BENCH_DBS, PORT, BENCH_POSTGRES_URL
#   BENCH_ARGS          extra `zapflow-bench campaign` flags, e.g. "-n 20000 -window 60s"
#   BENCH_PROFILE_DIR   where to keep the CPU profiles (default: the temp dir, removed at exit)
#
# Everything listens on / connects to loopback only.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bench_name=bench-campaign
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

debug_addr=127.0.0.1:$((port + 1))

bench_preflight
bench_build
profile_dir=${BENCH_PROFILE_DIR:-$tmp/profiles}

for db in $dbs; do
	printf '\n=== campaign benchmark: db=%s addr=%s args=%s (uptime: %s)\n' "$db" "$addr" "${BENCH_ARGS:-(none)}" "$(uptime)"
	bench_start_server "$db" ZAPFLOW_SANDBOX=true ZAPFLOW_DEBUG_ADDR="$debug_addr" ZAPFLOW_SENDER_CHECK_INTERVAL=24h
	api_key=$(bench_api_key)
	wait_templates "$api_key"
	target=(-sqlite "$tmp/data-$db/zapflow.db")
	if [[ $db == postgres ]]; then
		target=(-database-url "$(pg_url_for "$pg_db")")
	fi
	run_child "$tmp/zapflow-bench" campaign -url "http://$addr" -key "$api_key" -pid "$server_pid" "${target[@]}" \
		-pprof "http://$debug_addr" -profile-dir "$profile_dir/$db" "${bench_args[@]}" || bench_rc=$?
	for p in "$profile_dir/$db"/*.pprof; do
		[[ -e $p ]] || continue
		printf -- '--- CPU profile %s (top 25 by cumulative time)\n' "$p"
		go tool pprof -top -cum -nodecount=25 "$tmp/zapflow" "$p" 2>/dev/null || log "$bench_name: go tool pprof failed on $p"
	done
	bench_stop_server
done
exit "$bench_rc"
