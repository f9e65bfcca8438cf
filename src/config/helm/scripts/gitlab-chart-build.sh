#!/bin/bash
# What the environment does to GitLab's Helm chart, from a CodeBuild build inside the VPC (the
# cluster's API endpoint is private). OPERATION says what:
#   install                (the default) started by CloudFormation, which waits for the signal this
#                          script sends to SIGNAL_URL on exit, success or failure: a build may take
#                          as long as GitLab's first migrations need, where a Lambda-backed Helm
#                          resource stops at 15 minutes.
#   backup                 backup-utility in the toolbox pod, then the Rails secrets beside the archive
#   restore                GitLab's chart procedure: Rails secrets first, database clients scaled to
#                          zero, backup-utility --restore, clients scaled back
#   upgrade                helm upgrade to another chart release, GitLab's migrations included
#   background-migrations  counts the unfinished batched background migrations
# The other operations are started by gitlab-aws with the SDK and waited for there.
#
# Rails' secrets (secrets.yml) are generated in the cluster by the chart's shared-secrets job, which
# keeps an existing <release>-rails-secret as it is (templates/shared-secrets/_generate_secrets.sh.tpl,
# integratop/gitlab-org-charts-mirror 3403350c8b8ef65a71b3676ebafafea435b54c41). So an install puts
# the copy kept in Secrets Manager back into a cluster that has none before the chart runs, and
# saves the cluster's after it whenever the two differ. Their value goes from file to file and is
# never printed.
#
# Environment (set by the CodeBuild project and the build that starts it):
#   CLUSTER_NAME, AWS_REGION            the cluster
#   VALUES_PARAMETER                    SSM parameter with the chart's values (JSON)
#   MANIFESTS_PARAMETER                 SSM parameter with the manifests applied before the chart
#   RELEASES_PARAMETER                  SSM parameter with the cluster add-ons' Helm releases (JSON list:
#                                       name, namespace, repository, chart, version, values)
#   BINDINGS_PARAMETER                  SSM parameter with the TargetGroupBindings applied after the chart
#   DATA_ENDPOINTS                      `<placeholder>|<SSM parameter>` for each data service the values
#                                       name by a placeholder: the parameter holds its `host:port`
#   DATA_ENDPOINT_WAIT_SECONDS          how long to wait for each of those parameters
#   RAILS_SECRET                        the chart's Kubernetes Secret holding Rails' secrets.yml
#   RAILS_SECRETS_ID                    Secrets Manager secret keeping a copy of it
#   HELM_VERSION, HELM_SHA256           Helm release and the checksum of its linux-amd64 binary
#   KUBECTL_VERSION, KUBECTL_SHA256     kubectl release and the checksum of its linux-amd64 binary
#   ESO_REPOSITORY, ESO_CHART, ESO_VERSION, ESO_NAMESPACE        External Secrets Operator
#   GITLAB_REPOSITORY, GITLAB_CHART, GITLAB_VERSION, GITLAB_NAMESPACE, GITLAB_RELEASE
#   HELM_TIMEOUT                        how long Helm waits for the release's pods to be ready
#   SIGNAL_URL                          CloudFormation wait condition handle (install only)
#   BACKUP_ID, BACKUP_BUCKET            backup and restore: the archive's id and bucket
#   BACKUP_UTILITY_ARGS                 backup and restore: what backup-utility skips and how it copies
#   RAILS_SECRETS_SUFFIX                backup and restore: <id><suffix> names the Rails secrets saved
#   TARGET_CHART_VERSION, TARGET_GITLAB_VERSION                 upgrade: the release to go to
set -euo pipefail
OPERATION=${OPERATION:-install}

signal() {
  status=$1
  # Only the build's own shell answers CloudFormation: a background subshell (the rollout reporter)
  # inherits this trap, and its exit must not signal success while the install still runs.
  [ "$BASHPID" = "$$" ] || return 0
  if [ "$status" = 0 ]; then result=SUCCESS; else result=FAILURE; fi
  curl -fsS -X PUT -H 'Content-Type:' \
    --data-binary "{\"Status\":\"$result\",\"Reason\":\"GitLab chart install: $result\",\"UniqueId\":\"${CODEBUILD_BUILD_ID:-install}\",\"Data\":\"$GITLAB_VERSION\"}" \
    "$SIGNAL_URL"
}
if [ "$OPERATION" = install ]; then trap 'signal $?' EXIT; fi

# Files holding secrets are readable by this build's user alone.
umask 077
work=$(mktemp -d)
cd "$work"

