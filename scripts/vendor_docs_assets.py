"""Vendor the API documentation pages' JavaScript and CSS into the package, so the docs pages
load nothing from a third-party host (a public body's visitors' addresses must not go to a
CDN, and the page must work offline).

    python scripts/vendor_docs_assets.py           # fetch the pinned versions with `npm pack`
    python scripts/vendor_docs_assets.py --check   # verify the files against VENDORED.json

`npm pack` checks each tarball against the registry's integrity hash; this script records
that hash, the licence and the SHA-256 of every file it keeps in
``src/grants/http/docs_assets/VENDORED.json``. To upgrade, change a version below, run the
script, look at the diff and run the docs tests (tests/api/test_docs_pages.py).
"""

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "grants" / "http" / "docs_assets"
MANIFEST = TARGET / "VENDORED.json"

# package, version, directory under docs_assets, {path in the tarball: file name kept}
PACKAGES: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    (
        "swagger-ui-dist",
        "5.35.0",
        "swagger",
        {
            "package/swagger-ui-bundle.js": "swagger-ui-bundle.js",
            "package/swagger-ui-standalone-preset.js": "swagger-ui-standalone-preset.js",
            "package/swagger-ui.css": "swagger-ui.css",
            "package/LICENSE": "LICENSE",
        },
    ),
    (
        "@scalar/api-reference",
        "1.76.0",
        "scalar",
        {
            "package/dist/browser/standalone.js": "standalone.js",
            "package/README.md": "README.md",
        },
    ),
)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vendor() -> None:
    manifest: dict[str, object] = {"packages": []}
    entries: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, version, directory, files in PACKAGES:
            out = subprocess.run(  # noqa: S603 (fixed arguments from this file)
                ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", tmp],  # noqa: S607
                check=True,
                capture_output=True,
                text=True,
            )
            packed = json.loads(out.stdout)[0]
            destination = TARGET / directory
            destination.mkdir(parents=True, exist_ok=True)
            kept: dict[str, str] = {}
            with tarfile.open(Path(tmp) / packed["filename"]) as archive:
                package_json = json.load(archive.extractfile("package/package.json"))  # type: ignore[arg-type]
                for member, kept_name in files.items():
                    data = archive.extractfile(member)
                    if data is None:
                        raise SystemExit(f"{name}@{version}: {member} missing")
                    (destination / kept_name).write_bytes(data.read())
                    kept[f"{directory}/{kept_name}"] = sha256_file(destination / kept_name)
            entries.append(
                {
                    "name": name,
                    "version": version,
                    "license": package_json.get("license"),
                    "tarball_integrity": packed["integrity"],
                    "files": kept,
                }
            )
    manifest["packages"] = entries
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"wrote {MANIFEST.relative_to(ROOT)}")


def check() -> int:
    manifest = json.loads(MANIFEST.read_text())
    bad = 0
    for package in manifest["packages"]:
        for relative, digest in package["files"].items():
            path = TARGET / relative
            if not path.is_file() or sha256_file(path) != digest:
                print(f"MISMATCH {relative} ({package['name']}@{package['version']})")
                bad += 1
    print("ok" if not bad else f"{bad} file(s) differ from VENDORED.json")
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify, do not download")
    args = parser.parse_args()
    if args.check:
        return check()
    vendor()
    return check()


if __name__ == "__main__":
    sys.exit(main())
