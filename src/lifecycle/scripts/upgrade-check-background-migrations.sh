#!/usr/bin/env bash
# Counts the batched background migrations that are not finished, with GitLab's documented query
# (doc/update/background_migrations.md, "Check the status of batched background migrations": rows of
# batched_background_migrations whose status is neither finished (3) nor finalized (6)), and the
# failed ones among them (status 4). It runs the query through Rails' own database connection:
# gitlab-psql, which the documentation wraps it in, reaches only a bundled PostgreSQL, not RDS.
# The last line is what gitlab-aws reads; a missing line means the output was cut short.
set -euo pipefail

gitlab-rails runner -e production '
  counts = ApplicationRecord.connection.select_one(
    "SELECT count(*) FILTER (WHERE status NOT IN (3, 6)) AS unfinished, count(*) FILTER (WHERE status = 4) AS failed FROM batched_background_migrations"
  )
  puts "batched_background_migrations unfinished=#{counts["unfinished"]} failed=#{counts["failed"]}"
'
