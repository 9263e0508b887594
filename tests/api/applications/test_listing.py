"""GET /api/applications: who sees what, filters, text search, sorts, keyset pages."""

import base64
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.tables import applications_table
from grants.core.roles import StaffRole
from tests.applications_factories import applicant, draft
from tests.factories import staff_headers as staff

BASE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def ids_of(org: dict[str, Any]) -> tuple[uuid.UUID, uuid.UUID]:
    return uuid.UUID(org["organisation"]["id"]), uuid.UUID(org["user"]["id"])


_counter = iter(range(1, 1_000_000))


async def insert(db_session: AsyncSession, owner: dict[str, Any], **values: Any) -> dict[str, Any]:
    """One application row written directly (any state, any time), for lists of many rows."""
    organisation_id, user_id = ids_of(owner)
    status = values.pop("status", "submitted")
    n = next(_counter)
    submitted = status != "draft"
    title = values.pop("title", f"Projekt {n:05d}")
    row: dict[str, Any] = {
        "id": uuid.uuid4(),
        "organisation_id": organisation_id,
        "guideline_id": "frl-lifd",
        "call_code": "demo",
        "funding_line": "stationary",
        "status": status,
        "reference_number": f"LIfD-t{secrets.token_hex(3)}-S-{n:04d}" if submitted else None,
        "title": title,
        "municipality_key": "14521530",
        "requested_grant": Decimal("10000.00") + n,
        "draft": {"title": title, "summary": values.pop("summary", "")},
        "version": 1,
        "submission_count": 1 if submitted else 0,
        "created_by": user_id,
        "created_at": BASE,
        "updated_at": BASE + timedelta(minutes=n),
        "first_submitted_at": BASE + timedelta(hours=n) if submitted else None,
        "submitted_at": BASE + timedelta(hours=n) if submitted else None,
    }
    row.update(values)
    async with db_session.begin():
        await db_session.execute(sa.insert(applications_table).values(**row))
    return row


