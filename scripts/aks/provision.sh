#!/usr/bin/env bash
# Provisions the Fibonacci service on AKS end to end, idempotently: resource group, registry,
# cluster (KEDA, the application routing Gateway API implementation, the Key Vault secrets
# provider with workload identity, Azure Managed Prometheus, Cilium for NetworkPolicies,
# autoscaler, ACR pull), Key
# Vault with the Redis and Postgres credentials, images built in ACR, the kustomize overlay,
# rollout, then the app's URL and a smoke check (POST 12 -> F(12) = 144). Each step first
# checks whether its result exists and skips it if so; re-running after a failure continues
# where it stopped. Passwords are generated here and sent to Key Vault on stdin: they are
# never in an argument list, a file or the output.
#
#   scripts/aks/provision.sh [--dry-run] [-g RG] [-n CLUSTER] [-l LOCATION] [--acr NAME]
#                            [--key-vault NAME] [--tag TAG] [--otlp-endpoint URL]
#                            [--edge nginx --allow-unsupported-edge]
#
# --dry-run prints every command in order without running anything (a dry run assumes
# nothing exists yet, so it prints the whole plan). The steps and the Microsoft docs they
# follow: docs/deploy-aks.md.
set -euo pipefail

usage() {
  sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<'USAGE'
Options (environment variables in brackets):
  --dry-run            print the plan, run nothing
  --edge gateway|nginx gateway (default): Gateway API via app routing (k8s/overlays/aks);
                       nginx: the app routing add-on's NGINX Ingress (k8s/overlays/aks-nginx),
                       UNSUPPORTED since 2026-11-30; refused without --allow-unsupported-edge
  --allow-unsupported-edge  apply --edge nginx anyway (only to keep an old cluster running
                       while you migrate: docs/deploy-aks.md, "Migrating from NGINX")
  -g, --resource-group [RG]        default fib-rg
  -n, --name           [AKS]       cluster name, default fib-aks
  -l, --location       [LOCATION]  default westeurope
  --acr                [ACR]       registry name, default derived from RG and cluster name
  --key-vault          [KEY_VAULT] Key Vault name, default derived from RG and cluster name
  --tag                [TAG]       image tag, default the git commit
  --otlp-endpoint      [OTLP_ENDPOINT] turn trace export on: writes the URL to Secret fib-otel,
                       key otlp-endpoint (k8s/components/otel-traces), never printed
  [NODE_COUNT] 3, [NODE_VM_SIZE] Standard_D4s_v5, [MAX_NODES] 6, [SMOKE_TIMEOUT] 300 (s)
USAGE
}

die() {
  echo "provision: $*" >&2
  exit 1
}

dry_run=0
edge=gateway
allow_unsupported_edge=0
resource_group=${RG:-fib-rg}
cluster=${AKS:-fib-aks}
location=${LOCATION:-westeurope}
registry=${ACR:-}
key_vault=${KEY_VAULT:-}
tag=${TAG:-}
otlp_endpoint=${OTLP_ENDPOINT:-}
node_count=${NODE_COUNT:-3}
node_vm_size=${NODE_VM_SIZE:-Standard_D4s_v5}
max_nodes=${MAX_NODES:-6}
smoke_timeout=${SMOKE_TIMEOUT:-300}
# keda/scaledobject.yaml addresses redis-0.redis-headless.fib.svc.cluster.local: the
# namespace is part of the manifests, not an option.
namespace=fib

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --edge) edge=${2:?--edge needs gateway or nginx}; shift ;;
    --edge=*) edge=${1#*=} ;;
    -g | --resource-group) resource_group=${2:?$1 needs a value}; shift ;;
    -n | --name) cluster=${2:?$1 needs a value}; shift ;;
    -l | --location) location=${2:?$1 needs a value}; shift ;;
    --acr) registry=${2:?--acr needs a value}; shift ;;
    --key-vault) key_vault=${2:?--key-vault needs a value}; shift ;;
    --allow-unsupported-edge) allow_unsupported_edge=1 ;;
    --tag) tag=${2:?--tag needs a value}; shift ;;
    --otlp-endpoint) otlp_endpoint=${2:?--otlp-endpoint needs a URL}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
