"""The outbox on real PostgreSQL, delivered to a real SMTP server (aiosmtpd on localhost):
queueing with its delivery job in the caller's transaction, and the delivery job's work."""

import logging
import ssl
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.notifications.mailers import FolderMailer, MailerUnavailable, SmtpMailer
from grants.notifications.service import enqueue_message
from grants.notifications.tables import outbox_table
from grants.notifications.worker import (
    DELIVER_TASK,
    MAIL_QUEUE,
    DeliveryFailed,
    deliver_message,
    delivery_lock,
)
from grants.settings import Settings
from tests.integration.notifications.smtp_peer import SmtpPeer, self_signed_tls

FROM = Settings().mail_from
NOW = datetime(2026, 11, 25, 20, 30, tzinfo=UTC)
Factory = async_sessionmaker[AsyncSession]


@pytest.fixture
def peer() -> Iterator[SmtpPeer]:
    server = SmtpPeer().start()
    yield server
    server.stop()


async def _enqueue(factory: Factory, key: str, *, recipient: str = "antrag@verein.example") -> bool:
    async with factory() as session, session.begin():
        return await enqueue_message(
            session,
            dedupe_key=key,
            kind="receipt",
            recipient=recipient,
            subject=f"Eingangsbestätigung {key}",
            body_text=f"Guten Tag,\n\nwir bestätigen den Eingang von {key}.\n",
            now=NOW,
        )


async def _rows(factory: Factory) -> list[Any]:
    async with factory() as session:
        result = await session.execute(
            sa.select(outbox_table).order_by(outbox_table.c.created_at, outbox_table.c.dedupe_key)
        )
        return list(result.all())


async def _row(factory: Factory, key: str) -> Any:
    async with factory() as session:
        result = await session.execute(
            sa.select(outbox_table).where(outbox_table.c.dedupe_key == key)
        )
        return result.one()


# --- queueing -------------------------------------------------------------------------------


async def test_message_is_queued_in_the_callers_transaction(session_factory: Factory) -> None:
    assert await _enqueue(session_factory, "receipt:1")
    row = await _row(session_factory, "receipt:1")
    assert (row.kind, row.recipient, row.attempts) == ("receipt", "antrag@verein.example", 0)
    assert row.created_at == row.next_attempt_at == NOW
    assert row.sent_at is None


async def test_a_rolled_back_change_queues_no_message(session_factory: Factory) -> None:
    class ChangeFailed(Exception):
        pass

    async def change_that_fails() -> None:
        async with session_factory() as session, session.begin():
            await enqueue_message(
                session,
                dedupe_key="receipt:rolled-back",
                kind="receipt",
                recipient="antrag@verein.example",
                subject="Eingangsbestätigung",
                body_text="…",
                now=NOW,
            )
            raise ChangeFailed  # the change this message reports did not happen

    with pytest.raises(ChangeFailed):
        await change_that_fails()
    assert await _rows(session_factory) == []


async def test_queueing_twice_keeps_one_message(session_factory: Factory) -> None:
    assert await _enqueue(session_factory, "receipt:twice")
    assert not await _enqueue(session_factory, "receipt:twice", recipient="other@example.org")
    rows = await _rows(session_factory)
    assert len(rows) == 1
    assert rows[0].recipient == "antrag@verein.example"  # the first one stands


async def test_queueing_outside_a_transaction_is_refused(session_factory: Factory) -> None:
    async with session_factory() as session:
        with pytest.raises(RuntimeError, match="inside the caller's transaction"):
            await enqueue_message(
                session,
                dedupe_key="k",
                kind="receipt",
                recipient="a@example.org",
                subject="s",
                body_text="b",
                now=NOW,
            )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("subject", "Betreff\r\nBcc: all@example.org", "single line"),
        ("subject", "x" * 301, "longer than 300"),
        ("recipient", "not-an-address", "e-mail address"),
        ("dedupe_key", " ", "must not be empty"),
    ],
)
async def test_bad_values_are_refused_before_they_reach_the_table(
    session_factory: Factory, field: str, value: str, message: str
) -> None:
    values = {
        "dedupe_key": "k",
        "kind": "receipt",
        "recipient": "a@example.org",
        "subject": "s",
        "body_text": "b",
        "now": NOW,
    }
    values[field] = value
    async with session_factory() as session, session.begin():
        with pytest.raises(ValueError, match=message):
            await enqueue_message(session, **values)  # type: ignore[arg-type]


