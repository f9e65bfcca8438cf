#!/usr/bin/env bash
# Restores a gitlab-backup archive from the backups bucket on this Rails node (GitLab's restore
# procedure), then reconfigures and removes the local copy.
set -euo pipefail
: "${BACKUP_ID:?} ${LOCAL_ARCHIVE:?} ${ARCHIVE_URL:?} ${REPOSITORIES_SERVER_SIDE:?}"

aws s3 cp --only-show-errors "$ARCHIVE_URL" "$LOCAL_ARCHIVE"
chown git:git "$LOCAL_ARCHIVE"
# GitLab reconfigures after the secrets file is put back and before the restore; reconfigure may
# start Puma and Sidekiq again, so they are stopped once more.
gitlab-ctl reconfigure
gitlab-ctl stop puma
gitlab-ctl stop sidekiq
# force=yes answers the restore's own questions: the environment name was typed back already.
# Where each Gitaly node streamed its repositories to the bucket, the restore has them fetch them
# back the same way (the archive holds no repositories).
gitlab-backup restore "BACKUP=$BACKUP_ID" force=yes "REPOSITORIES_SERVER_SIDE=$REPOSITORIES_SERVER_SIDE"
gitlab-ctl reconfigure
rm -f "$LOCAL_ARCHIVE"