case "$edge" in
  gateway) overlay=k8s/overlays/aks ;;
  nginx) overlay=k8s/overlays/aks-nginx ;;
  *) die "--edge must be gateway or nginx, not $edge" ;;
esac
# AKS app routing's managed NGINX had Azure support through November 2026 and upstream
# ingress-nginx was retired in March 2026 (no fixes, no security updates): not a default,
# not even by accident.
if [ "$edge" = nginx ] && [ "$allow_unsupported_edge" = 0 ]; then
  die "--edge nginx is unsupported (AKS app routing NGINX support ended 2026-11-30; ingress-nginx retired 2026-03). Use the default Gateway API edge, or add --allow-unsupported-edge to keep an old cluster running while you migrate (docs/deploy-aks.md, \"Migrating from NGINX\")"
fi
# The endpoint may name a tenant or carry a token: checked, never echoed.
case "$otlp_endpoint" in
  '' | http://?* | https://?*) ;;
  *) die "--otlp-endpoint must be an http:// or https:// URL (the value is not shown)" ;;
esac
# Registry names are global and 5-50 alphanumerics: derive a stable one from the resource
# group and cluster, so a re-run finds the registry it created.
if [ -z "$registry" ]; then
  registry="fib$(printf '%s/%s' "$resource_group" "$cluster" | sha256sum | cut -c1-12)"
fi
# Key Vault names are global too, 3-24 characters.
if [ -z "$key_vault" ]; then
  key_vault="fibkv-$(printf '%s/%s' "$resource_group" "$cluster" | sha256sum | cut -c1-12)"
fi
# The user-assigned managed identity the pods' service account is federated with, and that
# service account (k8s/components/azure-key-vault/serviceaccount.yaml).
identity="$cluster-secrets"
service_account=fib-secrets
if [ -z "$tag" ]; then
  tag=$(git -C "$repo_root" rev-parse --short=12 HEAD 2>/dev/null || echo dev)
  git -C "$repo_root" diff --quiet HEAD 2>/dev/null || tag="$tag-dirty"
fi

# --- how commands run -----------------------------------------------------------------
step() { printf '\n== %s\n' "$*"; }
show() {
  printf '+'
  printf ' %q' "$@"
  printf '\n'
}
# A command that changes something.
run() {
  show "$@"
  if [ "$dry_run" = 0 ]; then "$@"; fi
}
# A read-only check deciding whether a step is needed. In a dry run nothing exists yet.
exists() {
  printf '?'
  printf ' %q' "$@"
  printf '\n'
  if [ "$dry_run" = 1 ]; then return 1; fi
  "$@" >/dev/null 2>&1
}
# Repeats a command every 5 s, for at most $1 seconds, until it succeeds and its output
# matches the extended regular expression $3 ('' = any output, even none).
wait_until() {
  local seconds=$1 what=$2 pattern=$3
  shift 3
  printf '+ until %s (every 5 s, at most %ss):' "$what" "$seconds"
  printf ' %q' "$@"
  printf '\n'
  if [ "$dry_run" = 1 ]; then return 0; fi
  local deadline=$((SECONDS + seconds)) output
  while :; do
    if output=$("$@" 2>/dev/null) && { [ -z "$pattern" ] || printf '%s' "$output" | grep -Eq "$pattern"; }; then
      return 0
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "$what: not reached within ${seconds}s"
    sleep 5
  done
}
# Prints a command's output (a value the next steps need); a placeholder in a dry run.
capture() {
  local placeholder=$1
  shift
  show "$@" >&2
  if [ "$dry_run" = 1 ]; then
    printf '%s' "$placeholder"
  else
    "$@"
  fi
}

# Like `exists`, for checks that answer with an empty output rather than a failure.
has_output() {
  printf '?'
  printf ' %q' "$@"
  printf '\n'
  if [ "$dry_run" = 1 ]; then return 1; fi
  local output
  output=$("$@" 2>/dev/null) && [ -n "$output" ]
}

# Writes one Key Vault secret from stdin, so that the value is in no argument list, file or
# output (`-o none`: az would otherwise print the secret back). In a dry run stdin is dropped.
vault_secret_set() {
  local name=$1
  printf '+ az keyvault secret set --vault-name %s --name %s --file /dev/stdin -o none <<< (value not shown)\n' "$key_vault" "$name"
  if [ "$dry_run" = 1 ]; then
    cat >/dev/null
    return 0
  fi
  az keyvault secret set --vault-name "$key_vault" --name "$name" --file /dev/stdin -o none
}

