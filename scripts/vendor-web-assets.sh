#!/usr/bin/env bash
# Vendor the portal's front-end assets, so that nothing loads from a third-party host at run
# time (and the tests need no network):
#
#   - KERN UX (@kern-ux/native, EUPL-1.2, the open design system of the German public
#     administration): its CSS and the Fira Sans faces its font CSS names, into
#     src/grants/web/static/kern/;
#   - axe-core (MPL-2.0), the accessibility rules the browser tests run, into
#     tests/browser/vendor/ (tests only, never served).
#
# Each package is fetched with `npm pack` at the pinned version, its tarball checked against
# the integrity written here (the registry's sha512), and the files used copied; VENDORED.txt
# beside them records the package, version, integrity and every file's SHA-256. The files are
# committed; run this script only to update them (change the pins, run, review, commit).
set -euo pipefail
cd "$(dirname "$0")/.."

KERN_VERSION=2.7.2
KERN_INTEGRITY="sha512-TN0Mqbasp7S1IOqurXickde8MDj5hIcgT4s3f1i33wyv2iVgA1dTO/FoQyi6rgM9KYTYkIthl9k72g7fBUUvHg=="
AXE_VERSION=4.14.1
AXE_INTEGRITY="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # package version integrity -> unpacked directory
    local package=$1 version=$2 integrity=$3 tarball actual
    tarball=$(cd "$work" && npm pack --silent "$package@$version")
    actual="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w0)"
    if [ "$actual" != "$integrity" ]; then
        echo "integrity of $package@$version: expected $integrity, got $actual" >&2
        exit 1
    fi
    mkdir -p "$work/$package"
    tar -xzf "$work/$tarball" -C "$work/$package"
    echo "$work/$package/package"
}

record() {  # directory package version integrity license
    local dir=$1
    {
        echo "$2 $3 ($5), npm integrity $4"
        echo "vendored by scripts/vendor-web-assets.sh; SHA-256 of each file:"
        (cd "$dir" && find . -type f ! -name VENDORED.txt | sort | xargs sha256sum)
    } > "$dir/VENDORED.txt"
}

kern=$(fetch @kern-ux/native "$KERN_VERSION" "$KERN_INTEGRITY")
target=src/grants/web/static/kern
rm -rf "$target"
mkdir -p "$target/fonts/fira-sans"
cp "$kern/dist/kern.min.css" "$kern/LICENSE.md" "$target/"
cp "$kern/dist/fonts/fira-sans.css" "$target/fonts/"
# Only the faces the font CSS names (weights 300 to 700, upright and italic).
grep -o 'fira-sans/[A-Za-z-]*\.woff2' "$kern/dist/fonts/fira-sans.css" | sort -u | while read -r face; do
    cp "$kern/dist/fonts/$face" "$target/fonts/fira-sans/"
done
record "$target" @kern-ux/native "$KERN_VERSION" "$KERN_INTEGRITY" EUPL-1.2

axe=$(fetch axe-core "$AXE_VERSION" "$AXE_INTEGRITY")
target=tests/browser/vendor
rm -rf "$target"
mkdir -p "$target"
cp "$axe/axe.min.js" "$axe/LICENSE" "$target/"
record "$target" axe-core "$AXE_VERSION" "$AXE_INTEGRITY" MPL-2.0

echo "vendored: @kern-ux/native $KERN_VERSION, axe-core $AXE_VERSION"
