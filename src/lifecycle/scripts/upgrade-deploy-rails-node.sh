#!/usr/bin/env bash
# Upgrades one Rails node and runs the regular database migrations from it. Post-deployment
# migrations wait until every node runs the new version (run-post-deployment-migrations.sh).
# gitlab-aws has taken the node out of its target groups (Standby) first; draining NGINX still lets
# the requests in flight on connections opened before that finish. GitLab's procedure then leaves the
# node drained; here it restarts on the new version instead, so that its readiness check, asked
# next, answers for the new code, and it serves again until the refresh replaces it.
set -euo pipefail
: "${GITLAB_PACKAGE:?} ${GITLAB_PACKAGE_VERSION:?}"

drain_nginx
install_gitlab_package
set_gitlab_rb "gitlab_rails['auto_migrate']" true
SKIP_POST_DEPLOYMENT_MIGRATIONS=true gitlab-ctl reconfigure
gitlab-ctl restart