# The Key Vault secrets for one Kubernetes Secret (k8s/components/azure-key-vault/
# secretproviderclass.yaml maps <store>-<key> to Secret <store>-auth, key <key>). An existing
# hand-made Secret of an earlier version is copied, so Redis and Postgres keep the password
# they were initialised with; otherwise the values are built from a new password.
store_secrets() {
  local store=$1
  shift
  local pair key
  if exists kubectl -n "$namespace" get secret "$store-auth"; then
    echo "# copying the existing Secret $store-auth into Key Vault (values not shown)"
    for pair in "$@"; do
      key=${pair%%=*}
      kubectl -n "$namespace" get secret "$store-auth" -o "jsonpath={.data.$key}" | base64 -d | vault_secret_set "$store-$key"
    done
    return 0
  fi
  for pair in "$@"; do
    key=${pair%%=*}
    printf '%s' "${pair#*=}" | vault_secret_set "$store-$key"
  done
}
# Writes the OTLP endpoint into Secret fib-otel (key otlp-endpoint) from stdin, so the value is
# in no argument list or output; other keys of an existing fib-otel (otlp-headers) are kept.
otel_secret_set() {
  printf '+ kubectl -n %s create secret generic fib-otel --from-file=otlp-endpoint=/dev/stdin --dry-run=client -o yaml | kubectl apply -f - <<< (value not shown)\n' "$namespace"
  if [ "$dry_run" = 1 ]; then
    cat >/dev/null
    return 0
  fi
  kubectl -n "$namespace" create secret generic fib-otel --from-file=otlp-endpoint=/dev/stdin --dry-run=client -o yaml |
    kubectl apply -f -
}
new_password() {
  if [ "$dry_run" = 1 ]; then printf '<generated>'; else openssl rand -hex 24; fi
}

# --- 0. tools ---------------------------------------------------------------------------
step "0. Tools: az (2.86.0 or later for the gateway edge), kubectl, curl, openssl, base64"
echo "# resource group $resource_group, cluster $cluster in $location, registry $registry, key vault $key_vault, tag $tag, edge $edge ($overlay)"
if [ "$dry_run" = 0 ]; then
  for tool in az kubectl curl openssl git sha256sum base64; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not on PATH (kubectl: az aks install-cli)"
  done
  if [ "$edge" = gateway ]; then
    az_version=$(az version --query '"azure-cli"' -o tsv)
    [ "$(printf '%s\n2.86.0\n' "$az_version" | sort -V | head -n1)" = 2.86.0 ] ||
      die "Azure CLI $az_version is older than 2.86.0, which --enable-app-routing-istio needs: az upgrade"
  fi
  az account show --query name -o tsv >/dev/null || die "not logged in: az login"
fi

# --- 1. resource group and registry ----------------------------------------------------
step "1. Resource group and container registry"
exists az group show -n "$resource_group" ||
  run az group create -n "$resource_group" -l "$location" -o none
exists az acr show -g "$resource_group" -n "$registry" ||
  run az acr create -g "$resource_group" -n "$registry" --sku Basic -o none

# --- 2. cluster ------------------------------------------------------------------------
step "2. AKS cluster: KEDA, the $edge edge, Key Vault secrets provider + workload identity, Managed Prometheus, Cilium (enforces NetworkPolicies), autoscaler, ACR pull"
if [ "$edge" = gateway ]; then
  # learn.microsoft.com/azure/aks/app-routing-gateway-api and
  # .../app-routing-nginx-to-gateway-api-migration: the managed Gateway API CRDs plus the
  # application routing Gateway API implementation (Istio control plane in aks-istio-system).
  edge_flags=(--enable-gateway-api --enable-app-routing-istio)
else
  edge_flags=(--enable-app-routing)
fi
cluster_existed=0
if exists az aks show -g "$resource_group" -n "$cluster"; then
  cluster_existed=1
