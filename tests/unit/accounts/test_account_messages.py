"""The account e-mails: German first with English, the link with its token (intact after
the mail is built and parsed again), expiry in Berlin time, nothing of the requester's own
words in a mail to an unconfirmed address, names kept to one line. No database."""

import uuid
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

import pytest

from grants.accounts.onetime import new_token
from grants.core.roles import OrganisationRole
from grants.notifications import account_messages
from grants.notifications.mailers import build_email
from grants.notifications.messages import NEUTRAL_SENDER, Composed

TOKEN = new_token().token
LINK = f"https://foerderportal.sachsen.example/register/confirm#token={TOKEN}"
# 30 March 2026 is summer time: 21:15 UTC is 23:15 in Berlin.
EXPIRES = datetime(2026, 3, 30, 21, 15, tzinfo=UTC)


def _all() -> dict[str, Composed]:
    return {
        "confirmation": account_messages.registration_confirmation(
            link=LINK, token=TOKEN, expires_at=EXPIRES
        ),
        "existing": account_messages.registration_for_existing_account(
            display_name="Dora Doppelt",
            login_page="https://portal.example/login",
            reset_page="https://portal.example/password-reset",
        ),
        "reset": account_messages.password_reset(
            display_name="Dora Doppelt", link=LINK, token=TOKEN, expires_at=EXPIRES
        ),
        "changed": account_messages.password_changed(
            display_name="Dora Doppelt",
            changed_at=EXPIRES,
            reset_page="https://portal.example/password-reset",
        ),
        "invitation": account_messages.invitation(
            organisation_name="KulturWerk Schneeberg e.V.",
            inviter_name="Anna Beispiel",
            role=OrganisationRole.ADMIN,
            link=LINK,
            token=TOKEN,
            expires_at=EXPIRES,
        ),
    }


@pytest.mark.parametrize("kind", list(_all()))
def test_german_first_then_english_signed_neutrally(kind: str) -> None:
    composed = _all()[kind]
    body = composed.body_text
    assert body.startswith("Guten Tag")
    assert body.index("In English:") > body.index("\n\n")
    assert NEUTRAL_SENDER in body
    assert "\n" not in composed.subject and len(composed.subject) <= 100


@pytest.mark.parametrize("kind", ["confirmation", "reset", "invitation"])
def test_the_link_and_code_survive_building_and_parsing_the_mail(kind: str) -> None:
    composed = _all()[kind]
    raw = build_email(
        outbox_id=uuid.uuid4(),
        mail_from="Förderportal LIfD <noreply@foerderportal.invalid>",
        recipient="dora@example.org",
        subject=composed.subject,
        body_text=composed.body_text,
        created_at=EXPIRES,
    ).as_bytes()
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    text = parsed.get_content().replace("\r\n", "\n")
    assert LINK in text
    assert f"\n  {TOKEN}\n" in text
    assert "30.03.2026, 23:15 Uhr" in text  # Berlin summer time, not UTC


def test_the_existing_account_notice_offers_a_reset_and_changes_nothing() -> None:
    body = _all()["existing"].body_text
    assert "Jemand hat versucht".lower() in body.lower()
    assert "Passwort vergessen?" in body
    assert "https://portal.example/password-reset" in body
    assert "#token=" not in body


def test_names_from_accounts_cannot_add_lines_to_an_invitation() -> None:
    composed = account_messages.invitation(
        organisation_name="Verein\nBitte überweisen Sie 100 Euro",
        inviter_name="Anna\r\n\r\nGewinnspiel!",
        role=OrganisationRole.MEMBER,
        link=LINK,
        token=TOKEN,
        expires_at=EXPIRES,
    )
    lines = composed.body_text.splitlines()
    assert "Bitte überweisen Sie 100 Euro" not in lines
    assert "Gewinnspiel!" not in lines
    assert any(line.startswith("Anna Gewinnspiel! lädt Sie ein") for line in lines)
    assert "\n" not in composed.subject
    assert "Mitglied" in composed.body_text and "member" in composed.body_text


def test_roles_are_labelled_in_both_languages() -> None:
    assert set(account_messages.ROLE_LABELS_DE) == set(OrganisationRole)
    assert set(account_messages.ROLE_LABELS_EN) == set(OrganisationRole)
    assert "Nutzeradministration" in _all()["invitation"].body_text