async def all_pages(
    client: httpx.AsyncClient, headers: dict[str, str], query: str = "", limit: int = 4
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        url = f"/api/applications?limit={limit}{query}"
        if cursor:
            url += f"&cursor={cursor}"
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert len(page["items"]) == limit
    raise AssertionError("too many pages")


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def errors_of(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    return {e["field"] for e in response.json()["errors"]}


# --- access ------------------------------------------------------------------------------


async def test_applicants_see_their_organisation_in_every_state_and_nothing_else(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    mine = await applicant(client)
    theirs = await applicant(client)
    created = await draft(client, mine["headers"])  # through the API
    own = [await insert(db_session, mine, status=s) for s in ("draft", "submitted", "approved")]
    foreign = [await insert(db_session, theirs, status=s) for s in ("draft", "submitted")]

    items = await all_pages(client, mine["headers"], limit=2)
    assert set(ids(items)) == {created["id"], *(str(r["id"]) for r in own)}
    assert not {str(r["id"]) for r in foreign} & set(ids(items))
    # Asking for the other organisation does not widen the view.
    theirs_org = theirs["organisation"]["id"]
    response = await client.get(
        f"/api/applications?organisation_id={theirs_org}", headers=mine["headers"]
    )
    assert response.json() == {"items": [], "next_cursor": None}


async def test_managers_see_everything_but_drafts(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    one, two = await applicant(client), await applicant(client)
    await draft(client, one["headers"])
    visible = [
        await insert(db_session, one, status="submitted"),
        await insert(db_session, two, status="in_review"),
        await insert(db_session, two, status="application_draft"),
    ]
    await insert(db_session, two, status="draft")
    for role in (StaffRole.PROGRAMME_MANAGER, StaffRole.ADMIN):
        headers = await staff(client, db_session, role)
        items = await all_pages(client, headers, limit=2)
        assert set(ids(items)) == {str(r["id"]) for r in visible}
        assert all(item["status"] != "draft" for item in items)
        drafts = await client.get("/api/applications?status=draft", headers=headers)
        assert drafts.json()["items"] == []


async def test_a_manager_who_is_a_member_also_sees_own_drafts(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    mine, other = await applicant(client), await applicant(client)
    own_draft = await insert(db_session, mine, status="draft")
    other_draft = await insert(db_session, other, status="draft")
    other_submitted = await insert(db_session, other, status="submitted")
    # Granting a staff role to an existing user keeps their password; their token carries on.
    await staff(client, db_session, StaffRole.PROGRAMME_MANAGER, email=mine["email"], log_in=False)
    headers = mine["headers"]
    items = await all_pages(client, headers)
    assert set(ids(items)) == {str(own_draft["id"]), str(other_submitted["id"])}
    assert str(other_draft["id"]) not in ids(items)
    only_drafts = await all_pages(client, headers, "&status=draft")
    assert ids(only_drafts) == [str(own_draft["id"])]


async def test_evaluators_and_anonymous_callers_get_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await applicant(client)
    await insert(db_session, owner, status="submitted")
    evaluator = await staff(client, db_session, StaffRole.EVALUATOR)
    response = await client.get("/api/applications", headers=evaluator)
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}
    assert (await client.get("/api/applications")).status_code == 401


# --- response, filters, search ----------------------------------------------------------------


async def test_summary_rows_carry_the_list_columns(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await applicant(client)
    row = await insert(db_session, owner, requested_grant=Decimal("120000.50"))
    response = await client.get("/api/applications", headers=owner["headers"])
    (item,) = response.json()["items"]
    assert item == {
        "id": str(row["id"]),
        "reference_number": row["reference_number"],
        "title": row["title"],
        "status": "submitted",
        "call": "demo",
        "funding_line": "stationary",
        "municipality_key": "14521530",
        "organisation_id": owner["organisation"]["id"],
        "requested_grant": "120000.50",
        "submitted_at": row["submitted_at"].isoformat().replace("+00:00", "Z"),
        "updated_at": row["updated_at"].isoformat().replace("+00:00", "Z"),
    }


async def test_each_filter_narrows_the_list(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    one, two = await applicant(client), await applicant(client)
    manager = await staff(client, db_session, StaffRole.PROGRAMME_MANAGER)
    rows = [
        await insert(db_session, one, call_code="c1", funding_line="stationary"),
        await insert(db_session, one, call_code="c1", funding_line="mobile", status="in_review"),
        await insert(db_session, two, call_code="c2", status="in_review"),
        await insert(db_session, two, call_code="c2", municipality_key="14612000"),
        await insert(db_session, two, call_code="c2", status="approved"),
    ]

    def expect(keep: Callable[[dict[str, Any]], bool]) -> set[str]:
        return {str(r["id"]) for r in rows if keep(r)}

    cases: list[tuple[str, Callable[[dict[str, Any]], bool]]] = [
        ("call=c1", lambda r: r["call_code"] == "c1"),
        ("funding_line=mobile", lambda r: r["funding_line"] == "mobile"),
        ("status=in_review", lambda r: r["status"] == "in_review"),
        ("status=in_review&status=approved", lambda r: r["status"] in {"in_review", "approved"}),
        ("status=in_review,approved", lambda r: r["status"] in {"in_review", "approved"}),
        ("municipality_key=14612000", lambda r: r["municipality_key"] == "14612000"),
        (
            f"organisation_id={two['organisation']['id']}",
            lambda r: r["organisation_id"] == uuid.UUID(two["organisation"]["id"]),
        ),
        (
            "call=c2&status=in_review",
            lambda r: r["call_code"] == "c2" and r["status"] == "in_review",
        ),
    ]
    for query, keep in cases:
        items = await all_pages(client, manager, "&" + query, limit=2)
        assert set(ids(items)) == expect(keep), query
    own = await all_pages(client, one["headers"], "&status=in_review")
    assert ids(own) == [str(rows[1]["id"])]


async def test_text_search_stems_german_and_matches_reference_prefixes(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await applicant(client)
    workshop = await insert(db_session, owner, title="Offene Werkstätten im Erzgebirge")
    library = await insert(
        db_session, owner, title="Digitale Bibliothek", summary="Eine Werkstatt für Kinder."
    )
    other = await insert(db_session, owner, title="Mobiles Dorfbüro")
    via_api = await draft(
        client, owner["headers"], title="Kulturscheune", summary="Lesungen und Konzerte."
    )

    async def search(q: str) -> set[str]:
        response = await client.get(
            "/api/applications", params={"q": q, "limit": 100}, headers=owner["headers"]
        )
        assert response.status_code == 200, response.text
        return set(ids(response.json()["items"]))

    both = {str(workshop["id"]), str(library["id"])}
    assert await search("Werkstatt") == both  # Werkstätten and Werkstatt share the stem
    assert await search("Werkstätten") == both
    assert await search("werkstatt -bibliothek") == {str(workshop["id"])}
    assert await search('"digitale bibliothek"') == {str(library["id"])}
    assert await search("Konzert") == {via_api["id"]}  # the summary of a draft made via API
    assert await search("Raumfahrt") == set()
    prefix = other["reference_number"][:-2]  # LIfD-t1a2b3c-S-00
    assert await search(prefix) == {str(other["id"])}
    assert await search(other["reference_number"]) == {str(other["id"])}
    assert await search("100%_") == set()  # LIKE wildcards are taken literally


# --- sorts and pages ----------------------------------------------------------------------------


SORT_KEYS = {
    "submitted_at": "submitted_at",
    "updated_at": "updated_at",
    "title": "title",
    "reference_number": "reference_number",
    "requested_grant": "requested_grant",
}


def expected_order(items: list[dict[str, Any]], sort: str) -> list[str]:
    """NULLs last in both directions; equal values ordered by id in the sort's direction."""
    descending = sort.startswith("-")
    name = sort.lstrip("-")

    def value(item: dict[str, Any]) -> Any:
        raw = item[name]
        if raw is None:
            return None
        if name in {"submitted_at", "updated_at"}:
            return datetime.fromisoformat(raw)
        if name == "requested_grant":
            return Decimal(raw)
        return raw

    present = [i for i in items if value(i) is not None]
    missing = [i for i in items if value(i) is None]
    present.sort(key=lambda i: (value(i), uuid.UUID(i["id"])), reverse=descending)
    missing.sort(key=lambda i: uuid.UUID(i["id"]), reverse=descending)
    return ids(present + missing)


async def test_every_sort_in_both_directions_pages_through_the_full_order(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await applicant(client)
    words = ["apfel", "birne", "apfel", "kirsche", "birne", "dattel", "apfel"]
    for i in range(17):
        status = "draft" if i % 4 == 0 else "submitted"  # drafts: NULL submission and number
        await insert(
            db_session,
            owner,
            status=status,
            title=f"Projekt {words[i % len(words)]}",  # equal titles: id decides
            updated_at=BASE + timedelta(minutes=i % 5),  # equal times, too
            requested_grant=None if i % 6 == 0 else Decimal(1000 + 100 * (i % 3)),
        )
    everything = await all_pages(client, owner["headers"], limit=100)
    assert len(everything) == 17
    for name in SORT_KEYS:
        for sort in (name, f"-{name}"):
            pages = await all_pages(client, owner["headers"], f"&sort={sort}", limit=4)
            assert ids(pages) == expected_order(everything, sort), sort
            assert len(pages) == 17


async def test_default_sorts_newest_edit_for_applicants_newest_receipt_for_managers(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await applicant(client)
    manager = await staff(client, db_session, StaffRole.PROGRAMME_MANAGER)
    for i in range(5):
        await insert(
            db_session,
            owner,
            updated_at=BASE + timedelta(days=i),
            submitted_at=BASE - timedelta(days=i),
        )
    own = await all_pages(client, owner["headers"], limit=2)
    assert ids(own) == expected_order(own, "-updated_at")
    managed = await all_pages(client, manager, limit=2)
    assert ids(managed) == expected_order(managed, "-submitted_at")
    assert ids(managed) == list(reversed(ids(own)))


@pytest.mark.parametrize("sort", ["-submitted_at", "title", "-updated_at"])
async def test_pages_stay_stable_while_rows_are_inserted(
    client: httpx.AsyncClient, db_session: AsyncSession, sort: str
) -> None:
    owner = await applicant(client)
    for i in range(12):
        await insert(db_session, owner, title=f"Projekt {i:02d}")
    before = ids(await all_pages(client, owner["headers"], f"&sort={sort}", limit=100))
    seen: list[str] = []
    cursor = None
    added: list[str] = []
    for page_number in range(100):
        url = f"/api/applications?limit=3&sort={sort}" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(url, headers=owner["headers"])).json()
        seen.extend(ids(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            break
        # Rows that sort before, between and after what has been read so far.
        for hour in (-1000, 6 - page_number, 1000):
            row = await insert(
                db_session,
                owner,
                title=f"Projekt {hour + 50:04d}",
                updated_at=BASE + timedelta(hours=hour),
                submitted_at=BASE + timedelta(hours=hour),
            )
            added.append(str(row["id"]))
    assert len(seen) == len(set(seen)), "a row appeared twice"
    assert [i for i in seen if i in before] == before, "a pre-existing row was skipped"
    assert set(seen) - set(before) <= set(added)


# --- bad input ------------------------------------------------------------------------------------


async def test_bad_parameters_are_422_naming_the_parameter(client: httpx.AsyncClient) -> None:
    owner = await applicant(client)
    headers = owner["headers"]
    cases = {
        "status=submitted,bogus": "status",
        "status=Draft": "status",
        "sort=id": "sort",
        "sort=-draft": "sort",
        "limit=0": "limit",
        "limit=101": "limit",
        "limit=x": "limit",
        "municipality_key=1452153": "municipality_key",
        "organisation_id=not-a-uuid": "organisation_id",
        "call=" + "x" * 41: "call",
        "q=" + "x" * 201: "q",
    }
    for query, field in cases.items():
        response = await client.get(f"/api/applications?{query}", headers=headers)
        fields = errors_of(response)
        assert any(f == field or f.endswith("." + field) for f in fields), (query, fields)


async def test_a_tampered_or_foreign_cursor_is_422_naming_cursor(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await applicant(client)
    for _ in range(3):
        await insert(db_session, owner)
    headers = owner["headers"]
    page = (await client.get("/api/applications?limit=1", headers=headers)).json()
    cursor = page["next_cursor"]
    assert cursor
    # Valid: the next page.
    assert (await client.get(f"/api/applications?limit=1&cursor={cursor}", headers=headers)).json()[
        "items"
    ]
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[5] ^= 1  # one bit of the position
    flipped = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    forged_value = base64.urlsafe_b64encode(
        b'[1,"-updated_at","1970-01-01T00:00:00+00:00","'
        + str(uuid.uuid4()).encode()
        + b'"]'
        + bytes(16)
    ).decode()
    bad = {
        "flipped bit": flipped,
        "forged position": forged_value,
        "garbage": "not*base64!",
        "empty tag": "AAAA",
        "other sort": cursor,
    }
    for name, value in bad.items():
        params = {"cursor": value, "limit": "1"}
        if name == "other sort":
            params["sort"] = "title"
        response = await client.get("/api/applications", params=params, headers=headers)
        assert errors_of(response) == {"cursor"}, name
