#!/usr/bin/env bash
# Set SaferHub up on this machine and run the demo on the embedded SQLite database.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/saferhub demo "$@"
