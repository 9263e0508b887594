"""The demo's tests: seeds and scenarios made through the services on the test's session (rolled
back afterwards), files in memory, no scanner (``not_scanned``, as in development)."""

from typing import Any

import httpx
import pytest
from obstore.store import MemoryStore

from grants.applications.attachments.scanner import DisabledScanner
from grants.applications.attachments.storage import ObjectStoreStorage
from grants.demo import DemoAccount, Uploads
from grants.guidelines.registry import GuidelineRegistry, load_registry
from tests.factories import bearer, login

MiB = 1024 * 1024


@pytest.fixture
def uploads() -> Uploads:
    return Uploads(ObjectStoreStorage(MemoryStore()), DisabledScanner(), 10 * MiB)


@pytest.fixture(scope="session")
def registry() -> GuidelineRegistry:
    return load_registry()


def password_of(accounts: list[DemoAccount], email: str) -> str:
    found = next(a.password for a in accounts if a.email == email)
    assert found, f"no new password for {email}"
    return found


async def headers_of(
    client: httpx.AsyncClient, accounts: list[DemoAccount], email: str
) -> dict[str, Any]:
    """Log in as a seeded demo account with the password the seed printed."""
    return bearer(await login(client, email, password_of(accounts, email)))
