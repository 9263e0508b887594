"""The wording of the account e-mails: pure functions that build (subject, body) from plain
values, in the manner of ``messages.py`` (German first, a short English part, times in
Europe/Berlin, the neutral sender line as signature: these e-mails belong to no programme).

Each link carries its single-use token in the fragment; the token is printed beneath it for
clients that use the API directly. The e-mails to an address nobody has confirmed yet (the
registration confirmation) repeat nothing the requester typed: whoever registers someone
else's address must not be able to put words of their own into that person's mailbox. Names
that come from confirmed accounts (an organisation, an inviting admin) are kept to one line.
"""

from datetime import datetime

from grants.core.roles import OrganisationRole
from grants.notifications.messages import Composed, format_datetime_de, one_line, signature

ROLE_LABELS_DE: dict[OrganisationRole, str] = {
    OrganisationRole.ADMIN: "Nutzeradministration (verwaltet die Organisation und ihre Mitglieder)",
    OrganisationRole.MEMBER: "Mitglied",
}
ROLE_LABELS_EN: dict[OrganisationRole, str] = {
    OrganisationRole.ADMIN: "administrator (manages the organisation and its members)",
    OrganisationRole.MEMBER: "member",
}

_NAME_CHARS = 120


def _greeting(display_name: str | None) -> str:
    name = one_line(display_name, _NAME_CHARS) if display_name else ""
    return f"Guten Tag {name}," if name else "Guten Tag,"


def _link_block(link: str, token: str) -> str:
    return (
        f"  {link}\n"
        "\n"
        "Falls Sie die Programmierschnittstelle (API) nutzen, lautet der Code:\n"
        f"  {token}\n"
    )


def registration_confirmation(*, link: str, token: str, expires_at: datetime) -> Composed:
    """The link that turns a registration into an account (nothing is created before)."""
    until = format_datetime_de(expires_at)
    body = (
        f"{_greeting(None)}\n"
        "\n"
        "mit dieser E-Mail-Adresse wurde im Förderportal ein Konto mit einer Organisation\n"
        "registriert. Bitte bestätigen Sie die Registrierung über diesen Link:\n"
        "\n"
        f"{_link_block(link, token)}"
        "\n"
        f"Der Link gilt einmal und bis zum {until}. Erst mit der Bestätigung werden Konto\n"
        "und Organisation angelegt.\n"
        "\n"
        "Haben Sie sich nicht registriert, ignorieren Sie diese E-Mail bitte: ohne\n"
        "Bestätigung entsteht kein Konto.\n"
        "\n"
        "In English: this e-mail address was used to register an account with an organisation "
        f"on the funding portal. Confirm it with the link above (valid once, until "
        f"{until.removesuffix(' Uhr')} Berlin time); nothing is created before. If it was not "
        "you, ignore this e-mail: without confirmation no account exists.\n"
        "\n"
        f"{signature(None)}\n"
    )
    return Composed("Bitte bestätigen Sie Ihre Registrierung", body)


def registration_for_existing_account(
    *, display_name: str, login_page: str, reset_page: str
) -> Composed:
    """To the owner of an address that already has an account, instead of a second one; the
    person registering gets the same answer as for a new address and learns nothing."""
    body = (
        f"{_greeting(display_name)}\n"
        "\n"
        "jemand hat versucht, mit Ihrer E-Mail-Adresse ein neues Konto im Förderportal\n"
        "anzulegen. Für diese Adresse besteht bereits ein Konto; ein zweites wurde nicht\n"
        "angelegt, und an Ihrem Konto hat sich nichts geändert.\n"
        "\n"
        "Waren Sie das? Dann melden Sie sich bitte mit Ihrem bestehenden Konto an:\n"
        f"  {login_page}\n"
        "\n"
        "Passwort vergessen? Hier können Sie ein neues festlegen:\n"
        f"  {reset_page}\n"
        "\n"
        "Waren Sie es nicht, brauchen Sie nichts zu tun.\n"
        "\n"
        "In English: someone tried to register a new account with your e-mail address. You "
        "already have one; nothing was created or changed. If it was you, sign in with your "
        "account; forgot your password? Set a new one at the second link. If it was not you, "
        "there is nothing to do.\n"
        "\n"
        f"{signature(None)}\n"
    )
    return Composed("Registrierung mit Ihrer E-Mail-Adresse", body)


