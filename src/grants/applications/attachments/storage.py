"""Where attachment bytes live: one small async interface, two implementations.

- ``LocalStorage``: a directory (default ``data_dir/attachments``), for one machine.
- ``ObjectStoreStorage``: any obstore store; ``s3://bucket/prefix`` in production (AWS, SeaweedFS,
  any S3-compatible service). obstore is a thin binding to the Rust ``object_store`` crate:
  streaming multipart uploads from a file, streaming downloads, credentials from the usual
  ``AWS_*`` variables, and an in-memory store of the same interface for tests.

Keys are chosen by the server (``storage_key``) and checked against one strict pattern by
every implementation, so no user input can name a path outside the store.
"""

import contextlib
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol, runtime_checkable

import anyio
import anyio.to_thread
import obstore
from obstore.store import ObjectStore, S3Store

from grants.settings import Settings

CHUNK_BYTES = 256 * 1024
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
KEY_PATTERN = re.compile(rf"attachments/{_UUID}/{_UUID}")


class StoredObjectMissing(LookupError):
    """The key names no stored object."""


def storage_key(application_id: uuid.UUID, attachment_id: uuid.UUID) -> str:
    return f"attachments/{application_id}/{attachment_id}"


def checked_key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise ValueError(f"not a storage key: {key[:100]!r}")
    return key


@runtime_checkable  # Litestar checks injected values against the annotation
class Storage(Protocol):
    async def put(self, key: str, source: Path) -> None:
        """Store the file at ``source`` under ``key`` (replacing), all or nothing."""

    async def open_stream(self, key: str) -> AsyncIterator[bytes]:
        """Open the object (``StoredObjectMissing`` now, not while streaming) and return an
        iterator over its bytes in chunks."""

    async def delete(self, key: str) -> None:
        """Remove the object; a missing one is not an error."""

    async def exists(self, key: str) -> bool: ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = self.root / checked_key(key)
        # The pattern already rules out "..", but a symlinked directory could still lead out.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise ValueError(f"storage key leaves the root: {key!r}")
        return path

    async def put(self, key: str, source: Path) -> None:
        target = self._path(key)

        def copy() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            # Written beside the target, then renamed: readers never see half a file.
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            try:
                with os.fdopen(handle, "wb") as out, source.open("rb") as src:
                    shutil.copyfileobj(src, out, CHUNK_BYTES)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise

        await anyio.to_thread.run_sync(copy)

    async def open_stream(self, key: str) -> AsyncIterator[bytes]:
        try:
            handle = await anyio.open_file(self._path(key), "rb")
        except FileNotFoundError:
            raise StoredObjectMissing(key) from None

        async def chunks() -> AsyncIterator[bytes]:
            try:
                while chunk := await handle.read(CHUNK_BYTES):
                    yield chunk
            finally:
                await handle.aclose()

        return chunks()

    async def delete(self, key: str) -> None:
        path = self._path(key)

        def remove() -> None:
            path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # the directory, once its last file is gone
                path.parent.rmdir()

        await anyio.to_thread.run_sync(remove)

    async def exists(self, key: str) -> bool:
        return await anyio.Path(self._path(key)).is_file()


class ObjectStoreStorage:
    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    async def put(self, key: str, source: Path) -> None:
        # A Path is uploaded in parts (multipart above 5 MiB), never read whole into memory.
        await obstore.put_async(self.store, checked_key(key), source)

    async def open_stream(self, key: str) -> AsyncIterator[bytes]:
        try:
            result = await obstore.get_async(self.store, checked_key(key))
        except FileNotFoundError:  # obstore's NotFoundError derives from it
            raise StoredObjectMissing(key) from None
        stream = result.stream(min_chunk_size=CHUNK_BYTES)

        async def chunks() -> AsyncIterator[bytes]:
            async for chunk in stream:
                yield bytes(chunk)

        return chunks()

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await obstore.delete_async(self.store, checked_key(key))

    async def exists(self, key: str) -> bool:
        try:
            await obstore.head_async(self.store, checked_key(key))
        except FileNotFoundError:
            return False
        return True


def storage_from_settings(settings: Settings) -> Storage:
    """``storage_url`` unset: the directory ``data_dir/attachments``; ``s3://bucket/prefix``:
    S3 (``storage_endpoint`` for SeaweedFS and other non-AWS services; credentials and region
    from ``AWS_*`` variables, read by obstore)."""
    url = settings.storage_url
    if not url:
        return LocalStorage(settings.data_dir / "attachments")
    if url.startswith("s3://"):
        endpoint = settings.storage_endpoint
        store = S3Store.from_url(
            url,
            config={"endpoint": endpoint} if endpoint else None,
            client_options={"allow_http": True}
            if endpoint and endpoint.startswith("http://")
            else None,
        )
        return ObjectStoreStorage(store)
    raise ValueError(
        f"GRANTS_STORAGE_URL: unsupported scheme in {url!r} (use s3://bucket/prefix or unset)"
    )
