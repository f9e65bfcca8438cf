#!/usr/bin/env bash
# Restores a gitlab-backup archive from the backups bucket on this Rails node (GitLab's restore
# procedure), then reconfigures and removes the local copy.
set -euo pipefail
: "${BACKUP_ID:?} ${LOCAL_ARCHIVE:?} ${ARCHIVE_URL:?}"

aws s3 cp --only-show-errors "$ARCHIVE_URL" "$LOCAL_ARCHIVE"
chown git:git "$LOCAL_ARCHIVE"
# force=yes answers the restore's own questions: the environment name was typed back already.
gitlab-backup restore "BACKUP=$BACKUP_ID" force=yes
gitlab-ctl reconfigure
rm -f "$LOCAL_ARCHIVE"
