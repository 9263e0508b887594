"""The English catalogue against the source: every German text the portal's templates and
modules mark for translation has an English one (a new text without one fails here, with the
commands that update the catalogue), none is left over, and placeholders survive."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from grants.web.templating import TRANSLATIONS_DIR

ROOT = Path(__file__).resolve().parents[3]
UPDATE = (
    "pybabel extract -F babel.cfg -o /tmp/messages.pot --no-location --sort-output . && "
    "pybabel update -i /tmp/messages.pot -d src/grants/web/translations --no-fuzzy-matching"
)
_PLACEHOLDER = re.compile(r"%\([a-z]+\)[sd]|%%")


def _source_messages() -> set[str]:
    found: set[str] = set()
    method_map = [("src/grants/web/**.py", "python"), ("templates/web/**.html", "jinja2")]
    options = {"templates/web/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalogue() -> dict[str, object]:
    with (TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source)
    return {(m.id[0] if isinstance(m.id, tuple) else m.id): m.string for m in catalogue if m.id}


def test_every_marked_text_has_its_english_and_none_is_stale() -> None:
    source, catalogue = _source_messages(), _catalogue()
    untranslated = sorted(m for m in source if not catalogue.get(m))
    stale = sorted(set(catalogue) - source)
    assert untranslated == [], f"no English for {untranslated}; update with: {UPDATE}"
    assert stale == [], f"no longer in the source: {stale}; update with: {UPDATE}"


def test_placeholders_survive_translation() -> None:
    with (TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        for message in read_po(source):
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for german, english in zip(ids, strings, strict=False):
                assert sorted(_PLACEHOLDER.findall(german)) == sorted(
                    _PLACEHOLDER.findall(english)
                ), (german, english)
