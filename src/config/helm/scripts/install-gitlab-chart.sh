#!/bin/bash
# Installs GitLab's Helm chart on the environment's EKS cluster, from a CodeBuild build inside the
# VPC (the cluster's API endpoint is private). Started by CloudFormation, which waits for the
# signal this script sends to SIGNAL_URL on exit, success or failure: a build may take as long as
# GitLab's first migrations need, where a Lambda-backed Helm resource stops at 15 minutes.
#
# Environment (set by the CodeBuild project and the build that starts it):
#   CLUSTER_NAME, AWS_REGION            the cluster
#   VALUES_PARAMETER                    SSM parameter with the chart's values (JSON)
#   MANIFESTS_PARAMETER                 SSM parameter with the manifests applied before the chart
#   RELEASES_PARAMETER                  SSM parameter with the cluster add-ons' Helm releases (JSON list:
#                                       name, namespace, repository, chart, version, values)
#   BINDINGS_PARAMETER                  SSM parameter with the TargetGroupBindings applied after the chart
#   HELM_VERSION, HELM_SHA256           Helm release and the checksum of its linux-amd64 binary
#   ESO_REPOSITORY, ESO_CHART, ESO_VERSION, ESO_NAMESPACE        External Secrets Operator
#   GITLAB_REPOSITORY, GITLAB_CHART, GITLAB_VERSION, GITLAB_NAMESPACE, GITLAB_RELEASE
#   HELM_TIMEOUT                        how long Helm waits for the release's pods to be ready
#   SIGNAL_URL                          CloudFormation wait condition handle
set -eu

signal() {
  status=$1
  if [ "$status" = 0 ]; then result=SUCCESS; else result=FAILURE; fi
  curl -fsS -X PUT -H 'Content-Type:' \
    --data-binary "{\"Status\":\"$result\",\"Reason\":\"GitLab chart install: $result\",\"UniqueId\":\"${CODEBUILD_BUILD_ID:-install}\",\"Data\":\"$GITLAB_VERSION\"}" \
    "$SIGNAL_URL"
}
trap 'signal $?' EXIT

work=$(mktemp -d)
cd "$work"

# Helm, checked against the published binary's checksum before it runs.
curl -fsSL -o helm.tar.gz "https://get.helm.sh/helm-v${HELM_VERSION}-linux-amd64.tar.gz"
tar -xzf helm.tar.gz
echo "$HELM_SHA256  linux-amd64/helm" | sha256sum -c -
helm=$work/linux-amd64/helm

aws eks update-kubeconfig --name "$CLUSTER_NAME" --region "$AWS_REGION" --kubeconfig "$work/kubeconfig"
export KUBECONFIG="$work/kubeconfig"

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

aws ssm get-parameter --name "$VALUES_PARAMETER" --query Parameter.Value --output text >values.json
# --wait: done once webservice and the other Deployments are ready, after the migrations job.
"$helm" upgrade --install "$GITLAB_RELEASE" "$GITLAB_CHART" --repo "$GITLAB_REPOSITORY" --version "$GITLAB_VERSION" \
  --namespace "$GITLAB_NAMESPACE" --values values.json --wait --timeout "$HELM_TIMEOUT"

# The pods into the load balancers' target groups, once their Services exist: a chart of their own,
# so that Helm prunes a binding the Plan drops.
mkdir -p gitlab-target-group-bindings/templates
printf 'apiVersion: v2\nname: gitlab-target-group-bindings\nversion: 1.0.0\n' >gitlab-target-group-bindings/Chart.yaml
aws ssm get-parameter --name "$BINDINGS_PARAMETER" --query Parameter.Value --output text \
  >gitlab-target-group-bindings/templates/bindings.yaml
"$helm" upgrade --install gitlab-target-group-bindings ./gitlab-target-group-bindings \
  --namespace "$GITLAB_NAMESPACE" --wait --timeout 5m
