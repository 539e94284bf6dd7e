#!/usr/bin/env bash
# Installs the Debian packages AutoOptimize builds and tests with, when they are missing.
set -euo pipefail

packages=(librdkafka-dev freetds-dev libcurl4-openssl-dev libsqlite3-dev tzdata)
# The panel's browser test drives Debian's headless Chromium through Selenium.
if [ "${1:-}" = "--with-browser" ]; then packages+=(chromium chromium-driver); fi
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
if [ "${1:-}" = "--with-browser" ] && ! python3 -c "import selenium" 2>/dev/null; then
    python3 -m pip install -q selenium
fi
