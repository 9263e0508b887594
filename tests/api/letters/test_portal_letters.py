"""The decision letter on the portal: the applicant's application page lists it, the download
is the issued PDF byte for byte and, as over the API, the recipient's first download is the
decision's retrieval through the portal (§ 41 Abs. 2a VwVfG); another organisation gets a
404 for the same address."""

import hashlib
from typing import Any

import httpx
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.letters.pool import RenderPool
from tests.api.letters.test_letters_api import _issued, call, pool  # noqa: F401 (fixtures)
from tests.api.web.test_account_pages import PASSWORD, sign_in
from tests.conftest import client_for
from tests.factories import register
from tests.fakes import FakeClock


async def test_the_applicant_downloads_the_letter_on_the_portal(
    client: httpx.AsyncClient,
    app: Litestar,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    pool: RenderPool,  # noqa: F811
    call: dict[str, Any],  # noqa: F811
) -> None:
    letter_id = await _issued(client, session_factory, clock, pool, call)
    a = call["apps"]["A"]["id"]
    async with client_for(app) as browser:
        await sign_in(browser, call["applicant_account"]["email"], PASSWORD)
        page = (await browser.get(f"/antraege/{a}")).text
        assert f'href="/briefe/{letter_id}/pdf"' in page
        download = await browser.get(f"/briefe/{letter_id}/pdf")
        assert download.status_code == 200
        assert download.headers["content-type"] == "application/pdf"
        assert download.headers["content-disposition"].startswith("attachment;")
        listed = await client.get(f"/api/applications/{a}/letters", headers=call["applicant"])
        [letter] = listed.json()
        assert hashlib.sha256(download.content).hexdigest() == letter["sha256"]
        assert letter["first_retrieved_at"] is not None  # the portal download counted
    kinds = await db_session.execute(
        sa.text("SELECT kind FROM decision_notices WHERE decision_id = :d ORDER BY number"),
        {"d": call["approval"]["id"]},
    )
    assert list(kinds.scalars()) == ["dispatched", "retrieved"]
    await db_session.commit()
    async with client_for(app) as stranger:
        async with client_for(app) as api:
            other = await register(api)
        await sign_in(stranger, other["email"], PASSWORD)
        assert (await stranger.get(f"/briefe/{letter_id}/pdf")).status_code == 404