# --- the delivery job, deferred with the row ------------------------------------------------


async def _jobs_of(factory: Factory) -> list[Any]:
    async with factory() as session:
        result = await session.execute(
            sa.text(
                "SELECT task_name, queue_name, lock, args, status::text AS status "
                "FROM procrastinate.procrastinate_jobs ORDER BY id"
            )
        )
        return list(result.all())


async def test_each_new_row_defers_one_delivery_job_in_its_transaction(
    session_factory: Factory,
) -> None:
    assert await _enqueue(session_factory, "receipt:job")
    assert not await _enqueue(session_factory, "receipt:job")  # the same fact: no second job
    row = await _row(session_factory, "receipt:job")
    [job] = await _jobs_of(session_factory)
    assert (job.task_name, job.queue_name, job.status) == (DELIVER_TASK, MAIL_QUEUE, "todo")
    assert job.lock == delivery_lock(row.id)
    assert job.args == {"outbox_id": str(row.id)}


async def test_a_rolled_back_change_defers_no_job(session_factory: Factory) -> None:
    seen_inside: list[int] = []

    async def change_that_fails() -> None:
        async with session_factory() as session, session.begin():
            await enqueue_message(
                session,
                dedupe_key="receipt:rolled-back-job",
                kind="receipt",
                recipient="antrag@verein.example",
                subject="Eingangsbestätigung",
                body_text="…",
                now=NOW,
            )
            seen_inside.append(len(await _jobs_of(session_factory)))
            raise ZeroDivisionError  # the change this message reports did not happen

    with pytest.raises(ZeroDivisionError):
        await change_that_fails()
    assert seen_inside == [1]  # deferred inside the transaction …
    assert await _jobs_of(session_factory) == []  # … and gone with it


# --- delivery over SMTP ---------------------------------------------------------------------


async def _deliver(factory: Factory, mailer: Any, key: str, *, now: datetime = NOW) -> str:
    row = await _row(factory, key)
    try:
        return await deliver_message(factory, mailer, row.id, now=now, mail_from=FROM)
    finally:
        await mailer.close()


async def test_delivery_sends_once_and_marks_sent(session_factory: Factory, peer: SmtpPeer) -> None:
    await _enqueue(session_factory, "receipt:send")
    later = NOW + timedelta(seconds=5)
    outcome = await _deliver(session_factory, SmtpMailer(peer.url()), "receipt:send", now=later)
    assert outcome == "sent"

    row = await _row(session_factory, "receipt:send")
    assert row.sent_at == later
    assert row.last_error is None
    [received] = peer.recorder.messages
    assert received["Message-ID"] == f"<{row.id.hex}.outbox@foerderportal.invalid>"
    assert received["Subject"] == "Eingangsbestätigung receipt:send"
    assert received["To"] == "antrag@verein.example"
    assert "wir bestätigen den Eingang von receipt:send." in received.get_content()
    assert peer.recorder.recipients == [["antrag@verein.example"]]

    # A second job of the same message (a worker taken for dead, run again) sends nothing.
    again = await _deliver(session_factory, SmtpMailer(peer.url()), "receipt:send", now=later)
    assert again == "already_sent"
    assert len(peer.recorder.messages) == 1


async def test_an_unknown_message_is_reported_not_sent(session_factory: Factory) -> None:
    outcome = await deliver_message(
        session_factory, FolderMailer(Path("/nonexistent")), uuid.uuid4(), now=NOW, mail_from=FROM
    )
    assert outcome == "unknown"