# Helm and kubectl, each checked against the published binary's checksum before it runs.
curl -fsSL -o helm.tar.gz "https://get.helm.sh/helm-v${HELM_VERSION}-linux-amd64.tar.gz"
tar -xzf helm.tar.gz
echo "$HELM_SHA256  linux-amd64/helm" | sha256sum -c -
helm=$work/linux-amd64/helm
curl -fsSL -o kubectl "https://dl.k8s.io/release/v${KUBECTL_VERSION}/bin/linux/amd64/kubectl"
echo "$KUBECTL_SHA256  kubectl" | sha256sum -c -
chmod +x kubectl
kubectl=$work/kubectl

aws eks update-kubeconfig --name "$CLUSTER_NAME" --region "$AWS_REGION" --kubeconfig "$work/kubeconfig"
export KUBECONFIG="$work/kubeconfig"
namespace=$GITLAB_NAMESPACE
rails_secret=${RAILS_SECRET:?}

# Writes the saved secrets.yml to $1; fails when Secrets Manager holds none yet.
stored_rails_secrets() {
  # shellcheck disable=SC2016 # the backticks quote a JMESPath literal
  versions=$(aws secretsmanager list-secret-version-ids --secret-id "$RAILS_SECRETS_ID" \
    --query 'length(Versions[?contains(VersionStages, `AWSCURRENT`)])' --output text)
  [ "$versions" != 0 ] || return 1
  aws secretsmanager get-secret-value --secret-id "$RAILS_SECRETS_ID" --query SecretString --output text >"$1"
}

# Writes the cluster's secrets.yml to $1; fails when the cluster has none.
cluster_rails_secrets() {
  "$kubectl" --namespace "$namespace" get secret "$rails_secret" >/dev/null 2>&1 || return 1
  "$kubectl" --namespace "$namespace" get secret "$rails_secret" -o 'jsonpath={.data.secrets\.yml}' | base64 -d >"$1"
}

# Makes the cluster's Rails secret the secrets.yml in $1 (created or replaced, its value never shown).
put_rails_secrets_in_cluster() {
  "$kubectl" --namespace "$namespace" create secret generic "$rails_secret" --from-file=secrets.yml="$1" \
    --dry-run=client -o yaml | "$kubectl" --namespace "$namespace" apply -f - >/dev/null
}

# Saves the cluster's secrets.yml to Secrets Manager unless it holds the same already.
save_rails_secrets() {
  cluster_rails_secrets cluster-rails-secrets.yml
  if stored_rails_secrets stored-rails-secrets.yml && cmp -s cluster-rails-secrets.yml stored-rails-secrets.yml; then
    echo "Rails secrets: Secrets Manager holds the cluster's already"
    return 0
  fi
  aws secretsmanager put-secret-value --secret-id "$RAILS_SECRETS_ID" \
    --secret-string file://cluster-rails-secrets.yml >/dev/null
  echo "Rails secrets: saved the cluster's to Secrets Manager"
}

# Prints each Deployment of the release with its ready replicas every 30 s while $1 runs: the lines
# gitlab-aws deploy shows as the rollout's progress.
report_rollout() {
  while kill -0 "$1" 2>/dev/null; do
    "$kubectl" --namespace "$namespace" get deployments -l "release=$GITLAB_RELEASE" --no-headers \
      -o 'custom-columns=NAME:.metadata.name,READY:.status.readyReplicas,WANTED:.spec.replicas' 2>/dev/null |
      while read -r name ready wanted; do
        [ "$ready" != '<none>' ] || ready=0
        echo "rollout: $name $ready/$wanted ready"
      done || true
    # One second at a time: the loop ends with Helm, leaving no sleep behind to hold the log open.
    for _ in $(seq 30); do kill -0 "$1" 2>/dev/null && sleep 1; done
  done
}

# Runs a Helm command in the background, reporting the rollout until it ends with its status.
helm_with_rollout() {
  "$helm" "$@" &
  pid=$!
  (
    trap - EXIT
    report_rollout "$pid"
  ) &
  reporter=$!
  status=0
  wait "$pid" || status=$?
  kill "$reporter" 2>/dev/null || true
  wait "$reporter" 2>/dev/null || true
  return "$status"
}

