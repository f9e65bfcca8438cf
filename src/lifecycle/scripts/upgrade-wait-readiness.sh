#!/usr/bin/env bash
# Waits until GitLab on this node answers its readiness check from the node itself (localhost is in
# GitLab's default monitoring allowlist), for at most READINESS_TIMEOUT seconds. PROXY_PROTOCOL=yes
# when NGINX expects the PROXY protocol header (the NLB's proxyProtocol setting).
set -euo pipefail
: "${READINESS_TIMEOUT:?} ${PROXY_PROTOCOL:?}"

flags=(-fsS -o /dev/null --max-time 10)
if [ "$PROXY_PROTOCOL" = "yes" ]; then flags+=(--haproxy-protocol); fi
waited=0
until curl "${flags[@]}" http://127.0.0.1/-/readiness; do
  if [ "$waited" -ge "$READINESS_TIMEOUT" ]; then
    echo "GitLab did not answer /-/readiness within ${READINESS_TIMEOUT} s; see gitlab-ctl status and /var/log/gitlab" >&2
    exit 1
  fi
  sleep 5
  waited=$((waited + 5))
done
echo "GitLab answers /-/readiness"
