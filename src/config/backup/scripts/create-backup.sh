#!/usr/bin/env bash
# Creates a gitlab-backup archive on this Rails node, uploads it to the backups bucket and removes
# the local copy. Components kept in object storage are skipped (SKIP_COMPONENTS): they are
# already in S3, outside the archive.
set -euo pipefail
: "${BACKUP_ID:?} ${SKIP_COMPONENTS?} ${LOCAL_ARCHIVE:?} ${ARCHIVE_URL:?}"

gitlab-backup create "BACKUP=$BACKUP_ID" "SKIP=$SKIP_COMPONENTS"
aws s3 cp --only-show-errors "$LOCAL_ARCHIVE" "$ARCHIVE_URL"
rm -f "$LOCAL_ARCHIVE"
