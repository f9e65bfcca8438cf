#!/usr/bin/env bash
# Creates a gitlab-backup archive on this node and saves it, with the node's gitlab-secrets.json, to
# the backups bucket. `gitlab-aws backup create` runs it through SSM Run Command with a backup id;
# the Plan's schedule runs it through an SSM association without one, and the id is made here, in
# GitLab's own format (<epoch>_<yyyy_mm_dd>_<installed version>), when the run starts.
# - Components kept in object storage are skipped (SKIP_COMPONENTS): they are in S3 already.
# - REPOSITORIES_SERVER_SIDE=true: each Gitaly node streams the repositories it hosts to the bucket
#   itself, and the archive holds the database.
# - The secrets file goes next to the archive, as <backup id><SECRETS_SUFFIX>: the encrypted columns
#   of the dumped database are unreadable without its keys. The bucket encrypts both objects with
#   its KMS key by default and keeps their versions.
# - With FAILURE_METRIC_NAMESPACE set (the schedule), every run ends by putting the failure metric:
#   1 when it failed, 0 when it succeeded; the Plan's alarm watches it.
set -euo pipefail
: "${BACKUP_ID?} ${SKIP_COMPONENTS?} ${REPOSITORIES_SERVER_SIDE:?} ${BACKUP_DIR:?} ${BACKUP_URL:?}"
: "${ARCHIVE_SUFFIX:?} ${SECRETS_FILE:?} ${SECRETS_SUFFIX:?} ${GITLAB_VERSION_FILE:?}"
: "${FAILURE_METRIC_NAMESPACE?} ${FAILURE_METRIC_NAME:?}"

report_outcome() {
  local status=$? failed=1
  [ "$status" -ne 0 ] || failed=0
  if [ -n "$FAILURE_METRIC_NAMESPACE" ]; then
    aws cloudwatch put-metric-data --namespace "$FAILURE_METRIC_NAMESPACE" \
      --metric-name "$FAILURE_METRIC_NAME" --unit Count --value "$failed" || true
  fi
  exit "$status"
}
trap report_outcome EXIT

backup_id=$BACKUP_ID
if [ -z "$backup_id" ]; then
  version=$(cat "$GITLAB_VERSION_FILE")
  now=$(date -u +%s)
  backup_id="${now}_$(date -u -d "@$now" +%Y_%m_%d)_${version}"
fi
archive="$BACKUP_DIR/$backup_id$ARCHIVE_SUFFIX"

gitlab-backup create "BACKUP=$backup_id" "SKIP=$SKIP_COMPONENTS" \
  "REPOSITORIES_SERVER_SIDE=$REPOSITORIES_SERVER_SIDE"
aws s3 cp --only-show-errors "$archive" "$BACKUP_URL$backup_id$ARCHIVE_SUFFIX"
rm -f "$archive"
aws s3 cp --only-show-errors "$SECRETS_FILE" "$BACKUP_URL$backup_id$SECRETS_SUFFIX"
