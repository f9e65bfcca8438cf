#!/usr/bin/env bash
# The health gate before any Rails node gets the new version, on the Praefect deploy node: Praefect's
# own cluster check (Gitaly nodes reachable and writable, its database reachable), then its SQL
# migrations: none may be pending ("no") or unknown to this binary ("unknown migration").
set -euo pipefail

gitlab-ctl praefect check
status=$(PATH="/opt/gitlab/embedded/bin:$PATH" praefect -config /var/opt/gitlab/praefect/config.toml sql-migrate-status)
printf '%s\n' "$status"
if printf '%s\n' "$status" | grep -Eq '\|[[:space:]]*(no|unknown migration)[[:space:]]*\|$'; then
  echo "Praefect's database has migrations not applied by this version; do not upgrade Rails yet" >&2
  exit 1
fi