async def test_server_down_nothing_lost_retried_with_backoff_delivered_when_back(
    session_factory: Factory,
) -> None:
    down = SmtpPeer()  # a port nobody listens on (yet)
    await _enqueue(session_factory, "receipt:a")
    mailer = SmtpMailer(down.url(), timeout=5)

    with pytest.raises(DeliveryFailed) as failed:
        await _deliver(session_factory, mailer, "receipt:a")
    # The job is retried exactly when the row says: 30 s after the first failure.
    assert failed.value.at == NOW + timedelta(seconds=30)
    row = await _row(session_factory, "receipt:a")
    assert (row.attempts, row.next_attempt_at) == (1, NOW + timedelta(seconds=30))
    assert row.last_error.startswith("MailerUnavailable: SmtpMailer(smtp://127.0.0.1:")
    assert row.sent_at is None

    # Each later failure waits twice as long, up to an hour.
    t = NOW
    for attempt, wait in [(2, 60), (3, 120), (4, 240)]:
        t += timedelta(hours=1)
        with pytest.raises(DeliveryFailed) as failed:
            await _deliver(session_factory, mailer, "receipt:a", now=t)
        assert failed.value.at == t + timedelta(seconds=wait)
        assert (await _row(session_factory, "receipt:a")).attempts == attempt

    down.start()
    try:
        back = t + timedelta(hours=2)
        assert await _deliver(session_factory, mailer, "receipt:a", now=back) == "sent"
        assert [m["Subject"] for m in down.recorder.messages] == ["Eingangsbestätigung receipt:a"]
        row = await _row(session_factory, "receipt:a")
        assert (row.sent_at, row.last_error, row.attempts) == (back, None, 4)
    finally:
        down.stop()


async def test_a_refused_recipient_fails_alone_and_is_kept(
    session_factory: Factory, peer: SmtpPeer
) -> None:
    await _enqueue(session_factory, "receipt:nobody", recipient="nobody@verein.example")
    await _enqueue(session_factory, "receipt:somebody")
    with pytest.raises(DeliveryFailed):
        await _deliver(session_factory, SmtpMailer(peer.url()), "receipt:nobody")
    assert await _deliver(session_factory, SmtpMailer(peer.url()), "receipt:somebody") == "sent"
    refused = await _row(session_factory, "receipt:nobody")
    assert refused.sent_at is None
    assert refused.attempts == 1
    assert "no such mailbox" in refused.last_error
    assert [m["To"] for m in peer.recorder.messages] == ["antrag@verein.example"]


