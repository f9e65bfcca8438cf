# shellcheck shell=bash
# Functions the upgrade scripts share. gitlab-aws renders this file into each script that uses it,
# after the header that sets GITLAB_PACKAGE (gitlab-ee) and GITLAB_PACKAGE_VERSION (19.4.1-ee.0).

# Installs exactly the package version the upgrade goes to.
install_gitlab_package() {
  # Without this file the package upgrade runs reconfigure, which stops GitLab and migrates.
  touch /etc/gitlab/skip-auto-reconfigure
  if command -v apt-get >/dev/null; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$GITLAB_PACKAGE=$GITLAB_PACKAGE_VERSION"
  else
    dnf install -y "$GITLAB_PACKAGE-$GITLAB_PACKAGE_VERSION"
  fi
}

# Sets one gitlab.rb setting ($1, such as praefect['auto_migrate']) to $2: drops any line setting
# it, then appends the new value, so running it twice leaves one line.
set_gitlab_rb() {
  local key=$1 value=$2 pattern
  pattern=$(printf '%s' "$key" | sed 's/[][]/\\&/g')
  sed -i "/^$pattern/d" /etc/gitlab/gitlab.rb
  printf '%s = %s\n' "$key" "$value" >>/etc/gitlab/gitlab.rb
}

# Drains NGINX (it finishes the requests in flight, then exits) so the load balancer's health check
# takes the node out before GitLab restarts. A node whose NGINX is not running has nothing to drain.
drain_nginx() {
  local pid_file=/var/opt/gitlab/nginx/nginx.pid pid
  if [ -s "$pid_file" ]; then
    pid=$(cat "$pid_file")
    kill -QUIT "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 1; done
  fi
  gitlab-ctl stop nginx
}

# Waits until the runit service $1 (gitaly, praefect) runs again after the upgrade, for at most
# two minutes: the next node must not go down while this one is still starting.
wait_for_service() {
  local service=$1 tries=0
  until gitlab-ctl status "$service" >/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -ge 24 ]; then
      echo "$service is not running after the upgrade; see gitlab-ctl tail $service" >&2
      return 1
    fi
    sleep 5
  done
}
