"""The managers' dashboard of a programme: read-only, a handful of aggregate queries, nothing
stored.

- ``budget``: the budgets overview (``budgets.service.budget_overview``: committed, paid,
  open and free per level and fiscal year, computed there and only there), its rows narrowed
  by the filters. It reads in a transaction of its own, the other tables in a second one
  (read committed: each query sees what was committed when it ran), so a release committed
  meanwhile may show in one table and not yet in another; the next load shows it in all.
- ``pipeline``: applications per call and status, with the sum of the requested grants. Drafts
  and discarded drafts are the applicants' alone and never counted.
- ``awards_by_district`` and ``awards_by_area``: approved and partially approved applications
  by the municipality the project names (``applications.municipality_key``), looked up in the
  municipality register: its district, and its LEP 2013 area category, rural or urban by
  ``core.areas.is_rural``. Almost every category of the shipped register is an assumption
  (``area_category_source``): each row counts how many of its awards rest on an assumed
  category, so a guess is never shown as a fact. Awards whose key the register lacks (or
  that name none) are counted under "unknown", never dropped.
- ``series``: per calendar month in Europe/Berlin, the gross sums of commitments,
  de-commitments, payments and refunds, each positive as the ledger stores them, and the nets
  beside them (committed − decommitted, paid − refunded). Gross and net side by side: a net
  alone would hide a month in which as much was freed as was bound.

Filters: ``call`` narrows every table to one call of the programme (422 naming ``call`` for a
call the programme lacks); ``fiscal_year`` narrows the budget rows and the ledger rows (the
amounts of the award tables and the series) to the budget year they count against. It does
not narrow the pipeline or the award counts: applications have no fiscal year, and an award
with nothing committed in that year is still an award.

The ledger is read through its sums, kept by its insert trigger in the same transaction
(migrations 0024 and 0029): per line, fiscal year, kind and Berlin month (the budgets overview
and the series), and per line, fiscal year, municipality and kind (the awards). A few
thousand rows however many movements or awards there are, and never behind the ledger.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from grants.applications.queries import applications_table
from grants.awards.access import ensure_manager, programme
from grants.awards.budgets import service as budgets
from grants.awards.dashboards.schemas import (
    Area,
    AreaCategoryRow,
    AreaRow,
    AwardsByArea,
    Dashboard,
    DashboardFilters,
    DistrictRow,
    PipelineRow,
    SeriesMonth,
)
from grants.awards.ledger import Movement
from grants.awards.tables import ledger_month_sums_table, ledger_municipality_sums_table
from grants.context import UserContext
from grants.core.areas import AreaCategory, AreaCategorySource, is_rural
from grants.core.errors import FieldProblem, InvalidInput
from grants.core.guideline import Guideline
from grants.core.lifecycle import STATE_LABELS, State
from grants.core.money import ZERO

_a = applications_table
_ms, _mu = ledger_month_sums_table, ledger_municipality_sums_table

# The municipality register publishes no joinable handle yet (its public face is ``service``,
# whose lookups are per key or without the district). Until it publishes one in a
# ``queries`` module, as applications do, the four columns read here are named as a
# lightweight table clause: read only, never written.
_m = sa.table(
    "municipalities",
    sa.column("key", sa.String),
    sa.column("district", sa.String),
    sa.column("area_category", sa.String),
    sa.column("area_category_source", sa.String),
)

# Staff never see these (``applications.access``): the applicant's alone.
_UNSEEN = (State.DRAFT, State.DISCARDED)
AWARDED = (State.APPROVED, State.PARTIALLY_APPROVED)
_STATE_ORDER = {state: position for position, state in enumerate(State)}

UNKNOWN_DISTRICT = "unbekannt (unknown)"
AREA_LABELS = {
    Area.RURAL: "ländlicher Raum (rural)",
    Area.URBAN: "Verdichtungsraum (urban)",
    Area.UNKNOWN: "unbekannt (unknown)",
}
AREA_ASSUMPTION = (
    "Ländlich = LEP-2013-Raumkategorie „ländlicher Raum“ einschließlich seiner verdichteten "
    "Bereiche, sonst Verdichtungsraum; die Kategorie stammt aus dem Gemeindeverzeichnis und "
    "ist dort überwiegend angenommen, nicht an Karte 1 des LEP 2013 geprüft: "
    "„category_assumed“ zählt die Vorhaben, deren Zuordnung auf einer Annahme beruht "
    "(rural = the LEP 2013 category 'ländlicher Raum' including its verdichtete Bereiche, "
    "else urban; the category comes from the municipality register, where most are "
    "assumptions not checked against LEP 2013 map 1: 'category_assumed' counts the awards "
    "whose area rests on an assumption)"
)


def _check_call(guideline: Guideline, call: str | None) -> None:
    if call is not None and guideline.call(call) is None:
        raise InvalidInput(
            f"Das Programm hat keinen Förderaufruf „{call}“ (the programme has no such call).",
            problems=(
                FieldProblem(
                    "call",
                    "unknown_code",
                    "erlaubt (allowed): " + ", ".join(c.code for c in guideline.calls),
                ),
            ),
        )


def _month_scope(guideline_id: str, filters: DashboardFilters) -> list[Any]:
    where: list[Any] = [_ms.c.guideline_id == guideline_id]
    if filters.call is not None:
        where.append(_ms.c.call_code == filters.call)
    if filters.fiscal_year is not None:
        where.append(_ms.c.fiscal_year == filters.fiscal_year)
    return where


def _application_scope(guideline_id: str, filters: DashboardFilters) -> list[Any]:
    where: list[Any] = [_a.c.guideline_id == guideline_id]
    if filters.call is not None:
        where.append(_a.c.call_code == filters.call)
    return where


async def _pipeline(
    ctx: UserContext, guideline_id: str, filters: DashboardFilters
) -> list[PipelineRow]:
    rows = await ctx.session.execute(
        sa.select(
            _a.c.call_code,
            _a.c.status,
            sa.func.count().label("applications"),
            sa.func.coalesce(sa.func.sum(_a.c.requested_grant), ZERO).label("requested"),
        )
        .where(*_application_scope(guideline_id, filters), _a.c.status.not_in(_UNSEEN))
        .group_by(_a.c.call_code, _a.c.status)
    )
    found = []
    for row in rows:
        state = State(row.status)
        label = STATE_LABELS[state]
        found.append(
            PipelineRow(
                call_code=row.call_code,
                status=state.value,
                status_label=f"{label.de} ({label.en})",
                applications=row.applications,
                requested_grant=row.requested,
            )
        )
    return sorted(found, key=lambda r: (r.call_code, _STATE_ORDER[State(r.status)]))


def _awards_query(guideline_id: str, filters: DashboardFilters) -> sa.Select[Any]:
    """Awards grouped by district, area category and its source: their count (from the
    awarded applications, grouped by municipality) and net commitment (from the ledger's
    municipality sums for the filters). Both sides are grouped by municipality first, a few
    hundred rows each, then joined to the register; an award without rows in a fiscal year
    still counts. Only awarded applications have ledger entries (``LedgerMunicipalitySum``),
    so the sums are the awards' own."""
    signed = sa.case((_mu.c.kind == Movement.COMMITMENT.value, _mu.c.amount), else_=-_mu.c.amount)
    money = sa.select(_mu.c.municipality_key, sa.func.sum(signed).label("committed")).where(
        _mu.c.guideline_id == guideline_id,
        _mu.c.kind.in_([Movement.COMMITMENT.value, Movement.DECOMMITMENT.value]),
    )
    if filters.call is not None:
        money = money.where(_mu.c.call_code == filters.call)
    if filters.fiscal_year is not None:
        money = money.where(_mu.c.fiscal_year == filters.fiscal_year)
    money_rows = money.group_by(_mu.c.municipality_key).subquery("money")
    key = sa.func.coalesce(_a.c.municipality_key, "")
    counts = (
        sa.select(key.label("municipality_key"), sa.func.count().label("awards"))
        .where(*_application_scope(guideline_id, filters), _a.c.status.in_(AWARDED))
        .group_by(key)
        .subquery("counts")
    )
    district_code = sa.func.substr(_m.c.key, 1, 5)
    return (
        sa.select(
            district_code.label("district_code"),
            _m.c.district,
            _m.c.area_category,
            _m.c.area_category_source,
            sa.cast(sa.func.sum(counts.c.awards), sa.Integer).label("awards"),
            sa.func.coalesce(sa.func.sum(money_rows.c.committed), ZERO).label("committed"),
        )
        .select_from(
            counts.outerjoin(
                money_rows, money_rows.c.municipality_key == counts.c.municipality_key
            ).outerjoin(_m, _m.c.key == counts.c.municipality_key)
        )
        .group_by(district_code, _m.c.district, _m.c.area_category, _m.c.area_category_source)
    )


