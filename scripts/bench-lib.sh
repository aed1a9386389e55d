# Shared by the scripts/bench* scripts.

# wrk --latency output -> "rps p50 p99 non2xx" (latencies in ms)
bench_parse() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { printf "%.0f %.2f %.2f %s\n", rps, p50, p99, (bad == "" ? 0 : bad) }
  '
}

# bench_serve URL [TAG]: start tandem serve on a free port; sets $server and $port. A
# port that turns out to be taken (another process can bind it between our check and
# the server's) is retried with another. TAG gives a second server at the same time
# its own data folder and log.
bench_serve() {
  local tag=${2:-}
  for _ in 1 2 3 4 5; do
    port=$(pg_free_port)
    TANDEM_DATABASE_URL="$1" TANDEM_LISTEN="127.0.0.1:$port" TANDEM_DATA_DIR="$work/data$tag" RUST_LOG=warn \
      "$bin" serve >"$work/serve$tag.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do
      curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0
      kill -0 "$server" 2>/dev/null || break
      sleep 0.1
    done
    wait "$server" 2>/dev/null || true
    server=""
    grep -qE "Address already in use|already using that port" "$work/serve$tag.log" || break
  done
  echo "server did not start"; cat "$work/serve$tag.log"; return 1
}

# bench_measure URL [HEADER...]: warm up, then measure; prints "rps p50 p99 non2xx".
bench_measure() {
  local url=$1; shift
  local args=()
  for h in "$@"; do args+=(-H "$h"); done
  wrk -t2 -c64 -d2s "${args[@]}" "$url" >/dev/null 2>&1 || true
  sleep 1
  wrk -t2 -c64 -d"${seconds}s" --timeout 10s --latency "${args[@]}" "$url" | bench_parse
}

# bench_load NAME URL [HEADER]: measure; prints a result line.
bench_load() {
  local name=$1 url=$2 header=${3:-"X-Bench: 1"}
  read -r rps p50 p99 bad < <(bench_measure "$url" "$header")
  printf '%-28s %7s req/s  p50 %6s ms  p99 %6s ms  non-2xx %s\n' "$name" "$rps" "$p50" "$p99" "$bad"
  sleep 2
}

# bench_common_pages SLUG DECK COOKIE: with a server from bench_serve on a partnership
# seeded with conversations, a deck and rounds 1 (closed, answered) and 2 (open), sets
# the array $pages to "name|path" for the ten common pages of issue 13's table.
bench_common_pages() {
  local slug=$1 deck=$2 cookie=$3
  local base="http://127.0.0.1:$port/p/$slug" conv item theme card
  conv=$(curl -sf -H "$cookie" "$base/conversations" | grep -o "conversations/[0-9]*\"" | sed -n 1p | tr -dc 0-9 || true)
  item=$(curl -sf -H "$cookie" "$base/conversations/$conv" | grep -o "items/[0-9]*\"" | sed -n 1p | tr -dc 0-9 || true)
  theme=$(curl -sf -H "$cookie" "$base/decks/$deck" | grep -o "themes/[0-9]*\"" | sed -n 1p | tr -dc 0-9 || true)
  card=$(curl -sf -H "$cookie" "$base/decks/$deck/themes/$theme" | grep -o "cards/[0-9]*\"" | sed -n 1p | tr -dc 0-9 || true)
  [ -n "$conv" ] && [ -n "$item" ] && [ -n "$card" ] || { echo "could not find a conversation, item or card"; return 1; }
  local p0="/p/$slug"
  pages=(
    "home|$p0"
    "your partnerships|/partnerships"
    "card|$p0/cards/$card"
    "deck|$p0/decks/$deck"
    "conversation|$p0/conversations/$conv"
    "agenda item|$p0/conversations/$conv/items/$item"
    "action plan|$p0/actions"
    "answer form|$p0/stock/2/answer"
    "results|$p0/stock/1/results"
    "checklists|$p0/checklists"
  )
}
