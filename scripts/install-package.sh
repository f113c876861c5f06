#!/bin/sh
# Installs a Debian package the tests need when its program is missing:
#   sh scripts/install-package.sh PACKAGE PROGRAM
# chromium (/usr/bin/chromium) for the settings-UI browser tests, which Playwright drives
# through executable_path (it never downloads a browser of its own); redis-server
# (/usr/bin/redis-server) for the Redis queue tests, which start private servers of their
# own on loopback. Does nothing when PROGRAM is there; otherwise installs PACKAGE with
# apt-get, or fails saying how to.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: sh scripts/install-package.sh PACKAGE PROGRAM" >&2
    exit 2
fi
PACKAGE=$1
PROGRAM=$2

if [ -x "$PROGRAM" ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "error: $PROGRAM is missing and installing it needs root:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y $PACKAGE" >&2
    exit 1
fi
echo "Installing Debian's $PACKAGE for the tests (one time)..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "$PACKAGE" >/dev/null
if [ ! -x "$PROGRAM" ]; then
    echo "error: apt-get installed $PACKAGE but $PROGRAM is still missing" >&2
    exit 1
fi
"$PROGRAM" --version
