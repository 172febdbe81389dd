#!/usr/bin/env bash
# Run the whole suite. Starts a throwaway PostgreSQL cluster and points the tests at it.
# With CI=true every test must run: a missing PostgreSQL or browser fails, never skips.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${STOCKCAST_TEST_POSTGRES_URL:-}" ]; then
  if url=$(bash .ci/postgres.sh start); then
    export STOCKCAST_TEST_POSTGRES_URL="$url"
    trap 'bash .ci/postgres.sh stop' EXIT
  elif [ "${CI:-}" = "true" ]; then
    echo "could not start PostgreSQL, and CI=true needs it" >&2; exit 1
  else
    echo "PostgreSQL not available: postgres-marked tests will skip (they fail under CI=true)" >&2
  fi
fi
.venv/bin/ruff check .
set +e
.venv/bin/pytest -p no:cacheprovider "$@"
code=$?
set -e
# pytest's 5 means no test ran: that is a failure here, not a pass.
exit $code
