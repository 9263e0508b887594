"""German formats for letters, from the CLDR data in babel rather than by hand: amounts as
``12.345,67 €``, days as ``15. März 2024``, instants to the second in Berlin time, rates as
``80 %``. Pure functions, registered as Jinja filters by ``render``."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

LOCALE = "de_DE"
BERLIN = ZoneInfo("Europe/Berlin")


def _decimal(value: Decimal | str | int) -> Decimal:
    if isinstance(value, float):  # pragma: no cover - a caller's slip, never money
        raise TypeError("money is never a float")
    return value if isinstance(value, Decimal) else Decimal(value)


def money(value: Decimal | str | int) -> str:
    """``12.345,67 €``: always two decimals, the euro sign after a no-break space."""
    return format_currency(_decimal(value), "EUR", locale=LOCALE)


def number(value: Decimal | str | int) -> str:
    return format_decimal(_decimal(value), locale=LOCALE)


def rate(value: Decimal | str) -> str:
    """A rate given as a fraction (0.8) as a German percentage: ``80 %``, ``62,5 %``."""
    return format_percent(_decimal(value), format="#,##0.##\xa0%", locale=LOCALE)


def day(value: date | str) -> str:
    """``15. März 2024``."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return format_date(value, format="d. MMMM y", locale=LOCALE)


def instant(value: datetime | str) -> str:
    """An instant in Berlin time to the second: ``15. März 2024, 14:03:07 Uhr``."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        raise ValueError("an instant must be timezone-aware")
    local = value.astimezone(BERLIN)
    return format_datetime(local, format="d. MMMM y, HH:mm:ss 'Uhr'", locale=LOCALE)
