"""Vendor third-party assets into the project from the npm registry, so nothing is loaded
from a third-party host at run time (a public body's visitors' addresses must not go to a
CDN, pages and letters must work offline, and a letter must look the same on every machine).

    python scripts/vendor_assets.py                 # fetch every set's pinned versions
    python scripts/vendor_assets.py --set fonts     # one set: docs | fonts
    python scripts/vendor_assets.py --check         # verify all files against the manifests

Sets:

- ``docs``: the API documentation pages' JavaScript and CSS (Swagger UI, Scalar), into
  ``src/grants/http/docs_assets``;
- ``fonts``: the letters' fonts, into ``templates/letters/fonts``: Fira Sans (SIL Open Font
  Licence 1.1) as KERN UX, the administration's design system, ships it (decoded from WOFF2
  to TrueType, which the OFL allows and which WeasyPrint loads far faster), with the licence
  text from Fontsource's package of the same font (KERN's package carries its own EUPL text
  only); DejaVu Sans (free licence, see its LICENSE) for what Fira Sans lacks — Hebrew and
  Arabic letters, many symbols.

`npm pack` checks each tarball against the registry's integrity hash; this script records
that hash, the licence and the SHA-256 of every file it keeps in the set's VENDORED.json.
To upgrade, change a version below, run the script, look at the diff and run the tests that
use the set (tests/api/test_docs_pages.py; tests/unit/letters, tests/integration/letters).
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

# package, version, directory under the set's target, {path in the tarball: file name kept}
Package = tuple[str, str, str, dict[str, str]]
SETS: dict[str, tuple[Path, tuple[Package, ...]]] = {
    "docs": (
        ROOT / "src" / "grants" / "http" / "docs_assets",
        (
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
                    # The package has no LICENSE file; its README states the MIT licence.
                    "package/README.md": "README.md",
                },
            ),
        ),
    ),
    "fonts": (
        ROOT / "templates" / "letters" / "fonts",
        (
            (
                "@kern-ux/native",
                "2.7.2",
                "fira-sans",
                {
                    # Kept as TrueType: decoding WOFF2 on every render cost more than the
                    # rest of a letter (see decompress_woff2).
                    f"package/dist/fonts/fira-sans/FiraSans-{style}.woff2": f"FiraSans-{style}.ttf"
                    for style in ("Regular", "Bold", "Italic", "BoldItalic")
                },
            ),
            ("@fontsource/fira-sans", "5.3.0", "fira-sans", {"package/LICENSE": "OFL.txt"}),
            (
                "dejavu-fonts-ttf",
                "2.37.3",
                "dejavu",
                {
                    "package/ttf/DejaVuSans.ttf": "DejaVuSans.ttf",
                    "package/ttf/DejaVuSans-Bold.ttf": "DejaVuSans-Bold.ttf",
                    "package/LICENSE": "LICENSE",
                },
            ),
        ),
    ),
}


def decompress_woff2(content: bytes) -> bytes:
    """The same font as TrueType (fontTools; the glyphs and tables unchanged, the header's
    timestamp kept, so the output is the same every time)."""
    import io  # noqa: PLC0415 (only when fonts are vendored)

    from fontTools.ttLib import TTFont  # noqa: PLC0415

    font = TTFont(io.BytesIO(content), recalcTimestamp=False)
    font.flavor = None
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vendor(target: Path, packages: tuple[Package, ...]) -> None:
    manifest: dict[str, object] = {"packages": []}
    entries: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, version, directory, files in packages:
            out = subprocess.run(  # noqa: S603 (fixed arguments from this file)
                ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", tmp],  # noqa: S607
                check=True,
                capture_output=True,
                text=True,
            )
            packed = json.loads(out.stdout)[0]
            destination = target / directory
            destination.mkdir(parents=True, exist_ok=True)
            kept: dict[str, str] = {}
            with tarfile.open(Path(tmp) / packed["filename"]) as archive:
                package_json = json.load(archive.extractfile("package/package.json"))  # type: ignore[arg-type]
                for member, kept_name in files.items():
                    data = archive.extractfile(member)
                    if data is None:
                        raise SystemExit(f"{name}@{version}: {member} missing")
                    content = data.read()
                    if member.endswith(".woff2") and kept_name.endswith(".ttf"):
                        content = decompress_woff2(content)
                    (destination / kept_name).write_bytes(content)
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
    path = target / "VENDORED.json"
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")


def check(target: Path) -> int:
    manifest = json.loads((target / "VENDORED.json").read_text())
    bad = 0
    for package in manifest["packages"]:
        for relative, digest in package["files"].items():
            path = target / relative
            if not path.is_file() or sha256_file(path) != digest:
                print(f"MISMATCH {relative} ({package['name']}@{package['version']})")
                bad += 1
    where = target.relative_to(ROOT)
    print(f"{where}: ok" if not bad else f"{where}: {bad} file(s) differ from VENDORED.json")
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify, do not download")
    parser.add_argument("--set", choices=sorted(SETS), help="only this set (default: all)")
    args = parser.parse_args()
    chosen = [args.set] if args.set else sorted(SETS)
    if not args.check:
        for name in chosen:
            vendor(*SETS[name])
    return max(check(SETS[name][0]) for name in chosen)


if __name__ == "__main__":
    sys.exit(main())
