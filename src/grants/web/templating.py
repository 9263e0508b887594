"""The portal's Jinja environment: autoescaped (every user text is rendered escaped), German
formats for dates, instants and money (babel's CLDR data), templates from ``templates/web``."""

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

BERLIN = ZoneInfo("Europe/Berlin")


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


def euro(value: Decimal) -> str:
    """1.234,50 €"""
    return format_currency(value, "EUR", locale="de_DE")


def remaining(deadline: datetime, now: datetime) -> str:
    """How long a call is still open, in words: "noch 3 Tage, 4 Stunden"."""
    seconds = int((deadline - now).total_seconds())
    if seconds < 0:
        return "abgelaufen"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"noch {_count(days, 'Tag', 'Tage')}, {_count(hours, 'Stunde', 'Stunden')}"
    if hours:
        return f"noch {_count(hours, 'Stunde', 'Stunden')}, {_count(minutes, 'Minute', 'Minuten')}"
    return f"noch {_count(minutes, 'Minute', 'Minuten')}"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,  # a missing value is a defect, not an empty spot
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(day=day, iso_day=iso_day, instant=instant, euro=euro)
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