# The chart's values with each data service's host in its placeholder's place. The data stack
# writes an endpoint's parameter once its service is available and deploys beside the one that
# started this build, so a first install may wait here for RDS.
chart_values() {
  aws ssm get-parameter --name "$VALUES_PARAMETER" --query Parameter.Value --output text >values.json
  for entry in ${DATA_ENDPOINTS:-}; do
    IFS='|' read -r placeholder parameter <<<"$entry"
    # A read every 15 s for the bound.
    polls=$((${DATA_ENDPOINT_WAIT_SECONDS:?} / 15))
    until value=$(aws ssm get-parameter --name "$parameter" --query Parameter.Value --output text 2>/dev/null); do
      polls=$((polls - 1))
      if [ "$polls" -lt 0 ]; then
        echo "gave up waiting for SSM parameter $parameter" >&2
        return 1
      fi
      echo "waiting for SSM parameter $parameter (its data service is being created)"
      sleep 15
    done
    host=${value%:*}
    if [[ ! $host =~ ^[A-Za-z0-9.-]+$ ]]; then
      echo "SSM parameter $parameter holds \"$value\", not host:port" >&2
      return 1
    fi
    sed -i "s|$placeholder|$host|g" values.json
  done
}

toolbox_pod() {
  "$kubectl" --namespace "$namespace" get pods -l "app=toolbox,release=$GITLAB_RELEASE" \
    --field-selector=status.phase=Running -o 'jsonpath={.items[0].metadata.name}'
}

# Runs a command in the toolbox pod, as GitLab's backup and restore documentation does.
toolbox() {
  pod=$(toolbox_pod)
  [ -n "$pod" ] || { echo "no running toolbox pod in $namespace" >&2; return 1; }
  "$kubectl" --namespace "$namespace" exec "$pod" -- "$@"
}

install() {
  # The cluster add-ons first (the load balancer controller, whose CRD the bindings below use, the
  # autoscaler, metrics-server), each with its values as the stacks rendered them.
  aws ssm get-parameter --name "$RELEASES_PARAMETER" --query Parameter.Value --output text >releases.json
  count=$(jq length releases.json)
  i=0
  while [ "$i" -lt "$count" ]; do
    jq ".[$i].values" releases.json >"release-$i.json"
    "$helm" upgrade --install "$(jq -r ".[$i].name" releases.json)" "$(jq -r ".[$i].chart" releases.json)" \
      --repo "$(jq -r ".[$i].repository" releases.json)" --version "$(jq -r ".[$i].version" releases.json)" \
      --namespace "$(jq -r ".[$i].namespace" releases.json)" --values "release-$i.json" --wait --timeout 15m
    i=$((i + 1))
  done

  # The operator first: its resources must exist before the manifests that use them.
  "$helm" upgrade --install external-secrets "$ESO_CHART" --repo "$ESO_REPOSITORY" --version "$ESO_VERSION" \
    --namespace "$ESO_NAMESPACE" --create-namespace --wait --timeout 15m

  # The manifests as a chart of their own: Helm applies and later prunes them. They are read as a
  # file, not as a template, so the External Secrets templates inside stay as they are.
  mkdir -p gitlab-secrets/templates
  printf 'apiVersion: v2\nname: gitlab-secrets\nversion: 1.0.0\n' >gitlab-secrets/Chart.yaml
  aws ssm get-parameter --name "$MANIFESTS_PARAMETER" --query Parameter.Value --output text >gitlab-secrets/manifests.yaml
  printf '{{ .Files.Get "manifests.yaml" }}\n' >gitlab-secrets/templates/manifests.yaml
  "$helm" upgrade --install gitlab-secrets ./gitlab-secrets --namespace "$GITLAB_NAMESPACE" --create-namespace --wait --timeout 10m

  # A cluster without Rails' secrets (a new one) gets the saved ones before the chart runs, so the
  # shared-secrets job keeps them instead of generating keys the database cannot be read with.
  if ! "$kubectl" --namespace "$namespace" get secret "$rails_secret" >/dev/null 2>&1 &&
    stored_rails_secrets stored-rails-secrets.yml; then
    put_rails_secrets_in_cluster stored-rails-secrets.yml
    echo "Rails secrets: put the saved ones back into the cluster"
  fi

  chart_values
  # --wait: done once webservice and the other Deployments are ready, after the migrations job.
  helm_with_rollout upgrade --install "$GITLAB_RELEASE" "$GITLAB_CHART" --repo "$GITLAB_REPOSITORY" \
    --version "$GITLAB_VERSION" --namespace "$GITLAB_NAMESPACE" --values values.json --wait --timeout "$HELM_TIMEOUT"
  save_rails_secrets

  # The pods into the load balancers' target groups, once their Services exist: a chart of their
  # own, so that Helm prunes a binding the Plan drops.
  mkdir -p gitlab-target-group-bindings/templates
  printf 'apiVersion: v2\nname: gitlab-target-group-bindings\nversion: 1.0.0\n' >gitlab-target-group-bindings/Chart.yaml
  aws ssm get-parameter --name "$BINDINGS_PARAMETER" --query Parameter.Value --output text \
    >gitlab-target-group-bindings/templates/bindings.yaml
  "$helm" upgrade --install gitlab-target-group-bindings ./gitlab-target-group-bindings \
    --namespace "$GITLAB_NAMESPACE" --wait --timeout 5m
}