else
  run az aks create -g "$resource_group" -n "$cluster" -l "$location" \
    --node-count "$node_count" --node-vm-size "$node_vm_size" \
    --enable-cluster-autoscaler --min-count "$node_count" --max-count "$max_nodes" \
    --network-plugin azure --network-plugin-mode overlay --network-dataplane cilium \
    --enable-keda "${edge_flags[@]}" \
    --enable-addons azure-keyvault-secrets-provider --enable-secret-rotation \
    --enable-oidc-issuer --enable-workload-identity \
    --enable-azure-monitor-metrics \
    --attach-acr "$registry" --generate-ssh-keys -o none
fi
run az aks get-credentials -g "$resource_group" -n "$cluster" --overwrite-existing

if [ "$cluster_existed" = 1 ]; then
  # An existing cluster gets what is missing, judged by what the cluster serves.
  exists kubectl get crd scaledobjects.keda.sh ||
    run az aks update -g "$resource_group" -n "$cluster" --enable-keda -o none
  if [ "$edge" = gateway ]; then
    exists kubectl get crd gateways.gateway.networking.k8s.io ||
      run az aks update -g "$resource_group" -n "$cluster" --enable-gateway-api -o none
    exists kubectl get gatewayclass approuting-istio ||
      run az aks update -g "$resource_group" -n "$cluster" --enable-app-routing-istio -o none
  else
    exists kubectl get ingressclass webapprouting.kubernetes.azure.com ||
      run az aks approuting enable -g "$resource_group" -n "$cluster" -o none
  fi
  exists kubectl get csidriver secrets-store.csi.k8s.io ||
    run az aks enable-addons -g "$resource_group" -n "$cluster" --addons azure-keyvault-secrets-provider \
      --enable-secret-rotation -o none
  # Azure Managed Prometheus (ama-metrics, with a default Azure Monitor workspace): the overlay's
  # PodMonitors (k8s/components/azure-managed-prometheus) need the CRD the add-on installs.
  exists kubectl get crd podmonitors.azmonitoring.coreos.com ||
    run az aks update -g "$resource_group" -n "$cluster" --enable-azure-monitor-metrics -o none
  has_output az aks show -g "$resource_group" -n "$cluster" --query oidcIssuerProfile.issuerUrl -o tsv ||
    run az aks update -g "$resource_group" -n "$cluster" --enable-oidc-issuer --enable-workload-identity -o none
  # Idempotent: assigns AcrPull to the kubelet identity unless it has it.
  run az aks update -g "$resource_group" -n "$cluster" --attach-acr "$registry" -o none
  policy=$(capture cilium az aks show -g "$resource_group" -n "$cluster" --query networkProfile.networkPolicy -o tsv)
  case "$policy" in
    cilium | calico | azure) ;;
    *) echo "warning: cluster $cluster enforces no NetworkPolicies (networkPolicy '$policy'); the manifests' policies will be ignored" >&2 ;;
  esac
fi

wait_until 600 "KEDA's CRDs are served" '' kubectl get crd scaledobjects.keda.sh
wait_until 600 "the SecretProviderClass CRD is served" '' kubectl get crd secretproviderclasses.secrets-store.csi.x-k8s.io
wait_until 600 "the Managed Prometheus PodMonitor CRD is served" '' kubectl get crd podmonitors.azmonitoring.coreos.com
if [ "$edge" = gateway ]; then
  wait_until 600 "GatewayClass approuting-istio exists" '' kubectl get gatewayclass approuting-istio
  run kubectl -n aks-istio-system rollout status deployment/istiod --timeout=10m
else
  wait_until 600 "IngressClass webapprouting.kubernetes.azure.com exists" '' \
    kubectl get ingressclass webapprouting.kubernetes.azure.com
fi

# --- 2b. Key Vault and workload identity ------------------------------------------------
step "2b. Key Vault $key_vault (RBAC), identity $identity federated with ServiceAccount $namespace/$service_account"
# learn.microsoft.com/azure/aks/csi-secrets-store-identity-access (workload identity) and
# csi-secrets-store-driver: the identity gets "Key Vault Secrets User" on this vault only;
# you (the signed-in user) get "Key Vault Secrets Officer" to write the secrets.
exists az keyvault show -g "$resource_group" -n "$key_vault" ||
  run az keyvault create -g "$resource_group" -n "$key_vault" -l "$location" --enable-rbac-authorization true -o none
exists az identity show -g "$resource_group" -n "$identity" ||
  run az identity create -g "$resource_group" -n "$identity" -l "$location" -o none
