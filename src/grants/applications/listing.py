"""Listing and search of applications: filters, sorts and keyset pagination.

Who sees what is part of the WHERE clause (the rule of ``access.py``, for many rows at once):
members see their organisations' applications in every state, programme managers and admins
see every application except drafts, a manager who is also a member sees both sets, and
everybody else (evaluators included, until assigned-only lists come) gets an empty list.

Pages are keyset pages: ``ORDER BY sort_column, id`` and, for the next page,
``(sort_column, id) < (:value, :id)`` (``>`` ascending), with the last row's value and id in a
signed cursor (``cursor.py``). A page therefore starts exactly after the last row seen, however
many rows were inserted or deleted before it, and costs the same on page 1 and page 500.

NULLs sort last in both directions. A nullable sort column (``submitted_at``,
``reference_number``, ``requested_grant``) is read as two segments, each in the order of a
plain B-tree index: the rows with a value (``IS NOT NULL``, so the NULLS FIRST/LAST default of
the index does not matter), then the rows without one, ordered by id. The second segment is
only queried when the first runs out within a page.
"""

import operator
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from grants.applications.cursor import Position, decode, encode, invalid_cursor
from grants.applications.tables import applications_table
from grants.context import UserContext
from grants.core.access import Principal
from grants.core.errors import FieldProblem, InvalidInput
from grants.core.lifecycle import State
from grants.core.roles import MANAGER_ROLES

_apps = applications_table
_id = _apps.c.id

DEFAULT_APPLICANT_SORT = "-updated_at"
DEFAULT_MANAGER_SORT = "-submitted_at"
MAX_QUERY_CHARS = 200
# One token: may also be the start of a reference number (LIfD, LIfD-demo-S-00).
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")

SUMMARY_COLUMNS = (
    _id,
    _apps.c.reference_number,
    _apps.c.title,
    _apps.c.status,
    _apps.c.call_code,
    _apps.c.funding_line,
    _apps.c.municipality_key,
    _apps.c.organisation_id,
    _apps.c.requested_grant,
    _apps.c.submitted_at,
    _apps.c.updated_at,
)


class ApplicationSummary(BaseModel):
    """One row of a list: what a table of applications shows, without the working copy."""

    id: uuid.UUID
    reference_number: str | None
    title: str
    status: str
    call: str
    funding_line: str
    municipality_key: str | None
    organisation_id: uuid.UUID
    requested_grant: str | None  # decimal as a string, e.g. "120000.00"
    submitted_at: datetime | None
    updated_at: datetime


class ApplicationList(BaseModel):
    items: list[ApplicationSummary]
    # Pass as ``cursor`` (with the same sort) for the next page; null on the last page.
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class ListFilters:
    call: str | None = None
    funding_line: str | None = None
    statuses: tuple[State, ...] = ()
    municipality_key: str | None = None
    organisation_id: uuid.UUID | None = None
    q: str | None = None


# --- sorts -------------------------------------------------------------------------------


def _parse_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value


def _parse_decimal(text: str) -> Decimal:
    value = Decimal(text)
    if not value.is_finite():
        raise ValueError("not a finite number")
    return value


@dataclass(frozen=True, slots=True)
class Sort:
    key: str  # as the client writes it: "-submitted_at"
    column: sa.Column[Any]
    descending: bool
    nullable: bool
    parse: Callable[[str], Any]  # cursor text -> column value
    dump: Callable[[Any], str]  # column value -> cursor text


def _sorts() -> dict[str, Sort]:
    kinds: dict[str, tuple[Callable[[str], Any], Callable[[Any], str]]] = {
        "submitted_at": (_parse_datetime, datetime.isoformat),
        "updated_at": (_parse_datetime, datetime.isoformat),
        "title": (str, str),
        "reference_number": (str, str),
        "requested_grant": (_parse_decimal, str),
    }
    sorts = {}
    for name, (parse, dump) in kinds.items():
        column = _apps.c[name]
        for descending in (False, True):
            key = f"-{name}" if descending else name
            sorts[key] = Sort(key, column, descending, bool(column.nullable), parse, dump)
    return sorts


SORTS = _sorts()


def sort_for(principal: Principal, key: str | None) -> Sort:
    if key is None:
        key = DEFAULT_MANAGER_SORT if _is_manager(principal) else DEFAULT_APPLICANT_SORT
    sort = SORTS.get(key)
    if sort is None:
        raise InvalidInput(
            "Unbekannte Sortierung (unknown sort).",
            problems=(FieldProblem("sort", "enum", f"one of {', '.join(SORTS)}"),),
        )
    return sort


# --- parameters --------------------------------------------------------------------------


