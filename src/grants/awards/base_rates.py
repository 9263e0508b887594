"""The base rate (*Basiszinssatz*, § 247 BGB) as shipped data, for the interest on reclaims
and unused funds (``grants.core.interest``). Outside ``core`` because it reads a file.

**The file** ``data/base_rates.csv`` has the columns ``valid_from,rate_percent,source``, one
row per half-year since 2023 (the Deutsche Bundesbank publishes the rate that applies from
each 1 January and 1 July, § 247 Abs. 2 BGB; values as in DOMAIN §6 item 8). A new rate is
a new row, nothing else: the rate stays in force until the next row.

**What is known** is not in the file (a CSV has no good place for a comment) but here, as
:data:`KNOWN_UNTIL`: the last day whose rate is published in our sources. Interest for days
after it uses the last rate and is flagged as an assumption.
"""

import csv
import io
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources

from grants.core.interest import BaseRate, BaseRateTable

DATA_FILE = "base_rates.csv"
HEADER = ("valid_from", "rate_percent", "source")
# The 2026-01-01 rate (1.27 %, unchanged) is the last one published in our sources (DOMAIN
# §6 item 8); it holds until the next change day, 1 July 2026 (§ 247 Abs. 1 S. 2 BGB).
# Move this on when a row for 2026-07-01 is added.
KNOWN_UNTIL = date(2026, 6, 30)

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_RATE = re.compile(r"-?\d+\.\d{1,4}")


class BaseRateFileError(ValueError):
    """A base-rate file that does not parse; the message names the line."""


def parse_base_rates(text: str, *, known_until: date) -> BaseRateTable:
    """The table in ``text`` (the CSV described above). Strict: the exact header, ISO
    days, rates written as decimals with a point ("1.27", "-0.88"), a non-empty source."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or tuple(rows[0]) != HEADER:
        raise BaseRateFileError(f"line 1: the header must be {','.join(HEADER)}")
    rates = []
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(HEADER):
            raise BaseRateFileError(f"line {line}: {len(HEADER)} columns expected")
        valid_from, rate, source = (cell.strip() for cell in row)
        if not _DAY.fullmatch(valid_from):
            raise BaseRateFileError(f"line {line}: valid_from {valid_from!r} is not YYYY-MM-DD")
        if not _RATE.fullmatch(rate):
            raise BaseRateFileError(f"line {line}: rate_percent {rate!r} is not a decimal")
        if not source:
            raise BaseRateFileError(f"line {line}: the source is missing")
        try:
            rates.append(BaseRate(date.fromisoformat(valid_from), Decimal(rate)))
        except (ValueError, InvalidOperation) as error:
            raise BaseRateFileError(f"line {line}: {error}") from None
    try:
        return BaseRateTable(tuple(rates), known_until=known_until)
    except ValueError as error:
        raise BaseRateFileError(str(error)) from None


@lru_cache(maxsize=1)  # the shipped file never changes while the process runs
def load_base_rates() -> BaseRateTable:
    """The shipped base rates. A file that does not parse is a packaging error."""
    resource = resources.files("grants.awards") / "data" / DATA_FILE
    try:
        return parse_base_rates(resource.read_text(encoding="utf-8"), known_until=KNOWN_UNTIL)
    except BaseRateFileError as error:
        raise RuntimeError(f"the shipped base-rate table is invalid: {error}") from error