@dataclass
class _Tally:
    awards: int = 0
    committed: Decimal = ZERO
    assumed: int = 0

    def add(self, awards: int, committed: Decimal, assumed: bool) -> None:
        self.awards += awards
        self.committed += committed
        self.assumed += awards if assumed else 0


@dataclass
class _AreaTally(_Tally):
    categories: dict[AreaCategory | None, _Tally] = field(default_factory=dict)


def _area_of(category: AreaCategory | None) -> Area:
    if category is None:
        return Area.UNKNOWN
    return Area.RURAL if is_rural(category) else Area.URBAN


def _category_label(category: AreaCategory | None) -> str:
    return UNKNOWN_DISTRICT if category is None else category.label


def _award_tables(rows: Iterable[Any]) -> tuple[list[DistrictRow], AwardsByArea]:
    districts: dict[tuple[str | None, str], _Tally] = {}
    areas: dict[Area, _AreaTally] = {area: _AreaTally() for area in Area}
    for row in rows:
        known = row.district is not None
        category = AreaCategory(row.area_category) if row.area_category else None
        # A category is a fact only where the register says it was checked in LEP 2013;
        # an award without a category at all is counted as unknown, not as assumed.
        assumed = category is not None and row.area_category_source != AreaCategorySource.LEP2013
        key = (row.district_code, row.district) if known else (None, UNKNOWN_DISTRICT)
        districts.setdefault(key, _Tally()).add(row.awards, row.committed, assumed)
        area = areas[_area_of(category)]
        area.add(row.awards, row.committed, assumed)
        area.categories.setdefault(category, _Tally()).add(row.awards, row.committed, assumed)
    by_district = [
        DistrictRow(district_code=code, district=name, awards=t.awards, committed=t.committed)
        for (code, name), t in sorted(
            districts.items(), key=lambda item: (item[0][0] is None, item[0][0] or "", item[0][1])
        )
    ]
    order = list(AreaCategory)
    by_area = [
        AreaRow(
            area=area,
            label=AREA_LABELS[area],
            awards=tally.awards,
            committed=tally.committed,
            category_assumed=tally.assumed,
            categories=[
                AreaCategoryRow(
                    area_category=None if category is None else category.value,
                    label=_category_label(category),
                    awards=t.awards,
                    committed=t.committed,
                    category_assumed=t.assumed,
                )
                for category, t in sorted(
                    tally.categories.items(),
                    key=lambda item: len(order) if item[0] is None else order.index(item[0]),
                )
            ],
        )
        for area, tally in areas.items()
        if area is not Area.UNKNOWN or tally.awards
    ]
    return by_district, AwardsByArea(rows=by_area, assumption=AREA_ASSUMPTION)


