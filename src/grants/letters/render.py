"""A letter from its data: Jinja renders the HTML (sandboxed, autoescaped, strict about
missing values), WeasyPrint the PDF — PDF/A-3b, tagged, with the data it was rendered from
embedded as an associated file (``AFRelationship /Data``), so the letter carries its own
machine-readable content.

Pure in the sense that matters: the same kind, data and flags give the same PDF, byte for
byte (the document's identifier and dates come from the data, never from the clock). CPU
bound and blocking: callers run it in a worker process (``letters.pool``), never on the
event loop. Only the project's assets can be loaded (``letters.fetcher``).
"""

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from weasyprint import HTML, Attachment
from weasyprint.text.fonts import FontConfiguration

from grants.letters import formats
from grants.letters.fetcher import LockedFetcher

# The kinds of letter, each a template of its own on the shared layout.
KINDS = (
    "approval",
    "rejection",
    "revocation",
    "amendment",
    "final_settlement",
    "receipt",
    "formal_receipt",
    "invitation",
)
DATA_FILE = "letter-data.json"
LOGO_FILE = "programme-logo.png"  # served from memory by the fetcher, never from disk


def _templates_dir() -> Path:
    # A wheel carries them as grants/_templates (see pyproject.toml); a source checkout
    # (editable install) has them at the top level.
    packaged = Path(__file__).resolve().parents[1] / "_templates"
    root = packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "templates"
    return root / "letters"


LETTERS_DIR = _templates_dir()


@cache
def template_version() -> str:
    """The SHA-256 over every file a letter is made of (templates, stylesheet, fonts): an
    issued letter records it, so what produced it can be told apart from what came later."""
    digest = hashlib.sha256()
    for path in sorted(p for p in LETTERS_DIR.rglob("*") if p.is_file()):
        digest.update(path.relative_to(LETTERS_DIR).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=FileSystemLoader(LETTERS_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=formats.money,
        number=formats.number,
        rate=formats.rate,
        day=formats.day,
        instant=formats.instant,
    )
    return env


def canonical_json(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1).encode()


def render_html(kind: str, data: Mapping[str, Any], *, draft: bool = False) -> str:
    if kind not in KINDS:
        raise ValueError(f"no letter of kind {kind!r}")
    template = _environment().get_template(f"{kind}.html")
    return template.render(letter=data, draft=draft)


def render_pdf(
    kind: str,
    data: Mapping[str, Any],
    *,
    draft: bool = False,
    assets: Mapping[str, bytes] | None = None,
) -> tuple[bytes, LockedFetcher]:
    """The letter as PDF/A-3b, and the fetcher that served it (what it loaded, what it
    refused). ``assets``: files the letter names that are not in the templates directory —
    the programme's logo (``LOGO_FILE``)."""
    html = render_html(kind, data, draft=draft)
    payload = canonical_json(data)
    fetcher = LockedFetcher(LETTERS_DIR, virtual=assets)
    fonts = FontConfiguration()
    document = HTML(string=html, base_url=LETTERS_DIR.as_uri() + "/", url_fetcher=fetcher).render(
        font_config=fonts
    )
    issued = datetime.fromisoformat(str(data["dated"]))
    document.metadata.created = issued.isoformat()
    document.metadata.modified = issued.isoformat()
    pdf = document.write_pdf(
        pdf_variant="pdf/a-3b",
        pdf_tags=True,
        pdf_identifier=hashlib.sha256(payload + (b"draft" if draft else b"")).digest()[:16],
        attachments=[
            Attachment(
                string=payload.decode(),
                name=DATA_FILE,
                description="Die Daten, aus denen dieses Schreiben erzeugt wurde (JSON)",
                relationship="Data",
                created=issued,
                modified=issued,
            )
        ],
        font_config=fonts,
    )
    if not isinstance(pdf, bytes):  # write_pdf returns the bytes when given no target
        raise TypeError("WeasyPrint returned no PDF")
    return pdf, fetcher
