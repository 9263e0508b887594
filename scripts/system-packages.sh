#!/bin/sh
# The system libraries WeasyPrint (the letters' PDF renderer) loads at import time: Pango
# with its FreeType backend, fontconfig, and HarfBuzz's subsetter (optional, but it makes
# each letter about three times faster than fontTools' subsetting). Installs what is missing
# with apt-get (Debian, Ubuntu) or Homebrew (macOS); does nothing when all is there.
# The README's commands and .ci/run call it; the Dockerfile installs the same packages.
#
# With --browser (the test command) also Debian's Chromium, which the portal's browser tests
# drive through Playwright (the project never downloads a browser of its own).
set -eu

browser=""
[ "${1:-}" = "--browser" ] && browser="yes"

missing=""
for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0 libfontconfig.so.1 libharfbuzz-subset.so.0; do
    if ! /sbin/ldconfig -p 2>/dev/null | grep -q "$lib"; then
        missing="$missing $lib"
    fi
done
if [ "$(uname -s)" = "Darwin" ]; then
    if command -v brew >/dev/null 2>&1; then
        brew list pango >/dev/null 2>&1 || brew install pango
        if [ -n "$browser" ]; then
            brew list --cask chromium >/dev/null 2>&1 || brew install --cask chromium
        fi
        exit 0
    fi
    echo "WeasyPrint needs Pango: install Homebrew, then 'brew install pango'" >&2
    exit 1
fi
packages="libpango-1.0-0 libpangoft2-1.0-0 libfontconfig1 libharfbuzz-subset0"
if [ -n "$browser" ] && ! command -v chromium >/dev/null 2>&1; then
    missing="$missing chromium"
    packages="$packages chromium"
fi
[ -z "$missing" ] && exit 0

if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing$missing via apt-get: $packages" >&2
    $sudo apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $packages >/dev/null
    exit 0
fi
echo "missing system libraries:$missing (WeasyPrint: Pango, fontconfig, HarfBuzz subset)" >&2
exit 1
