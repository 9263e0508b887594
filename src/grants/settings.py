"""Typed settings from ``GRANTS_*`` environment variables (pydantic-settings).

Nothing here is read at import time; ``load_settings()`` is called by the CLI and by
``create_app_from_env`` and the result is passed down explicitly.
"""

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


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


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
    secret_key: SecretStr = Field(default=SecretStr(DEVELOPMENT_SECRET), min_length=32)
    jwt_issuer: str = Field(default="urn:grants:local", min_length=1)
    jwt_audience: str = Field(default="grants-api", min_length=1)
    access_token_minutes: Annotated[int, Field(ge=1, le=120)] = 15
    refresh_token_days: Annotated[int, Field(ge=1, le=90)] = 14
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
        description="S3 endpoint URL for non-AWS stores (MinIO), e.g. http://minio:9000",
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
        float, Field(gt=0, le=3600, description="how often `grants worker` looks for due mail")
    ] = 5.0
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.JSON
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    workers: Annotated[int, Field(ge=1, le=64)] = 1
    public_base_url: AnyHttpUrl | None = None

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        as_asyncpg_url(value)  # raises ValueError naming the problem
        return value

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
        if self.environment is Environment.PRODUCTION and not self.clamd_address:
            raise ValueError("GRANTS_CLAMD_ADDRESS must be set in production (malware scanning)")
        if self.oidc_issuer and not (self.oidc_jwks or self.oidc_jwks_file):
            raise ValueError("GRANTS_OIDC_ISSUER needs GRANTS_OIDC_JWKS or GRANTS_OIDC_JWKS_FILE")
        if self.oidc_issuer == self.jwt_issuer:
            raise ValueError("GRANTS_OIDC_ISSUER must differ from GRANTS_JWT_ISSUER")
        return self

    def load_oidc_jwks(self) -> dict[str, Any] | None:
        """The configured JWKS document; read from a local file, never fetched from a URL."""
        if self.oidc_jwks is not None:
            return self.oidc_jwks
        if self.oidc_jwks_file is not None:
            document: dict[str, Any] = json.loads(self.oidc_jwks_file.read_text("utf-8"))
            return document
        return None

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
