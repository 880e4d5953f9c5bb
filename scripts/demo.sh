#!/usr/bin/env bash
# joinguard local demo on the sandbox cluster.
#
#  1. starts joinguard-sandbox (the embedded default cluster) with kubeadm's stock RBAC,
#     including the kubeadm:node-autoapprove-bootstrap binding;
#  2. shows the attack that binding allows: a bootstrap-token holder gets a kubelet client
#     certificate for the name of a node that already exists;
#  3. migrates: deletes the binding and starts joinguard-controller;
#  4. joins a new node with joinguard-node (token discovery + CA pin + TLS bootstrap);
#  5. repeats the attack, which joinguard now denies, and shows Events, audit and metrics.
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

step "Starting the sandbox cluster (kubeadm's stock RBAC, auto-approval ON)"
"$SANDBOX" --state-dir "$DEMO/state" --admin-kubeconfig "$DEMO/admin.conf" \
  --ready-file "$DEMO/ready.json" --bootstrap-token "$TOKEN" >"$DEMO/sandbox.log" 2>&1 &
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

step "Migrating: delete kubeadm's auto-approval binding, start joinguard-controller"
"${KC[@]}" delete clusterrolebinding kubeadm:node-autoapprove-bootstrap
POLICY_ARGS=()
[ -f "$ROOT/deploy/policy.yaml" ] && POLICY_ARGS=(--policy-file "$ROOT/deploy/policy.yaml")
"$CONTROLLER" --kubeconfig "$DEMO/admin.conf" "${POLICY_ARGS[@]}" \
  --metrics-address 127.0.0.1:0 --health-address 127.0.0.1:0 \
  >"$DEMO/controller.audit.jsonl" 2>"$DEMO/controller.log" &
PIDS+=($!)
i=0
until grep -q 'metrics' "$DEMO/controller.log" 2>/dev/null && grep -qi 'synced\|ready' "$DEMO/controller.log"; do
  i=$((i + 1)); [ $i -gt 600 ] && { echo "controller did not start; see $DEMO/controller.log" >&2; exit 1; }
  sleep 0.1
done
METRICS_ADDR=$(sed -n 's/.*serving metrics address=\([^ ]*\).*/\1/p' "$DEMO/controller.log" | head -n1)
METRICS_URL=${METRICS_ADDR:+http://$METRICS_ADDR/metrics}
echo "joinguard-controller is running (log: $DEMO/controller.log)"

step "Joining worker-2 with joinguard-node (kubeadm flags: token discovery with CA pin)"
echo "\$ joinguard-node join $ENDPOINT --token <redacted> --discovery-token-ca-cert-hash $PIN --node-name worker-2"
"$NODE" join "$ENDPOINT" --token "$TOKEN" --discovery-token-ca-cert-hash "$PIN" \
  --node-name worker-2 --root-dir "$DEMO/worker-2" --kubelet-restart-command true \
  --ignore-preflight-errors all
echo
echo "The kubelet's new identity, as the API server sees it:"
kubectl --kubeconfig "$DEMO/worker-2/etc/kubernetes/kubelet.conf" --cache-dir "$DEMO/kubectl-cache" auth whoami

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
