# Sourced by scripts/test and scripts/bench: start a throwaway PostgreSQL cluster on a
# free port (fsync off: it is deleted at exit) and export TANDEM_TEST_POSTGRES_URL.
# Needs Debian's postgresql package (for initdb/pg_ctl). Removes the cluster at exit.

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

pg_free_port() {
  local p
  for _ in $(seq 1 50); do
    # Below the kernel's ephemeral range (32768-60999), so no outgoing connection (wrk's, say)
    # can be holding it.
    p=$((20000 + RANDOM % 12700))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "no free port found" >&2
  return 1
}

pg_throwaway_stop() {
  if [ -n "${pg_dir:-}" ]; then
    $as_pg "$(pg_bin)/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
    pg_dir=""
  fi
}

pg_throwaway_start() {
  pg_dir=$(mktemp -d /tmp/tandem-pg.XXXXXX)
  as_pg=""
  if [ "$(id -u)" -eq 0 ]; then
    # PostgreSQL refuses to run as root.
    chown postgres "$pg_dir"
    as_pg="runuser -u postgres --"
  fi
  local port
  port=$(pg_free_port)
  $as_pg "$(pg_bin)/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
  $as_pg "$(pg_bin)/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -t 60 \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null
  export TANDEM_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "throwaway PostgreSQL on port $port"
}
