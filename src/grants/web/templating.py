"""The portal's Jinja environment: autoescaped (every user text is rendered escaped), German
formats for dates, instants and money (babel's CLDR data), templates from ``templates/web``,
and the page's language: German, the source, or English from the gettext catalogue in
``translations/`` (``{% trans %}`` and ``_()`` in the templates, ``N_()`` for texts kept in
Python). The language is the render's (a context variable), not the process's.
"""

import gettext as gettext_module
import io
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

BERLIN = ZoneInfo("Europe/Berlin")
LANGUAGES = ("de", "en")  # the first is the source language of every text
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
_LANGUAGE: ContextVar[str] = ContextVar("portal_language", default=LANGUAGES[0])


def N_(message: str) -> str:  # noqa: N802 (gettext's name for "mark, translate later")
    """Marks a German text kept in Python for the catalogue; ``translate`` translates it."""
    return message


@cache
def catalogue(language: str) -> gettext_module.NullTranslations:
    """The language's translations, read from its ``.po`` file once (compiled in memory, so
    the catalogue in the repository is the only copy)."""
    if language == LANGUAGES[0]:
        return gettext_module.NullTranslations()
    path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        parsed = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, parsed)
    compiled.seek(0)
    return Translations(compiled)


def current_language() -> str:
    return _LANGUAGE.get()


def use_language(language: str) -> None:
    """The language of what the current request builds (each request runs in a context of
    its own); ``render`` sets its own for the page."""
    _LANGUAGE.set(language if language in LANGUAGES else LANGUAGES[0])


def translate(message: str) -> str:
    return catalogue(_LANGUAGE.get()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue(_LANGUAGE.get()).ngettext(singular, plural, n)


def local(text: Any) -> str:
    """A bilingual text of the domain (``Text``, ``TextOut``: ``.de`` and ``.en``) in the
    page's language."""
    return str(getattr(text, _LANGUAGE.get(), None) or text.de)


def templates_dir() -> Path:
    # A wheel carries them as grants/_templates (see pyproject.toml); a source checkout
    # (editable install) has them at the top level.
    packaged = Path(__file__).resolve().parents[1] / "_templates"
    root = packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "templates"
    return root / "web"


STATIC_DIR = Path(__file__).resolve().parent / "static"


def day(value: date) -> str:
    """31.03.2027"""
    return format_date(value, "dd.MM.yyyy", locale="de_DE")


def iso_day(value: str) -> str:
    """A guideline version such as "2023-11-30" as a German date; other text as it is."""
    try:
        return day(date.fromisoformat(value))
    except ValueError:
        return value


def instant(value: datetime) -> str:
    """31.03.2027, 23:59:59 Uhr — in Europe/Berlin, to the second, as deadlines are judged."""
    return format_datetime(value.astimezone(BERLIN), "dd.MM.yyyy, HH:mm:ss", locale="de_DE") + (
        " Uhr"
    )


def day_of(value: datetime) -> str:
    """The day of an instant in Europe/Berlin: 31.03.2027."""
    return day(value.astimezone(BERLIN).date())


def euro(value: Decimal | str | None) -> str:
    """1.234,50 € (a decimal as the API's strings carry it, too); none: "–"."""
    if value is None:
        return "–"
    return format_currency(Decimal(value), "EUR", locale="de_DE")


def points(value: Decimal | None) -> str:
    """A weighted score: "85,00"; none yet: "–"."""
    return "–" if value is None else format_decimal(value, "#,##0.00", locale="de_DE")


def remaining(deadline: datetime, now: datetime) -> str:
    """How long a call is still open, in words: "noch 3 Tage, 4 Stunden"."""
    seconds = int((deadline - now).total_seconds())
    if seconds < 0:
        return translate(N_("abgelaufen"))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return translate(N_("noch %(first)s, %(second)s")) % {
            "first": _count(days, "day"),
            "second": _count(hours, "hour"),
        }
    if hours:
        return translate(N_("noch %(first)s, %(second)s")) % {
            "first": _count(hours, "hour"),
            "second": _count(minutes, "minute"),
        }
    return translate(N_("noch %(first)s")) % {"first": _count(minutes, "minute")}


def _count(n: int, unit: str) -> str:
    words = {
        "day": (N_("%(n)d Tag"), N_("%(n)d Tage")),
        "hour": (N_("%(n)d Stunde"), N_("%(n)d Stunden")),
        "minute": (N_("%(n)d Minute"), N_("%(n)d Minuten")),
    }[unit]
    return translate(words[0] if n == 1 else words[1]) % {"n": n}


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,  # a missing value is a defect, not an empty spot
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # newstyle: ``_("… %(n)s", n=…)`` formats, and translated texts are escaped like any other.
    env.install_gettext_callables(translate, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.policies["ext.i18n.trimmed"] = True  # whitespace of {% trans %} blocks collapsed
    env.filters.update(
        day=day,
        day_of=day_of,
        iso_day=iso_day,
        instant=instant,
        euro=euro,
        local=local,
        points=points,
    )
    env.globals.update(translate=translate)
    return env


def render(template: str, *, language: str = LANGUAGES[0], **context: Any) -> str:
    token = _LANGUAGE.set(language if language in LANGUAGES else LANGUAGES[0])
    try:
        return environment().get_template(template).render(language=_LANGUAGE.get(), **context)
    finally:
        _LANGUAGE.reset(token)
