"""The account forms of the portal (registration, password reset) read into the API's own
request models, so the pages know no rule of their own: the same limits, the same password
policy, the same German messages. Errors come back keyed by the form's field ids.
No I/O."""

from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from grants.accounts.schemas import PasswordResetConfirm, PasswordResetRequest, RegistrationCreate
from grants.core.errors import DomainError
from grants.http.validation_de import german
from grants.web.forms import FormErrors
from grants.web.templating import N_, translate

ORGANISATION_FIELDS = (
    "legal_name",
    "legal_form",
    "applicant_type",
    "street",
    "postal_code",
    "city",
    "municipality_key",
)
LABELS = {
    "email": N_("E-Mail-Adresse"),
    "password": N_("Passwort"),
    "password_repeat": N_("Passwort (Wiederholung)"),
    "display_name": N_("Ihr Name"),
    "legal_name": N_("Name der Organisation"),
    "legal_form": N_("Rechtsform"),
    "applicant_type": N_("Art der Organisation"),
    "street": N_("Straße und Hausnummer"),
    "postal_code": N_("Postleitzahl"),
    "city": N_("Ort"),
    "municipality_key": N_("Gemeinde"),
    "token": N_("Bestätigungscode"),
    "form": N_("Angaben"),
}

Model = TypeVar("Model", bound=BaseModel)


def label_of(field_id: str) -> str:
    return translate(LABELS[field_id]) if field_id in LABELS else field_id


def _validated(model: type[Model], body: object) -> tuple[Model | None, FormErrors]:
    errors = FormErrors()
    try:
        return model.model_validate(body), errors
    except ValidationError as error:
        for item in error.errors(include_url=False):
            location = [str(part) for part in item["loc"]] or ["form"]
            # organisation.legal_name → legal_name: the form is flat.
            field_id = location[-1] if location[0] == "organisation" else location[0]
            errors.add(
                field_id if field_id in LABELS else "form",
                german(item["type"], item["msg"], item.get("ctx")),
            )
        return None, errors


def _repeated(form: Mapping[str, str], errors: FormErrors) -> None:
    if form.get("password", "") != form.get("password_repeat", ""):
        errors.add(
            "password_repeat",
            "Die beiden Passwörter stimmen nicht überein (the passwords do not match).",
        )


def registration(form: Mapping[str, str]) -> tuple[RegistrationCreate | None, FormErrors]:
    body = {
        "email": form.get("email", "").strip(),
        "password": form.get("password", ""),
        "display_name": form.get("display_name", ""),
        "organisation": {name: form.get(name, "") for name in ORGANISATION_FIELDS},
    }
    data, errors = _validated(RegistrationCreate, body)
    _repeated(form, errors)
    return (data if not errors else None), errors


def reset_request(form: Mapping[str, str]) -> tuple[PasswordResetRequest | None, FormErrors]:
    return _validated(PasswordResetRequest, {"email": form.get("email", "").strip()})


def new_password(form: Mapping[str, str]) -> tuple[PasswordResetConfirm | None, FormErrors]:
    body = {"token": form.get("token", "").strip(), "password": form.get("password", "")}
    data, errors = _validated(PasswordResetConfirm, body)
    _repeated(form, errors)
    return (data if not errors else None), errors


def service_errors(error: DomainError) -> FormErrors:
    """A service's refusal (a weak password, a spent link) on the fields it names."""
    errors = FormErrors()
    for problem in error.problems:
        head = problem.field.split(".")[-1]
        errors.add(head if head in LABELS else "form", problem.message)
    if not errors:
        errors.add("form", error.detail)
    return errors
