#!/usr/bin/env bash
# Installs voiceguide (offline recogniser included, nothing else downloaded) and starts it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/voiceguide "$@"
