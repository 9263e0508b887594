"""Guideline versions stored by hash: recorded once, re-read exactly, never changed."""

from dataclasses import replace

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.errors import NotFound
from grants.guidelines.registry import load_registry
from grants.guidelines.service import load_guideline_version, record_guideline_versions
from tests.unit.core.guideline_fixtures import RECEIVED


async def test_versions_are_recorded_once_and_reload_to_the_same_guideline(
    db_session: AsyncSession,
) -> None:
    registry = load_registry()
    first = await record_guideline_versions(db_session, registry, now=RECEIVED)
    again = await record_guideline_versions(db_session, registry, now=RECEIVED)
    assert (first, again) == (1, 0)
    current = registry.get("frl-lifd")
    assert current is not None
    stored = await load_guideline_version(db_session, current.content_hash)
    # The stored copy is the guideline document. The declarations and the authority come
    # from the texts file beside it, with their own versions and hashes (frozen per snapshot).
    assert stored == replace(current, declarations=(), authority=None)


async def test_unknown_hash_is_not_found(db_session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await load_guideline_version(db_session, "f" * 64)


async def test_stored_versions_cannot_be_changed(db_session: AsyncSession) -> None:
    await record_guideline_versions(db_session, load_registry(), now=RECEIVED)
    async with db_session.begin():
        with pytest.raises(DBAPIError, match="append-only"):
            async with db_session.begin_nested():
                await db_session.execute(
                    sa.text("UPDATE guideline_versions SET version = 'forged'")
                )
        with pytest.raises(DBAPIError, match="append-only"):
            async with db_session.begin_nested():
                await db_session.execute(sa.text("DELETE FROM guideline_versions"))