def parse_statuses(values: Iterable[str] | None) -> tuple[State, ...]:
    """``status`` repeated and/or as a comma list; unknown values are a 422 naming it."""
    statuses: list[State] = []
    for value in values or ():
        for part in value.split(","):
            name = part.strip()
            if not name:
                continue
            try:
                state = State(name)
            except ValueError:
                raise InvalidInput(
                    f"Unbekannter Status (unknown status): {name[:40]!r}.",
                    problems=(
                        FieldProblem(
                            "status",
                            "enum",
                            f"unknown status {name[:40]!r}; one of " + ", ".join(State),
                        ),
                    ),
                ) from None
            if state not in statuses:
                statuses.append(state)
    return tuple(statuses)


def _query_text(q: str | None) -> str | None:
    if q is None:
        return None
    q = q.strip()
    if "\x00" in q:
        raise InvalidInput(
            "Suchbegriff ungültig (invalid search text).",
            problems=(FieldProblem("q", "invalid", "NUL characters are not allowed"),),
        )
    if len(q) > MAX_QUERY_CHARS:
        raise InvalidInput(
            "Suchbegriff zu lang (search text too long).",
            problems=(FieldProblem("q", "too_long", f"at most {MAX_QUERY_CHARS} characters"),),
        )
    return q or None


# --- the WHERE clause --------------------------------------------------------------------


def _is_manager(principal: Principal) -> bool:
    return principal.has_staff_role(*MANAGER_ROLES)


def _members_of(organisation_ids: Sequence[uuid.UUID]) -> sa.ColumnElement[bool]:
    if len(organisation_ids) == 1:
        return _apps.c.organisation_id == organisation_ids[0]
    return _apps.c.organisation_id.in_(organisation_ids)


def visibility(
    principal: Principal, statuses: tuple[State, ...] = ()
) -> list[sa.ColumnElement[bool]] | None:
    """The rows ``principal`` may see, as conditions (none: all of them); None when it may
    see no row at all. ``statuses`` is the status filter the caller applies as well."""
    organisations = list(principal.memberships)
    if _is_manager(principal):
        if statuses and not set(statuses) & {State.DRAFT, State.DISCARDED}:
            return []  # the status filter names only states managers see anyway
        # Never-submitted drafts, kept or discarded, are the applicant's own business.
        managed = _apps.c.status.not_in((State.DRAFT, State.DISCARDED))
        return [sa.or_(managed, _members_of(organisations)) if organisations else managed]
    if organisations:
        return [_members_of(organisations)]
    return None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _inline(text: str) -> sa.BindParameter[str]:
    """A value rendered into the SQL text (quoted by SQLAlchemy) rather than sent as a
    parameter. asyncpg prepares every statement, and after five runs PostgreSQL may switch
    to a generic plan that guesses the selectivity of ``@@ $1`` and ``LIKE $1``: for a rare
    term it then walks a whole sort index, filtering (seconds at 1,000,000 rows). With the
    term in the text, each search term gets a plan made for it (one more prepare per new
    term)."""
    return sa.bindparam(None, text, type_=sa.String(), literal_execute=True)


def is_reference_prefix(q: str) -> bool:
    """A single token with a hyphen and a digit (``LIfD-demo-S-00``) is read as the start of
    a reference number, not as words."""
    return bool(_TOKEN.fullmatch(q)) and "-" in q and any(c.isdigit() for c in q)


def text_match(q: str) -> sa.ColumnElement[bool]:
    """German full text (``websearch_to_tsquery``: words, "phrases", -exclusions, or) over
    reference number, title and summary; a single token also matches as the start of a
    reference number, and one that looks like a reference number only so (case-sensitive)."""
    prefix = _apps.c.reference_number.like(_inline(_escape_like(q) + "%"), escape="\\")
    if is_reference_prefix(q):
        return prefix
    query = sa.func.websearch_to_tsquery(sa.literal_column("'german'::regconfig"), _inline(q))
    match: sa.ColumnElement[bool] = _apps.c.search.bool_op("@@")(query)
    return sa.or_(match, prefix) if _TOKEN.fullmatch(q) else match


def conditions(principal: Principal, filters: ListFilters) -> list[sa.ColumnElement[bool]] | None:
    """Visibility plus the filters; None when the principal may see nothing at all."""
    where = visibility(principal, filters.statuses)
    if where is None:
        return None
    if filters.statuses:
        if len(filters.statuses) == 1:
            where.append(_apps.c.status == filters.statuses[0])
        else:
            where.append(_apps.c.status.in_(filters.statuses))
    else:
        # A discarded draft is gone from the lists unless asked for (``status=discarded``).
        where.append(_apps.c.status != State.DISCARDED)
    if filters.call is not None:
        where.append(_apps.c.call_code == filters.call)
    if filters.funding_line is not None:
        where.append(_apps.c.funding_line == filters.funding_line)
    if filters.municipality_key is not None:
        where.append(_apps.c.municipality_key == filters.municipality_key)
    if filters.organisation_id is not None:
        where.append(_apps.c.organisation_id == filters.organisation_id)
    q = _query_text(filters.q)
    if q is not None:
        where.append(text_match(q))
    return where


# --- keyset pages ------------------------------------------------------------------------


