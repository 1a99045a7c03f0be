#!/usr/bin/env bash
# bench-multi.sh — several `zapflow serve` processes on one PostgreSQL
# database: does each sender keep its rate in total, with no 130429, no
# duplicate and no lost message, and does a killed instance hand its
# senders over?
#
# Every instance sends to one shared sandbox (the first instance's, via
# ZAPFLOW_SANDBOX_GRAPH_URL), so the sandbox counts all their sends per
# number and answers 130429 beyond the rate, as Meta would.
# `zapflow-bench send -also …` POSTs round-robin to the instances.
#
#   1. one instance:  one sandbox sender at 80/s, then at 1,000/s (with
#      -preload: the API takes fewer than 1,000 messages/s on a small
#      machine, so the sender trickles at 1/s until the queue is full and
#      its pacing is measured from its first send at the new rate)
#   2. two instances: the same runs, POSTs spread over both
#   3. failover: three instances (the first only hosts the sandbox: it
#      takes no POSTs and sends nothing, ZAPFLOW_SEND_DISPATCH=false), 80/s; once 30% is sent the instance holding the
#      sender's lease is SIGKILLed; the others must send the rest, each
#      message exactly once. ZAPFLOW_SEND_LEASE=10s here, so messages the
#      killed one had claimed come back 10 s later instead of 2 min.
#
# Environment (see scripts/bench-lib.sh): PORT (the instances use PORT,
# PORT+1, PORT+2), BENCH_POSTGRES_URL, and
#   BENCH_N80, BENCH_N1000   messages in the 80/s and 1,000/s runs
#                            (default 2400 and 10000)
#   BENCH_ONLY=failover      run the failover run only
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bench_name=bench-multi
BENCH_DBS=postgres
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

n80=${BENCH_N80:-2400}
n1000=${BENCH_N1000:-10000}
extra_pids=()

# stop_extra: SIGTERM the instances after the first, then wait for them.
stop_extra() {
	local pid
	for pid in "${extra_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${extra_pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	extra_pids=()
}
trap 'rc=$?; set +e; stop_extra; (exit $rc); cleanup' EXIT

# start_more N [VAR=value…]: N more instances on the first one's database
# and data folder (its secret key), on PORT+1…
start_more() {
	local n=$1 i a
	shift
	for ((i = 1; i <= n; i++)); do
		a=127.0.0.1:$((port + i))
		env -u ZAPFLOW_DATABASE_URL "${server_env[@]}" ZAPFLOW_ADDR="$a" "$@" "$tmp/zapflow" serve >"$tmp/server-$i.log" 2>&1 &
		extra_pids+=($!)
		local deadline=$((SECONDS + 30))
		until curl --noproxy '*' -fsS -o /dev/null --max-time 1 "http://$a/healthz" 2>/dev/null; do
			((SECONDS < deadline)) || die "instance $i not healthy after 30s: $(tail -n 20 "$tmp/server-$i.log")"
			sleep 0.1
		done
	done
}

# others N: the -also list for N instances after the first.
others() {
	local i out=""
	for ((i = 1; i <= $1; i++)); do
		out+="${out:+,}http://127.0.0.1:$((port + i))"
	done
	printf '%s' "$out"
}

bench_preflight
bench_build
shared_sandbox=(ZAPFLOW_SANDBOX=true ZAPFLOW_SANDBOX_GRAPH_URL="http://$addr/sandbox/graph")

run() { # run LABEL zapflow-bench-send-flags…
	printf '\n--- %s\n' "$1"
	shift
	run_child "$tmp/zapflow-bench" send -url "http://$addr" -key "$api_key" -pid "$server_pid" -senders 1 "$@" || bench_rc=$?
}

if [[ ${BENCH_ONLY:-} != failover ]]; then
printf '\n=== 1. one instance on PostgreSQL\n'
bench_start_server postgres "${shared_sandbox[@]}"
api_key=$(bench_api_key)
wait_templates "$api_key"
run "1 instance, 80/s" -rate 80 -n "$n80"
run "1 instance, 1000/s" -rate 1000 -n "$n1000" -preload
bench_stop_server

printf '\n=== 2. two instances on one PostgreSQL database\n'
bench_start_server postgres "${shared_sandbox[@]}"
api_key=$(bench_api_key)
wait_templates "$api_key"
start_more 1
run "2 instances, 80/s" -rate 80 -n "$n80" -also "$(others 1)"
run "2 instances, 1000/s" -rate 1000 -n "$n1000" -preload -also "$(others 1)"
stop_extra
bench_stop_server
fi

printf '\n=== 3. failover: SIGKILL the instance holding the sender mid-send\n'
bench_start_server postgres "${shared_sandbox[@]}" ZAPFLOW_SEND_LEASE=10s ZAPFLOW_SEND_DISPATCH=false
api_key=$(bench_api_key)
wait_templates "$api_key"
start_more 2 ZAPFLOW_SEND_LEASE=10s ZAPFLOW_SEND_DISPATCH=true
run "3 instances (the sandbox host neither queues nor sends), 80/s, kill the lease holder at 30%" -rate 80 -n "$n80" \
	-also "$(others 2)" -post-url=false -kill-db "$(pg_url_for "$pg_db")" -kill-at 0.3 -spare-pid "$server_pid"
stop_extra
bench_stop_server
exit "$bench_rc"
