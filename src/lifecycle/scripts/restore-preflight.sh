#!/usr/bin/env bash
# Reads what a restore must know before it changes anything, on the node that will run it: the
# GitLab package and version installed (GitLab restores only onto the version and edition that
# made the backup) and the space free where the archive goes. Prints one fact a line.
set -euo pipefail
: "${BACKUP_DIR:?}"

# The manifest's first line names the package and its version, e.g. "gitlab-ee 19.3.0".
printf 'gitlab-aws-fact package=%s\n' "$(head -n 1 /opt/gitlab/version-manifest.txt)"
# Before the first backup the directory may not exist yet: its parent is on the same file system.
dir=$BACKUP_DIR
[ -d "$dir" ] || dir=$(dirname "$dir")
printf 'gitlab-aws-fact free_bytes=%s\n' "$(df --output=avail -B1 "$dir" | tail -n 1 | tr -d ' ')"
