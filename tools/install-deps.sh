#!/usr/bin/env bash
# Installs every Debian package pcapd needs to build, run and test, and
# (with --test) the npm packages of the dashboard's browser tests
# (tests/ui/package-lock.json) and of the bucket tests
# (tests/bucket/package-lock.json).  Idempotent: packages already present are
# skipped; the package index is refreshed only when a package is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_PKGS=(
  build-essential meson ninja-build pkg-config
  libdpdk-dev dpdk-dev libpcap-dev libh2o-evloop-dev libjansson-dev
  libcurl4-openssl-dev libcmocka-dev libsqlite3-dev libssl-dev libpcre2-dev
  libnftables-dev libmnl-dev libnetfilter-log-dev
  libpq-dev                                 # the fleet store (store = postgresql://...)
)
TEST_PKGS=(tshark jq python3 python3-pytest python3-yaml python3-jsonschema python3-cryptography curl iproute2
  clang-format clang
  wireshark-common nftables tcpdump libcap2-bin  # tests/kernel (mergecap, nft, capsh), bench-kernel-path
  chromium                                  # the dashboard's browser tests (tests/ui)
  debhelper dpkg-dev fakeroot lintian strace file groff-base systemd  # tests/package
  prometheus python3-prometheus-client      # tests/metrics: promtool, the parser, a real server
  postgresql                                # tests/fleet: a throwaway server (initdb)
)

want=("${BUILD_PKGS[@]}")
if [ "${1:-}" = "--test" ]; then
  want+=("${TEST_PKGS[@]}")
  # Node.js and npm drive Chromium (playwright-core): the machine's own when
  # it has them (Debian's npm conflicts with other Node.js builds), else
  # Debian's.
  command -v node >/dev/null || want+=(nodejs)
  command -v npm >/dev/null || want+=(npm)
fi

# The pinned npm packages of the browser tests (tests/ui) and of the bucket
# tests (tests/bucket: s3rver, the Cloudflare SDK), each installed again
# only when its lock file changed.
install_npm() {
  local dir
  for dir in tests/ui tests/bucket; do
    if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.pcapd-lock"; then
      npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
      cp "$dir/package-lock.json" "$dir/node_modules/.pcapd-lock"
    fi
  done
}

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -ne 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer it up front.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ "${1:-}" = "--test" ]; then
  install_npm
fi
