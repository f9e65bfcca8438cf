#!/usr/bin/env bash
# Upgrades the GitLab package on one Gitaly node (zero-downtime order: Gitaly first).
set -euo pipefail
: "${GITLAB_PACKAGE:?} ${GITLAB_PACKAGE_VERSION:?}"

install_gitlab_package
gitlab-ctl reconfigure
# Gitaly reloads itself gracefully after reconfigure; everything else on the node restarts.
gitlab-ctl restart-except gitaly
wait_for_service gitaly
