"""The account settings the use cases need, read once from ``Settings``: token lifetimes,
the throttles of anonymous requests and token refresh, and the public address that e-mail
links start with.

Links are built from the configured ``GRANTS_PUBLIC_BASE_URL`` only, never from a request's
``Host`` or ``X-Forwarded-Host`` header: whoever sends a request could otherwise make the
password-reset e-mail of someone else's account point at their own server (host-header
injection) and collect the token. The token travels in the URL fragment (``#token=…``),
which browsers send to no server, so it lands neither in the portal's access logs nor in a
``Referer``; the e-mail also shows the token itself for API clients.
"""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from grants.settings import Settings

# Pages of the portal the e-mail links open; the page posts the token to the API.
CONFIRM_REGISTRATION_PAGE = "/registrieren/bestaetigen"
PASSWORD_RESET_PAGE = "/passwort-vergessen"  # noqa: S105 (a path, not a secret)
CONFIRM_PASSWORD_RESET_PAGE = "/passwort-neu"  # noqa: S105 (a path)
ACCEPT_INVITATION_PAGE = "/einladung"


@dataclass(frozen=True, slots=True)
class AccountPolicy:
    public_base_url: str
    registration_lifetime: timedelta
    password_reset_lifetime: timedelta
    invitation_lifetime: timedelta
    registrations_per_address: int
    password_resets_per_address: int
    mails_per_recipient: int
    request_window: timedelta
    refreshes_per_session: int
    refresh_failures_per_address: int
    refresh_window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> "AccountPolicy":
        base = (
            str(settings.public_base_url)
            if settings.public_base_url is not None
            else f"http://{settings.host}:{settings.port}"
        )
        return cls(
            public_base_url=base.rstrip("/"),
            registration_lifetime=timedelta(hours=settings.registration_confirmation_hours),
            password_reset_lifetime=timedelta(minutes=settings.password_reset_minutes),
            invitation_lifetime=timedelta(days=settings.invitation_days),
            registrations_per_address=settings.registrations_per_address,
            password_resets_per_address=settings.password_resets_per_address,
            mails_per_recipient=settings.account_mails_per_recipient,
            request_window=timedelta(seconds=settings.account_request_window_seconds),
            refreshes_per_session=settings.refreshes_per_session,
            refresh_failures_per_address=settings.refresh_failures_per_address,
            refresh_window=timedelta(seconds=settings.refresh_window_seconds),
        )

    def page(self, path: str) -> str:
        """A page of the portal, e.g. where a password reset is asked for."""
        return self.public_base_url + path

    def link(self, path: str, token: str) -> str:
        """A page of the portal with a token in the fragment."""
        return f"{self.public_base_url}{path}#token={quote(token, safe='')}"
