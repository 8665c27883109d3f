#!/usr/bin/env bash
# bench/scale.sh: the shared alembic-bench harness on long chains (issue 32: linear in everything, memory flat),
# from the project root after `npm run build`:
#   bash bench/scale.sh                      # PostgreSQL 1,000 / 5,000 / 10,000 / 20,000 revisions
#   NS="10000" SCENARIOS="upgrade_cold" bash bench/scale.sh
# Defaults: SCENARIOS="upgrade offline history", RUNS=3; any of the harness's knobs (NS, MARIADB_NS, RUNS, OUT,
# PG_PORT, ...) pass through. The summary's time and peak RSS per chain length show the growth per revision.
set -euo pipefail
HARNESS=${ALEMBIC_BENCH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/shared/alembic-bench}
[ -f "$HARNESS/run.sh" ] || { echo "bench/scale.sh: no harness at $HARNESS (set ALEMBIC_BENCH)" >&2; exit 2; }
export NS=${NS-"1000 5000 10000 20000"} MARIADB_NS=${MARIADB_NS-} RUNS=${RUNS:-3}
export SCENARIOS=${SCENARIOS:-"upgrade offline history"}
exec bash "$HARNESS/run.sh"
