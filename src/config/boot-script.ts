/**
 * The two scripts every node's user data installs. They are the same on every node: what differs
 * (role, secret names, endpoints) comes from /etc/gitlab-aws/boot.env, which user-data.ts renders.
 *
 * Why these steps, in this order:
 * - Package: GitLab's apt repository with its signing key checked against the published fingerprint
 *   (gitlabhq/omnibus-gitlab 440b1f835eb205885d22933ac074cc11c1148609, doc/update/package_signatures.md),
 *   the exact version pinned, and `/etc/gitlab/skip-auto-reconfigure` in place first so the package
 *   never reconfigures (and migrates) on its own.
 * - Shared secrets: gitlab-secrets.json must be the same on every node running Rails code and on
 *   Gitaly, and the SSH host keys the same on every web node behind the load balancer (3k page,
 *   "Configure GitLab Rails" and "Configure Gitaly", skratsch-solutions/gitlabhq
 *   06bbc8dc33553c380709d5395df4750a78017677; host keys: doc/install/aws/_index.md at
 *   462401833261e0523def242cd7f5650407a43351). The first node that may migrate generates them,
 *   under the deploy lock, and stores them in Secrets Manager; they are never regenerated.
 * - Migrations: GitLab's multi-node upgrade procedure runs migrations on one deploy node only, with
 *   `gitlab_rails['auto_migrate'] = false` and skip-auto-reconfigure everywhere else, and explains
 *   that Rails' own migration lock makes a second concurrent run fail rather than wait
 *   (skratsch-solutions/gitlabhq d08a1508d191015791d908b4d42036623e6603ae, doc/update/zero_downtime.md,
 *   "Upgrade GitLab application (Rails) nodes"). Rails nodes are interchangeable members of an auto
 *   scaling group, so no instance can be named the deploy node in advance. Instead every node keeps
 *   `auto_migrate` off, and nodes that may migrate take a PostgreSQL session advisory lock on GitLab's
 *   own database (gitlab-aws-locked): the first to get it runs `gitlab-rake gitlab:db:configure`
 *   (which loads the schema and seeds a new database) with post-deployment migrations skipped (the
 *   upgrade command runs them once every node is upgraded) and records the package version; the
 *   others wait for the lock, find the version recorded and skip. One node migrates per version,
 *   never two at a time, and a node that dies releases the lock with its session.
 * - Fast SSH key lookup: OpenSSH asks GitLab Shell for the key (`AuthorizedKeysCommand`), since the
 *   web nodes share no authorized_keys file (pavankalisetti009/gitlab
 *   7a77d3e0752080d777d9533cd93f249891cf178b, doc/administration/operations/fast_ssh_key_lookup.md).
 *   Writing the file is then turned off in the application settings, as that page advises.
 * - Incremental job logging: the `ci_enable_live_trace` feature flag (3k page, "Enable incremental
 *   logging", and doc/administration/cicd/job_logs.md).
 * - Signalling: `aws cloudformation signal-resource` with SUCCESS once GitLab runs (and, on web
 *   nodes, answers its readiness check), FAILURE from the error trap, so a broken node fails the
 *   deploy.
 */

