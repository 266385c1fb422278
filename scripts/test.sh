#!/usr/bin/env bash
# Run every check SaferHub has: ruff, mypy, and the whole test suite on SQLite and on PostgreSQL.
# PostgreSQL: SAFERHUB_TEST_POSTGRES_URL (default: the local server, database "test").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

PG_URL="${SAFERHUB_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
pg_ready() { .venv/bin/python - "$PG_URL" <<'PY'
import sys, sqlalchemy as sa
try:
    sa.create_engine(sys.argv[1]).connect().close()
except Exception:
    sys.exit(1)
PY
}
if ! pg_ready && command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "Starting PostgreSQL ..."
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 20); do pg_ready && break; sleep 1; done
fi

echo "== ruff"
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
echo "== mypy"
.venv/bin/mypy

echo "== tests on SQLite"
.venv/bin/python -m pytest -n 2 -q "$@"
echo "== slow tests on SQLite (the whole real police.uk set)"
.venv/bin/python -m pytest -q -m slow "$@" || [ $? -eq 5 ]  # 5: no slow test selected

if pg_ready; then
  echo "== tests on PostgreSQL"
  SAFERHUB_TEST_DATABASE_URL="$PG_URL" .venv/bin/python -m pytest -n 2 -q "$@"
  echo "== slow tests on PostgreSQL"
  SAFERHUB_TEST_DATABASE_URL="$PG_URL" .venv/bin/python -m pytest -q -m slow "$@" || [ $? -eq 5 ]
elif [ "${SAFERHUB_SKIP_POSTGRES:-0}" = "1" ]; then
  echo "PostgreSQL is not reachable at $PG_URL; skipped because SAFERHUB_SKIP_POSTGRES=1."
else
  echo "PostgreSQL is not reachable at $PG_URL (set SAFERHUB_TEST_POSTGRES_URL, or SAFERHUB_SKIP_POSTGRES=1 to skip)." >&2
  exit 1
fi
