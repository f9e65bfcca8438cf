#!/usr/bin/env bash
# Upgrades the GitLab package on one Praefect node. Only the deploy node runs Praefect's database
# migrations (PRAEFECT_AUTO_MIGRATE=true there, false on the others), so two never race.
set -euo pipefail
: "${GITLAB_PACKAGE:?} ${GITLAB_PACKAGE_VERSION:?} ${PRAEFECT_AUTO_MIGRATE:?}"

install_gitlab_package
set_gitlab_rb "praefect['auto_migrate']" "$PRAEFECT_AUTO_MIGRATE"
gitlab-ctl reconfigure
gitlab-ctl restart-except praefect
wait_for_service praefect