/** Installed as /usr/local/sbin/gitlab-aws-boot. */
export const BOOT_SCRIPT = `#!/bin/bash
# gitlab-aws boot script: turns a plain Ubuntu instance into the GitLab node its user data names.
# Everything node-specific comes from /etc/gitlab-aws/boot.env (written by cloud-init); this script
# is the same on every node. Safe to run again: each step checks before it changes anything.
#
#   gitlab-aws-boot                 boot the node (cloud-init runs this once per instance)
#   gitlab-aws-boot first-boot      (under the deploy lock) prepare the database, generate shared secrets
#   gitlab-aws-boot migrate         (under the deploy lock, once per package version) run migrations
#
# Secrets are written to root-only files and never printed; there is no \`set -x\`.
set -Eeuo pipefail
umask 077

ENV_FILE=/etc/gitlab-aws/boot.env
# shellcheck source=/dev/null
. "$ENV_FILE"

SECRETS_DIR=/etc/gitlab/aws-secrets
FACTS_DIR=/etc/gitlab/aws-node
LOCKED=/usr/local/sbin/gitlab-aws-locked
PLACEHOLDER='{"initialized":false}'
PSQL=/opt/gitlab/embedded/bin/psql
export PSQL
REGION=""
INSTANCE_ID=""

log() { printf '%s gitlab-aws-boot[%s]: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$GLA_NODE" "$*"; }

imds() {
  local token
  token=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token)
  curl -fsS -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}

signal() {
  if [ -z "$REGION" ] || [ -z "$INSTANCE_ID" ] || ! command -v aws >/dev/null; then
    log "cannot signal $1 to CloudFormation yet"
    return 0
  fi
  # A second run finds the resource already signalled; that is not an error.
  aws cloudformation signal-resource --region "$REGION" --stack-name "$GLA_STACK" \\
    --logical-resource-id "$GLA_LOGICAL_ID" --unique-id "$INSTANCE_ID" --status "$1" >/dev/null ||
    log "CloudFormation did not take the $1 signal (already signalled?)"
}

on_error() {
  log "FAILED at line $1; signalling failure"
  signal FAILURE
  exit 1
}

# Polls a command until it succeeds, for at most $1 seconds.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "gave up waiting for: $*"
      return 1
    fi
    sleep 15
  done
}

write_fact() {
  printf '%s' "$2" >"$FACTS_DIR/$1.new"
  chmod 0644 "$FACTS_DIR/$1.new"
  mv "$FACTS_DIR/$1.new" "$FACTS_DIR/$1"
}

# Facts gitlab.rb reads: this instance's address, and the endpoints from the settings file.
record_facts() {
  local name var
  REGION=$(imds placement/region)
  INSTANCE_ID=$(imds instance-id)
  install -d -m 0755 "$FACTS_DIR"
  write_fact private-ipv4 "$(imds local-ipv4)"
  for name in $GLA_FACTS; do
    var=GLA_FACT_\${name^^}
    var=\${var//-/_}
    write_fact "$name" "\${!var}"
  done
}

install_tools() {
  if ! command -v aws >/dev/null; then
    log "installing the AWS CLI"
    snap install aws-cli --classic
  fi
  if ! command -v curl >/dev/null || ! command -v gpg >/dev/null; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q curl gnupg ca-certificates
  fi
}

secret_string() {
  aws secretsmanager get-secret-value --region "$REGION" --secret-id "$1" --query SecretString --output text
}

# Writes one secret (or one JSON field of it) to its root-only file.
fetch_secret() {
  local id=$1 name=$2 field=$3 value
  value=$(secret_string "$name")
  if [ "$field" != "-" ]; then
    value=$(printf '%s' "$value" | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]], end="")' "$field")
  fi
  printf '%s' "$value" >"$SECRETS_DIR/$id.new"
  mv "$SECRETS_DIR/$id.new" "$SECRETS_DIR/$id"
}

fetch_secrets() {
  install -d -m 0700 "$SECRETS_DIR"
  local entry id name field
  for entry in $GLA_SECRETS; do
    IFS='|' read -r id name field <<<"$entry"
    fetch_secret "$id" "$name" "$field"
  done
  log "secrets written to $SECRETS_DIR"
}

gitlab_version() {
  local wanted
  # The upgrade command moves this parameter; without it, the version the Plan pins.
  wanted=$(aws ssm get-parameter --region "$REGION" --name "$GLA_VERSION_PARAMETER" --query Parameter.Value --output text 2>/dev/null || true)
  if [[ ! $wanted =~ ^[0-9]+\\.[0-9]+\\.[0-9]+$ ]]; then wanted=$GLA_VERSION; fi
  printf '%s-%s.0' "$wanted" "$GLA_EDITION"
}

install_gitlab() {
  local version installed codename
  version=$(gitlab_version)
  installed=$(dpkg-query -W -f='\${Version}' "$GLA_PACKAGE" 2>/dev/null || true)
  if [ "$installed" = "$version" ]; then
    log "$GLA_PACKAGE $version already installed"
    return 0
  fi
  # shellcheck source=/dev/null
  codename=$(. /etc/os-release && printf '%s' "$VERSION_CODENAME")
  install -d -m 0755 /etc/apt/keyrings
  curl -fsS --output /etc/apt/keyrings/gitlab-keyring.asc https://packages.gitlab.com/gpgkey/gpg.key
  chmod 0644 /etc/apt/keyrings/gitlab-keyring.asc
  # Refuse any key but GitLab's package repository signing key.
  if ! gpg --show-keys --with-colons /etc/apt/keyrings/gitlab-keyring.asc | grep -q "^fpr:::::::::$GLA_REPO_KEY_FINGERPRINT:"; then
    log "the downloaded repository key is not GitLab's ($GLA_REPO_KEY_FINGERPRINT)"
    return 1
  fi
  printf 'deb [signed-by=/etc/apt/keyrings/gitlab-keyring.asc] https://packages.gitlab.com/gitlab/%s/ubuntu/ %s main\\n' \\
    "$GLA_PACKAGE" "$codename" >"/etc/apt/sources.list.d/gitlab_$GLA_PACKAGE.list"
  chmod 0644 "/etc/apt/sources.list.d/gitlab_$GLA_PACKAGE.list"
  apt-get update -q
  # skip-auto-reconfigure (written by cloud-init) keeps the package from reconfiguring on its own.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$GLA_PACKAGE=$version"
  log "installed $GLA_PACKAGE $version"
}

# Attaches the node's data volume (by id, or found by its tags), formats it only when it has no
# file system, and mounts it. A replaced instance takes the volume over from its predecessor.
mount_data_volume() {
  [ -n "$GLA_DATA_MOUNT" ] || return 0
  if mountpoint -q "$GLA_DATA_MOUNT"; then
    log "$GLA_DATA_MOUNT already mounted"
    return 0
  fi
  local volume="$GLA_DATA_VOLUME_ID" holder state device fstype uuid
  if [ -z "$volume" ]; then
    volume=$(aws ec2 describe-volumes --region "$REGION" --output text --query 'Volumes[0].VolumeId' \\
      --filters "Name=tag:$GLA_TAG_ENVIRONMENT,Values=$GLA_ENVIRONMENT" "Name=tag:$GLA_TAG_NODE,Values=$GLA_NODE")
  fi
  if [ -z "$volume" ] || [ "$volume" = "None" ]; then
    log "no data volume tagged $GLA_TAG_NODE=$GLA_NODE"
    return 1
  fi
  holder=$(aws ec2 describe-volumes --region "$REGION" --volume-ids "$volume" --output text --query 'Volumes[0].Attachments[0].InstanceId')
  if [ "$holder" != "$INSTANCE_ID" ]; then
    if [ -n "$holder" ] && [ "$holder" != "None" ]; then
      # The instance this one replaces: a clean stop flushes and releases the volume.
      log "stopping $holder, which holds $volume"
      aws ec2 stop-instances --region "$REGION" --instance-ids "$holder" >/dev/null
      aws ec2 wait volume-available --region "$REGION" --volume-ids "$volume" ||
        aws ec2 detach-volume --region "$REGION" --volume-id "$volume" --instance-id "$holder" >/dev/null
      aws ec2 wait volume-available --region "$REGION" --volume-ids "$volume"
    fi
    state=$(aws ec2 describe-volumes --region "$REGION" --volume-ids "$volume" --output text --query 'Volumes[0].State')
    [ "$state" = "available" ] || aws ec2 wait volume-available --region "$REGION" --volume-ids "$volume"
    aws ec2 attach-volume --region "$REGION" --volume-id "$volume" --instance-id "$INSTANCE_ID" --device "$GLA_DATA_DEVICE" >/dev/null
    aws ec2 wait volume-in-use --region "$REGION" --volume-ids "$volume"
  fi
  # Nitro instances expose EBS volumes as NVMe devices named after the volume id.
  device="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_\${volume//-/}"
  wait_for 300 test -e "$device" -o -e "$GLA_DATA_DEVICE"
  [ -e "$device" ] || device=$GLA_DATA_DEVICE
  fstype=$(blkid -o value -s TYPE "$device" || true)
  if [ -z "$fstype" ]; then
    log "formatting the new data volume $volume"
    mkfs.ext4 -q -L git-data "$device"
  fi
  uuid=$(blkid -o value -s UUID "$device")
  install -d -m 0755 "$GLA_DATA_MOUNT"
  if ! grep -q "UUID=$uuid " /etc/fstab; then
    printf 'UUID=%s %s ext4 defaults,nofail,noatime 0 2\\n' "$uuid" "$GLA_DATA_MOUNT" >>/etc/fstab
  fi
  mount "$GLA_DATA_MOUNT"
  log "mounted $volume on $GLA_DATA_MOUNT"
}

# Connection settings for psql as the RDS master user (GitLab's database user).
as_master() {
  export PGHOST="$GLA_DB_HOST" PGPORT="$GLA_DB_PORT" PGUSER="$GLA_DB_USER" PGDATABASE="$GLA_DB_NAME" PGSSLMODE=require
  PGPASSWORD=$(cat "$SECRETS_DIR/database-password")
  export PGPASSWORD
}

as_praefect() {
  export PGHOST="$GLA_DB_HOST" PGPORT="$GLA_DB_PORT" PGUSER="$GLA_PRAEFECT_DB_USER" PGSSLMODE=require
  PGPASSWORD=$(cat "$SECRETS_DIR/praefect-database-password")
  export PGPASSWORD
}

bootstrap_database() {
  local entry file who database
  for entry in $GLA_BOOTSTRAP_STEPS; do
    IFS='|' read -r file who database <<<"$entry"
    if [ "$who" = "praefect" ]; then as_praefect; else as_master; fi
    PGDATABASE=$database "$PSQL" -X -q -v ON_ERROR_STOP=1 -f "/etc/gitlab-aws/$file"
  done
  log "database bootstrap done"
}

secret_is_set() {
  local value
  value=$(secret_string "$1")
  [ -n "$value" ] && [ "$value" != "$PLACEHOLDER" ]
}

install_secrets_json() {
  secret_string "$GLA_SECRETS_JSON_NAME" >/etc/gitlab/gitlab-secrets.json.new
  chmod 0600 /etc/gitlab/gitlab-secrets.json.new
  mv /etc/gitlab/gitlab-secrets.json.new /etc/gitlab/gitlab-secrets.json
}

install_host_keys() {
  local tmp
  tmp=$(mktemp -d)
  secret_string "$GLA_HOST_KEYS_NAME" | base64 -d | tar -xz -C "$tmp"
  install -m 0600 "$tmp"/ssh_host_*_key /etc/ssh/
  install -m 0644 "$tmp"/ssh_host_*_key.pub /etc/ssh/
  rm -rf "$tmp"
  systemctl try-reload-or-restart ssh
}

# Runs under the deploy lock on nodes that may migrate: the first one prepares the database and
# generates gitlab-secrets.json and the SSH host keys, which every later node reuses.
first_boot() {
  bootstrap_database
  if [ -n "$GLA_SECRETS_JSON_NAME" ] && ! secret_is_set "$GLA_SECRETS_JSON_NAME"; then
    log "first node: generating gitlab-secrets.json"
    gitlab-ctl reconfigure
    aws secretsmanager put-secret-value --region "$REGION" --secret-id "$GLA_SECRETS_JSON_NAME" \\
      --secret-string file:///etc/gitlab/gitlab-secrets.json >/dev/null
  fi
  if [ -n "$GLA_HOST_KEYS_NAME" ] && ! secret_is_set "$GLA_HOST_KEYS_NAME"; then
    log "first node: storing this node's SSH host keys for every web node"
    aws secretsmanager put-secret-value --region "$REGION" --secret-id "$GLA_HOST_KEYS_NAME" \\
      --secret-string "$(cd /etc/ssh && tar -cz ssh_host_* | base64 -w0)" >/dev/null
  fi
}

shared_secrets() {
  if [ "$GLA_MIGRATES" = "yes" ]; then
    as_master
    "$LOCKED" /usr/local/sbin/gitlab-aws-boot first-boot
  fi
  if [ -n "$GLA_SECRETS_JSON_NAME" ]; then
    # Nodes that may not generate it wait for the first Rails node to store it.
    wait_for 1800 secret_is_set "$GLA_SECRETS_JSON_NAME"
    install_secrets_json
  fi
  if [ -n "$GLA_HOST_KEYS_NAME" ]; then
    wait_for 1800 secret_is_set "$GLA_HOST_KEYS_NAME"
    install_host_keys
  fi
}

praefect_database_ready() {
  as_praefect
  PGDATABASE=$GLA_PRAEFECT_DB_NAME "$PSQL" -X -q -c 'SELECT 1' >/dev/null 2>&1
}

# Runs under the deploy lock, once per package version: regular migrations (post-deployment ones
# wait for the upgrade command), seeding the root user on a new database.
migrate() {
  GITLAB_ROOT_PASSWORD=$(cat "$SECRETS_DIR/root-password")
  export GITLAB_ROOT_PASSWORD
  SKIP_POST_DEPLOYMENT_MIGRATIONS=true gitlab-rake gitlab:db:configure
  unset GITLAB_ROOT_PASSWORD
  # Incremental job logs (Redis instead of a shared disk); keys looked up in the database only.
  gitlab-rails runner 'Feature.enable(:ci_enable_live_trace); ApplicationSetting.current&.update!(authorized_keys_enabled: false)'
  log "migrations done"
}

fast_ssh_key_lookup() {
  [ "$GLA_WEB" = "yes" ] || return 0
  cat >/etc/ssh/sshd_config.d/60-gitlab-fast-lookup.conf <<'SSHD'
# gitlab-aws: look up Git users' SSH keys in GitLab's database (no shared authorized_keys file)
Match User git
  AuthorizedKeysCommand /opt/gitlab/embedded/service/gitlab-shell/bin/gitlab-shell-authorized-keys-check git %u %k
  AuthorizedKeysCommandUser git
Match all
SSHD
  chmod 0644 /etc/ssh/sshd_config.d/60-gitlab-fast-lookup.conf
  sshd -t
  systemctl try-reload-or-restart ssh
}

readiness() {
  local flags=(-fsS -o /dev/null --max-time 10)
  if [ "$GLA_PROXY_PROTOCOL" = "yes" ]; then flags+=(--haproxy-protocol); fi
  curl "\${flags[@]}" http://127.0.0.1/-/readiness
}

check_running() {
  gitlab-ctl status >/dev/null
  if [ "$GLA_WEB" = "yes" ]; then wait_for 900 readiness; fi
}

boot() {
  trap 'on_error $LINENO' ERR
  log "booting $GLA_ROLE for $GLA_ENVIRONMENT"
  record_facts
  install_tools
  if [ "$GLA_ROLE" = "bastion" ]; then
    # Bastions run no GitLab: booted means reachable.
    signal SUCCESS
    return 0
  fi
  fetch_secrets
  mount_data_volume
  install_gitlab
  shared_secrets
  if [ "$GLA_ROLE" = "praefect" ]; then wait_for 1800 praefect_database_ready; fi
  gitlab-ctl reconfigure
  if [ "$GLA_MIGRATES" = "yes" ]; then
    as_master
    "$LOCKED" --once "migrations-$(gitlab_version)" /usr/local/sbin/gitlab-aws-boot migrate
    gitlab-ctl restart
  fi
  fast_ssh_key_lookup
  check_running
  signal SUCCESS
  log "done"
}

case "\${1:-boot}" in
  boot) boot ;;
  first-boot)
    REGION=$(imds placement/region)
    first_boot
    ;;
  migrate) migrate ;;
  *)
    echo "usage: $0 [boot|first-boot|migrate]" >&2
    exit 2
    ;;
esac
`;