vault_id=$(capture '<key-vault-id>' az keyvault show -g "$resource_group" -n "$key_vault" --query id -o tsv)
client_id=$(capture '<identity-client-id>' az identity show -g "$resource_group" -n "$identity" --query clientId -o tsv)
principal_id=$(capture '<identity-principal-id>' az identity show -g "$resource_group" -n "$identity" --query principalId -o tsv)
tenant_id=$(capture '<tenant-id>' az account show --query tenantId -o tsv)
oidc_issuer=$(capture '<oidc-issuer-url>' az aks show -g "$resource_group" -n "$cluster" --query oidcIssuerProfile.issuerUrl -o tsv)
has_output az role assignment list --assignee "$principal_id" --role "Key Vault Secrets User" --scope "$vault_id" --query '[0].id' -o tsv ||
  run az role assignment create --assignee-object-id "$principal_id" --assignee-principal-type ServicePrincipal \
    --role "Key Vault Secrets User" --scope "$vault_id" -o none
me=$(capture '<your-object-id>' az ad signed-in-user show --query id -o tsv)
has_output az role assignment list --assignee "$me" --role "Key Vault Secrets Officer" --scope "$vault_id" --query '[0].id' -o tsv ||
  run az role assignment create --assignee-object-id "$me" --role "Key Vault Secrets Officer" --scope "$vault_id" -o none
exists az identity federated-credential show -g "$resource_group" --identity-name "$identity" -n "$service_account" ||
  run az identity federated-credential create -g "$resource_group" --identity-name "$identity" -n "$service_account" \
    --issuer "$oidc_issuer" --subject "system:serviceaccount:$namespace:$service_account" \
    --audiences api://AzureADTokenExchange -o none
# Role assignments take a minute or two to reach Key Vault.
wait_until 300 "Key Vault lets you list its secrets" '' az keyvault secret list --vault-name "$key_vault" -o none

# --- 3. images -------------------------------------------------------------------------
step "3. Images, built in ACR (no local Docker): fib-functions and fib-web at $tag"
# The Functions base is published as a major tag (4-node24) that Microsoft rebuilds with
# every host release and OS patch. Import it into the registry first and build on the exact
# digest it resolved to: the build is reproducible, the digest is printed, and a re-run of the
# same commit does not silently take a different host (docs/deploy-aks.md, "Images use Node 24").
functions_base=$(sed -n 's/^ARG FUNCTIONS_IMAGE=//p' "$repo_root/Dockerfile")
[ -n "$functions_base" ] || die "no ARG FUNCTIONS_IMAGE=... in $repo_root/Dockerfile"
base_image="base/azure-functions-node:${functions_base##*:}"
run az acr import -n "$registry" --source "$functions_base" --image "$base_image" --force
base_digest=$(capture '<base-digest>' az acr repository show -n "$registry" --image "$base_image" --query digest -o tsv)
[ -n "$base_digest" ] || die "could not read the digest of $base_image in $registry"
echo "# Functions base $functions_base is $base_digest; fib-functions:$tag is built on it"
run az acr build -r "$registry" -t "fib-functions:$tag" -f "$repo_root/Dockerfile" \
  --build-arg "FUNCTIONS_IMAGE=$registry.azurecr.io/${base_image%%:*}@$base_digest" "$repo_root"
run az acr build -r "$registry" -t "fib-web:$tag" -f "$repo_root/web/Dockerfile" "$repo_root"

# --- 4. namespace and Key Vault secrets --------------------------------------------------
step "4. Namespace $namespace and the credentials in Key Vault (written once: Redis and Postgres keep the password they started with)"
exists kubectl get namespace "$namespace" ||
  run kubectl create namespace "$namespace"
if ! exists az keyvault secret show --vault-name "$key_vault" -n redis-password; then
  redis_password=$(new_password)
  store_secrets redis \
    "password=$redis_password" \
    "master-connection=redis-0.redis-headless:6379,password=$redis_password,ssl=False,abortConnect=False" \
    "replica-connection=redis-read:6379,password=$redis_password,ssl=False,abortConnect=False"
  unset redis_password
fi
if ! exists az keyvault secret show --vault-name "$key_vault" -n postgres-password; then
  postgres_password=$(new_password)
  store_secrets postgres \
    "password=$postgres_password" \
    "database-url=postgres://fib:$postgres_password@postgres:5432/fib"
  unset postgres_password
