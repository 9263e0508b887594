"""Delivery channels: SMTP (aiosmtplib) or a folder of ``.eml`` files (the embedded default).

A mailer only transports a finished ``EmailMessage``; what goes into it is decided by
``build_email`` from the outbox row. The ``Message-ID`` is derived from the row's id, so a
message sent again after a crash (sent, but the worker died before recording it) carries the
same id, and receivers and mail clients can recognise the duplicate.
"""

import asyncio
import email.policy
import os
import re
import ssl
import tempfile
import uuid
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from grants.settings import Settings

# RFC 5322 lines end in CRLF; the SMTP policy writes them so, also into .eml files.
_POLICY = email.policy.SMTP
_FALLBACK_DOMAIN = "grants.invalid"


class MailerUnavailable(Exception):
    """The channel cannot take any message now (server unreachable, login refused).

    Unlike a failure of one message (a refused recipient), this ends the worker's batch: the
    remaining messages would only wait for the same timeout one after another.
    """


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Deliver one message or raise; ``MailerUnavailable`` if no message can go now."""

    async def close(self) -> None:
        """Release any open connection; a later ``send`` opens a new one."""


def message_id_for(outbox_id: uuid.UUID, mail_from: str) -> str:
    """``<<row id, hex>.outbox@<sender's domain>>``: the same for every attempt at one row.

    Kept short enough that the header is not folded onto a second line.
    """
    _, address = parseaddr(mail_from)
    local, at, domain = address.rpartition("@")
    if not (local and at and domain):
        domain = _FALLBACK_DOMAIN
    return f"<{outbox_id.hex}.outbox@{domain}>"


def build_email(
    *,
    outbox_id: uuid.UUID,
    mail_from: str,
    recipient: str,
    subject: str,
    body_text: str,
    created_at: datetime,
) -> EmailMessage:
    """The RFC 5322 message for one outbox row; the same row always gives the same message."""
    message = EmailMessage(policy=_POLICY)
    message["From"] = mail_from
    message["To"] = recipient
    message["Subject"] = subject
    # The time the message was written (queued), not sent: RFC 5322's origination date, and
    # stable across attempts.
    message["Date"] = format_datetime(created_at)
    message["Message-ID"] = message_id_for(outbox_id, mail_from)
    # RFC 3834: keeps vacation responders and ticket systems from answering a robot.
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = "de"
    message.set_content(body_text, charset="utf-8")
    return message


def _file_name(message: EmailMessage) -> str:
    """A safe file name from the Message-ID (the same message always lands in one file)."""
    message_id = str(message.get("Message-ID", "")).strip().strip("<>")
    if not message_id:
        raise ValueError("message has no Message-ID")
    return re.sub(r"[^A-Za-z0-9@._-]", "_", message_id) + ".eml"


class FolderMailer:
    """Writes each message as ``<Message-ID>.eml`` into a folder (development, embedded mode).

    Written to a temporary file and renamed into place, so a reader never sees half a file;
    a second delivery of the same message replaces the file rather than adding another.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def __repr__(self) -> str:
        return f"FolderMailer({str(self.directory)!r})"

    async def send(self, message: EmailMessage) -> None:
        data = message.as_bytes(policy=_POLICY)
        # File I/O (and fsync) blocks; keep the event loop free for the other work.
        await asyncio.to_thread(self._write, _file_name(message), data)

    def _write(self, name: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".eml", dir=self.directory)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.directory / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def close(self) -> None:
        return None


class SmtpMailer:
    """Sends through an SMTP server given as a URL.

    ``smtp://[user:password@]host[:port]`` connects in plain text and upgrades with STARTTLS
    when the server offers it (port 25 by default); ``smtps://…`` speaks TLS from the first
    byte (port 465 by default). Certificates are verified. One connection is kept open for
    a batch of messages and dropped after any error, so the next message starts clean.
    """

    def __init__(
        self, url: str, *, timeout: float = 30.0, tls_context: ssl.SSLContext | None = None
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"}:
            raise ValueError("SMTP URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("SMTP URL needs a host")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self.timeout = timeout
        # None: the system's trust store; a context of its own trusts a private CA.
        self._tls_context = tls_context
        self._client: aiosmtplib.SMTP | None = None

    def __repr__(self) -> str:  # never the password: this ends up in logs
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self._username}@" if self._username else ""
        return f"SmtpMailer({scheme}://{user}{self.host}:{self.port})"

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            username=self._username,
            password=self._password,
            use_tls=self.implicit_tls,
            # None: STARTTLS if the server offers it; implicit TLS excludes STARTTLS.
            start_tls=False if self.implicit_tls else None,
            timeout=self.timeout,
            tls_context=self._tls_context,
        )
        try:
            await client.connect()  # greeting, EHLO, STARTTLS, login
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailerUnavailable(f"{self!r}: {exc}") from exc
        self._client = client
        return client

    async def send(self, message: EmailMessage) -> None:
        client = await self._connected()
        try:
            await client.send_message(message)
        except BaseException:
            # After an error the session's state is unknown (half a DATA phase, a dropped
            # link); a fresh connection is cheaper than reasoning about it.
            self._drop()
            raise

    def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit()
        except aiosmtplib.SMTPException:
            client.close()  # the server went away first; nothing left to be polite to


def build_mailer(settings: Settings) -> Mailer:
    """SMTP when ``GRANTS_SMTP_URL`` is set, else ``.eml`` files under ``data_dir/mail``."""
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url)
    return FolderMailer(settings.data_dir / "mail")
