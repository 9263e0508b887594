"""The organisation's page: its master data (changed by its admins, with the version it was
read at, as the API's ``If-Match``), its members and open invitations (invite with a role,
revoke, remove), and the consent to notification by portal retrieval (§ 41 Abs. 2a VwVfG),
with the text agreed to. And the page an invitation's e-mail link opens. The same services
as the API: a member who is no admin sees the data and cannot change it (403 page), a
non-member gets a 404."""

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts import delivery_consent, invitations, service
from grants.accounts.policy import AccountPolicy
from grants.accounts.schemas import InvitationAccept, InvitationCreate, OrganisationUpdate
from grants.context import Context, UserContext
from grants.core.errors import DomainError, NotFound, PreconditionFailed
from grants.core.roles import OrganisationRole
from grants.http.validation_de import german
from grants.municipalities.service import municipality_choices
from grants.web import account_forms
from grants.web.account_routes import APPLICANT_TYPES
from grants.web.cookies import signed_in
from grants.web.forms import FormErrors
from grants.web.pages import (
    form_values,
    page,
    require_user,
    see_other,
    signed_in_context,
    translated,
    user_context,
)
from grants.web.templating import N_, translate

ROLE_LABELS = {OrganisationRole.ADMIN: N_("Verwaltung"), OrganisationRole.MEMBER: N_("Mitglied")}
_ORG_LABELS = {**account_forms.LABELS, "role": N_("Rolle"), "invite_email": N_("E-Mail-Adresse")}


def _validation_errors(error: ValidationError, prefix: str = "") -> FormErrors:
    errors = FormErrors()
    for item in error.errors(include_url=False):
        field = str(item["loc"][0]) if item["loc"] else "form"
        errors.add(prefix + field, german(item["type"], item["msg"], item.get("ctx")))
    return errors


