#!/usr/bin/env bash
# Installs and builds keydesk (scripts/setup.sh), then runs the main job: `keydesk demo`, a diagnosis of
# the simulated case-study token.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec keydesk demo
