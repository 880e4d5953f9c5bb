#!/usr/bin/env bash
# joinguard local demo on the sandbox cluster.
#
#  1. starts joinguard-sandbox (the embedded default cluster) with kubeadm's stock RBAC,
#     including the kubeadm:node-autoapprove-bootstrap binding;
#  2. shows the attack that binding allows: a bootstrap-token holder gets a kubelet client
#     certificate for the name of a node that already exists;
#  3. migrates: `kubectl apply -k deploy/base`, deletes the binding, and runs joinguard-controller
#     as the Deployment does, under its ServiceAccount's own token; Prometheus scrapes it;
#  4. creates a single-use token granted to worker-2 or worker-3 (`joinguard-node token create`),
#     joins worker-2 with it (token discovery + CA pin + TLS bootstrap), and shows that a second
#     join with the same token, as worker-3, is refused;
#  5. repeats the attack, which joinguard now denies, and shows Events, audit and metrics;
#  6. ends with a summary: who joined, what was refused and why (from the CSRs' conditions),
#     and the decision counters as Prometheus read them.
# Nothing is left running, whether it succeeds or fails.
#
# Usage: bash scripts/demo.sh        (installs packages and builds first)
#        SKIP_BUILD=1 bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
if [ -z "${SKIP_BUILD:-}" ]; then
  bash scripts/install-deps.sh
  bash scripts/build.sh
fi
BUILD_DIR=$(cd "${BUILD_DIR:-build}" && pwd)
SANDBOX=$BUILD_DIR/tests/sandbox/joinguard-sandbox
CONTROLLER=$BUILD_DIR/controller/joinguard-controller
NODE=$BUILD_DIR/node-helper/joinguard-node
for b in "$SANDBOX" "$CONTROLLER" "$NODE"; do
  [ -x "$b" ] || { echo "missing $b: the build did not produce it" >&2; exit 1; }
done

DEMO=$(mktemp -d /tmp/joinguard-demo.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo
  echo "demo files (logs, kubeconfigs, node roots) are in $DEMO"
}
trap cleanup EXIT
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
wait_for_file() {  # path, seconds
  local i=0
  while [ ! -s "$1" ]; do
    i=$((i + 1)); [ $i -gt $(( $2 * 10 )) ] && { echo "timed out waiting for $1" >&2; return 1; }
    sleep 0.1
  done
}
json_field() { sed -n "s/.*\"$2\": *\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" "$1" | head -n1; }

# A fresh random bootstrap token, as `kubeadm token create` would make.
rand36() { head -c 2000 /dev/urandom | LC_ALL=C tr -dc 'a-z0-9' | cut -c "1-$1"; }
TOKEN="$(rand36 6).$(rand36 16)"
TOKEN_ID=${TOKEN%%.*}
# The controller's ServiceAccount token (the sandbox accepts it as a kube-apiserver would a
# projected service-account token; it has no TokenRequest API for `kubectl create token`).
SA_NS=joinguard-system SA_NAME=joinguard-controller
SA_TOKEN=$(rand36 32)

step "Starting the sandbox cluster (kubeadm's stock RBAC, auto-approval ON)"
"$SANDBOX" --state-dir "$DEMO/state" --admin-kubeconfig "$DEMO/admin.conf" \
  --ready-file "$DEMO/ready.json" --bootstrap-token "$TOKEN" \
  --service-account-token "$SA_NS:$SA_NAME:$SA_TOKEN" >"$DEMO/sandbox.log" 2>&1 &
