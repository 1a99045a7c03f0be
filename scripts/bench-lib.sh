# bench-lib.sh — shared by scripts/bench-*.sh: start a fresh `zapflow serve`
# per database (SQLite, then a scratch PostgreSQL database), and stop the
# server and the load generator, drop the database and remove the temp dir
# on any exit, including Ctrl-C. Source it from the repository root after
# setting bench_name (used in messages):
#
#	bench_name=bench-foo
#	source scripts/bench-lib.sh
#	bench_preflight && bench_build
#	for db in $dbs; do bench_start_server "$db" [VAR=value…]; …; bench_stop_server; done
#
# Environment (read here, so every script takes the same):
#   BENCH_DBS           databases to run, default "sqlite postgres"
#   PORT                loopback port for the server, default 18080
#   BENCH_ARGS          extra flags for the zapflow-bench subcommand
#   BENCH_POSTGRES_URL  admin URL used to create/drop the scratch database,
#                       default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
#
# Everything listens on / connects to loopback only.

: "${bench_name:=bench}"
dbs=${BENCH_DBS:-sqlite postgres}
port=${PORT:-18080}
addr=127.0.0.1:$port
read -ra bench_args <<<"${BENCH_ARGS:-}"
pg_admin_url=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
pg_db=zapflow_bench_$$

tmp=""
server_env=() # the running server's environment (bench_start_server)
server_pid=""
server_log=""
child_pid=""
pg_created=""
bench_rc=0 # non-zero when a benchmark run failed; the other databases still run

log() { printf '%s\n' "$*" >&2; }
die() {
	log "$bench_name: $*"
	exit 1
}

# alive PID: true while PID runs. kill -0 is not enough: it also succeeds on
# an exited child that has not been reaped yet (a zombie).
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

# run_child CMD...: run CMD in the background and wait for it, so that a
# signal to this script runs the trap at once instead of after CMD finishes,
# and the trap knows which process to stop.
run_child() {
	local rc=0
	"$@" &
	child_pid=$!
	wait "$child_pid" || rc=$?
	child_pid=""
	return "$rc"
}

# stop_server: SIGTERM, give graceful shutdown 15s, then SIGKILL; reap it.
stop_server() {
	[[ -n $server_pid ]] || return 0
	local pid=$server_pid rc=0 i
	server_pid=""
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 150; i++)); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		log "$bench_name: server $pid still running 15s after SIGTERM; sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || rc=$?
	return "$rc"
}

psql_admin() { psql "$pg_admin_url" -X -q -v ON_ERROR_STOP=1 "$@"; }

drop_db() {
	[[ -n $pg_created ]] || return 0
	pg_created=""
	# WITH (FORCE) (Postgres 13+) also ends connections a killed server left.
	psql_admin -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" 2>/dev/null ||
		psql_admin -c "DROP DATABASE IF EXISTS $pg_db" ||
		log "$bench_name: warning: could not drop database $pg_db"
}

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	if [[ -n $child_pid ]]; then
		kill -TERM "$child_pid" 2>/dev/null
		wait "$child_pid" 2>/dev/null
	fi
	stop_server
	drop_db
	[[ -z $tmp ]] || rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# pg_url_for DB: the admin URL with its database name replaced by DB.