def password_reset(*, display_name: str, link: str, token: str, expires_at: datetime) -> Composed:
    until = format_datetime_de(expires_at)
    body = (
        f"{_greeting(display_name)}\n"
        "\n"
        "für Ihr Konto im Förderportal wurde ein neues Passwort angefordert. Über diesen Link\n"
        "legen Sie es fest:\n"
        "\n"
        f"{_link_block(link, token)}"
        "\n"
        f"Der Link gilt einmal und bis zum {until}. Mit dem neuen Passwort werden alle\n"
        "bestehenden Anmeldungen beendet.\n"
        "\n"
        "Haben Sie kein neues Passwort angefordert, ignorieren Sie diese E-Mail bitte; Ihr\n"
        "Passwort bleibt unverändert.\n"
        "\n"
        "In English: a new password was requested for your account. Set it with the link "
        f"above (valid once, until {until.removesuffix(' Uhr')} Berlin time); every existing "
        "sign-in then ends. If you did not ask for it, ignore this e-mail: your password "
        "stays as it is.\n"
        "\n"
        f"{signature(None)}\n"
    )
    return Composed("Passwort zurücksetzen", body)


def password_changed(*, display_name: str, changed_at: datetime, reset_page: str) -> Composed:
    """The notice after a reset, so that an owner whose mailbox was used notices."""
    when = format_datetime_de(changed_at)
    body = (
        f"{_greeting(display_name)}\n"
        "\n"
        f"das Passwort Ihres Kontos im Förderportal wurde am {when} über einen\n"
        "Link zum Zurücksetzen neu festgelegt. Alle bisherigen Anmeldungen wurden beendet.\n"
        "\n"
        "Waren Sie das nicht, legen Sie bitte sofort ein neues Passwort fest und prüfen Sie\n"
        "den Zugang zu Ihrem E-Mail-Postfach:\n"
        f"  {reset_page}\n"
        "\n"
        f"In English: the password of your account was reset on {when.removesuffix(' Uhr')} "
        "(Berlin time) and every sign-in was ended. If this was not you, set a new password "
        "at once and check who can read your e-mail.\n"
        "\n"
        f"{signature(None)}\n"
    )
    return Composed("Ihr Passwort wurde geändert", body)


def invitation(
    *,
    organisation_name: str,
    inviter_name: str,
    role: OrganisationRole,
    link: str,
    token: str,
    expires_at: datetime,
) -> Composed:
    until = format_datetime_de(expires_at)
    organisation = one_line(organisation_name)
    inviter = one_line(inviter_name, _NAME_CHARS)
    body = (
        f"{_greeting(None)}\n"
        "\n"
        f"{inviter} lädt Sie ein, im Förderportal der Organisation\n"
        f"„{organisation}“ beizutreten, mit der Rolle: {ROLE_LABELS_DE[role]}.\n"
        "\n"
        "Sie nehmen die Einladung über diesen Link an, mit Ihrem bestehenden Konto zu dieser\n"
        "E-Mail-Adresse oder mit einem neuen:\n"
        "\n"
        f"{_link_block(link, token)}"
        "\n"
        f"Der Link gilt einmal und bis zum {until}.\n"
        "\n"
        "Kennen Sie die Organisation nicht, ignorieren Sie diese E-Mail bitte.\n"
        "\n"
        f"In English: {inviter} invites you to join the organisation “{organisation}” on the "
        f"funding portal as {ROLE_LABELS_EN[role]}. Accept with the link above, with your "
        "existing account for this e-mail address or a new one (valid once, until "
        f"{until.removesuffix(' Uhr')} Berlin time). If you do not know the organisation, "
        "ignore this e-mail.\n"
        "\n"
        f"{signature(None)}\n"
    )
    return Composed(f"Einladung: {organisation}", body)
