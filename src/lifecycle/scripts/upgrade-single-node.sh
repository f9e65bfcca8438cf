#!/usr/bin/env bash
# Upgrades the 1k node, which runs every GitLab service itself. GitLab is down while this runs: the
# package is replaced under the running services, then reconfigure migrates the bundled database
# (all migrations, post-deployment ones included) and the services restart on the new code. There
# is no other node to serve meanwhile; the zero-downtime procedure needs several.
set -euo pipefail
: "${GITLAB_PACKAGE:?} ${GITLAB_PACKAGE_VERSION:?}"

install_gitlab_package
gitlab-ctl reconfigure
gitlab-ctl restart
