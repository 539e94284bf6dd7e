#!/usr/bin/env bash
# Runs every test: installs what the tests need (only what is missing), builds, and runs
# the whole suite, unit and end-to-end (which starts the real daemon on temporary directories).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --for-tests
swift build --build-tests
swift test --skip-build "$@"
# The panel in a real browser, against the debug build the tests just used.
python3 Tests/Browser/panel_test.py
# The API against its OpenAPI document (Schemathesis), on the same build.
Tests/Contract/api_contract.sh
