"""Reading signed tree heads: the latest one (printed on every letter, published by the API)
and all of them (for verification). Other features import this module."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.audit.signing import SignedHead
from grants.audit.tables import heads_table


def _head(row: Any) -> SignedHead:
    return SignedHead(row.tree_size, row.root_hash, row.signed_at, row.key_id, row.signature)


async def latest_head(session: AsyncSession) -> SignedHead | None:
    row = (
        await session.execute(
            sa.select(heads_table).order_by(heads_table.c.tree_size.desc()).limit(1)
        )
    ).first()
    return None if row is None else _head(row)


async def all_heads(session: AsyncSession) -> list[SignedHead]:
    rows = await session.execute(sa.select(heads_table).order_by(heads_table.c.tree_size))
    return [_head(row) for row in rows]
