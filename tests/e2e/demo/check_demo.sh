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
# deploy/ applied with kubectl; the controller runs under its ServiceAccount, which cannot read Secrets
expect 'deployment.apps/joinguard-controller (created|configured|unchanged)'
expect 'controller identity: system:serviceaccount:joinguard-system:joinguard-controller'
expect 'may it read Secrets\? +no'
# the granted token joins worker-2 once; its second use is refused with the reason
expect 'JoinGrantUsedUp'
# the summary: who joined, what was refused and why, the counters as Prometheus read them
expect 'requested by system:bootstrap:[a-z0-9]{6}'
expect '^  attack-before$'
expect 'attack-after \(system:bootstrap:[a-z0-9]{6}\): NodeExists: '
expect '\(system:bootstrap:[a-z0-9]{6}\): JoinGrantUsedUp: '
expect 'prometheus: decision=approve reason=JoinguardApproved count=1'
expect 'prometheus: decision=deny reason=NodeExists count=1'
expect 'prometheus: decision=deny reason=JoinGrantUsedUp count=1'
# nothing left running: no process still refers to the demo's directory
demo_dir=$(sed -n 's/^demo files .* are in \(.*\)$/\1/p' <<<"$out" | tail -n1)
[ -n "$demo_dir" ] || { echo "FAIL: the demo did not name its directory"; exit 1; }
if pgrep -f -- "$demo_dir" >/dev/null; then
  echo "FAIL: processes of the demo are still running:"; pgrep -af -- "$demo_dir"; exit 1
fi
echo "demo checks passed"