PIDS+=($!)
wait_for_file "$DEMO/ready.json" 60
URL=$(json_field "$DEMO/ready.json" url)
CA_FILE=$(json_field "$DEMO/ready.json" ca_file)
ENDPOINT=${URL#https://}
export KUBECONFIG=$DEMO/admin.conf
KC=(kubectl --cache-dir "$DEMO/kubectl-cache")
echo "API server: $URL   (admin kubeconfig: $KUBECONFIG)"
"${KC[@]}" get clusterrolebinding kubeadm:node-autoapprove-bootstrap

# The pin printed by `kubeadm init`, computed exactly as the kubeadm docs show.
PIN="sha256:$(openssl x509 -pubkey -in "$CA_FILE" -noout | openssl pkey -pubin -outform der 2>/dev/null | openssl dgst -sha256 -hex | sed 's/^.* //')"
echo "CA pin: $PIN"

step "An existing node 'worker-1' is part of the cluster"
"${KC[@]}" create -f - --validate=false <<YAML
apiVersion: v1
kind: Node
metadata:
  name: worker-1
YAML

csr_for() {  # node-name → PEM CSR made with openssl, as an attacker holding the token would
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$DEMO/$1.key" \
    -subj "/O=system:nodes/CN=system:node:$1" 2>/dev/null
}
post_csr() {  # csr-name node-name: POST a kubelet client CSR authenticated by the bootstrap token
  local req; req=$(csr_for "$2" | base64 -w0)
  kubectl --kubeconfig "$DEMO/token.conf" --cache-dir "$DEMO/kubectl-cache" create -f - --validate=false -o name <<YAML
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: $1
spec:
  request: $req
  signerName: kubernetes.io/kube-apiserver-client-kubelet
  usages: ["digital signature", "client auth"]
YAML
}
wait_decided() {  # csr-name → prints condition type once decided
  local i=0 c=""
  while [ -z "$c" ]; do
    c=$("${KC[@]}" get csr "$1" -o jsonpath='{.status.conditions[*].type}' 2>/dev/null || true)
    i=$((i + 1)); [ $i -gt 300 ] && { echo "Pending"; return; }
    [ -z "$c" ] && sleep 0.1
  done
  echo "$c"
}

# A kubeconfig that authenticates with nothing but the bootstrap token (what a joining machine has).
TK=(kubectl --kubeconfig "$DEMO/token.conf")
"${TK[@]}" config set-cluster demo --server="$URL" --certificate-authority="$CA_FILE" >/dev/null
"${TK[@]}" config set-credentials token-holder --token="$TOKEN" >/dev/null
"${TK[@]}" config set-context demo --cluster=demo --user=token-holder >/dev/null
"${TK[@]}" config use-context demo >/dev/null

step "ATTACK with stock kubeadm: the token holder asks for a certificate as the EXISTING node worker-1"
post_csr attack-before worker-1
echo "decision: $(wait_decided attack-before)   (kube-controller-manager's csrapproving approved it)"
"${KC[@]}" get csr attack-before

step "Migrating: kubectl apply -k deploy/base, delete kubeadm's auto-approval binding"
# The sandbox serves no OpenAPI document, so kubectl's client-side schema check is off; the
# server still validates every object.
"${KC[@]}" apply -k "$ROOT/deploy/base" --validate=false
"${KC[@]}" delete clusterrolebinding kubeadm:node-autoapprove-bootstrap

step "Starting joinguard-controller as the Deployment runs it, under its ServiceAccount's token"
# Outside a pod: the same args, the ConfigMap's policy, and a kubeconfig holding only the
# ServiceAccount's bearer token (never the admin's credentials).
"${KC[@]}" -n "$SA_NS" get configmap joinguard-policy -o jsonpath='{.data.policy\.yaml}' >"$DEMO/policy.yaml"
SK=(kubectl --kubeconfig "$DEMO/controller.conf")
"${SK[@]}" config set-cluster demo --server="$URL" --certificate-authority="$CA_FILE" >/dev/null
"${SK[@]}" config set-credentials "$SA_NAME" --token="$SA_TOKEN" >/dev/null
"${SK[@]}" config set-context demo --cluster=demo --user="$SA_NAME" --namespace="$SA_NS" >/dev/null
"${SK[@]}" config use-context demo >/dev/null
echo "controller identity: $(kubectl --kubeconfig "$DEMO/controller.conf" --cache-dir "$DEMO/kubectl-cache" auth whoami -o jsonpath='{.status.userInfo.username}')"
echo "may it read Secrets?          $("${KC[@]}" auth can-i list secrets -A --as "system:serviceaccount:$SA_NS:$SA_NAME" 2>/dev/null || true)"
"$CONTROLLER" --kubeconfig "$DEMO/controller.conf" --policy-file "$DEMO/policy.yaml" \
  --leader-elect --leader-election-namespace "$SA_NS" --leader-election-id demo-replica-1 \
  --metrics-address 127.0.0.1:0 --health-address 127.0.0.1:0 \
  >"$DEMO/controller.audit.jsonl" 2>"$DEMO/controller.log" &
PIDS+=($!)
i=0
until grep -q 'became leader' "$DEMO/controller.log" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 600 ] && { echo "controller did not start; see $DEMO/controller.log" >&2; exit 1; }
  sleep 0.1
