#!/usr/bin/env bash
# gitlab-aws boot script: turns a plain Ubuntu instance into the GitLab node its user data names.
# Everything node-specific comes from /etc/gitlab-aws/boot.env (written by cloud-init); this script
# is the same on every node. Safe to run again: each step checks before it changes anything, and
# a run resumed after a reboot skips the steps an earlier run completed.
#
#   gitlab-aws-boot                 boot the node (cloud-init runs this once per instance, and at
#                                   each boot until one run completes)
#   gitlab-aws-boot bootstrap       (under the deploy lock) prepare the database
#   gitlab-aws-boot migrate         (under the deploy lock, once per package version) run migrations
#
# Secrets are written to root-only files and never printed; there is no `set -x`.
set -Eeuo pipefail
umask 077

# The paths and the first-boot placeholder are defined once, in gitlab-aws's TypeScript, which
# renders them as assignments right below the shebang of the installed script. Stop at once if
# that header is missing, rather than at the first step that needs one of them.
: "${ENV_FILE:?} ${SECRETS_DIR:?} ${FACTS_DIR:?} ${SELF:?} ${LOCKED:?} ${FIRST_BOOT_PLACEHOLDER:?}"

# shellcheck source=/dev/null
. "$ENV_FILE"

PSQL=/opt/gitlab/embedded/bin/psql
export PSQL
# Praefect's own binary, for its migration status.
PRAEFECT=/opt/gitlab/embedded/bin/praefect
REGION=""
INSTANCE_ID=""
# Where the data volume's mount and the unit drop-in that ties GitLab's services to it go.
FSTAB=/etc/fstab
GITLAB_RB=/etc/gitlab/gitlab.rb
SYSTEMD_UNIT_DIR=/etc/systemd/system
# Set once this node has stopped its predecessor and taken its data volume; a failed boot hands it back.
TAKEN_FROM=""
TAKEN_VOLUME=""
# The boot's progress, next to the settings file cloud-init wrote for this instance: a marker per
# completed step (a run after a reboot skips those) and each step's output. A new instance starts
# without any.
STATE_DIR="${ENV_FILE%/*}/boot-state"
# The step running now; its output goes to $STATE_DIR/<step>.log.
CURRENT_STEP=""

# To standard error: the console, or inside a step the step's log.
log() { printf '%s gitlab-aws-boot[%s]: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$GLA_NODE" "$*" >&2; }

# A document of the instance metadata service (IMDSv2): `meta-data/...` or `dynamic/...`.
imds_document() {
  local token
  token=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token)
  curl -fsS -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/$1"
}

imds() { imds_document "meta-data/$1"; }

# The account this instance runs in, from its identity document: bucket names carry it.
instance_account() {
  imds_document dynamic/instance-identity/document |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["accountId"], end="")'
}

# Runs a command until it succeeds, at most $1 times, waiting 5 s (RETRY_DELAY) after the first
# failure and twice as long after each next one: downloads fail now and then on a fresh instance.
retry() {
  local n=$1 delay=${RETRY_DELAY:-5}
  shift
  until "$@"; do
    n=$((n - 1))
    log "$1 failed ($n left)"
    [ "$n" -gt 0 ] || return 1
    sleep "$delay"
    delay=$((delay * 2))
  done
}

# apt-get that waits up to 15 minutes for the package manager's lock while another process holds
# it: on a first boot unattended-upgrades often does. apt waits for dpkg's lock itself; its lists
# lock (apt-get update) it does not wait for, so callers retry.
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 "$@"; }

