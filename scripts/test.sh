#!/usr/bin/env bash
# Runs every test: installs what the tests need (only what is missing), builds, and runs
# the whole suite, unit and end-to-end (which starts the real daemon on temporary directories).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