/** Installed as /usr/local/sbin/gitlab-aws-locked. */
export const LOCK_SCRIPT = `#!/bin/bash
# gitlab-aws deploy lock: runs a program while holding a PostgreSQL advisory lock on GitLab's
# database, so that of all the nodes booting at once only one prepares the database, generates the
# shared secrets or migrates at a time; the others wait for the lock instead of failing.
#
#   gitlab-aws-locked PROGRAM [ARGS...]
#   gitlab-aws-locked --once MARKER PROGRAM [ARGS...]
#
# With --once, the program runs only if no earlier run recorded MARKER (in the gitlab_aws schema):
# the first node to get the lock migrates for a package version, the rest find it done.
# Connection settings come from the PG* environment variables; psql from $PSQL. The lock is a
# session lock: if the node dies, PostgreSQL ends the session and releases it.
set -euo pipefail

LOCK_KEY=4707410
marker=""
if [ "\${1:-}" = "--once" ]; then
  marker=\${2:?--once needs a marker}
  shift 2
fi
[ "$#" -gt 0 ] || { echo "usage: $0 [--once MARKER] PROGRAM [ARGS...]" >&2; exit 2; }
for word in "$marker" "$@"; do
  if [[ ! $word =~ ^[A-Za-z0-9_./:=+-]*$ ]]; then
    echo "$0: refusing unusual characters in '$word'" >&2
    exit 2
  fi
done

status_file=$(mktemp)
trap 'rm -f "$status_file"' EXIT
echo none >"$status_file"

"\${PSQL:-/opt/gitlab/embedded/bin/psql}" -X -q -v ON_ERROR_STOP=1 -v marker="$marker" <<SQL
SET client_min_messages = warning;
SELECT pg_advisory_lock($LOCK_KEY) \\g /dev/null
SELECT :'marker' <> '' AS once \\gset
\\if :once
CREATE SCHEMA IF NOT EXISTS gitlab_aws;
CREATE TABLE IF NOT EXISTS gitlab_aws.completed (marker text PRIMARY KEY, completed_at timestamptz NOT NULL DEFAULT now());
SELECT EXISTS (SELECT FROM gitlab_aws.completed WHERE marker = :'marker') AS done \\gset
\\else
SELECT false AS done \\gset
\\endif
\\if :done
\\echo gitlab-aws-locked: :marker already done
\\! echo skipped >$status_file
\\else
\\! $* </dev/null; echo \\$? >$status_file
\\set rc \\\`cat $status_file\\\`
SELECT :rc = 0 AND :'once'::boolean AS record \\gset
\\if :record
INSERT INTO gitlab_aws.completed (marker) VALUES (:'marker');
\\endif
\\endif
SELECT pg_advisory_unlock($LOCK_KEY) \\g /dev/null
SQL
status=$(cat "$status_file")
case "$status" in
  skipped) exit 0 ;;
  none)
    echo "$0: the program did not run" >&2
    exit 1
    ;;
  *) exit "$status" ;;
esac
`;

/** The advisory lock key gitlab-aws-locked takes (any fixed number no other program uses). */
export const DEPLOY_LOCK_KEY = 4707410;
