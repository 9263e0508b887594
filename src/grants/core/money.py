"""Euro amounts as ``Decimal`` with two places. Every rounding rule lives here, named after
the rule, so that "where does this cent go?" has one answer."""

from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from functools import lru_cache

CENT = Decimal("0.01")
EURO = Decimal("1")
ZERO = Decimal("0.00")
# NUMERIC(14,2) in the database: up to 999,999,999,999.99 EUR.
MAX_AMOUNT = Decimal("999999999999.99")


class MoneyError(ValueError):
    """Not a valid euro amount; the message says why."""


def parse_amount(value: object) -> Decimal:
    """An exact euro amount from a string or an int (never a float: 0.1 is not 0.10)."""
    if isinstance(value, bool | float):
        raise MoneyError("amounts must be given as decimal strings or integers, not floats")
    try:
        amount = Decimal(str(value)) if isinstance(value, int | str) else value
    except InvalidOperation:
        raise MoneyError(f"not a decimal number: {value!r}") from None
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise MoneyError(f"not a finite decimal number: {value!r}")
    if amount != amount.quantize(CENT, rounding=ROUND_FLOOR):
        raise MoneyError("at most two decimal places (whole cents)")
    if abs(amount) > MAX_AMOUNT:
        raise MoneyError(f"more than {MAX_AMOUNT} EUR")
    return amount.quantize(CENT)


def floor_to_euro(amount: Decimal) -> Decimal:
    """Grants are rounded down to full euros (product decision for FRL LIfD): the state
    never pays a fraction more than the rate allows."""
    return amount.quantize(EURO, rounding=ROUND_FLOOR).quantize(CENT)


def apply_rate(amount: Decimal, rate: Decimal) -> Decimal:
    """Exact product, no rounding: rounding happens once, on the total."""
    return amount * rate


@lru_cache(maxsize=4096)  # caps, ceilings and minimums recur in every verdict
def format_eur_en(amount: Decimal) -> str:
    """English notation for the English half of a message: ``EUR 1,234,567.89``."""
    cents = int(amount.scaleb(2).to_integral_value())
    euros, rest = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}EUR {euros:,}.{rest:02d}"


def format_eur(amount: Decimal) -> str:
    """German notation for messages and letters: ``1.234.567,89 EUR`` (cents rounded half
    to even). Integer formatting: several times faster than formatting the Decimal."""
    cents = int(amount.scaleb(2).to_integral_value())
    euros, rest = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{euros:,}".replace(",", ".") + f",{rest:02d} EUR"
