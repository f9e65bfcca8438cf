#!/usr/bin/env bash
# Starts every GitLab service on the node again after a restore.
set -euo pipefail

gitlab-ctl start
