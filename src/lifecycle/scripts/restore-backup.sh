#!/usr/bin/env bash
# Restores a gitlab-backup archive from the backups bucket on this Rails node (GitLab's restore
# procedure), then reconfigures and removes the local copy.
set -euo pipefail
: "${BACKUP_ID:?} ${LOCAL_ARCHIVE:?} ${ARCHIVE_URL:?}"

aws s3 cp --only-show-errors "$ARCHIVE_URL" "$LOCAL_ARCHIVE"
chown git:git "$LOCAL_ARCHIVE"
# GitLab reconfigures after the secrets file is put back and before the restore; reconfigure may
# start Puma and Sidekiq again, so they are stopped once more.
gitlab-ctl reconfigure
gitlab-ctl stop puma
gitlab-ctl stop sidekiq
# force=yes answers the restore's own questions: the environment name was typed back already.
gitlab-backup restore "BACKUP=$BACKUP_ID" force=yes
gitlab-ctl reconfigure
rm -f "$LOCAL_ARCHIVE"
