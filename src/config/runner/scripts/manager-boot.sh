#!/usr/bin/env bash
set -Eeuo pipefail
for name in REGION FLEET_GROUP PACKAGE VERSION TOKEN_SECRET TOKEN_ENV CONFIG PLUGIN_PATH WAIT_SECONDS POLL_SECONDS REPO_KEY_FINGERPRINT; do
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
  if ! gpg --show-keys --with-colons "$keyring" | grep -q "^fpr:::::::::$REPO_KEY_FINGERPRINT:"; then
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
suspend_rebalance
wait_for_token
start_runner
