#!/usr/bin/env bash
# Installs every Debian package pcapd needs to build, run and test.
# Idempotent: packages already present are skipped by apt-get; the package
# index is refreshed only when a package is actually missing.
set -euo pipefail

BUILD_PKGS=(
  build-essential meson ninja-build pkg-config
  libdpdk-dev dpdk-dev libpcap-dev libh2o-evloop-dev libjansson-dev
  libcurl4-openssl-dev libcmocka-dev libsqlite3-dev libssl-dev libpcre2-dev
)
TEST_PKGS=(tshark jq python3 python3-pytest python3-yaml python3-jsonschema python3-cryptography curl iproute2
  clang-format clang)

want=("${BUILD_PKGS[@]}")
if [ "${1:-}" = "--test" ]; then
  want+=("${TEST_PKGS[@]}")
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer it up front.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
