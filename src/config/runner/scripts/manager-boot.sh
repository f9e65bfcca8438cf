#!/usr/bin/env bash
set -Eeuo pipefail
for name in REGION FLEET_GROUP PACKAGE VERSION TOKEN_SECRET TOKEN_ENV CONFIG PLUGIN_PATH WAIT_SECONDS POLL_SECONDS REPO_KEY_FINGERPRINT LOG_AGENT_BASE LOG_AGENT_KEY LOG_AGENT_KEY_FINGERPRINT LOG_AGENT_ARCH LOG_AGENT_MIN_VERSION LOG_AGENT_CTL LOG_AGENT_CONFIG; do
  [ -n "${!name:-}" ] || { echo "gitlab-aws-runner-boot: $name is not set" >&2; exit 1; }
done
log() { printf '%s gitlab-aws-runner-boot: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 "$@"; }
retry() {
  local n=$1 delay=5
  shift
  until "$@"; do
    n=$((n - 1))
    log "$1 failed ($n left)"
    [ "$n" -gt 0 ] || return 1
    sleep "$delay"
    delay=$((delay * 2))
  done
}
imds() {
  local token
  token=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token)
  curl -fsS -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}
# A key is checked with grep reading all of gpg's output: `grep -q` would stop at the match, and
# gpg, still writing, would die of SIGPIPE and fail the pipeline (pipefail).
install_runner() {
  if ! command -v aws >/dev/null; then retry 5 snap install aws-cli --classic; fi
  retry 5 apt_get update -q
  retry 5 apt_get install -y -q curl gnupg ca-certificates
  local keyring=/etc/apt/keyrings/gitlab-runner-keyring.asc codename
  # shellcheck source=/dev/null
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  install -d -m 0755 /etc/apt/keyrings
  retry 5 curl -fsS --output "$keyring" https://packages.gitlab.com/gpgkey/gpg.key
  chmod 0644 "$keyring"
  if ! gpg --show-keys --with-colons "$keyring" | grep "^fpr:::::::::$REPO_KEY_FINGERPRINT:" >/dev/null; then
    log "the downloaded repository key is not GitLab's ($REPO_KEY_FINGERPRINT)"
    return 1
  fi
  printf 'deb [signed-by=%s] https://packages.gitlab.com/runner/%s/ubuntu/ %s main\n' "$keyring" "$PACKAGE" "$codename" >/etc/apt/sources.list.d/gitlab-runner.list
  retry 5 apt_get update -q
  # A pinned version needs its helper images pinned alike (install/linux-repository.md).
  retry 3 apt_get install -y -q "$PACKAGE=$VERSION-1" "$PACKAGE-helper-images=$VERSION-1"
  install -d -m 0700 "$PLUGIN_PATH"
  FLEETING_PLUGIN_PATH=$PLUGIN_PATH retry 5 gitlab-runner fleeting install --config "$CONFIG"
}
# The CloudWatch agent ships the runner's journal (the units LOG_AGENT_CONFIG names). Its package is
# trusted only with a signature by the key of the known fingerprint, and only a release that reads
# the journal will do. Logs are no reason to keep CI down: a failure is logged and the boot goes on,
# so every step returns on its own failure (errexit does not apply under `||`).
install_log_agent() {
  local dir agent_version
  dir=$(mktemp -d) || return 1
  retry 5 curl -fsS --output "$dir/agent.gpg" "$LOG_AGENT_BASE/$LOG_AGENT_KEY" || return 1
  if ! gpg --show-keys --with-colons "$dir/agent.gpg" | grep "^fpr:::::::::$LOG_AGENT_KEY_FINGERPRINT:" >/dev/null; then
    log "the downloaded CloudWatch agent key is not AWS's ($LOG_AGENT_KEY_FINGERPRINT)"
    return 1
  fi
  retry 5 curl -fsS --output "$dir/agent.deb" "$LOG_AGENT_BASE/ubuntu/$LOG_AGENT_ARCH/latest/amazon-cloudwatch-agent.deb" || return 1
  retry 5 curl -fsS --output "$dir/agent.deb.sig" "$LOG_AGENT_BASE/ubuntu/$LOG_AGENT_ARCH/latest/amazon-cloudwatch-agent.deb.sig" || return 1
  gpg --batch --no-default-keyring --keyring "$dir/keyring.gpg" --import "$dir/agent.gpg" || return 1
  if ! gpg --batch --no-default-keyring --keyring "$dir/keyring.gpg" --verify "$dir/agent.deb.sig" "$dir/agent.deb"; then
    log "the CloudWatch agent package is not signed by AWS's key"
    return 1
  fi
  dpkg -i -E "$dir/agent.deb" || return 1
  rm -rf "$dir"
  agent_version=$(dpkg-query -W -f='${Version}' amazon-cloudwatch-agent) || return 1
  if ! dpkg --compare-versions "$agent_version" ge "$LOG_AGENT_MIN_VERSION"; then
    log "CloudWatch agent $agent_version cannot read the journal (needs $LOG_AGENT_MIN_VERSION or later)"
    return 1
  fi
  "$LOG_AGENT_CTL" -a fetch-config -m ec2 -s -c "file:$LOG_AGENT_CONFIG" || return 1
  log "CloudWatch agent $agent_version ships the journal as $LOG_AGENT_CONFIG says"
}
wait_for_token() {
  local deadline value
  deadline=$(($(date +%s) + WAIT_SECONDS))
  until value=$(aws secretsmanager get-secret-value --region "$REGION" --secret-id "$TOKEN_SECRET" --query SecretString --output text 2>/dev/null) && [ "${value#glrt-}" != "$value" ]; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "no runner authentication token in $TOKEN_SECRET after $WAIT_SECONDS s; handing this instance back"
      aws autoscaling set-instance-health --region "$REGION" --instance-id "$(imds instance-id)" --health-status Unhealthy || true
      return 1
    fi
    log "waiting for the runner authentication token in $TOKEN_SECRET"
    sleep "$POLL_SECONDS"
  done
  umask 077
  printf 'RUNNER_TOKEN=%s\n' "$value" >"$TOKEN_ENV.new"
  mv "$TOKEN_ENV.new" "$TOKEN_ENV"
}
# The fleeting plugin needs AZRebalance off (docker_autoscaler.md); CloudFormation cannot keep a
# process suspended, so every boot suspends it again.
suspend_rebalance() {
  retry 5 aws autoscaling suspend-processes --region "$REGION" --auto-scaling-group-name "$FLEET_GROUP" --scaling-processes AZRebalance
}
start_runner() {
  install -d -m 0755 /etc/systemd/system/gitlab-runner.service.d
  printf '[Service]\nEnvironmentFile=%s\nEnvironment=FLEETING_PLUGIN_PATH=%s\n' "$TOKEN_ENV" "$PLUGIN_PATH" >/etc/systemd/system/gitlab-runner.service.d/gitlab-aws.conf
  systemctl daemon-reload
  systemctl enable gitlab-runner
  systemctl restart gitlab-runner
  log "GitLab Runner $VERSION started"
}
install_runner
install_log_agent || log "the CloudWatch agent is not running: the runner's logs stay in this instance's journal"
suspend_rebalance
wait_for_token
start_runner
