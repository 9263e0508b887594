"""A real SMTP server for the tests (aiosmtpd on a free localhost port) that records what it
receives: the worker talks real SMTP to it, with TLS and login when a test asks for them."""

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class Recorder:
    """The server's handler: keeps every accepted message, parsed, with its envelope."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.logins: list[bytes | None] = []
        self._lock = threading.Lock()  # the server runs in a thread of its own

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        # A mailbox that does not exist, to tell one refused message from a server that is down.
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
            self.recipients.append(list(envelope.rcpt_tos))
            login = session.auth_data.login if session.auth_data is not None else None
            self.logins.append(login)
        return "250 OK: queued"

    def message_ids(self) -> list[str]:
        with self._lock:
            return [str(m["Message-ID"]) for m in self.messages]


class SmtpPeer:
    """Start, stop and start again on the same port (a mail server that goes down)."""

    def __init__(
        self,
        *,
        port: int | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        starttls: ssl.SSLContext | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.recorder = Recorder()
        self._implicit_tls = implicit_tls
        self._starttls = starttls
        self._credentials = credentials
        self._controller: Controller | None = None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or self._credentials is None:
            return AuthResult(success=False, handled=False)
        user, password = self._credentials
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def start(self) -> "SmtpPeer":
        kwargs: dict[str, Any] = {}
        if self._credentials is not None:
            # Login only after STARTTLS (aiosmtpd's default), as a real server would insist.
            kwargs.update(authenticator=self._authenticate, auth_required=True)
        if self._starttls is not None:
            kwargs.update(tls_context=self._starttls, require_starttls=True)
        self._controller = Controller(
            self.recorder,
            hostname=HOST,
            port=self.port,
            ssl_context=self._implicit_tls,
            server_hostname="smtp.test",
            **kwargs,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def url(self, scheme: str = "smtp", userinfo: str = "") -> str:
        return f"{scheme}://{userinfo}{HOST}:{self.port}"


def self_signed_tls(directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A certificate for 127.0.0.1: the server's context, and a client context trusting it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "grants test smtp")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp.crt", directory / "smtp.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client
