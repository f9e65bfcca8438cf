#!/bin/bash
set -u
state=$FAKE_SM_STATE
printf 'aws %s\n' "$*" >>"$AWS_TRACE"
service=$1 op=$2
shift 2
id="" version="" token="" value=""
while [ $# -gt 0 ]; do
  case "$1" in
    --secret-id) id=$2; shift ;;
    --version-id) version=$2; shift ;;
    --client-request-token) token=$2; shift ;;
    --secret-string) value=$2; shift ;;
  esac
  shift
done
case "$service $op" in
  "ssm get-parameter") echo 19.3.0; exit 0 ;;
  "secretsmanager get-secret-value" | "secretsmanager put-secret-value" | "secretsmanager untag-resource") ;;
  *) exit 0 ;;
esac
dir="$state/secrets/${id//\//_}"
[ -d "$dir" ] || { echo "An error occurred (ResourceNotFoundException) when calling the $op operation" >&2; exit 254; }
fail() { echo "An error occurred ($1) when calling the PutSecretValue operation: $2" >&2; echo "refused $id $1 $FAKE_SM_NODE" >>"$state/writes"; exit 254; }
if [ "$op" = put-secret-value ]; then
  # The CLI sends a file:// value's bytes as they are, a final newline included.
  case "$value" in file://*) value=$(cat "${value#file://}"; printf x) && value=${value%x} ;; esac
  [ -n "$token" ] || token=$(cat /proc/sys/kernel/random/uuid)
  for barrier in "$state"/barrier-*; do
    [ -e "$barrier" ] || continue
    mkdir -p "$dir/arrived"
    : >"$dir/arrived/$FAKE_SM_NODE"
    for _ in $(seq 200); do
      [ "$(find "$dir/arrived" -type f | wc -l)" -lt "${barrier##*-}" ] || break
      /bin/sleep 0.05
    done
  done
fi
exec 8>"$state/lock"
flock 8
case "$op" in
  get-secret-value)
    if [ -z "$version" ] && [ -s "$state/stale-$FAKE_SM_NODE" ]; then
      left=$(cat "$state/stale-$FAKE_SM_NODE")
      echo $((left - 1)) >"$state/stale-$FAKE_SM_NODE"
      [ "$left" -gt 1 ] || rm "$state/stale-$FAKE_SM_NODE"
      version=$(cat "$dir/first")
    fi
    [ -n "$version" ] || version=$(cat "$dir/current")
    [ -e "$dir/versions/$version" ] || { echo "An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation" >&2; exit 254; }
    # The CLI's text output: the string and a newline.
    cat "$dir/versions/$version"; echo
    ;;
  put-secret-value)
    [ ! -e "$state/refuse" ] || fail ThrottlingException "Rate exceeded"
    [ -e "$dir/pending" ] || fail AccessDeniedException "not authorized to perform: secretsmanager:PutSecretValue"
    if [ -e "$dir/versions/$token" ]; then
      [ "$(cat "$dir/versions/$token"; printf x)" = "${value}x" ] || fail ResourceExistsException "You can't modify an existing version, you can only create new versions."
      echo "ignored $id $FAKE_SM_NODE" >>"$state/writes"
    else
      printf '%s' "$value" >"$dir/versions/$token"
      printf '%s' "$token" >"$dir/current"
      echo "stored $id $FAKE_SM_NODE" >>"$state/writes"
    fi
    echo "{\"VersionId\": \"$token\"}"
    ;;
  untag-resource) rm -f "$dir/pending" ;;
esac