class OrganisationPages(Controller):
    include_in_schema = False

    @get("/organisation", exclude_from_auth=True, name="web:my-organisation")
    async def mine(self, request: Request[Any, Any, Any]) -> Response[Any]:
        user = await require_user(request)
        if not user.memberships:
            raise NotFound("Ihr Konto gehört zu keiner Organisation.")
        return see_other(f"/organisationen/{sorted(user.memberships)[0]}")

    async def _render(
        self,
        request: Request[Any, Any, Any],
        context: UserContext,
        organisation_id: uuid.UUID,
        *,
        values: dict[str, str] | None = None,
        errors: FormErrors | None = None,
        status_code: int = 200,
        notice: str | None = None,
    ) -> Response[str]:
        organisation = await service.get_organisation(context, organisation_id)
        admin = context.principal.memberships.get(organisation_id) == OrganisationRole.ADMIN
        # Members and invitations are the admins' business (the services say so too).
        members = (
            await invitations.list_members(context, organisation_id, limit=200, offset=0)
            if admin
            else None
        )
        pending = (
            await invitations.list_invitations(context, organisation_id, limit=200, offset=0)
            if admin
            else None
        )
        consent = await delivery_consent.get_consent(context, organisation_id)
        stored = {
            name: str(getattr(organisation, name)) for name in account_forms.ORGANISATION_FIELDS
        }
        stored["applicant_type"] = organisation.applicant_type.value
        return await page(
            request,
            "organisation.html",
            status_code=status_code,
            organisation=organisation,
            admin=admin,
            members=members.items if members else [],
            invitations=pending.items if pending else [],
            consent=consent,
            values={**stored, **(values or {})},
            errors=(errors or FormErrors()).by_field,
            label_of=lambda field_id: translate(_ORG_LABELS.get(field_id) or field_id),
            applicant_types=[(t.value, label) for t, label in APPLICANT_TYPES.items()],
            municipalities=[
                (m.key, f"{m.name} ({m.district})")
                for m in await municipality_choices(context.session)
            ],
            roles=[(r.value, label) for r, label in ROLE_LABELS.items()],
            role_labels={r.value: label for r, label in ROLE_LABELS.items()},
            notice=notice,
        )

    @get("/organisationen/{organisation_id:uuid}", exclude_from_auth=True, name="web:organisation")
    async def show(
        self,
        request: Request[Any, Any, Any],
        organisation_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        user = await require_user(request)
        notice = {
            "gespeichert": N_("Die Angaben sind gespeichert."),
            "eingeladen": N_("Die Einladung ist per E-Mail unterwegs."),
            "widerrufen": N_("Die Einladung ist widerrufen."),
            "entfernt": N_("Das Mitglied ist entfernt."),
            "zustellung": N_("Ihre Entscheidung zur Zustellung über das Portal ist gespeichert."),
        }
        shown = next((text for key, text in notice.items() if key in request.query_params), None)
        return await self._render(
            request, user_context(request, db_session, user, now), organisation_id, notice=shown
        )

    @post("/organisationen/{organisation_id:uuid}", exclude_from_auth=True, name="web:org-save")
    async def save(
        self,
        request: Request[Any, Any, Any],
        organisation_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await signed_in_context(request, db_session, now)
        values = form_values(await request.form())
        version = values.pop("version", "")
        body = {
            name: values[name].strip()
            for name in account_forms.ORGANISATION_FIELDS
            if name in values  # the fields the form sent; the others stay as they are
        }
        try:
            changes = OrganisationUpdate.model_validate(body)
        except ValidationError as error:
            errors = _validation_errors(error)
        else:
            try:
                await service.update_organisation(
                    context, organisation_id, changes, if_match=f'"{version}"'
                )
            except PreconditionFailed:
                errors = FormErrors()
                errors.add(
                    "form",
                    translated(
                        request,
                        N_(
                            "Nicht gespeichert: Die Angaben wurden inzwischen von jemand anderem "
                            "geändert. Ihre Eingaben stehen unten; bitte prüfen und erneut "
                            "speichern."
                        ),
                    ),
                )
                if db_session.in_transaction():
                    await db_session.rollback()
                response = await self._render(
                    request, context, organisation_id, values=values, errors=errors
                )
                response.status_code = 409
                return response
            else:
                return see_other(f"/organisationen/{organisation_id}?gespeichert")
        return await self._render(
            request, context, organisation_id, values=values, errors=errors, status_code=422
        )

    @post(
        "/organisationen/{organisation_id:uuid}/einladungen",
        exclude_from_auth=True,
        name="web:org-invite",
    )
    async def invite(
        self,
        request: Request[Any, Any, Any],
        organisation_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        account_policy: NamedDependency[AccountPolicy],
    ) -> Response[Any]:
        context = await signed_in_context(request, db_session, now)
        values = form_values(await request.form())
        try:
            data = InvitationCreate.model_validate(
                {"email": values.get("invite_email", "").strip(), "role": values.get("role")}
            )
        except ValidationError as error:
            errors = _validation_errors(error, prefix="invite_")
            errors.by_field = {
                ("invite_email" if k == "invite_email" else "role"): v
                for k, v in errors.by_field.items()
            }
        else:
            try:
                await invitations.invite(context, organisation_id, data, policy=account_policy)
            except NotFound:
                raise
            except DomainError as error:
                errors = FormErrors()
                errors.add("invite_email", error.detail)
                if db_session.in_transaction():
                    await db_session.rollback()
            else:
                return see_other(f"/organisationen/{organisation_id}?eingeladen#mitglieder")
        return await self._render(
            request,
            context,
            organisation_id,
            values={"invite_email": values.get("invite_email", ""), "role": values.get("role", "")},
            errors=errors,
            status_code=422,
        )

    @post(
        "/organisationen/{organisation_id:uuid}/einladungen/{invitation_id:uuid}/widerrufen",
        exclude_from_auth=True,
        name="web:org-revoke",
    )
    async def revoke(
        self,
        request: Request[Any, Any, Any],
        organisation_id: FromPath[uuid.UUID],
        invitation_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await signed_in_context(request, db_session, now)
        await invitations.revoke_invitation(context, organisation_id, invitation_id)
        return see_other(f"/organisationen/{organisation_id}?widerrufen#mitglieder")

    @post(
        "/organisationen/{organisation_id:uuid}/mitglieder/{user_id:uuid}/entfernen",
        exclude_from_auth=True,
        name="web:org-remove",
    )
    async def remove(
        self,
        request: Request[Any, Any, Any],
        organisation_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await signed_in_context(request, db_session, now)
        await invitations.remove_member(context, organisation_id, user_id)
        return see_other(f"/organisationen/{organisation_id}?entfernt#mitglieder")

    @post(
        "/organisationen/{organisation_id:uuid}/zustellung",
        exclude_from_auth=True,
        name="web:org-consent",
    )
    async def consent(
        self,
        request: Request[Any, Any, Any],
        organisation_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await signed_in_context(request, db_session, now)
        form = await request.form()
        await delivery_consent.set_consent(
            context, organisation_id, consented=form.get("consented") == "ja"
        )
        return see_other(f"/organisationen/{organisation_id}?zustellung#zustellung")


class InvitationPage(Controller):
    """The invitation's e-mail link: the code after ``#`` (moved into the form by the
    portal's script). Signed in as the invited address: accept; else: name and password of
    the new account."""

    include_in_schema = False

    @get("/einladung", exclude_from_auth=True, name="web:invitation")
    async def form(self, request: Request[Any, Any, Any]) -> Response[str]:
        return await page(
            request,
            "invitation_accept.html",
            values={},
            errors={},
            label_of=account_forms.label_of,
            signed_in_user=await signed_in(request),
        )

    @post("/einladung", exclude_from_auth=True, name="web:invitation-post")
    async def accept(
        self, request: Request[Any, Any, Any], anonymous_context: NamedDependency[Context]
    ) -> Response[Any]:
        values = form_values(await request.form())
        user = await signed_in(request)
        body: dict[str, Any] = {"token": values.get("token", "").strip()}
        errors = FormErrors()
        if user is None:
            body["account"] = {
                "display_name": values.get("display_name", ""),
                "password": values.get("password", ""),
            }
            if values.get("password", "") != values.get("password_repeat", ""):
                errors.add(
                    "password_repeat",
                    "Die beiden Passwörter stimmen nicht überein (the passwords do not match).",
                )
        try:
            data = InvitationAccept.model_validate(body)
        except ValidationError as error:
            for item in error.errors(include_url=False):
                field = str(item["loc"][-1]) if item["loc"] else "form"
                errors.add(
                    field if field in account_forms.LABELS else "form",
                    german(item["type"], item["msg"], item.get("ctx")),
                )
            data = None
        if data is not None and not errors:
            try:
                accepted = await invitations.accept_invitation(
                    anonymous_context, data, principal=user
                )
            except DomainError as error:
                errors = account_forms.service_errors(error)
            else:
                return await page(
                    request,
                    "message.html",
                    title=N_("Einladung angenommen"),
                    message=N_("Sie gehören jetzt zur Organisation „%(name)s“."),
                    message_args={"name": accepted.membership.organisation.legal_name},
                    link=("/antraege", N_("Zu den Anträgen"))
                    if user is not None
                    else ("/anmelden", N_("Zur Anmeldung")),
                )
        return await page(
            request,
            "invitation_accept.html",
            status_code=422,
            values={k: v for k, v in values.items() if "password" not in k},
            errors=errors.by_field,
            label_of=account_forms.label_of,
            signed_in_user=user,
        )