def _month_key(value: datetime | date) -> tuple[int, int]:
    return value.year, value.month


def _months(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    found, (year, month) = [], first
    while (year, month) <= last:
        found.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


_SERIES_KINDS = (
    Movement.COMMITMENT,
    Movement.DECOMMITMENT,
    Movement.PAYMENT,
    Movement.REFUND,
)


async def _series(
    ctx: UserContext, guideline_id: str, filters: DashboardFilters
) -> list[SeriesMonth]:
    # The month sums carry the Berlin calendar month of each movement (the trigger computes
    # it as each ledger row is inserted).
    rows = await ctx.session.execute(
        sa.select(_ms.c.month, _ms.c.kind, sa.func.sum(_ms.c.amount).label("total"))
        .where(
            *_month_scope(guideline_id, filters),
            _ms.c.kind.in_([kind.value for kind in _SERIES_KINDS]),
        )
        .group_by(_ms.c.month, _ms.c.kind)
    )
    sums: dict[tuple[int, int], dict[str, Decimal]] = {}
    for row in rows:
        sums.setdefault(_month_key(row.month), {})[row.kind] = row.total
    if not sums:
        return []
    series = []
    for year, number in _months(min(sums), max(sums)):
        by_kind = sums.get((year, number), {})

        def get(kind: Movement, by_kind: dict[str, Decimal] = by_kind) -> Decimal:
            return by_kind.get(kind.value, ZERO)

        committed, decommitted = get(Movement.COMMITMENT), get(Movement.DECOMMITMENT)
        paid, refunded = get(Movement.PAYMENT), get(Movement.REFUND)
        series.append(
            SeriesMonth(
                month=f"{year:04d}-{number:02d}",
                committed=committed,
                decommitted=decommitted,
                net_committed=committed - decommitted,
                paid=paid,
                refunded=refunded,
                net_paid=paid - refunded,
            )
        )
    return series


async def dashboard(
    ctx: UserContext,
    guideline_id: str,
    *,
    call: str | None = None,
    fiscal_year: int | None = None,
) -> Dashboard:
    """The programme's dashboard (managers), narrowed to ``call`` and ``fiscal_year``."""
    ensure_manager(ctx)
    guideline = programme(ctx, guideline_id)
    _check_call(guideline, call)
    filters = DashboardFilters(call=call, fiscal_year=fiscal_year)
    overview = await budgets.budget_overview(ctx, guideline_id)
    rows = [
        row
        for row in overview.rows
        if (call is None or row.call_code == call)
        and (fiscal_year is None or row.fiscal_year == fiscal_year)
    ]
    async with ctx.session.begin():
        pipeline = await _pipeline(ctx, guideline_id, filters)
        awards = (await ctx.session.execute(_awards_query(guideline_id, filters))).all()
        series = await _series(ctx, guideline_id, filters)
    by_district, by_area = _award_tables(awards)
    return Dashboard(
        guideline_id=guideline_id,
        filters=filters,
        generated_at=ctx.now,
        budget=overview.model_copy(update={"rows": rows}),
        pipeline=pipeline,
        awards_by_district=by_district,
        awards_by_area=by_area,
        series=series,
    )
