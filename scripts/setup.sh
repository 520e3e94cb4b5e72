#!/usr/bin/env bash
# Installs every Debian package keydesk needs (idempotent), builds it, and installs `keydesk` and
# `keydesk-sim` on PATH. Run as root (or with sudo available) on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # toolchain and test frameworks
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # libraries
  libssl-dev libpcsclite-dev libfido2-dev libcbor-dev libsqlite3-dev nlohmann-json3-dev
  # the real PC/SC stack and the vpcd reader driver keydesk-sim plugs into
  pcscd vsmartcard-vpcd util-linux procps
  # third-party clients the tests hold keydesk to
  yubico-piv-tool yubikey-manager opensc opensc-pkcs11 oathtool python3-fido2 python3-pyscard openssl
  # validates `keydesk --json` output against docs/cli-json-schema.json in the integration tests
  python3-jsonschema
  # packaging: CPack's Debian package (dpkg-shlibdeps, file), the manuals rendered in tests (man-db),
  # readelf and strings on the installed binaries (binutils), and the clean Debian 12 the package is
  # installed on (debootstrap; tests/packaging/test_deb_clean_machine.sh)
  dpkg-dev file man-db binutils debootstrap
)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Warnings are errors where KEYDESK_WERROR=ON says so (scripts/test.sh, i.e. CI); a user's set-up builds
# whatever the compiler says.
BUILD_DIR=${KEYDESK_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKEYDESK_WERROR="${KEYDESK_WERROR:-OFF}" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
as_root cmake --install "$BUILD_DIR" >/dev/null
echo "setup: installed $(command -v keydesk-sim || echo keydesk-sim) $(command -v keydesk || true)"
