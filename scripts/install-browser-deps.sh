#!/usr/bin/env bash
# Installs what the real-browser test needs: Debian's chromium and chromedriver.
# Idempotent: does nothing when both binaries are already on PATH. Needs root (or sudo) and apt.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }

if have chromium && have chromedriver; then
    echo "chromium and chromedriver already installed"
    exit 0
fi

if ! have apt-get; then
    echo "install-browser-deps: apt-get not found; install chromium and chromedriver yourself" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if have sudo; then
        SUDO="sudo"
    else
        echo "install-browser-deps: run as root (or install sudo) to apt-get install chromium" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
# A fresh container has no package lists; an old one may have stale ones.
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver

have chromium && have chromedriver || {
    echo "install-browser-deps: chromium or chromedriver still missing after apt-get install" >&2
    exit 1
}
echo "installed: $(chromium --version 2>/dev/null || echo chromium), $(chromedriver --version 2>/dev/null | head -1)"
