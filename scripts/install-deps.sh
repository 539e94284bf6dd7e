#!/usr/bin/env bash
# Installs the Debian packages AutoOptimize builds and tests with, when they are missing.
set -euo pipefail

packages=(librdkafka-dev freetds-dev libcurl4-openssl-dev libsqlite3-dev zlib1g-dev tzdata)
# --for-tests: the panel's browser test drives Debian's headless Chromium through Selenium;
# the API contract test runs Schemathesis (both from PyPI); the TLS tests handshake with openssl s_client;
# the email tests send to aiosmtpd (PyPI); the streaming test produces and reads Kafka messages with kcat.
# iso-codes: the country table is checked against Debian's copy of ISO 3166-1.
if [ "${1:-}" = "--for-tests" ]; then packages+=(chromium chromium-driver openssl kcat iso-codes); fi
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
if [ "${1:-}" = "--for-tests" ]; then
    python3 -c "import selenium" 2>/dev/null || python3 -m pip install -q selenium
    # The email alert tests send to a real SMTP server: aiosmtpd, with STARTTLS and a login.
    python3 -m pip show aiosmtpd 2>/dev/null | grep -q "^Version: 1.4.6$" || python3 -m pip install -q "aiosmtpd==1.4.6"
    # Pinned: the contract test's fixed seed gives the same requests only with the same version.
    python3 -m schemathesis.cli --version 2>/dev/null | grep -q "version 4.32.5" || python3 -m pip install -q "schemathesis==4.32.5"
    # The contract test also generates a Python client from the API document and drives the daemon through it.
    python3 -m pip show openapi-python-client 2>/dev/null | grep -q "^Version: 0.29.1$" || python3 -m pip install -q "openapi-python-client==0.29.1"
    # axe-core, the accessibility checker the browser test injects, as this wheel ships it (axe 4.12.1); without its
    # dependencies, which are Playwright's: the test drives Chromium with Selenium.
    python3 -m pip show axe-playwright-python 2>/dev/null | grep -q "^Version: 0.1.8$" || python3 -m pip install -q --no-deps "axe-playwright-python==0.1.8"
fi
