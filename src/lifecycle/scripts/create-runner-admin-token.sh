#!/usr/bin/env bash
# The runner fleet's administrator token, made on a Rails node: a personal access token for root
# with the runner scopes and an expiry, created with the Rails runner as GitLab documents it
# (doc/user/profile/personal_access_tokens.md, "Create a personal access token programmatically",
# skratsch-solutions/gitlabhq @ 3c58b72db710430a9a8e8f20e7456c57a6fbd964), and written from here
# straight into Secrets Manager. The token's value is made here and only ever read from a root-only
# file: never an argument (process listings, SSM's command text) and never output (the Run Command
# log group). An earlier token of the same name is revoked, so a second run leaves one active.
# The value reaches Ruby on standard input: the Linux package's gitlab-rails is a shell wrapper that
# ends in `exec chpst ... bundle exec rails "$@"`, so the redirect below is the runner's stdin and the
# arguments are its ARGV (gitlabhq/omnibus-gitlab 19.3.0+ee.0 @ 8bae586ed153bd3598bf6f11dc4cfeaefd693a72,
# config/templates/gitlab-rails/bundle_exec_wrapper.erb and config/software/gitlab-rails.rb).
set -euo pipefail
for name in REGION SECRET TOKEN_NAME TOKEN_SCOPES EXPIRES_DAYS; do
  [ -n "${!name:-}" ] || { echo "create-runner-admin-token: $name is not set" >&2; exit 1; }
done
token_file=$(mktemp)
trap 'rm -f "$token_file"' EXIT
# 20 characters, the length the document asks set_token for.
head -c 10 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$token_file"
ruby=$(cat <<'RUBY'
name, days, scopes = ARGV
value = $stdin.read.strip
raise 'the token must be 20 characters long' unless value.length == 20
user = User.find_by_username('root') or raise 'GitLab has no user root'
user.personal_access_tokens.active.where(name: name).find_each(&:revoke!)
token = user.personal_access_tokens.create(scopes: scopes.split(','), name: name, expires_at: Integer(days).days.from_now)
token.set_token(value)
token.save!
puts "personal access token #{token.id} (#{name}) of root, scopes #{scopes}, expires #{token.expires_at}"
RUBY
)
gitlab-rails runner "$ruby" "$TOKEN_NAME" "$EXPIRES_DAYS" "$TOKEN_SCOPES" <"$token_file"
aws secretsmanager put-secret-value --region "$REGION" --secret-id "$SECRET" --secret-string "file://$token_file" >/dev/null
echo "create-runner-admin-token: stored in $SECRET"
