#!/usr/bin/env bash
# gitlab-aws deploy lock: runs a program while holding a PostgreSQL advisory lock on GitLab's
# database, so that of all the nodes booting at once only one prepares the database, generates the
# shared secrets or migrates at a time; the others wait for the lock instead of failing.
#
#   gitlab-aws-locked PROGRAM [ARGS...]
#   gitlab-aws-locked --once MARKER PROGRAM [ARGS...]
#
# With --once, the program runs only if no earlier run recorded MARKER (in the gitlab_aws schema):
# the first node to get the lock migrates for a package version, the rest find it done.
# Connection settings come from the PG* environment variables; psql from $PSQL. The lock is a
# session lock: if the node dies, PostgreSQL ends the session and releases it.
set -euo pipefail

# The advisory lock key is defined once, in gitlab-aws's TypeScript, which renders it as an
# assignment right below the shebang of the installed script.
: "${LOCK_KEY:?}"

marker=""
if [ "${1:-}" = "--once" ]; then
  marker=${2:?--once needs a marker}
  shift 2
fi
[ "$#" -gt 0 ] || { echo "usage: $0 [--once MARKER] PROGRAM [ARGS...]" >&2; exit 2; }
for word in "$marker" "$@"; do
  if [[ ! $word =~ ^[A-Za-z0-9_./:=+-]*$ ]]; then
    echo "$0: refusing unusual characters in '$word'" >&2
    exit 2
  fi
done

status_file=$(mktemp)
trap 'rm -f "$status_file"' EXIT
echo none >"$status_file"

"${PSQL:-/opt/gitlab/embedded/bin/psql}" -X -q -v ON_ERROR_STOP=1 -v marker="$marker" <<SQL
SET client_min_messages = warning;
SELECT pg_advisory_lock($LOCK_KEY) \g /dev/null
SELECT :'marker' <> '' AS once \gset
\if :once
CREATE SCHEMA IF NOT EXISTS gitlab_aws;
CREATE TABLE IF NOT EXISTS gitlab_aws.completed (marker text PRIMARY KEY, completed_at timestamptz NOT NULL DEFAULT now());
SELECT EXISTS (SELECT FROM gitlab_aws.completed WHERE marker = :'marker') AS done \gset
\else
SELECT false AS done \gset
\endif
\if :done
\echo gitlab-aws-locked: :marker already done
\! echo skipped >$status_file
\else
\! $* </dev/null; echo \$? >$status_file
\set rc \`cat $status_file\`
SELECT :rc = 0 AND :'once'::boolean AS record \gset
\if :record
INSERT INTO gitlab_aws.completed (marker) VALUES (:'marker');
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