backup() {
  read -ra args <<<"$BACKUP_UTILITY_ARGS"
  toolbox backup-utility -t "$BACKUP_ID" "${args[@]}"
  # GitLab keeps Rails' secrets out of its backups; the archive is unreadable without them.
  cluster_rails_secrets cluster-rails-secrets.yml
  aws s3 cp --only-show-errors cluster-rails-secrets.yml "s3://$BACKUP_BUCKET/$BACKUP_ID$RAILS_SECRETS_SUFFIX"
  echo "Backup $BACKUP_ID: s3://$BACKUP_BUCKET/${BACKUP_ID}_gitlab_backup.tar and its Rails secrets"
}

# The replicas of the release's Deployments of one app, as `name replicas` lines.
replicas_of() {
  "$kubectl" --namespace "$namespace" get deployments -l "app=$1,release=$GITLAB_RELEASE" \
    -o 'jsonpath={range .items[*]}{.metadata.name} {.spec.replicas}{"\n"}{end}'
}

restore() {
  read -ra args <<<"$BACKUP_UTILITY_ARGS"
  # Pre-flight: both halves of the backup exist before anything changes.
  aws s3api head-object --bucket "$BACKUP_BUCKET" --key "${BACKUP_ID}_gitlab_backup.tar" >/dev/null
  aws s3 cp --only-show-errors "s3://$BACKUP_BUCKET/$BACKUP_ID$RAILS_SECRETS_SUFFIX" backup-rails-secrets.yml

  # The backup's secrets first, in the cluster and in Secrets Manager, and a toolbox that reads them.
  put_rails_secrets_in_cluster backup-rails-secrets.yml
  aws secretsmanager put-secret-value --secret-id "$RAILS_SECRETS_ID" \
    --secret-string file://backup-rails-secrets.yml >/dev/null
  echo "Rails secrets: the backup's are in the cluster and in Secrets Manager"
  "$kubectl" --namespace "$namespace" rollout restart deployment -l "app=toolbox,release=$GITLAB_RELEASE"
  "$kubectl" --namespace "$namespace" rollout status deployment -l "app=toolbox,release=$GITLAB_RELEASE" --timeout 10m

  # The database's clients stopped, their replicas noted to scale back to.
  { replicas_of sidekiq; replicas_of webservice; } >replicas.txt
  while read -r deployment _; do
    "$kubectl" --namespace "$namespace" scale deployment "$deployment" --replicas=0
  done <replicas.txt
  echo "restore: webservice and Sidekiq stopped; if the restore fails they stay stopped:" \
    "GitLab is down with a partly restored database until a restore succeeds"

  toolbox env GITLAB_ASSUME_YES=1 backup-utility --restore -t "$BACKUP_ID" "${args[@]}"

  while read -r deployment count; do
    "$kubectl" --namespace "$namespace" scale deployment "$deployment" --replicas="$count"
  done <replicas.txt
  "$kubectl" --namespace "$namespace" rollout status deployment -l "release=$GITLAB_RELEASE" --timeout 30m
  echo "restore: $BACKUP_ID restored; webservice and Sidekiq are back"
}

upgrade() {
  chart_values
  # The values deployed, at the target release: the chart's migrations job runs before the new
  # pods serve, and the old pods stop as the new ones become ready.
  helm_with_rollout upgrade "$GITLAB_RELEASE" "$GITLAB_CHART" --repo "$GITLAB_REPOSITORY" \
    --version "$TARGET_CHART_VERSION" --namespace "$GITLAB_NAMESPACE" --values values.json \
    --set "global.gitlabVersion=$TARGET_GITLAB_VERSION" --wait --timeout "$HELM_TIMEOUT"
  save_rails_secrets
}

# GitLab's count of batched background migrations neither finished (3) nor finalized (6), and of
# failed ones (4) (doc/update/background_migrations.md), as the line gitlab-aws reads.
background_migrations() {
  toolbox gitlab-rails runner -e production '
    counts = ApplicationRecord.connection.select_one(
      "SELECT count(*) FILTER (WHERE status NOT IN (3, 6)) AS unfinished, count(*) FILTER (WHERE status = 4) AS failed FROM batched_background_migrations"
    )
    puts "batched_background_migrations unfinished=#{counts["unfinished"]} failed=#{counts["failed"]}"
  '
}

case "$OPERATION" in
  install) install ;;
  backup) backup ;;
  restore) restore ;;
  upgrade) upgrade ;;
  background-migrations) background_migrations ;;
  *)
    echo "unknown operation: $OPERATION" >&2
    exit 2
    ;;
esac
