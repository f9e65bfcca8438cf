#!/usr/bin/env bash
# Starts every GitLab service on the node again after a restore, reconfigured first so the services
# read the gitlab-secrets.json the restore put back.
set -euo pipefail

gitlab-ctl reconfigure
gitlab-ctl start
