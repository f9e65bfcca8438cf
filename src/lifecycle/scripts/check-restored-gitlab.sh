#!/usr/bin/env bash
# Checks GitLab after a restore, and that its secrets decrypt the restored data.
set -euo pipefail

gitlab-rake gitlab:check SANITIZE=true
gitlab-rake gitlab:doctor:secrets
