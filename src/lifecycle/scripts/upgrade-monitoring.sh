#!/usr/bin/env bash
# Upgrades the GitLab package on a node that serves no traffic (the backup node, the monitoring
# node), after the Rails nodes.
set -euo pipefail
: "${GITLAB_PACKAGE:?} ${GITLAB_PACKAGE_VERSION:?}"

install_gitlab_package
gitlab-ctl reconfigure
