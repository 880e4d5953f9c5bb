#!/usr/bin/env bash
# Installs every Debian package joinguard needs to build, test and run its demo.
# Runs as root (or with sudo available). Safe to run again.
set -euo pipefail
PKGS=(build-essential cmake ninja-build pkg-config ccache git openssl curl
      libcpprest-dev libssl-dev nlohmann-json3-dev libyaml-cpp-dev prometheus-cpp-dev
      libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libboost-dev libboost-system-dev
      prometheus etcd-server etcd-client libre2-dev clang-14 libclang-rt-14-dev clang-format-14)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# /usr/bin/kubectl is used by the tests as the real-client check. Do NOT install Debian's
# kubernetes-client (it collides with the preinstalled dispatcher).
command -v kubectl >/dev/null || echo "warning: kubectl not found; the kubectl compatibility tests will fail" >&2
