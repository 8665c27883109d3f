#!/usr/bin/env bash
# bench/check-autogen.sh: issue 32 goal 4 for `check_migration --autogenerate`, from the project root after
# `npm run build` and a run of the shared harness with the autogen scenario (its WORK folder; the same PG_PORT,
# PG_DIR, MDB_PORT, MDB_DIR: the servers are started as the harness starts them, and stopped at the end):
#   AUTOGEN_DIALECTS="pg my" RUNS=5 WORK=/tmp/bench-work bash bench/check-autogen.sh
# Pairs db-manage's `check_migration --autogenerate` (exit 1: the planted differences) on the harness's
# autogenerate project against Alembic 1.8.1's `revision --autogenerate` on its own (Alembic 1.8 has no `check`
# command; its autogenerate makes the same comparison and writes the file), each on a database of its own loaded
# with the same schema, alternating, medians; the summary goes to OUT/summary.md.
set -euo pipefail
HARNESS=${ALEMBIC_BENCH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/shared/alembic-bench}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${WORK:-/tmp/bench-work}
RUNS=${RUNS:-5}
OUT=${OUT:-$(mktemp -d /tmp/check-autogen.XXXXXX)}
PY=${PY:-/usr/bin/python3}
NODE=${NODE:-$(command -v node)}
export PG_PORT=${PG_PORT:-55432} MDB_PORT=${MDB_PORT:-53306}
DBCTL="$HARNESS/lib/dbctl.sh"
mkdir -p "$OUT/logs"
started=()
stop() { for s in "${started[@]}"; do bash "$HARNESS/lib/stop-$s.sh" >/dev/null 2>&1 || true; done; }
trap stop EXIT
q() { printf '%q' "$1"; }
for d in ${AUTOGEN_DIALECTS:-pg}; do
  W="$WORK/$d/autogen"
  [ -f "$W/db.sql" ] || { echo "bench/check-autogen.sh: no harness autogenerate project in $W" >&2; exit 2; }
  tables=$(grep -ci '^create table' "$W/db.sql")
  server=$([ "$d" = pg ] && echo pg || echo mariadb)
  bash "$HARNESS/lib/start-$server.sh" >/dev/null && started+=("$server")
  ga=$("$DBCTL" "$d" url bench_ck_a)
  gd=$("$DBCTL" "$d" url bench_ck_d)
  "$DBCTL" "$d" recreate bench_ck_a && "$DBCTL" "$d" apply bench_ck_a "$W/db.sql"
  "$DBCTL" "$d" recreate bench_ck_d && "$DBCTL" "$d" apply bench_ck_d "$W/db.sql"
  (cd "$W/alembic" && DATABASE_URL=$ga "$PY" -m alembic stamp head >>"$OUT/logs/setup.log" 2>&1)
  (cd "$W/db-manage" && DATABASE_URL=$gd "$NODE" "$ROOT/bin/run.js" stamp 001 >>"$OUT/logs/setup.log" 2>&1)
  rm -f "$W"/alembic/versions/999_* "$W"/db-manage/migrations/002_*
  "$PY" "$HARNESS/lib/measure.py" --label "dialect=$d,tables=$tables check_migration --autogenerate" \
    --runs "$RUNS" --warmup 1 --jsonl "$OUT/results.jsonl" --log "$OUT/logs/$d.log" \
    --meta "dialect=$d" --meta "scenario=autogen" --meta "tables=$tables" \
    --meta "what=check_migration --autogenerate vs alembic revision --autogenerate" \
    --a db-manage "cd $(q "$W/db-manage") && export DATABASE_URL=$(q "$gd") && $(q "$NODE") $(q "$ROOT/bin/run.js") check_migration --autogenerate; test \$? -eq 1" \
    --b alembic "cd $(q "$W/alembic") && export DATABASE_URL=$(q "$ga") && exec $(q "$PY") -m alembic revision --autogenerate -m check --rev-id 999" \
    --b-prepare "rm -f $(q "$W/alembic")/versions/999_* $(q "$W/alembic")/versions/__pycache__/999_*"
  rm -f "$W"/alembic/versions/999_*
done
"$PY" "$HARNESS/lib/report.py" "$OUT/results.jsonl" >"$OUT/summary.md"
cat "$OUT/summary.md"
echo "results: $OUT"
