#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine with the Swift toolchain: installs the system
# libraries AutoOptimize links (only those missing), builds in release mode, and starts
# the daemon with the demo pipelines of jobs.d on embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build -c release
exec .build/release/autooptimize serve "$@"