fi
if ! exists az keyvault secret show --vault-name "$key_vault" -n fib-operator-token; then
  # The operator credential (OPERATOR_TOKEN): the load test presents it so fair use does not meter it.
  new_password | vault_secret_set fib-operator-token
fi
if [ -n "$otlp_endpoint" ]; then
  # Trace export (k8s/components/otel-traces reads it; without it traces stay off).
  printf '%s' "$otlp_endpoint" | otel_secret_set
fi

# --- 5. manifests ----------------------------------------------------------------------
step "5. Apply $overlay with the images from $registry.azurecr.io at $tag and Key Vault $key_vault"
# A throwaway overlay on top of the committed one sets the registry and tag, and the vault,
# tenant and identity the SecretProviderClass and ServiceAccount name (none is a secret), so
# no file in the repository changes. Kustomize takes resources only by relative path.
overlay_dir=$(mktemp -d)
trap 'rm -rf "$overlay_dir"' EXIT
cat >"$overlay_dir/kustomization.yaml" <<KUSTOMIZATION
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $(realpath --relative-to="$overlay_dir" "$repo_root/$overlay")
images:
  - name: fibacr.azurecr.io/fib-functions
    newName: $registry.azurecr.io/fib-functions
    newTag: "$tag"
  - name: fibacr.azurecr.io/fib-web
    newName: $registry.azurecr.io/fib-web
    newTag: "$tag"
patches:
  - target:
      kind: SecretProviderClass
      name: fib-stores
    patch: |-
      - op: replace
        path: /spec/parameters/keyvaultName
        value: "$key_vault"
      - op: replace
        path: /spec/parameters/tenantId
        value: "$tenant_id"
      - op: replace
        path: /spec/parameters/clientID
        value: "$client_id"
  - target:
      kind: ServiceAccount
      name: $service_account
    patch: |-
      - op: replace
        path: /metadata/annotations/azure.workload.identity~1client-id
        value: "$client_id"
KUSTOMIZATION
sed 's/^/#   /' "$overlay_dir/kustomization.yaml"
run kubectl apply -k "$overlay_dir"
if [ -n "$otlp_endpoint" ]; then
  # Env from a Secret is read at container start: a changed endpoint reaches running pods this way.
  run kubectl -n "$namespace" rollout restart deployment/api deployment/worker
fi

# --- 6. rollout ------------------------------------------------------------------------
step "6. Wait for the rollout (the worker stays at 0 pods until tasks are queued)"
run kubectl -n "$namespace" rollout status statefulset/redis --timeout=10m
run kubectl -n "$namespace" rollout status deployment/postgres --timeout=10m
run kubectl -n "$namespace" rollout status deployment/api --timeout=10m
run kubectl -n "$namespace" rollout status deployment/web --timeout=10m

# --- 7. address and smoke check ---------------------------------------------------------
step "7. Address and smoke check: POST 12, then GET /api/values/12 until it is 144"
if [ "$edge" = gateway ]; then
  run kubectl -n "$namespace" wait --for=condition=Programmed gateways.gateway.networking.k8s.io/fib --timeout=10m
  address_command=(kubectl -n "$namespace" get gateways.gateway.networking.k8s.io fib
    -o 'jsonpath={.status.addresses[0].value}')
else
  address_command=(kubectl -n app-routing-system get service nginx -o 'jsonpath={.status.loadBalancer.ingress[0].ip}')
fi
wait_until 600 "the $edge edge has a public address" '.' "${address_command[@]}"
address=$(capture "<$edge-address>" "${address_command[@]}")
app_url="http://$address"
wait_until 120 "POST /api/values {\"index\": 12} answers 202" '"working": *true' \
  curl -fsS --max-time 10 -X POST "$app_url/api/values" -H 'content-type: application/json' -d '{"index": 12}'
# The first task wakes a worker from zero (KEDA polls every second, then the pod starts).
wait_until "$smoke_timeout" "GET /api/values/12 answers F(12) = 144" '"value": *"144"' \
  curl -fsS --max-time 10 "$app_url/api/values/12"

step "Done"
echo "Fibonacci service: $app_url/"
echo "API:               $app_url/api/health"
