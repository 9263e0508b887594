"""Typed settings from ``GRANTS_*`` environment variables (pydantic-settings).

Nothing here is read at import time; ``load_settings()`` is called by the CLI and by
``create_app_from_env`` and the result is passed down explicitly.
"""

import ipaddress
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

# A published, therefore worthless, secret: refused outside development so that nobody runs
# production with the value from the README.
DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-production-0000"  # noqa: S105
# The same for the audit log's Ed25519 signing key (32 bytes, hex): SHA-256 of
# "grants development audit key". Tree heads signed with it prove nothing.
DEVELOPMENT_AUDIT_KEY = "9a862c1e263522ad19e98491db3ac3cf7db848eb1695e2d689fefdc4ff474156"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class ServeWorker(StrEnum):
    AUTO = "auto"
    ON = "on"
    OFF = "off"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GRANTS_", extra="ignore", frozen=True, validate_default=True
    )

    environment: Environment = Environment.DEVELOPMENT
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL; unset means: start the embedded server under data_dir.",
    )
    data_dir: Path = Field(default=Path("var"), description="Embedded PostgreSQL data, uploads.")
    database_pool_size: Annotated[int, Field(ge=1, le=200)] = 10
    # The bare asyncpg pool of the reads every request pays (principal, /api/me); on top of
    # database_pool_size, per process.
    hot_read_pool_size: Annotated[int, Field(ge=1, le=50)] = 4
    # How long a change made outside this process (another worker, the CLI) to a login
    # session, a role or an account may go unnoticed here; 0: check on every request.
    principal_cache_seconds: Annotated[float, Field(ge=0, le=30)] = 2.0
    secret_key: SecretStr = Field(default=SecretStr(DEVELOPMENT_SECRET), min_length=32)
    audit_signing_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_AUDIT_KEY),
        description="Ed25519 private key (32 bytes as 64 hex digits) signing the audit "
        "log's tree heads.",
    )
    jwt_issuer: str = Field(default="urn:grants:local", min_length=1)
    jwt_audience: str = Field(default="grants-api", min_length=1)
    access_token_minutes: Annotated[int, Field(ge=1, le=120)] = 15
    refresh_token_days: Annotated[int, Field(ge=1, le=90)] = 14
    # The portal's sign-in: a login session that ends this many hours after sign-in (or at
    # sign-out, a password change, a deactivation), whatever the browser keeps.
    browser_session_hours: Annotated[int, Field(ge=1, le=24)] = 8
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks: dict[str, Any] | None = Field(
        default=None, description="JWKS document (JSON) of the OIDC provider."
    )
    oidc_jwks_file: Path | None = None
    guidelines_dir: Path | None = Field(
        default=None,
        description="Directory of guideline YAML files; unset: the ones shipped with grants.",
    )
    max_request_body_bytes: Annotated[int, Field(ge=1024)] = 1_048_576
    login_failures_per_account: Annotated[int, Field(ge=1)] = 5
    login_failures_per_address: Annotated[int, Field(ge=1)] = 20
    login_failure_window_seconds: Annotated[int, Field(ge=1)] = 60
    # Anonymous account requests (registration, password reset) and token refresh; see
    # accounts/throttle.py and docs/configuration.md.
    registrations_per_address: Annotated[int, Field(ge=1)] = 20
    password_resets_per_address: Annotated[int, Field(ge=1)] = 10
    account_mails_per_recipient: Annotated[int, Field(ge=1)] = 5
    account_request_window_seconds: Annotated[int, Field(ge=1)] = 3600
    refreshes_per_session: Annotated[int, Field(ge=1)] = 10
    refresh_failures_per_address: Annotated[int, Field(ge=1)] = 20
    refresh_window_seconds: Annotated[int, Field(ge=1)] = 60
    registration_confirmation_hours: Annotated[int, Field(ge=1, le=168)] = 24
    password_reset_minutes: Annotated[int, Field(ge=5, le=1440)] = 30
    invitation_days: Annotated[int, Field(ge=1, le=30)] = 7
    precheck_requests_per_minute: Annotated[
        int, Field(ge=0, description="per client address; 0 switches the limit off")
    ] = 60
    attachment_max_bytes: Annotated[
        int, Field(ge=1024, description="largest accepted upload in bytes (default 20 MiB)")
    ] = 20 * 1024 * 1024
    storage_url: str | None = Field(
        default=None,
        description=(
            "Where attachment bytes go: unset means the directory data_dir/attachments; "
            "s3://bucket/prefix for any S3-compatible store (credentials from AWS_* variables)."
        ),
    )
    storage_endpoint: str | None = Field(
        default=None,
        description="S3 endpoint URL for non-AWS stores (SeaweedFS), e.g. http://seaweedfs:8333",
    )
    clamd_address: str | None = Field(
        default=None,
        description=(
            "ClamAV daemon: tcp://host:3310 or unix:///path/to/clamd.ctl. Unset: uploads are not "
            "scanned (development only; refused in production)."
        ),
    )
    smtp_url: str | None = Field(
        default=None,
        description=(
            "smtp://[user:password@]host:port (smtps:// for implicit TLS). Unset: messages are "
            "written as .eml files to data_dir/mail."
        ),
    )
    mail_from: str = "Förderportal LIfD <noreply@foerderportal.invalid>"
    worker_poll_seconds: Annotated[
        float,
        Field(
            gt=0,
            le=3600,
            description=(
                "how often a worker looks for due jobs when no notification woke it "
                "(PostgreSQL LISTEN/NOTIFY wakes it at once for new jobs)"
            ),
        ),
    ] = 5.0
    worker_concurrency: Annotated[
        int, Field(ge=1, le=100, description="jobs one worker process runs at the same time")
    ] = 4
    worker_heartbeat_seconds: Annotated[
        float, Field(gt=0, le=600, description="how often a worker records that it is alive")
    ] = 10.0
    worker_stalled_seconds: Annotated[
        float,
        Field(
            gt=0,
            le=3600,
            description=(
                "a worker silent for this long counts as dead: its running jobs are retried "
                "(at least twice the heartbeat interval)"
            ),
        ),
    ] = 30.0
    serve_worker: ServeWorker = Field(
        default=ServeWorker.AUTO,
        description=(
            "whether `grants serve` runs a job worker in its own process: auto = only on the "
            "embedded database (a single `grants serve` then delivers mail by itself)"
        ),
    )
    jobs_keep_days: Annotated[
        int, Field(ge=1, le=3650, description="finished jobs are kept this long for status")
    ] = 7
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.JSON
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    workers: Annotated[int, Field(ge=1, le=64)] = 1
    trusted_proxies: str = Field(
        default="",
        description=(
            "Comma-separated addresses or networks (10.0.0.5, 172.16.0.0/12) of the reverse "
            "proxies whose X-Forwarded-For and X-Forwarded-Proto are believed; * for any "
            "client. Empty (the default): proxy headers are ignored, the client address is the "
            "connection's."
        ),
    )
    public_base_url: AnyHttpUrl | None = Field(
        default=None,
        description=(
            "Public address of the portal, the base of links in e-mails (never taken from a "
            "request's Host header); unset: http://host:port of these settings."
        ),
    )

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        as_asyncpg_url(value)  # raises ValueError naming the problem
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        # uvicorn takes a mistyped entry for a host name that never matches and says nothing:
        # refuse it here, naming the variable.
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        if entries == ["*"]:
            return "*"
        normalised = []
        for entry in entries:
            try:
                # uvicorn parses networks strictly (10.0.0.5/8 would become a dead literal).
                if "/" in entry:
                    normalised.append(str(ipaddress.ip_network(entry, strict=False)))
                else:
                    normalised.append(str(ipaddress.ip_address(entry)))
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network (e.g. 10.0.0.5, 172.16.0.0/12; "
                    "or * alone for any)"
                ) from None
        return ",".join(normalised)

    @field_validator("audit_signing_key")
    @classmethod
    def _ed25519_seed(cls, value: SecretStr) -> SecretStr:
        text = value.get_secret_value().strip().lower()
        if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
            raise ValueError("must be 32 bytes as 64 hex digits (an Ed25519 private key)")
        return SecretStr(text)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if (
            self.environment is Environment.PRODUCTION
            and self.secret_key.get_secret_value() == DEVELOPMENT_SECRET
        ):
            raise ValueError("GRANTS_SECRET_KEY must be set to a private value in production")
        if (
            self.environment is Environment.PRODUCTION
            and self.audit_signing_key.get_secret_value() == DEVELOPMENT_AUDIT_KEY
        ):
            raise ValueError(
                "GRANTS_AUDIT_SIGNING_KEY must be set to a private value in production"
            )
        if self.environment is Environment.PRODUCTION and not self.clamd_address:
            raise ValueError("GRANTS_CLAMD_ADDRESS must be set in production (malware scanning)")
        if self.oidc_issuer and not (self.oidc_jwks or self.oidc_jwks_file):
            raise ValueError("GRANTS_OIDC_ISSUER needs GRANTS_OIDC_JWKS or GRANTS_OIDC_JWKS_FILE")
        if self.oidc_issuer == self.jwt_issuer:
            raise ValueError("GRANTS_OIDC_ISSUER must differ from GRANTS_JWT_ISSUER")
        if self.worker_stalled_seconds < 2 * self.worker_heartbeat_seconds:
            # A live worker that misses one beat (a slow database) must not be taken for dead:
            # its jobs would run a second time beside it.
            raise ValueError(
                "GRANTS_WORKER_STALLED_SECONDS must be at least twice "
                "GRANTS_WORKER_HEARTBEAT_SECONDS"
            )
        return self

    def load_oidc_jwks(self) -> dict[str, Any] | None:
        """The configured JWKS document; read from a local file, never fetched from a URL."""
        if self.oidc_jwks is not None:
            return self.oidc_jwks
        if self.oidc_jwks_file is not None:
            document: dict[str, Any] = json.loads(self.oidc_jwks_file.read_text("utf-8"))
            return document
        return None

    def uvicorn_proxy_options(self) -> dict[str, Any]:
        """What ``grants serve`` tells uvicorn about proxies: nothing is trusted unless named,
        so a forged ``X-Forwarded-For`` cannot choose the address that login throttling and the
        pre-check's rate limit count. (uvicorn's own default trusts 127.0.0.1, which a local
        proxy passing the client's header through turns into a hole.)"""
        return {
            "proxy_headers": bool(self.trusted_proxies),
            "forwarded_allow_ips": self.trusted_proxies,
        }

    def sqlalchemy_url(self) -> str:
        if self.database_url is None:
            raise RuntimeError("database_url is not resolved; start the embedded server first")
        return as_asyncpg_url(self.database_url)


def as_asyncpg_url(url: str) -> str:
    """SQLAlchemy needs the driver in the scheme; users write plain postgresql:// URLs."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("must be a postgresql:// or postgresql+asyncpg:// URL")


class SettingsError(Exception):
    """Settings could not be loaded; the message names each variable and the reason."""


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "settings"
            name = f"GRANTS_{field.upper()}" if error["loc"] else "settings"
            lines.append(f"{name}: {error['msg']}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None
