"""GRANTS_TRUSTED_PROXIES: nothing trusted by default, mistyped entries refused by name, and
what `grants serve` hands to uvicorn (the process-level behaviour is tested in
tests/api/test_trusted_proxies.py)."""

import pytest

from grants.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("GRANTS_") or name == "FORWARDED_ALLOW_IPS":
            monkeypatch.delenv(name)


def test_by_default_no_proxy_is_trusted() -> None:
    assert load_settings().uvicorn_proxy_options() == {
        "proxy_headers": False,
        "forwarded_allow_ips": "",
    }


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        ("127.0.0.1", "127.0.0.1"),
        (" 10.0.0.5 , ::1 ", "10.0.0.5,::1"),
        ("10.1.2.3/8", "10.0.0.0/8"),  # uvicorn parses networks strictly: normalised here
        ("172.16.0.0/12,192.168.0.0/16", "172.16.0.0/12,192.168.0.0/16"),
        ("*", "*"),
    ],
)
def test_named_proxies_are_passed_on(
    monkeypatch: pytest.MonkeyPatch, value: str, allowed: str
) -> None:
    monkeypatch.setenv("GRANTS_TRUSTED_PROXIES", value)
    assert load_settings().uvicorn_proxy_options() == {
        "proxy_headers": True,
        "forwarded_allow_ips": allowed,
    }


@pytest.mark.parametrize("value", ["proxy.local", "10.0.0.300", "10.0.0.0/33", "*,10.0.0.1"])
def test_anything_else_stops_the_start_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("GRANTS_TRUSTED_PROXIES", value)
    with pytest.raises(SettingsError, match="GRANTS_TRUSTED_PROXIES"):
        load_settings()
