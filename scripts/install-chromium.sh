#!/bin/sh
# Debian's Chromium, for the settings-UI browser tests (tests/ui): Playwright drives it
# through executable_path and never downloads a browser of its own. Does nothing when
# /usr/bin/chromium is there; otherwise installs it with apt-get, or fails saying how to.
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "error: $CHROMIUM is missing and installing it needs root:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y chromium" >&2
    exit 1
fi
echo "Installing Debian's chromium for the browser tests (one time)..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
if [ ! -x "$CHROMIUM" ]; then
    echo "error: apt-get installed chromium but $CHROMIUM is still missing" >&2
    exit 1
fi
"$CHROMIUM" --version
