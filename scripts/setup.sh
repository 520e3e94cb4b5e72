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
  # keydesk's command line: subcommands, options and per-command help generated from the command table
  # (header-only; src/cli/command_line.cpp)
  libcli11-dev
  # the real PC/SC stack and the vpcd reader driver keydesk-sim plugs into
  pcscd vsmartcard-vpcd util-linux procps
  # third-party clients the tests hold keydesk to
  yubico-piv-tool yubikey-manager opensc opensc-pkcs11 oathtool python3-fido2 python3-pyscard openssl
  # validates `keydesk --json` output against docs/cli-json-schema.json in the integration tests
  python3-jsonschema
  # PKCS#11 clients of the PIV session test: ssh-agent/ssh-keygen, OpenSSL's pkcs11 engine (libp11),
  # and PyKCS11 for a sign-then-decrypt in one PKCS#11 session
  openssh-client libengine-pkcs11-openssl python3-pykcs11
  # PSKC (RFC 6030, docs/pskc.md): libxml2 parses and writes the XML; python3-pskc is the judge that writes
  # files keydesk must import and reads keydesk's exports (python3-lxml: the parser it prefers)
  libxml2-dev python3-pskc python3-lxml
  # the record store (docs/store.md): SQLite and PostgreSQL backends (libpq), PKCS#11 header for the
  # master key in an HSM; the tests start their own PostgreSQL cluster, tamper with sqlite3/psql, and keep
  # a master key in SoftHSM2 (inspected with OpenSC's pkcs11-tool, above)
  libpq-dev libp11-kit-dev sqlite3 postgresql-15 postgresql-client-15 softhsm2
  # packaging: CPack's Debian package (dpkg-shlibdeps, file), the manuals rendered in tests (man-db),
  # readelf and strings on the installed binaries (binutils), and the clean Debian 12 the package is
  # installed on (debootstrap; tests/packaging/test_deb_clean_machine.sh)
  dpkg-dev file man-db binutils debootstrap
)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# postgresql-15's postinst creates and (without systemd, where no policy-rc.d forbids it) starts a
# "15 main" cluster on port 5432. keydesk's tests start their own throwaway clusters on free ports and need
# none: tell postgresql-common not to create it, and stop one an earlier install left running.
if [ ! -e /etc/postgresql-common/createcluster.d/keydesk-no-main.conf ]; then
  as_root mkdir -p /etc/postgresql-common/createcluster.d
  echo 'create_main_cluster = false' | as_root tee /etc/postgresql-common/createcluster.d/keydesk-no-main.conf >/dev/null
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | awk '$2 == "main" && $4 == "online"' | grep -q .; then
  echo "setup: stopping the default PostgreSQL cluster (keydesk's tests run their own)"
  pg_lsclusters -h | awk '$2 == "main" && $4 == "online" {print $1}' | while read -r v; do as_root pg_ctlcluster "$v" main stop; done
fi

# Warnings are errors where KEYDESK_WERROR=ON says so (scripts/test.sh, i.e. CI); a user's set-up builds
# whatever the compiler says.
BUILD_DIR=${KEYDESK_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKEYDESK_WERROR="${KEYDESK_WERROR:-OFF}" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
as_root cmake --install "$BUILD_DIR" >/dev/null
echo "setup: installed $(command -v keydesk-sim || echo keydesk-sim) $(command -v keydesk || true)"
