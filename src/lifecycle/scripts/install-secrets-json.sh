#!/usr/bin/env bash
# Installs the gitlab-secrets.json Secrets Manager holds (a restore has just put the backup's there)
# on this node, as the boot script does. Gitaly reconfigures at once (RECONFIGURE=yes); Rails and
# Sidekiq nodes reconfigure when they start again after the restore.
set -euo pipefail
: "${REGION:?} ${SECRET_ID:?} ${RECONFIGURE:?}"

umask 077
aws secretsmanager get-secret-value --region "$REGION" --secret-id "$SECRET_ID" \
  --query SecretString --output text >/etc/gitlab/gitlab-secrets.json.new
# An empty answer would leave GitLab without its keys: keep the file there is.
[ -s /etc/gitlab/gitlab-secrets.json.new ] || { echo "empty secret $SECRET_ID" >&2; exit 1; }
mv /etc/gitlab/gitlab-secrets.json.new /etc/gitlab/gitlab-secrets.json
if [ "$RECONFIGURE" = "yes" ]; then gitlab-ctl reconfigure; fi
