"""`grants worker --once` also retries the scans the scanner could not finish at upload."""

import asyncio
import os
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from grants.app import create_app
from grants.applications.attachments.tables import attachments_table
from grants.db.engine import build_read_session_factory, build_session_factory
from grants.settings import as_asyncpg_url
from tests.applications_factories import applicant, draft
from tests.attachment_files import pdf
from tests.conftest import client_for, make_settings

# Drafts name a municipality: the committed database needs the register (first start).
pytestmark = pytest.mark.usefixtures("committed_register")

GRANTS = Path(sys.executable).with_name("grants")


async def test_a_quarantined_upload_is_released_by_the_worker(
    committed_database_url: str, tmp_path: Path
) -> None:
    engine = create_async_engine(as_asyncpg_url(committed_database_url))
    try:
        app = create_app(
            make_settings(
                committed_database_url, data_dir=tmp_path, clamd_address="tcp://127.0.0.1:9"
            ),
            session_factory=build_session_factory(engine),
            read_session_factory=build_read_session_factory(engine),
            configure_logs=False,
        )
        async with client_for(app) as client:
            anna = await applicant(client)
            application = await draft(client, anna["headers"])
            uploaded = await client.post(
                f"/api/applications/{application['id']}/attachments",
                params={"kind": "concept", "filename": "konzept.pdf"},
                content=pdf(),
                headers={**anna["headers"], "Content-Type": "application/pdf"},
            )
            assert uploaded.json()["scan_status"] == "pending"
            download = (
                f"/api/applications/{application['id']}/attachments/{uploaded.json()['id']}/content"
            )
            assert (await client.get(download, headers=anna["headers"])).status_code == 409

            env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
            env |= {
                "GRANTS_DATABASE_URL": committed_database_url,
                "GRANTS_DATA_DIR": str(tmp_path),
                "GRANTS_LOG_LEVEL": "WARNING",
            }
            # Now without a scanner address: development mode releases the file, saying that
            # nobody scanned it (not_scanned, never clean).
            process = await asyncio.create_subprocess_exec(
                str(GRANTS),
                "worker",
                "--once",
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
            assert process.returncode == 0, stderr.decode()

            async with engine.connect() as connection:
                status = await connection.scalar(sa.select(attachments_table.c.scan_status))
            assert status == "not_scanned"
            fetched = await client.get(download, headers=anna["headers"])
            assert fetched.status_code == 200
            assert fetched.content == pdf()
    finally:
        await engine.dispose()