done
METRICS_ADDR=$(sed -n 's/.*serving metrics address=\([^ ]*\).*/\1/p' "$DEMO/controller.log" | head -n1)
METRICS_URL=${METRICS_ADDR:+http://$METRICS_ADDR/metrics}
echo "joinguard-controller leads (Lease $SA_NS/joinguard-controller; log: $DEMO/controller.log)"

PROM_URL=""
if command -v prometheus >/dev/null && [ -n "$METRICS_ADDR" ]; then
  cat >"$DEMO/prometheus.yml" <<PROM
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
- job_name: joinguard-controller
  static_configs: [{targets: ['$METRICS_ADDR']}]
PROM
  prometheus --config.file="$DEMO/prometheus.yml" --storage.tsdb.path="$DEMO/prometheus-data" \
    --web.listen-address=127.0.0.1:0 >"$DEMO/prometheus.log" 2>&1 &
  PIDS+=($!)
  i=0
  until PROM_ADDR=$(sed -n 's/.*msg="Listening on" address=\([^ ]*\).*/\1/p' "$DEMO/prometheus.log" | head -n1) && [ -n "$PROM_ADDR" ]; do
    i=$((i + 1)); [ $i -gt 300 ] && { echo "prometheus did not start; see $DEMO/prometheus.log" >&2; break; }
    sleep 0.1
  done
  [ -n "${PROM_ADDR:-}" ] && PROM_URL=http://$PROM_ADDR && echo "Prometheus scrapes it every second ($PROM_URL)"
fi

step "Creating a single-use token for worker-2 or worker-3 (joinguard-node token create)"
echo "\$ joinguard-node token create --node-names worker-2,worker-3 --ttl 1h --print-join-command"
JOIN_LINE=$("$NODE" token create --kubeconfig "$DEMO/admin.conf" --node-names worker-2,worker-3 --ttl 1h --print-join-command)
GRANT_TOKEN=$(sed -n 's/.*--token \([^ ]*\).*/\1/p' <<<"$JOIN_LINE")
GRANT_PIN=$(sed -n 's/.*--discovery-token-ca-cert-hash \([^ ]*\).*/\1/p' <<<"$JOIN_LINE")
echo "${JOIN_LINE/$GRANT_TOKEN/${GRANT_TOKEN%%.*}.<redacted>}"
"${KC[@]}" get joingrant "${GRANT_TOKEN%%.*}"

step "Joining worker-2 with joinguard-node (kubeadm flags: token discovery with CA pin)"
echo "\$ joinguard-node join $ENDPOINT --token <redacted> --discovery-token-ca-cert-hash $GRANT_PIN --node-name worker-2"
"$NODE" join "$ENDPOINT" --token "$GRANT_TOKEN" --discovery-token-ca-cert-hash "$GRANT_PIN" \
  --node-name worker-2 --root-dir "$DEMO/worker-2" --kubelet-restart-command true \
  --skip-kubelet-health-check --ignore-preflight-errors all
echo
echo "The kubelet's new identity, as the API server sees it:"
kubectl --kubeconfig "$DEMO/worker-2/etc/kubernetes/kubelet.conf" --cache-dir "$DEMO/kubectl-cache" auth whoami

step "Second use of the same token, for worker-3 (a granted name): refused, the token is used up"
if "$NODE" join "$ENDPOINT" --token "$GRANT_TOKEN" --discovery-token-ca-cert-hash "$GRANT_PIN" \
  --node-name worker-3 --root-dir "$DEMO/worker-3" --kubelet-restart-command true \
  --ignore-preflight-errors all --tls-bootstrap-timeout 60s >"$DEMO/worker-3.join.log" 2>&1; then
  echo "worker-3 joined with a used-up single-use token: joinguard failed" >&2; exit 1
fi
grep -E '^error' "$DEMO/worker-3.join.log" || tail -n 3 "$DEMO/worker-3.join.log"
"${KC[@]}" get joingrant "${GRANT_TOKEN%%.*}"

step "ATTACK again, now under joinguard: a certificate for the existing node worker-1"
post_csr attack-after worker-1
echo "decision: $(wait_decided attack-after)"
"${KC[@]}" get csr attack-after -o jsonpath='{range .status.conditions[*]}{.type}: {.reason}: {.message}{"\n"}{end}'

step "Events on the CSRs"
"${KC[@]}" get events -A --field-selector involvedObject.kind=CertificateSigningRequest 2>/dev/null || "${KC[@]}" get events -A

step "Audit log (one JSON line per decision)"
cat "$DEMO/controller.audit.jsonl"

if [ -n "$METRICS_URL" ]; then
  step "Metrics ($METRICS_URL)"
  curl -s "$METRICS_URL" | grep -E '^joinguard_(csr_decisions_total|autoapprove_binding_present|leader)' || true
fi

step "All CSRs"
"${KC[@]}" get csr

step "Summary"
echo "Joined (approved by joinguard):"
"${KC[@]}" get csr -o jsonpath='{range .items[*]}{.metadata.name}{"\t"}{.spec.username}{"\t"}{.status.conditions[0].type}{"\t"}{.status.conditions[0].reason}{"\n"}{end}' |
  awk -F'\t' '$3 == "Approved" && $4 == "JoinguardApproved" { printf "  %-40s requested by %s\n", $1, $2 }'
"${KC[@]}" get nodejoins 2>/dev/null | sed 's/^/  /' || true
echo "Approved before the migration by kube-controller-manager (the attack joinguard closes):"
"${KC[@]}" get csr -o jsonpath='{range .items[*]}{.metadata.name}{"\t"}{.status.conditions[0].reason}{"\n"}{end}' |
  awk -F'\t' '$2 == "AutoApproved" { printf "  %s\n", $1 }'
echo "Refused, and why (the Denied condition on each CSR):"
"${KC[@]}" get csr -o jsonpath='{range .items[*]}{.metadata.name}{"\t"}{.spec.username}{"\t"}{range .status.conditions[?(@.type=="Denied")]}{.reason}{"\t"}{.message}{end}{"\n"}{end}' |
  awk -F'\t' 'NF >= 4 && $3 != "" { printf "  %s (%s): %s: %s\n", $1, $2, $3, $4 }'
if [ -n "$PROM_URL" ]; then
  echo "Decisions as Prometheus scraped them (joinguard_csr_decisions_total by decision and reason):"
  q='sum by (decision, reason) (joinguard_csr_decisions_total)'
  want=$(curl -s "$METRICS_URL" | awk '/^joinguard_csr_decisions_total/ { n += $NF } END { print n + 0 }')
  i=0
  while :; do
    got=$(curl -s -G "$PROM_URL/api/v1/query" --data-urlencode "query=sum(joinguard_csr_decisions_total)" |
      sed -n 's/.*"value":\[[^,]*,"\([0-9.]*\)"\].*/\1/p')
    [ "${got:-0}" = "$want" ] && break
    i=$((i + 1)); [ $i -gt 100 ] && { echo "  (Prometheus has not caught up: $got of $want)"; break; }
    sleep 0.2
  done
  curl -s -G "$PROM_URL/api/v1/query" --data-urlencode "query=$q" |
    grep -o '"metric":{[^}]*},"value":\[[^]]*\]' |
    sed 's/"metric":{"decision":"\([^"]*\)","reason":"\([^"]*\)"},"value":\[[^,]*,"\([^"]*\)"\]/  prometheus: decision=\1 reason=\2 count=\3/'
fi