def _after_position(sort: Sort, key: bytes, cursor: str) -> tuple[Any, uuid.UUID, bool]:
    """(sort value or None, id, value is NULL) of the cursor's position."""
    position = decode(key, cursor, sort=sort.key)
    try:
        after_id = uuid.UUID(position.id)
        value = None if position.value is None else sort.parse(position.value)
    except (ValueError, InvalidOperation):
        raise invalid_cursor("malformed position") from None
    if value is None and not sort.nullable:
        raise invalid_cursor("malformed position")
    return value, after_id, value is None


def page_statements(
    where: Sequence[sa.ColumnElement[bool]],
    sort: Sort,
    after: tuple[Any, uuid.UUID, bool] | None = None,
    *,
    fenced: bool = False,
) -> list[sa.Select[Any]]:
    """The statements that yield the rows after ``after`` (value, id, value is NULL) in
    order, to be read one after the other until a page is full (each still needs a LIMIT).

    ``fenced``: select the matching rows first and sort them afterwards (a subquery with
    ``OFFSET 0``, which PostgreSQL does not flatten), instead of letting the planner walk a
    sort index and filter. For searches whose few matches cluster in time (a reference-number
    prefix names one call), the walk would pass most of the table before finding a page."""
    column = sort.column
    beyond = operator.lt if sort.descending else operator.gt

    def keyset(value: Any, after_id: uuid.UUID) -> sa.ColumnElement[bool]:
        bound = sa.tuple_(sa.literal(value, column.type), sa.literal(after_id, _id.type))
        result: sa.ColumnElement[bool] = beyond(sa.tuple_(column, _id), bound)
        return result

    segments: list[tuple[list[sa.ColumnElement[bool]], bool]] = []  # (conditions, by value)
    if not sort.nullable:
        segments.append(([] if after is None else [keyset(after[0], after[1])], True))
    elif after is None:
        segments.append(([column.is_not(None)], True))
        segments.append(([column.is_(None)], False))
    elif not after[2]:
        segments.append(([keyset(after[0], after[1])], True))
        segments.append(([column.is_(None)], False))
    else:
        segments.append(([column.is_(None), beyond(_id, after[1])], False))

    statements = []
    for conditions_, by_value in segments:
        statement = sa.select(*SUMMARY_COLUMNS).where(*where, *conditions_)
        source: Any = _apps.c
        if fenced:
            source = statement.offset(0).subquery("matches").c
            statement = sa.select(source)
        value, row_id = source[column.name], source[_id.name]
        order = [value.desc(), row_id.desc()] if sort.descending else [value.asc(), row_id.asc()]
        statements.append(statement.order_by(*(order if by_value else order[1:])))
    return statements


def _summary(row: sa.Row[Any]) -> ApplicationSummary:
    grant = row.requested_grant
    return ApplicationSummary.model_construct(
        id=row.id,
        reference_number=row.reference_number,
        title=row.title,
        status=row.status,
        call=row.call_code,
        funding_line=row.funding_line,
        municipality_key=row.municipality_key,
        organisation_id=row.organisation_id,
        requested_grant=None if grant is None else f"{grant:.2f}",
        submitted_at=row.submitted_at,
        updated_at=row.updated_at,
    )


def page_query(
    principal: Principal,
    filters: ListFilters,
    *,
    sort: str | None,
    cursor: str | None,
    cursor_key: bytes,
) -> tuple[Sort, list[sa.Select[Any]]]:
    """The sort and the statements of one page (none when the principal may see nothing);
    invalid parameters raise ``InvalidInput`` naming them."""
    chosen = sort_for(principal, sort)
    after = None if cursor is None else _after_position(chosen, cursor_key, cursor)
    where = conditions(principal, filters)
    if where is None:
        return chosen, []
    text = _query_text(filters.q)
    fenced = text is not None and is_reference_prefix(text)
    return chosen, page_statements(where, chosen, after, fenced=fenced)


async def list_applications(
    ctx: UserContext,
    filters: ListFilters,
    *,
    sort: str | None,
    limit: int,
    cursor: str | None,
    cursor_key: bytes,
) -> ApplicationList:
    """One page of the applications ``principal`` may see, filtered and sorted."""
    chosen, statements = page_query(
        ctx.principal, filters, sort=sort, cursor=cursor, cursor_key=cursor_key
    )
    wanted = limit + 1  # one more than the page: is there a next page?
    rows: list[sa.Row[Any]] = []
    for statement in statements:
        rows.extend((await ctx.session.execute(statement.limit(wanted - len(rows)))).all())
        if len(rows) >= wanted:
            break
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        value = last._mapping[chosen.column.name]
        position = Position(
            sort=chosen.key,
            value=None if value is None else chosen.dump(value),
            id=str(last.id),
        )
        next_cursor = encode(cursor_key, position)
    return ApplicationList(items=[_summary(row) for row in rows[:limit]], next_cursor=next_cursor)
