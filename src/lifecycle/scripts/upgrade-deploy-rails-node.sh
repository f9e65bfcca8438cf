#!/usr/bin/env bash
# Upgrades one Rails node and runs the regular database migrations from it. Post-deployment
# migrations wait until every node runs the new code (run-post-deployment-migrations.sh).
set -euo pipefail
: "${GITLAB_PACKAGE:?} ${GITLAB_PACKAGE_VERSION:?}"

drain_nginx
install_gitlab_package
set_gitlab_rb "gitlab_rails['auto_migrate']" true
SKIP_POST_DEPLOYMENT_MIGRATIONS=true gitlab-ctl reconfigure