async def test_after_many_failures_an_error_is_logged_and_retries_go_on_at_the_cap(
    session_factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    await _enqueue(session_factory, "receipt:stubborn")
    async with session_factory() as session, session.begin():
        await session.execute(sa.update(outbox_table).values(attempts=19))
    with (
        caplog.at_level(logging.WARNING, logger="grants.notifications"),
        pytest.raises(DeliveryFailed),
    ):
        await _deliver(session_factory, SmtpMailer(SmtpPeer().url()), "receipt:stubborn")
    row = await _row(session_factory, "receipt:stubborn")
    assert row.attempts == 20
    assert row.next_attempt_at == NOW + timedelta(hours=1)
    [record] = [r for r in caplog.records if r.name == "grants.notifications"]
    assert record.levelno == logging.ERROR
    assert record.outbox_id == str(row.id)  # type: ignore[attr-defined]


class _Exploding:
    async def send(self, message: EmailMessage) -> None:
        raise RuntimeError("x" * 5000)

    async def close(self) -> None:
        return None


async def test_long_errors_are_cut_to_the_column(session_factory: Factory) -> None:
    await _enqueue(session_factory, "receipt:long-error")
    with pytest.raises(DeliveryFailed):
        await _deliver(session_factory, _Exploding(), "receipt:long-error")
    row = await _row(session_factory, "receipt:long-error")
    assert len(row.last_error) == 1000
    assert row.last_error.startswith("RuntimeError: xxx")


class _Crash(BaseException):
    """The process dies (SIGKILL, power): after the hand-over, before the commit."""


class _CrashAfterSending:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def send(self, message: EmailMessage) -> None:
        await self.inner.send(message)
        raise _Crash

    async def close(self) -> None:
        await self.inner.close()


async def test_a_crash_after_sending_resends_the_same_message_id(
    session_factory: Factory, peer: SmtpPeer
) -> None:
    await _enqueue(session_factory, "receipt:crash")
    with pytest.raises(_Crash):
        await _deliver(session_factory, _CrashAfterSending(SmtpMailer(peer.url())), "receipt:crash")
    row = await _row(session_factory, "receipt:crash")
    assert row.sent_at is None  # rolled back with the dead worker's transaction: not lost

    assert await _deliver(session_factory, SmtpMailer(peer.url()), "receipt:crash") == "sent"
    ids = peer.recorder.message_ids()
    assert len(ids) == 2
    assert len(set(ids)) == 1  # at least once, recognisably the same message


# --- TLS and credentials --------------------------------------------------------------------


@pytest.fixture
def tls(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    return self_signed_tls(tmp_path)


async def test_starttls_and_login_from_the_url(
    session_factory: Factory, tls: tuple[ssl.SSLContext, ssl.SSLContext]
) -> None:
    server_tls, client_tls = tls
    peer = SmtpPeer(starttls=server_tls, credentials=("mailer@verein.example", "s:cret")).start()
    try:
        await _enqueue(session_factory, "receipt:starttls")
        url = peer.url(userinfo="mailer%40verein.example:s%3Acret@")
        mailer = SmtpMailer(url, tls_context=client_tls)
        assert await _deliver(session_factory, mailer, "receipt:starttls") == "sent"
        assert peer.recorder.logins == [b"mailer@verein.example"]
    finally:
        peer.stop()


async def test_wrong_credentials_make_the_server_unavailable(
    session_factory: Factory, tls: tuple[ssl.SSLContext, ssl.SSLContext]
) -> None:
    server_tls, client_tls = tls
    peer = SmtpPeer(starttls=server_tls, credentials=("mailer", "right")).start()
    try:
        mailer = SmtpMailer(peer.url(userinfo="mailer:wrong@"), tls_context=client_tls)
        with pytest.raises(MailerUnavailable, match="SmtpMailer"):
            await mailer.send(EmailMessage())
        await _enqueue(session_factory, "receipt:wrong-password")
        with pytest.raises(DeliveryFailed, match="MailerUnavailable"):
            await _deliver(session_factory, mailer, "receipt:wrong-password")
        assert peer.recorder.messages == []
    finally:
        peer.stop()


async def test_implicit_tls(
    session_factory: Factory, tls: tuple[ssl.SSLContext, ssl.SSLContext]
) -> None:
    server_tls, client_tls = tls
    peer = SmtpPeer(implicit_tls=server_tls).start()
    try:
        await _enqueue(session_factory, "receipt:smtps")
        mailer = SmtpMailer(peer.url("smtps"), tls_context=client_tls)
        assert await _deliver(session_factory, mailer, "receipt:smtps") == "sent"
        # The system's trust store does not know the test certificate: refused, not sent.
        await _enqueue(session_factory, "receipt:smtps-untrusted")
        with pytest.raises(DeliveryFailed):
            await _deliver(
                session_factory, SmtpMailer(peer.url("smtps")), "receipt:smtps-untrusted"
            )
        assert len(peer.recorder.messages) == 1
    finally:
        peer.stop()


# --- the folder ---------------------------------------------------------------------------


async def test_folder_mailer_writes_readable_eml_files_once(
    session_factory: Factory, tmp_path: Path
) -> None:
    from email import policy
    from email.parser import BytesParser

    folder = tmp_path / "mail"
    await _enqueue(session_factory, "receipt:folder")
    with pytest.raises(_Crash):
        await _deliver(session_factory, _CrashAfterSending(FolderMailer(folder)), "receipt:folder")
    written = sorted(folder.iterdir())
    assert len(written) == 1
    first_bytes = written[0].read_bytes()

    assert await _deliver(session_factory, FolderMailer(folder), "receipt:folder") == "sent"
    # Delivered twice (the crash), one file: named by the Message-ID, replaced in place.
    assert sorted(folder.iterdir()) == written
    assert written[0].read_bytes() == first_bytes
    row = await _row(session_factory, "receipt:folder")
    assert written[0].name == f"{row.id.hex}.outbox@foerderportal.invalid.eml"

    parsed = BytesParser(policy=policy.default).parse(written[0].open("rb"))
    assert parsed["Subject"] == "Eingangsbestätigung receipt:folder"
    assert parsed["Message-ID"] == f"<{row.id.hex}.outbox@foerderportal.invalid>"
    assert "wir bestätigen den Eingang von receipt:folder." in parsed.get_content()


async def test_folder_mailer_leaves_no_temporary_files(tmp_path: Path) -> None:
    mailer = FolderMailer(tmp_path / "deep" / "mail")
    for n in range(3):
        message = EmailMessage()
        message["Message-ID"] = f"<{uuid.uuid4().hex}.outbox@example.org>"
        message["Subject"] = f"n={n}"
        message.set_content("x")
        await mailer.send(message)
    names = [p.name for p in (tmp_path / "deep" / "mail").iterdir()]
    assert len(names) == 3
    assert all(name.endswith(".eml") and not name.startswith(".tmp") for name in names)


async def test_folder_mailer_needs_a_message_id(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Message-ID"):
        await FolderMailer(tmp_path).send(EmailMessage())
