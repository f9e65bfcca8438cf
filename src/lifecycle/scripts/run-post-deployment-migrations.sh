#!/usr/bin/env bash
# Runs the post-deployment migrations, once every Rails and Sidekiq node runs the new version.
set -euo pipefail

gitlab-rake gitlab:db:configure
