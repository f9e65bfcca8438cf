#!/usr/bin/env bash
# gitlab-aws deploy lock: runs a program while holding a PostgreSQL advisory lock, so that of all the
# nodes booting at once only one prepares the database, generates the shared secrets or migrates at
# a time; the others wait for the lock instead of failing.
#
#   gitlab-aws-locked PROGRAM [ARGS...]
#   gitlab-aws-locked --once MARKER PROGRAM [ARGS...]
#
# The lock and its records live in a database of their own on GitLab's RDS instance ($LOCK_DATABASE),
# never in GitLab's database, which holds only what GitLab creates. With --once, the program runs
# only if no earlier run recorded MARKER there: the first node to get the lock migrates for a
# package version, the rest find it done. Connection settings come from the PG* environment
# variables (PGDATABASE is replaced); psql from $PSQL. The lock is a session lock: if the node dies,
# PostgreSQL ends the session and releases it.
set -euo pipefail

# The advisory lock key and the lock's database are defined once, in gitlab-aws's TypeScript, which
# renders them as assignments right below the shebang of the installed script.
: "${LOCK_KEY:?} ${LOCK_DATABASE:?} ${MAINTENANCE_DATABASE:?}"

marker=""
if [ "${1:-}" = "--once" ]; then
  marker=${2:?--once needs a marker}
  shift 2
fi
[ "$#" -gt 0 ] || { echo "usage: $0 [--once MARKER] PROGRAM [ARGS...]" >&2; exit 2; }
caller_database=${PGDATABASE:-}
for word in "$marker" "$caller_database" "$@"; do
  if [[ ! $word =~ ^[A-Za-z0-9_./:=+-]*$ ]]; then
    echo "$0: refusing unusual characters in '$word'" >&2
    exit 2
  fi
done

PSQL=${PSQL:-/opt/gitlab/embedded/bin/psql}

# (psql expands :'db' in what it reads, not in -c commands.)
lock_database_exists() {
  [ "$(PGDATABASE=$MAINTENANCE_DATABASE "$PSQL" -X -q -t -A -v db="$LOCK_DATABASE" 2>/dev/null <<'SQL'
SELECT count(*) FROM pg_database WHERE datname = :'db'
SQL
  )" = "1" ]
}

# The first node creates the lock's database; nodes creating it at the same moment race, and the
# losers' "already exists" is no failure as long as the database is there afterwards.
if ! lock_database_exists; then
  PGDATABASE=$MAINTENANCE_DATABASE "$PSQL" -X -q -v db="$LOCK_DATABASE" >/dev/null 2>&1 <<'SQL' || true
SELECT format('CREATE DATABASE %I', :'db') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
  lock_database_exists || { echo "$0: cannot create the lock database $LOCK_DATABASE" >&2; exit 1; }
fi

status_file=$(mktemp)
trap 'rm -f "$status_file"' EXIT
echo none >"$status_file"

PGDATABASE=$LOCK_DATABASE "$PSQL" -X -q -v ON_ERROR_STOP=1 -v marker="$marker" <<SQL
SET client_min_messages = warning;
-- Waiting for the lock is one statement, which lasts as long as another node's migrations: the
-- server's statement_timeout (GitLab requires one of at most a minute) must not cancel it.
SET statement_timeout = 0;
SELECT pg_advisory_lock($LOCK_KEY) \g /dev/null
SELECT :'marker' <> '' AS once \gset
\if :once
CREATE TABLE IF NOT EXISTS completed (marker text PRIMARY KEY, completed_at timestamptz NOT NULL DEFAULT now());
SELECT EXISTS (SELECT FROM completed WHERE marker = :'marker') AS done \gset
\else
SELECT false AS done \gset
\endif
\if :done
\echo gitlab-aws-locked: :marker already done
\! echo skipped >$status_file
\else
\! PGDATABASE=$caller_database $* </dev/null; echo \$? >$status_file
\set rc \`cat $status_file\`
SELECT :rc = 0 AND :'once'::boolean AS record \gset
\if :record
INSERT INTO completed (marker) VALUES (:'marker');
\endif
\endif
SELECT pg_advisory_unlock($LOCK_KEY) \g /dev/null
SQL
status=$(cat "$status_file")
case "$status" in
  skipped) exit 0 ;;
  none)
    echo "$0: the program did not run" >&2
    exit 1
    ;;
  *) exit "$status" ;;
esac
