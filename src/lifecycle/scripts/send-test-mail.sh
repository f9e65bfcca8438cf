#!/usr/bin/env bash
# Sends GitLab's test e-mail through the node's SMTP settings, the way GitLab's SMTP page tests a
# configuration (Notify.test_email(...).deliver_now; gitlabhq/omnibus-gitlab
# 21edfc6a0a02500b7c6a905f0fc31852a2dca733, doc/settings/smtp.md), with `gitlab-rails runner` instead
# of the interactive console. The address reaches Ruby through the environment, never as code.
set -euo pipefail
: "${TO_ADDRESS:?}"

GLA_TEST_MAIL_TO="$TO_ADDRESS" gitlab-rails runner '
  Notify.test_email(ENV.fetch("GLA_TEST_MAIL_TO"), "gitlab-aws test e-mail", "Sent by gitlab-aws check --send-test-mail.").deliver_now
  puts "delivered to the SMTP server"
'
