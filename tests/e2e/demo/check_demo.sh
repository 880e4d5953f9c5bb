#!/usr/bin/env bash
# Runs scripts/demo.sh against an existing build and checks what it shows.
# Usage: check_demo.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(SKIP_BUILD=1 BUILD_DIR="$1" bash "$here/../../../scripts/demo.sh" 2>&1)
rc=$?
printf '%s\n' "$out"
[ $rc -eq 0 ] || { echo "FAIL: demo exited $rc"; exit 1; }
expect() {
  grep -qE -- "$1" <<<"$out" || { echo "FAIL: demo output lacks: $1"; exit 1; }
}
expect 'decision: Approved   \(kube-controller-manager'          # the stock-kubeadm attack works
expect 'This node has joined the cluster'                         # joinguard-node join
expect 'Username +system:node:worker-2'                           # its kubelet.conf identity
expect 'Denied: NodeExists'                                       # the attack under joinguard
expect '"decision":"deny","reason":"NodeExists"'                  # audit line
expect 'joinguard_csr_decisions_total\{.*decision="deny".*\} 1'   # metrics
echo "demo checks passed"
