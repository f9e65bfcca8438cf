#!/usr/bin/env bash
# Upgrades the GitLab package on the monitoring node, after everything else.
set -euo pipefail
: "${GITLAB_PACKAGE:?} ${GITLAB_PACKAGE_VERSION:?}"

install_gitlab_package
gitlab-ctl reconfigure
