"""Rendering off the event loop: letters are rendered in a separate process with a memory cap
and a time limit, so a runaway document (a huge table, a pathological text) can neither
stall the web service or the worker nor take the machine's memory.

One pool per process, started on first use (``spawn``: a fresh interpreter, no inherited
event loop or database connections). A render that runs over its time is ended by killing
its process; the pool is then rebuilt for the next render. A child that hits its memory cap
fails with ``MemoryError``; either way the caller gets ``RenderFailed`` and nothing is
written.
"""

import asyncio
import multiprocessing
import resource
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_MB = 1024  # address space, which is well above resident memory
# A render process's resident memory grows with the letters it has rendered (WeasyPrint's
# and fontconfig's caches: about 160 MB after 200 letters, 240 MB after 500 in
# bench/letters_bench.py); a fresh one after this many keeps it bounded.
RENDERS_PER_PROCESS = 200


class RenderFailed(RuntimeError):
    """The render did not finish within its limits; the message says which."""


def _cap_memory(limit_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def _render_in_child(
    kind: str, data: Mapping[str, Any], draft: bool, assets: Mapping[str, bytes] | None
) -> tuple[bytes, list[str]]:
    from grants.letters.render import render_pdf  # noqa: PLC0415 (imported in the child only)

    pdf, fetcher = render_pdf(kind, data, draft=draft, assets=assets)
    return pdf, fetcher.refused


@dataclass
class RenderPool:
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    _executor: ProcessPoolExecutor | None = field(default=None, init=False)

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_cap_memory,
                initargs=(self.memory_mb * 1024 * 1024,),
                max_tasks_per_child=RENDERS_PER_PROCESS,
            )
        return self._executor

    def _discard(self) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        for process in list(getattr(executor, "_processes", {}).values()):
            process.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    async def render(
        self,
        kind: str,
        data: Mapping[str, Any],
        *,
        draft: bool = False,
        assets: Mapping[str, bytes] | None = None,
    ) -> tuple[bytes, list[str]]:
        """The PDF and the URLs the render was refused."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(
            self._pool(), _render_in_child, kind, dict(data), draft, assets
        )
        try:
            return await asyncio.wait_for(future, self.timeout_s)
        except TimeoutError:
            self._discard()
            raise RenderFailed(
                f"Das Schreiben war nach {self.timeout_s:g} s nicht fertig (render timed out)."
            ) from None
        except (MemoryError, BrokenProcessPool, OSError) as error:
            # Under the address-space cap an allocation fails as MemoryError, or — while a
            # library is being loaded — as OSError; a child that died breaks the pool.
            self._discard()
            raise RenderFailed(
                f"Das Schreiben überschritt die Grenzen des Renderprozesses ({self.memory_mb} MB "
                f"Speicher; render out of memory or resources: {type(error).__name__})."
            ) from None

    def close(self) -> None:
        self._discard()


_default: RenderPool | None = None


def default_pool() -> RenderPool:
    global _default  # noqa: PLW0603 (one pool per process, made on first use)
    if _default is None:
        _default = RenderPool()
    return _default
