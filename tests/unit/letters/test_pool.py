"""Renders run in a separate process with a time and a memory cap: one over its time is
ended (its process killed) and reported, one over its memory too, and the pool renders the
next letter as if nothing had happened."""

import asyncio

import pytest

from grants.letters.content import decision_letter
from grants.letters.pool import RenderFailed, RenderPool
from tests.unit.letters.sample import LETTERHEAD, approval


def _letter() -> tuple[str, dict[str, object]]:
    return decision_letter(approval(), LETTERHEAD, guideline_title="FRL", draft=False)


async def test_a_render_over_its_time_is_ended_and_the_pool_recovers() -> None:
    pool = RenderPool(timeout_s=0.05)
    try:
        with pytest.raises(RenderFailed, match="timed out"):
            await pool.render(*_letter())
        pool.timeout_s = 120
        pdf, refused = await pool.render(*_letter())
        assert pdf.startswith(b"%PDF") and refused == []
    finally:
        pool.close()


async def test_a_render_over_its_memory_fails_cleanly() -> None:
    pool = RenderPool(timeout_s=120, memory_mb=64)  # not even the interpreter fits
    try:
        with pytest.raises(RenderFailed, match="memory"):
            await pool.render(*_letter())
    finally:
        pool.close()


async def test_the_event_loop_runs_on_while_a_letter_renders() -> None:
    pool = RenderPool(timeout_s=120)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        await pool.render(*_letter())
    finally:
        ticker.cancel()
        pool.close()
    assert ticks > 20  # a render takes a second or more; the loop was never blocked