# Why the boot failed, in one line: the step and the last line it logged (or the failing command),
# any secret value in it replaced, since the reason leaves the instance.
failure_reason() {
  local line="" file
  [ -z "$CURRENT_STEP" ] || line=$(grep . "$STATE_DIR/$CURRENT_STEP.log" | tail -n 1) || line=""
  line=${line##*]: }
  line="${CURRENT_STEP:-boot}: ${line:-line $1: $2}"
  for file in "$SECRETS_DIR"/*; do [ ! -s "$file" ] || line=${line//"$(cat "$file")"/"(secret)"}; done
  printf '%s' "$line"
}

# Whether this run got as far as knowing which instance it is and having the AWS CLI (a failure
# before that is only on the console).
aws_ready() { [ -n "$INSTANCE_ID" ] && command -v aws >/dev/null; }

signal() {
  aws_ready || return 0
  # CloudFormation shows a signal's unique id in the resource's status reason ("Received FAILURE
  # signal with UniqueId ..."), so a failure's id carries its reason: plain characters, at most the
  # 64 an id may have (ResourceSignalUniqueId, 1 to 64 characters and no pattern, in the
  # CloudFormation API model botocore 1.43.11 ships).
  local id="$INSTANCE_ID${2:+ $2}"
  id=${id//[^A-Za-z0-9 ._:\/=+,@()-]/_}
  # A second run finds the resource already signalled; that is not an error.
  aws cloudformation signal-resource --region "$REGION" --stack-name "$GLA_STACK" \
    --logical-resource-id "$GLA_LOGICAL_ID" --unique-id "${id:0:64}" --status "$1" >/dev/null ||
    log "CloudFormation did not take the $1 signal (already signalled?)"
}

# A member of an auto scaling group waits in its launch hook (Pending:Wait) until this completes
# it: CONTINUE puts it in service, ABANDON has the group replace it. The group's name is
# CloudFormation's, so the node asks Auto Scaling which group it is in.
complete_launch() {
  [ -n "${GLA_LAUNCH_HOOK:-}" ] || return 0
  aws_ready || return 0
  local group
  group=$(aws autoscaling describe-auto-scaling-instances --region "$REGION" --instance-ids "$INSTANCE_ID" \
    --query 'AutoScalingInstances[0].AutoScalingGroupName' --output text) || group=""
  if [ -z "$group" ] || [ "$group" = "None" ]; then
    log "not in an auto scaling group; no launch hook to complete"
    return 0
  fi
  aws autoscaling complete-lifecycle-action --region "$REGION" --auto-scaling-group-name "$group" \
    --lifecycle-hook-name "$GLA_LAUNCH_HOOK" --instance-id "$INSTANCE_ID" --lifecycle-action-result "$1" >/dev/null ||
    log "Auto Scaling did not take $1 for the launch hook (already completed?)"
}

on_error() {
  trap - ERR
  local reason
  reason=$(failure_reason "$1" "$2")
  # From here on everything goes to the console, whether the failure came inside a step or after.
  exec 1>&3 2>&3
  log "FAILED at line $1: $reason"
  hand_back_volume
  complete_launch ABANDON
  signal FAILURE "$reason"
  exit 1
}

# Runs one boot step, its output in its own log. `once` steps leave a marker when they complete,
# and a later run (the boot resumed after a reboot) skips them; `always` steps run every time.
run_step() {
  local mode=$1 name=$2
  shift 2
  [ $# -gt 0 ] || set -- "$name"
  [ "$mode" = always ] || [ ! -e "$STATE_DIR/$name.done" ] || return 0
  log "$name"
  CURRENT_STEP=$name
  "$@" >>"$STATE_DIR/$name.log" 2>&1
  CURRENT_STEP=""
  [ "$mode" = always ] || : >"$STATE_DIR/$name.done"
}

# cloud-init runs this script once per instance. Linked among the scripts cloud-init runs at every
# boot (its scripts_per_boot module), it runs again after a reboot that comes before the boot is
# done (a kernel update, an operator), and stops at once after.
resume_after_reboot() { ln -sf "$SELF" /var/lib/cloud/scripts/per-boot/gitlab-aws-boot; }

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

# Waits for an artifact another machine produces (the names and the bound come from the Plan's boot
# order, src/plan/boot-order.ts, through the header), polling the check that follows.
wait_for_artifact() {
  local artifact=$1
  shift
  log "waiting for $artifact"
  wait_for "$ARTIFACT_WAIT_SECONDS" "$@"
}

write_fact() {
  printf '%s' "$2" >"$FACTS_DIR/$1.new"
  chmod 0644 "$FACTS_DIR/$1.new"
  mv "$FACTS_DIR/$1.new" "$FACTS_DIR/$1"
}

# Facts gitlab.rb reads: this instance's address and account, and the endpoints from the settings file.
record_facts() {
  local name var
  REGION=$(imds placement/region)
  INSTANCE_ID=$(imds instance-id)
  install -d -m 0755 "$FACTS_DIR"
  write_fact private-ipv4 "$(imds local-ipv4)"
  write_fact account-id "$(instance_account)"
  for name in $GLA_FACTS; do
    var=GLA_FACT_${name^^}
    var=${var//-/_}
    write_fact "$name" "${!var}"
  done
}

install_tools() {
  if ! command -v aws >/dev/null; then
    log "installing the AWS CLI"
    retry 5 snap install aws-cli --classic
  fi
  if ! command -v curl >/dev/null || ! command -v gpg >/dev/null; then
    retry 5 apt_get update -q
    retry 5 apt_get install -y -q curl gnupg ca-certificates
  fi
}

# A fixed node's user data names SSM parameters instead of carrying its settings and gitlab.rb, so
# that a routine change (a GitLab version, one more Gitaly node) updates them, not the instance. A
# group member's user data carries its settings but names the parameter of its gitlab.rb, which
# did not fit in EC2's user data. Read them before anything uses a setting; a second run reads
# them again.
fetch_node_configuration() {
  local settings rb digest
  if [ -n "${GLA_SETTINGS_PARAMETER:-}" ]; then
    settings=$(parameter_value "$GLA_SETTINGS_PARAMETER")
    printf '%s\n' "$settings" >"$ENV_FILE.new"
    mv "$ENV_FILE.new" "$ENV_FILE"
    # shellcheck source=/dev/null
    . "$ENV_FILE"
    record_facts
    log "settings read from $GLA_SETTINGS_PARAMETER"
  fi
  [ -n "${GLA_GITLAB_RB_PARAMETER:-}" ] || return 0
  rb=$(parameter_value "$GLA_GITLAB_RB_PARAMETER")
  # A group's launch template names the digest of the gitlab.rb it was made with (which is what
  # rolls the group when gitlab.rb changes). A member launched from an older template while a
  # deploy is under way reads the newer gitlab.rb; say so rather than fail a healthy boot.
  digest=$(printf '%s' "$rb" | sha256sum)
  digest=${digest%% *}
  if [ -n "${GLA_CONFIGURATION_DIGEST:-}" ] && [ "$digest" != "$GLA_CONFIGURATION_DIGEST" ]; then
    log "gitlab.rb in $GLA_GITLAB_RB_PARAMETER is newer than this launch template (digest $digest)"
  fi
  printf '%s' "$rb" | base64 -d | gunzip >"$GITLAB_RB.new"
  mv "$GITLAB_RB.new" "$GITLAB_RB"
  log "gitlab.rb read from $GLA_GITLAB_RB_PARAMETER"
}

parameter_value() {
  aws ssm get-parameter --region "$REGION" --name "$1" --query Parameter.Value --output text
}

secret_string() {
  aws secretsmanager get-secret-value --region "$REGION" --secret-id "$1" --query SecretString --output text
}

# Writes one secret (or one JSON field of it) to its root-only file. Fails, writing nothing, while
# the secret cannot be read: polled as a wait's condition, where `set -e` does not stop a function.
fetch_secret() {
  local id=$1 name=$2 field=$3 value
  value=$(secret_string "$name") || return 1
  if [ "$field" != "-" ]; then
    value=$(printf '%s' "$value" | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]], end="")' "$field") || return 1
  fi
  printf '%s' "$value" >"$SECRETS_DIR/$id.new"
  mv "$SECRETS_DIR/$id.new" "$SECRETS_DIR/$id"
}

# The data stack creates the secrets within a minute of starting, beside this node's stack: a node
# that boots first waits for them.
fetch_secrets() {
  install -d -m 0700 "$SECRETS_DIR"
  local entry id name field
  for entry in $GLA_SECRETS; do
    IFS='|' read -r id name field <<<"$entry"
    wait_for_artifact "$ARTIFACT_SECRETS" fetch_secret "$id" "$name" "$field"
  done
  log "secrets written to $SECRETS_DIR"
}

# Whether the endpoint parameter $1 holds `host:port` and that address accepts a TCP connection;
# sets ENDPOINT_HOST and ENDPOINT_PORT. The data stack writes the parameter once the service is
# available, so the parameter's absence is the usual reason to wait; the connection proves the name
# resolves here and the security groups let this node through.
endpoint_ready() {
  local value
  value=$(parameter_value "$1" 2>/dev/null) || return 1
  ENDPOINT_HOST=${value%:*}
  ENDPOINT_PORT=${value##*:}
  if [[ ! $ENDPOINT_HOST =~ ^[A-Za-z0-9.-]+$ ]] || [[ ! $ENDPOINT_PORT =~ ^[0-9]+$ ]]; then
    log "SSM parameter $1 holds \"$value\", not host:port"
    return 1
  fi
  # shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
  timeout 10 bash -c ': >"/dev/tcp/$1/$2"' endpoint "$ENDPOINT_HOST" "$ENDPOINT_PORT" 2>/dev/null
}

# Waits for each data service this node uses before step $1 (GLA_ENDPOINTS: `<database|redis>|
# <parameter>|<host fact or ->|<port fact or ->|<step>`, from the Plan's boot order) and writes its
# host and port where gitlab.rb reads them. The compute stack starts beside the data stack, so RDS
# may still be being created: a database, which gitlab.rb names by its stable name, is waited for
# only before the step that first connects to it; Redis, whose host gitlab.rb reads from here,
# before the first reconfigure.
data_endpoints() {
  local step=$1 entry kind parameter host_fact port_fact before
  for entry in ${GLA_ENDPOINTS:-}; do
    IFS='|' read -r kind parameter host_fact port_fact before <<<"$entry"
    [ "$before" = "$step" ] || continue
    case $kind in
      database) wait_for_artifact "$ARTIFACT_DATABASE_READY" endpoint_ready "$parameter" ;;
      redis) wait_for_artifact "$ARTIFACT_REDIS_READY" endpoint_ready "$parameter" ;;
      *)
        log "unknown data endpoint kind $kind"
        return 1
        ;;
    esac
    [ "$host_fact" = "-" ] || write_fact "$host_fact" "$ENDPOINT_HOST"
    [ "$port_fact" = "-" ] || write_fact "$port_fact" "$ENDPOINT_PORT"
    log "$parameter: $ENDPOINT_HOST:$ENDPOINT_PORT accepts connections"
  done
}

# The package version to install: the environment's version parameter, which the network stack creates
# before any node and the upgrade command moves. No fallback to the version this node's settings
# were rendered with: after an upgrade that one is older than the database's schema, and a node
# installing it would run old code against it. A parameter that cannot be read stops the boot.
gitlab_version() {
  local wanted
  if ! wanted=$(aws ssm get-parameter --region "$REGION" --name "$GLA_VERSION_PARAMETER" --query Parameter.Value --output text); then
    log "cannot read the GitLab version from SSM parameter $GLA_VERSION_PARAMETER"
    return 1
  fi
  if [[ ! $wanted =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    log "SSM parameter $GLA_VERSION_PARAMETER holds \"$wanted\", not a GitLab version such as 19.3.0"
    return 1
  fi
  # Said, not acted on: `upgrade` moves the parameter ahead of the spec until the spec follows.
  [ "$wanted" = "$GLA_VERSION" ] || log "installing $wanted from $GLA_VERSION_PARAMETER (the spec says $GLA_VERSION)"
  printf '%s-%s.0' "$wanted" "$GLA_EDITION"
}

# GitLab's package repository as the Linux package's 19.3 documents it: the signing key in its own
# keyring that only this source trusts (`signed-by`), and the distribution named in the path, which
# GitLab otherwise reaches by a redirect (gitlabhq/omnibus-gitlab 8bae586ed153bd3598bf6f11dc4cfeaefd693a72,
# tag 19.3.0+ee.0: doc/update/package_signatures.md, doc/troubleshooting.md "Mirroring packages").
install_gitlab() {
  local version installed codename
  version=$(gitlab_version)
  installed=$(dpkg-query -W -f='${Version}' "$GLA_PACKAGE" 2>/dev/null || true)
  if [ "$installed" = "$version" ]; then
    log "$GLA_PACKAGE $version already installed"
    return 0
  fi
  local keyring=/etc/apt/keyrings/gitlab-keyring.asc list=/etc/apt/sources.list.d/gitlab_$GLA_PACKAGE.list
  # shellcheck source=/dev/null
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  install -d -m 0755 /etc/apt/keyrings
  retry 5 curl -fsS --output "$keyring" https://packages.gitlab.com/gpgkey/gpg.key
  chmod 0644 "$keyring"
  # Refuse any key but GitLab's package repository signing key. grep reads all of gpg's output (no
  # -q): stopping at the first match could end gpg with SIGPIPE, which pipefail reports as a refusal.
  if ! gpg --show-keys --with-colons "$keyring" | grep "^fpr:::::::::$GLA_REPO_KEY_FINGERPRINT:" >/dev/null; then
    log "the downloaded repository key is not GitLab's ($GLA_REPO_KEY_FINGERPRINT)"
    return 1
  fi
  printf 'deb [signed-by=%s] https://packages.gitlab.com/gitlab/%s/ubuntu/%s %s main\n' \
    "$keyring" "$GLA_PACKAGE" "$codename" "$codename" >"$list"
  chmod 0644 "$list"
  retry 5 apt_get update -q
  # skip-auto-reconfigure (written by cloud-init) keeps the package from reconfiguring on its own.
  retry 3 apt_get install -y -q "$GLA_PACKAGE=$version"
  log "installed $GLA_PACKAGE $version"
}

# A boot that failed after taking the volume over gives it back and starts the predecessor again,
# so that CloudFormation's rollback (which deletes this instance) leaves the old node serving.
hand_back_volume() {
  [ -n "$TAKEN_FROM" ] || return 0
  log "handing $TAKEN_VOLUME back to $TAKEN_FROM and starting it again"
  gitlab-ctl stop >/dev/null 2>&1 || true
  umount "$GLA_DATA_MOUNT" 2>/dev/null || true
  aws ec2 detach-volume --region "$REGION" --volume-id "$TAKEN_VOLUME" --instance-id "$INSTANCE_ID" >/dev/null || true
  aws ec2 wait volume-available --region "$REGION" --volume-ids "$TAKEN_VOLUME" || true
  aws ec2 attach-volume --region "$REGION" --volume-id "$TAKEN_VOLUME" --instance-id "$TAKEN_FROM" --device "$GLA_DATA_DEVICE" >/dev/null || true
  aws ec2 wait volume-in-use --region "$REGION" --volume-ids "$TAKEN_VOLUME" || true
  aws ec2 start-instances --region "$REGION" --instance-ids "$TAKEN_FROM" >/dev/null || true
  TAKEN_FROM=""
}

# GitLab's services (Gitaly among them) start only with the data volume mounted: without the
# volume, Gitaly would serve, and write new repositories into, an empty directory on the root disk.
# fstab keeps `nofail` so that a node whose volume is missing still boots and can be reached (SSM)
# instead of stopping in emergency mode; this drop-in makes gitlab-runsvdir require the mount, so
# it stays down until the volume is back.
require_data_mount() {
  local dir="$SYSTEMD_UNIT_DIR/gitlab-runsvdir.service.d"
  install -d -m 0755 "$dir"
  printf '[Unit]\nRequiresMountsFor=%s\n' "$GLA_DATA_MOUNT" >"$dir/gitlab-aws-data-volume.conf"
  chmod 0644 "$dir/gitlab-aws-data-volume.conf"
  systemctl daemon-reload
}

# Whether the data volume tagged with this environment and node exists; sets TAGGED_VOLUME.
tagged_volume_found() {
  TAGGED_VOLUME=$(aws ec2 describe-volumes --region "$REGION" --output text --query 'Volumes[0].VolumeId' \
    --filters "Name=tag:$GLA_TAG_ENVIRONMENT,Values=$GLA_ENVIRONMENT" "Name=tag:$GLA_TAG_NODE,Values=$GLA_NODE") || return 1
  [ -n "$TAGGED_VOLUME" ] && [ "$TAGGED_VOLUME" != "None" ]
}

# Attaches the node's data volume (by id, or found by its tags), formats it only when it has no
# file system, and mounts it. A replaced instance takes the volume over from its predecessor; boot
# calls this only once the package is installed, so the predecessor keeps serving meanwhile. A volume
# launched with the instance (GLA_DATA_VOLUME_ATTACHED, the backup node's scratch space) is found
# where it is attached instead, and belongs to no predecessor.
mount_data_volume() {
  [ -n "$GLA_DATA_MOUNT" ] || return 0
  if mountpoint -q "$GLA_DATA_MOUNT"; then
    log "$GLA_DATA_MOUNT already mounted"
    require_data_mount
    return 0
  fi
  local volume="$GLA_DATA_VOLUME_ID" holder state device fstype uuid
  if [ -z "$volume" ] && [ "${GLA_DATA_VOLUME_ATTACHED:-no}" = "yes" ]; then
    volume=$(aws ec2 describe-volumes --region "$REGION" --output text --query 'Volumes[0].VolumeId' \
      --filters "Name=attachment.instance-id,Values=$INSTANCE_ID" "Name=attachment.device,Values=$GLA_DATA_DEVICE")
  elif [ -z "$volume" ]; then
    # The data stack creates the volume beside this node's stack: wait for it to exist.
    wait_for_artifact "$ARTIFACT_GITALY_VOLUME" tagged_volume_found
    volume=$TAGGED_VOLUME
  fi
  if [ -z "$volume" ] || [ "$volume" = "None" ]; then
    log "no data volume tagged $GLA_TAG_NODE=$GLA_NODE or attached at $GLA_DATA_DEVICE"
    return 1
  fi
  holder=$(aws ec2 describe-volumes --region "$REGION" --volume-ids "$volume" --output text --query 'Volumes[0].Attachments[0].InstanceId')
  if [ "$holder" != "$INSTANCE_ID" ]; then
    if [ -n "$holder" ] && [ "$holder" != "None" ]; then
      # The instance this one replaces: a clean stop flushes and releases the volume.
      log "stopping $holder, which holds $volume"
      TAKEN_FROM=$holder
      TAKEN_VOLUME=$volume
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
  device="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volume//-/}"
  wait_for 300 test -e "$device" -o -e "$GLA_DATA_DEVICE"
  [ -e "$device" ] || device=$GLA_DATA_DEVICE
  fstype=$(blkid -o value -s TYPE "$device" || true)
  if [ -z "$fstype" ]; then
    log "formatting the new data volume $volume"
    mkfs.ext4 -q -L git-data "$device"
  fi
  uuid=$(blkid -o value -s UUID "$device")
  install -d -m 0755 "$GLA_DATA_MOUNT"
  if ! grep -q "UUID=$uuid " "$FSTAB"; then
    printf 'UUID=%s %s ext4 defaults,nofail,noatime 0 2\n' "$uuid" "$GLA_DATA_MOUNT" >>"$FSTAB"
  fi
  mount "$GLA_DATA_MOUNT"
  mountpoint -q "$GLA_DATA_MOUNT"
  require_data_mount
  log "mounted $volume on $GLA_DATA_MOUNT"
}

# Connection settings for psql as the RDS master user (GitLab's database user), at the database's
# stable name, as gitlab.rb has it.
as_master() {
  export PGHOST="$GLA_DB_HOST" PGPORT="$GLA_DB_PORT" PGUSER="$GLA_DB_USER" PGDATABASE="$GLA_DB_NAME" PGSSLMODE=require
  PGPASSWORD=$(cat "$SECRETS_DIR/database-password")
  export PGPASSWORD
}

as_praefect() {
  export PGHOST="$GLA_PRAEFECT_DB_HOST" PGPORT="$GLA_PRAEFECT_DB_PORT" PGUSER="$GLA_PRAEFECT_DB_USER" PGSSLMODE=require
  PGPASSWORD=$(cat "$SECRETS_DIR/praefect-database-password")
  export PGPASSWORD
}

bootstrap_database() {
  local entry file who database
  for entry in $GLA_BOOTSTRAP_STEPS; do
    IFS='|' read -r file who database <<<"$entry"
    [ "$who" = "master" ] || { log "unknown bootstrap user $who"; return 1; }
    as_master
    PGDATABASE=$database "$PSQL" -X -q -v ON_ERROR_STOP=1 -f "/etc/gitlab-aws/$file"
  done
  log "database bootstrap done"
}

secret_is_set() {
  local value
  value=$(secret_string "$1")
  [ -n "$value" ] && [ "$value" != "$FIRST_BOOT_PLACEHOLDER" ]
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

# IAM lets a node write a first-boot secret only while it carries the pending tag; removing the tag
# once the value is stored means no node can overwrite it later.
close_first_boot_secret() {
  aws secretsmanager untag-resource --region "$REGION" --secret-id "$1" --tag-keys "$GLA_TAG_FIRST_BOOT" >/dev/null
}

# Shares a first-boot secret this node generated (its value in the root-only file $2) unless
# another node's is stored: a compare-and-set, without the database. Every node that may generate
# the secret writes it as the version FIRST_BOOT_VERSION; Secrets Manager creates that version for
# the first request only and refuses one with another value (ResourceExistsException), and IAM
# refuses any write once the secret is closed. Sets CLAIMED to `yes` when this node's value is the
# one stored (and closes the secret), `no` when another node's is.
claim_first_boot_secret() {
  local name=$1 file=$2
  CLAIMED=no
  if secret_is_set "$name"; then
    # Stored earlier: by another node, or by this one in a run that stopped before closing it.
    if [ "$(secret_string "$name")" = "$(cat "$file")" ]; then CLAIMED=yes; fi
  elif aws secretsmanager put-secret-value --region "$REGION" --secret-id "$name" \
    --client-request-token "$FIRST_BOOT_VERSION" --secret-string "file://$file" >/dev/null; then
    CLAIMED=yes
  elif ! secret_is_set "$name"; then
    log "$name: Secrets Manager refused this node's value, and holds no other node's"
    return 1
  fi
  [ "$CLAIMED" = no ] || close_first_boot_secret "$name"
}

# After the first reconfigure of a node that found a shared secret not stored yet (shared_secrets)
# (the 1k node, or one that may migrate):
# gitlab-secrets.json is the one that reconfigure wrote unless another node stored its own first:
# then this node installs that one, and boot reconfigures again (its marker goes first, so a run
# resumed after a reboot still does). The same for the SSH host keys, which need no reconfigure.
first_boot_secrets() {
  local keys="$SECRETS_DIR/ssh-host-keys.generated"
  if [ -e "$STATE_DIR/generates-secrets-json" ]; then
    claim_first_boot_secret "$GLA_SECRETS_JSON_NAME" /etc/gitlab/gitlab-secrets.json
    if [ "$CLAIMED" = yes ]; then
      log "gitlab-secrets.json: this node's is the one stored"
    else
      log "gitlab-secrets.json: another node's is stored; installing it to reconfigure again"
      rm -f "$STATE_DIR/reconfigure.done"
      install_secrets_json
    fi
  fi
  if [ -e "$STATE_DIR/generates-host-keys" ]; then
    (cd /etc/ssh && tar -cz ssh_host_*) | base64 -w0 >"$keys"
    claim_first_boot_secret "$GLA_HOST_KEYS_NAME" "$keys"
    rm -f "$keys"
    if [ "$CLAIMED" = yes ]; then
      log "SSH host keys: this node's are the ones stored"
    else
      log "SSH host keys: another node's are stored; installing them"
      install_host_keys
    fi
  fi
}

# Whether this node may generate the shared secrets: the 1k node (it shares them with no other
# node, but /etc/gitlab and /etc/ssh live on the root volume, which its replacement does not keep),
# and the nodes that may migrate.
generates_secrets() { [ "${GLA_SINGLE_NODE:-no}" = "yes" ] || [ "$GLA_MIGRATES" = "yes" ]; }

shared_secrets() {
  if generates_secrets; then
    # It installs what is stored and waits for nobody: what is not stored yet, its own
    # reconfigure generates and first_boot_secrets shares.
    if [ -n "$GLA_SECRETS_JSON_NAME" ]; then
      if secret_is_set "$GLA_SECRETS_JSON_NAME"; then install_secrets_json; else : >"$STATE_DIR/generates-secrets-json"; fi
    fi
    if [ -n "$GLA_HOST_KEYS_NAME" ]; then
      if secret_is_set "$GLA_HOST_KEYS_NAME"; then install_host_keys; else : >"$STATE_DIR/generates-host-keys"; fi
    fi
    return 0
  fi
  # Nodes that may not generate it wait for a node that may to store it. (Only the nodes that may
  # generate the SSH host keys serve SSH: no node waits for those.)
  if [ -n "$GLA_SECRETS_JSON_NAME" ]; then
    wait_for_artifact "$ARTIFACT_GITLAB_SECRETS_JSON" secret_is_set "$GLA_SECRETS_JSON_NAME"
    install_secrets_json
  fi
}

# GitLab's database accepts the master user (RDS creates it with the database).
database_ready() {
  as_master
  "$PSQL" -X -q -c 'SELECT 1' >/dev/null 2>&1
}

# Under the deploy lock, on a node that may migrate: the database's extensions. The node waits for
# the database only here, after its install and reconfigure, which do not need it.
prepare_database() {
  wait_for_artifact "$ARTIFACT_DATABASE_READY" database_ready
  as_master
  "$LOCKED" "$SELF" bootstrap
}

praefect_database_ready() {
  as_praefect
  PGDATABASE=$GLA_PRAEFECT_DB_NAME "$PSQL" -X -q -c 'SELECT 1' >/dev/null 2>&1
}

# Praefect's database holds every migration this Praefect knows, applied (by the deploy node's
# reconfigure, which alone migrates). Its status is a table with a row per migration; a pending one
# says `no` (or `unknown migration`) in its last column, as the upgrade's Gitaly Cluster check reads
# it (src/lifecycle/scripts/upgrade-check-gitaly-cluster.sh). A database it cannot reach fails the
# command; a status without any migration row is not taken for a finished schema.
praefect_schema_ready() {
  local status
  status=$("$PRAEFECT" -config /var/opt/gitlab/praefect/config.toml sql-migrate-status 2>/dev/null) || return 1
  printf '%s\n' "$status" | grep -E '^\|' | grep -vqi 'migration[[:space:]]*|[[:space:]]*applied' || return 1
  ! printf '%s\n' "$status" | grep -Eq '\|[[:space:]]*(no|unknown migration)[[:space:]]*\|$'
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

# Whether the repositories' service (GLA_GITALY_ADDRESS, host:port: Gitaly, or Praefect's load
# balancer) accepts a connection from this node: the backup node proves its path there is open.
gitaly_reachable() {
  # shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
  timeout 10 bash -c ': >"/dev/tcp/$1/$2"' gitaly "${GLA_GITALY_ADDRESS%:*}" "${GLA_GITALY_ADDRESS##*:}" 2>/dev/null
}

readiness() {
  local flags=(-fsS -o /dev/null --max-time 10)
  if [ "$GLA_PROXY_PROTOCOL" = "yes" ]; then flags+=(--haproxy-protocol); fi
  curl "${flags[@]}" http://127.0.0.1/-/readiness
}

# A fixed node behind the external load balancer (the 1k node) puts itself in the target groups once
# GitLab answers: the templates cannot, since the load balancer's stack would have to name the
# instance. The edge stack lists the groups in an SSM parameter (GLA_TARGET_GROUPS_PARAMETER), read
# by name so that the node's stack need not wait for the edge's certificate; the edge stack creates
# it beside this node's, so it may not exist yet. The instance it replaces leaves the groups when
# CloudFormation terminates it.
target_groups_listed() {
  parameter_value "$GLA_TARGET_GROUPS_PARAMETER" >/dev/null
}

register_targets() {
  local arns arn
  if [ -z "${GLA_TARGET_GROUPS_PARAMETER:-}" ]; then return 0; fi
  wait_for_artifact "$ARTIFACT_TARGET_GROUPS" target_groups_listed
  arns=$(parameter_value "$GLA_TARGET_GROUPS_PARAMETER")
  for arn in $(printf '%s' "$arns" | tr ',' ' '); do
    aws elbv2 register-targets --region "$REGION" --target-group-arn "$arn" --targets "Id=$INSTANCE_ID" >/dev/null
  done
}

check_running() {
  gitlab-ctl status >/dev/null
  if [ "$GLA_WEB" = "yes" ]; then wait_for 900 readiness; fi
}

run_migrations() {
  local version
  # Apart, so that a version that cannot be read stops here (a failing substitution inside the
  # command's arguments would not).
  version=$(gitlab_version)
  as_master
  "$LOCKED" --once "migrations-$version" "$SELF" migrate
  gitlab-ctl restart
}

# Marks the boot complete: the runs cloud-init starts at later boots stop at once.
boot_done() {
  : >"$STATE_DIR/boot.done"
  log "done"
}

boot() {
  trap 'on_error $LINENO "$BASH_COMMAND"' ERR
  # The console, for what steps (whose output goes to their logs) and failures show there.
  exec 3>&1
  install -d -m 0700 "$STATE_DIR"
  # One run at a time (cloud-init's first, its per-boot ones, an operator's).
  exec 9>>"$STATE_DIR/lock"
  flock 9
  [ ! -e "$STATE_DIR/boot.done" ] || return 0
  log "booting $GLA_ROLE for $GLA_ENVIRONMENT"
  run_step always record_facts
  resume_after_reboot
  run_step once install_tools
  run_step always fetch_node_configuration
  if [ "$GLA_ROLE" = "bastion" ]; then
    # Bastions run no GitLab: booted means reachable.
    signal SUCCESS
    boot_done
    return 0
  fi
  run_step always fetch_secrets
  # Install first, take the volume over after: a replaced Gitaly node keeps serving while its
  # successor downloads and installs the package, and a failed install never stops it.
  run_step once install_gitlab
  run_step always mount_data_volume
  # Each data service before the first step that uses it (the Plan's boot order): Redis, and
  # Praefect's database on Praefect nodes, before the first reconfigure, which renders their hosts.
  run_step always data_endpoints_configure data_endpoints configure
  run_step once shared_secrets
  if [ "$GLA_ROLE" = "praefect" ]; then
    run_step always praefect_database wait_for_artifact "$ARTIFACT_PRAEFECT_DATABASE" praefect_database_ready
  fi
  run_step once reconfigure gitlab-ctl reconfigure
  if generates_secrets; then
    run_step once first_boot_secrets
    run_step once reconfigure gitlab-ctl reconfigure
  fi
  if [ "${GLA_PRAEFECT_SCHEMA_WAIT:-no}" = "yes" ]; then
    # Created beside the deploy node, this one reconfigured while that one migrated; Praefect
    # starts over on the finished schema.
    run_step always praefect_schema wait_for_artifact "$ARTIFACT_PRAEFECT_SCHEMA" praefect_schema_ready
    run_step once praefect_restart gitlab-ctl restart praefect
  fi
  if [ "$GLA_MIGRATES" = "yes" ]; then
    # GitLab's database, which the reconfigure named by its stable name without connecting.
    run_step always data_endpoints_bootstrap data_endpoints bootstrap
    run_step once prepare_database
    run_step once run_migrations
  fi
  run_step once fast_ssh_key_lookup
  if [ -n "${GLA_GITALY_ADDRESS:-}" ]; then
    run_step always gitaly_serving wait_for_artifact "$ARTIFACT_GITALY_SERVING" gitaly_reachable
  fi
  run_step always data_endpoints_start data_endpoints start
  run_step always check_running
  run_step once register_targets
  complete_launch CONTINUE
  signal SUCCESS
  boot_done
}

case "${1:-boot}" in
  boot) boot ;;
  bootstrap) bootstrap_database ;;
  migrate) migrate ;;
  *)
    echo "usage: $0 [boot|bootstrap|migrate]" >&2
    exit 2
    ;;
esac
