import os
import uuid
from pathlib import Path

import pytest
from obstore.store import LocalStore, MemoryStore, S3Store

from grants.applications.attachments.storage import (
    LocalStorage,
    ObjectStoreStorage,
    Storage,
    StoredObjectMissing,
    storage_from_settings,
    storage_key,
)
from grants.settings import load_settings


def _key() -> str:
    return storage_key(uuid.uuid4(), uuid.uuid4())


async def _read(storage: Storage, key: str) -> bytes:
    return b"".join([chunk async for chunk in await storage.open_stream(key)])


def _source(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / f"source-{uuid.uuid4()}"
    path.write_bytes(data)
    return path


@pytest.fixture(params=["local", "obstore-memory", "obstore-local"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "store")
    if request.param == "obstore-memory":
        return ObjectStoreStorage(MemoryStore())
    return ObjectStoreStorage(LocalStore(tmp_path / "obstore", mkdir=True))


async def test_put_read_delete(storage: Storage, tmp_path: Path) -> None:
    key = _key()
    data = os.urandom(700_000)  # several chunks
    assert not await storage.exists(key)
    await storage.put(key, _source(tmp_path, data))
    assert await storage.exists(key)
    assert await _read(storage, key) == data
    await storage.put(key, _source(tmp_path, b"replaced"))
    assert await _read(storage, key) == b"replaced"
    await storage.delete(key)
    assert not await storage.exists(key)
    await storage.delete(key)  # idempotent


async def test_missing_object_is_reported_when_opened(storage: Storage) -> None:
    with pytest.raises(StoredObjectMissing):
        await storage.open_stream(_key())


@pytest.mark.parametrize(
    "key",
    [
        "../../etc/passwd",
        "attachments/../../etc/passwd",
        f"attachments/{uuid.uuid4()}/../{uuid.uuid4()}",
        f"/attachments/{uuid.uuid4()}/{uuid.uuid4()}",
        f"attachments/{uuid.uuid4()}/{uuid.uuid4()}/x",
        f"attachments/{uuid.uuid4()}/{uuid.uuid4()}\x00",
        f"attachments/{str(uuid.uuid4()).upper()}/{uuid.uuid4()}",
        "",
    ],
)
async def test_keys_outside_the_pattern_are_refused(
    storage: Storage, tmp_path: Path, key: str
) -> None:
    with pytest.raises(ValueError, match="storage key"):
        await storage.put(key, _source(tmp_path, b"x"))
    with pytest.raises(ValueError, match="storage key"):
        await storage.open_stream(key)
    with pytest.raises(ValueError, match="storage key"):
        await storage.delete(key)


async def test_local_files_live_under_the_root_at_the_key(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "root")
    key = _key()
    await storage.put(key, _source(tmp_path, b"pdf"))
    assert (tmp_path / "root" / key).read_bytes() == b"pdf"
    leftovers = [p.name for p in (tmp_path / "root" / key).parent.iterdir()]
    assert leftovers == [key.rsplit("/", 1)[1]]  # no temporary files left behind
    await storage.delete(key)
    assert not (tmp_path / "root" / key).parent.exists()


async def test_a_symlink_cannot_lead_out_of_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "attachments").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    application = uuid.uuid4()
    (root / "attachments" / str(application)).symlink_to(outside)
    with pytest.raises(ValueError, match="leaves the root"):
        await LocalStorage(root).put(
            storage_key(application, uuid.uuid4()), _source(tmp_path, b"x")
        )
    assert list(outside.iterdir()) == []


def test_storage_from_settings(tmp_path: Path) -> None:
    local = storage_from_settings(load_settings(data_dir=tmp_path, storage_url=None))
    assert isinstance(local, LocalStorage)
    assert local.root == tmp_path / "attachments"
    s3 = storage_from_settings(
        load_settings(storage_url="s3://grants/attachments", storage_endpoint="http://minio:9000")
    )
    assert isinstance(s3, ObjectStoreStorage)
    assert isinstance(s3.store, S3Store)
    assert s3.store.prefix == "attachments"
    assert s3.store.config["endpoint"] == "http://minio:9000"
    with pytest.raises(ValueError, match="GRANTS_STORAGE_URL"):
        storage_from_settings(load_settings(storage_url="ftp://example/x"))
