#!/usr/bin/env bash
# Installs what the tests need, checks the code style, and runs the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh "[test]"
.venv/bin/ruff check voiceguide tests scripts
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