pg_url_for() {
	local base=${pg_admin_url%%\?*} query=""
	[[ $pg_admin_url != *\?* ]] || query="?${pg_admin_url#*\?}"
	local rest=${base#*://}
	[[ $rest != */* ]] || base=${base%/*}
	printf '%s/%s%s' "$base" "$1" "$query"
}

# Loopback only: refuse to create and drop databases on another host.
check_pg_loopback() {
	local hostport=${pg_admin_url#*://}
	hostport=${hostport%%[/?]*}
	hostport=${hostport##*@}
	case $hostport in
	"" | localhost | localhost:* | 127.* | "[::1]" | "[::1]:"*) ;;
	*) die "BENCH_POSTGRES_URL must point at a loopback host, got '$hostport'" ;;
	esac
}

wait_healthy() {
	local logf=$1 deadline=$((SECONDS + 30))
	until curl --noproxy '*' -fsS -o /dev/null --max-time 1 "http://$addr/healthz" 2>/dev/null; do
		if ! alive "$server_pid"; then
			log "$bench_name: server exited during start-up; last log lines:"
			tail -n 40 "$logf" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			log "$bench_name: /healthz not 200 after 30s; last log lines:"
			tail -n 40 "$logf" >&2
			return 1
		fi
		sleep 0.1
	done
}

# wait_templates KEY: the sandbox account's templates are synced in the
# background after start-up; a send before that fails "unknown template".
wait_templates() {
	local key=$1 deadline=$((SECONDS + 30)) body
	while :; do
		body=$(curl --noproxy '*' -fsS --max-time 2 -H "Authorization: Bearer $key" \
			"http://$addr/api/v1/templates" 2>/dev/null) || body=""
		[[ $body != *'"templates":[]'* && $body == *'"templates":['* ]] && return 0
		if ((SECONDS >= deadline)); then
			log "$bench_name: no templates synced after 30s; last log lines:"
			tail -n 40 "$server_log" >&2
			return 1
		fi
		sleep 0.2
	done
}

# bench_api_key: the first admin API key, which a fresh install prints once
# before listening.
bench_api_key() {
	local key
	key=$(sed -n 's/^[[:space:]]*API key:[[:space:]]*\(zf_[^[:space:]]*\).*/\1/p' "$server_log" | head -n 1)
	[[ -n $key ]] || die "no 'API key: zf_…' line in the server output (not a fresh install?)"
	printf '%s' "$key"
}

# bench_sandbox_secret: the app secret the running server's sandbox signs
# webhooks with (random per installation), read from its database.
bench_sandbox_secret() {
	local secret
	secret=$(env -u ZAPFLOW_DATABASE_URL "${server_env[@]}" "$tmp/zapflow" sandbox secret) ||
		die "zapflow sandbox secret failed (is the sandbox on?)"
	printf '%s' "$secret"
}

# bench_preflight: fail before building anything.
bench_preflight() {
	local tool db
	for tool in go curl; do
		command -v "$tool" >/dev/null || die "$tool not found"
	done
	for db in $dbs; do
		case $db in
		sqlite) ;;
		postgres)
			command -v psql >/dev/null || die "psql not found (set BENCH_DBS=sqlite to skip postgres)"
			check_pg_loopback
			psql_admin -c 'SELECT 1' >/dev/null ||
				die "cannot reach Postgres at BENCH_POSTGRES_URL (set BENCH_DBS=sqlite to skip postgres)"
			;;
		*) die "unknown database '$db' in BENCH_DBS (want sqlite and/or postgres)" ;;
		esac
	done
	# A stale server on the port would answer /healthz and get benchmarked instead.
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		die "something already listens on $addr; set PORT"
	fi
}

# bench_build: the server and the load generator, into a fresh temp dir.
bench_build() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/zapflow-bench.XXXXXX")
	log "building zapflow and zapflow-bench..."
	go build -o "$tmp/zapflow" ./cmd/zapflow
	go build -o "$tmp/zapflow-bench" ./cmd/zapflow-bench
}

# bench_profile_env: when BENCH_PROFILE names a folder, creates it and sets
# profile_env to the server environment that serves Go's profiler on
# loopback port PORT+1 (pass "${profile_env[@]}" to bench_start_server);
# else leaves profile_env empty.
bench_profile_env() {
	profile_env=()
	if [[ -n ${BENCH_PROFILE:-} ]]; then
		mkdir -p "$BENCH_PROFILE"
		profile_env=(ZAPFLOW_DEBUG_ADDR="127.0.0.1:$((port + 1))")
	fi
}

# bench_start_server DB [VAR=value…]: a fresh data dir (and, for Postgres, a
# fresh database) so runs do not inherit each other's state; sets
# server_pid and server_log and waits for /healthz.
bench_start_server() {
	local db=$1 data_dir=$tmp/data-$1
	shift
	server_log=$tmp/server-$db.log
	mkdir -p "$data_dir"
	# No sandbox assistant: its replies would add sends (and load) that
	# the benchmarks do not ask for.
	server_env=(ZAPFLOW_DATA_DIR="$data_dir" ZAPFLOW_ADDR="$addr" ZAPFLOW_LOG_LEVEL=warn ZAPFLOW_SANDBOX_ASSISTANT=false "$@")
	if [[ $db == postgres ]]; then
		pg_created=1 # set first: an interrupted CREATE may still have created it
		psql_admin -c "CREATE DATABASE $pg_db"
		server_env+=(ZAPFLOW_DATABASE_URL="$(pg_url_for "$pg_db")")
	fi
	# env -u: an inherited ZAPFLOW_DATABASE_URL must not turn the sqlite run
	# into a Postgres one. env execs, so $! is the server's own pid.
	env -u ZAPFLOW_DATABASE_URL "${server_env[@]}" "$tmp/zapflow" serve >"$server_log" 2>&1 &
	server_pid=$!
	wait_healthy "$server_log"
}

# bench_stop_server: graceful shutdown (timed and reported), then drop the
# scratch database.
bench_stop_server() {
	echo "--- shutdown"
	local start=$SECONDS rc=0
	stop_server || rc=$?
	echo "server stopped in $((SECONDS - start))s with exit status $rc"
	if ((rc != 0)); then
		log "$bench_name: last server log lines:"
		tail -n 20 "$server_log" >&2
	fi
	drop_db
}
