import json
from pathlib import Path

import pytest

from grants.settings import DEVELOPMENT_SECRET, SettingsError, as_asyncpg_url, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("GRANTS_"):
            monkeypatch.delenv(name)


def test_defaults_need_no_configuration() -> None:
    settings = load_settings()
    assert settings.database_url is None
    assert settings.port == 8000


def test_environment_variables_are_read_and_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTS_PORT", "9000")
    monkeypatch.setenv("GRANTS_DATABASE_URL", "postgresql://u:p@db:5432/grants")
    settings = load_settings()
    assert settings.port == 9000
    assert settings.sqlalchemy_url() == "postgresql+asyncpg://u:p@db:5432/grants"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GRANTS_PORT", "eighty"),
        ("GRANTS_PORT", "70000"),
        ("GRANTS_DATABASE_URL", "sqlite:///grants.db"),
        ("GRANTS_LOG_LEVEL", "LOUD"),
        ("GRANTS_SECRET_KEY", "too-short"),
        ("GRANTS_ENVIRONMENT", "staging"),
        ("GRANTS_OIDC_JWKS", "{not json"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings()


def test_production_refuses_the_published_development_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRANTS_ENVIRONMENT", "production")
    with pytest.raises(SettingsError, match="GRANTS_SECRET_KEY"):
        load_settings()
    monkeypatch.setenv("GRANTS_SECRET_KEY", "a-private-value-" + "x" * 32)
    monkeypatch.setenv("GRANTS_CLAMD_ADDRESS", "tcp://clamav:3310")
    with pytest.raises(SettingsError, match="GRANTS_AUDIT_SIGNING_KEY"):
        load_settings()
    monkeypatch.setenv("GRANTS_AUDIT_SIGNING_KEY", "AB" * 32)
    settings = load_settings()
    assert settings.secret_key.get_secret_value() != DEVELOPMENT_SECRET
    assert settings.audit_signing_key.get_secret_value() == "ab" * 32


@pytest.mark.parametrize("key", ["ab" * 31, "zz" * 32, "ab" * 33])
def test_the_audit_signing_key_must_be_32_bytes_of_hex(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("GRANTS_AUDIT_SIGNING_KEY", key)
    with pytest.raises(SettingsError, match="64 hex digits"):
        load_settings()


def test_production_refuses_to_run_without_malware_scanning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRANTS_ENVIRONMENT", "production")
    monkeypatch.setenv("GRANTS_SECRET_KEY", "a-private-value-" + "x" * 32)
    monkeypatch.setenv("GRANTS_AUDIT_SIGNING_KEY", "cd" * 32)
    with pytest.raises(SettingsError, match="GRANTS_CLAMD_ADDRESS"):
        load_settings()


def test_oidc_issuer_needs_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRANTS_OIDC_ISSUER", "https://id.example")
    with pytest.raises(SettingsError, match="JWKS"):
        load_settings()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": []}))
    monkeypatch.setenv("GRANTS_OIDC_JWKS_FILE", str(jwks))
    assert load_settings().load_oidc_jwks() == {"keys": []}


def test_urls_get_the_asyncpg_driver() -> None:
    assert as_asyncpg_url("postgres://h/d") == "postgresql+asyncpg://h/d"
    with pytest.raises(ValueError, match="postgresql"):
        as_asyncpg_url("mysql://h/d")
