#!/usr/bin/env bash
# Stops Puma and Sidekiq before a restore: they hold database connections the restore must not share.
set -euo pipefail

gitlab-ctl stop puma
gitlab-ctl stop sidekiq
# Shown in the command's output for the record; a service reported down is what we want here.
gitlab-ctl status || true
