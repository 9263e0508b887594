"""The portal's account pages: sign-in and sign-out, registration with the organisation and
its confirmation, and the password reset — each a form over the same service call as the
API's route. The e-mail links carry their code after ``#`` (it never reaches a server log);
a small script moves it into the form, and without JavaScript the code is typed in."""

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts import password_reset, registration, signin
from grants.accounts.policy import AccountPolicy
from grants.accounts.signin import TokenPolicy
from grants.accounts.throttle import ThrottleLimits
from grants.context import Context
from grants.core.errors import AuthenticationFailed, DomainError, TooManyAttempts
from grants.core.roles import ApplicantType
from grants.http.dependencies import client_address
from grants.municipalities.service import municipality_choices
from grants.web import account_forms
from grants.web.cookies import clear_session_cookie, safe_next, set_session_cookie, signed_in
from grants.web.forms import FormErrors
from grants.web.pages import CSRF_COOKIE, form_values, page, see_other, user_context
from grants.web.templating import N_

APPLICANT_TYPES = {
    ApplicantType.MUNICIPALITY: N_("Kommune (Gemeinde, Stadt, Landkreis, Zweckverband)"),
    ApplicantType.PUBLIC_BODY: N_("Andere juristische Person des öffentlichen Rechts"),
    ApplicantType.NONPROFIT: N_("Gemeinnützige Organisation (e. V., gGmbH, Stiftung)"),
    ApplicantType.COMPANY: N_("Unternehmen (GmbH, UG, AG)"),
    ApplicantType.PARTNERSHIP: N_("Personengesellschaft (GbR, OHG, KG)"),
    ApplicantType.FREELANCER: N_("Freiberuflich tätige Person"),
}


def _kept(values: dict[str, str]) -> dict[str, str]:
    """The input to show again: never a password."""
    return {k: v for k, v in values.items() if "password" not in k and not k.startswith("_")}


class AccountPages(Controller):
    include_in_schema = False

    # --- sign-in and sign-out -------------------------------------------------------------

    @get("/anmelden", exclude_from_auth=True, name="web:sign-in")
    async def sign_in_form(self, request: Request[Any, Any, Any]) -> Response[Any]:
        target = safe_next(request.query_params.get("next"))
        if await signed_in(request) is not None:
            return see_other(target)
        return await page(
            request,
            "sign_in.html",
            values={"next": target},
            errors={},
            signed_out="abgemeldet" in request.query_params,
        )

    @post("/anmelden", exclude_from_auth=True, name="web:sign-in-post")
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        anonymous_context: NamedDependency[Context],
        token_policy: NamedDependency[TokenPolicy],
        throttle_limits: NamedDependency[ThrottleLimits],
    ) -> Response[Any]:
        values = form_values(await request.form())
        target = safe_next(values.get("next"))
        try:
            token = await signin.browser_sign_in(
                anonymous_context,
                email=values.get("email", ""),
                password=values.get("password", ""),
                client_address=client_address(request),
                policy=token_policy,
                limits=throttle_limits,
            )
        except (AuthenticationFailed, TooManyAttempts) as error:
            response = await page(
                request,
                "sign_in.html",
                status_code=429 if isinstance(error, TooManyAttempts) else 401,
                values={"email": values.get("email", ""), "next": target},
                errors={"email": error.detail},
                signed_out=False,
            )
            if isinstance(error, TooManyAttempts):
                response.headers["Retry-After"] = str(error.retry_after)
            return response
        response = see_other(target)
        set_session_cookie(response, request, token)
        # A new form token with the new session: one read before sign-in is spent.
        response.delete_cookie(CSRF_COOKIE, path="/")
        return response

    @post("/abmelden", exclude_from_auth=True, name="web:sign-out")
    async def sign_out(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        user = await signed_in(request)
        if user is not None:
            await signin.logout(user_context(request, db_session, user, now))
        response = see_other("/anmelden?abgemeldet")
        clear_session_cookie(response, request)
        response.delete_cookie(CSRF_COOKIE, path="/")
        return response

    # --- registration ---------------------------------------------------------------------

    async def _registration_page(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        values: dict[str, str],
        errors: FormErrors,
    ) -> Response[str]:
        return await page(
            request,
            "register.html",
            status_code=422 if errors else 200,
            values=_kept(values),
            errors=errors.by_field,
            label_of=account_forms.label_of,
            applicant_types=[(t.value, label) for t, label in APPLICANT_TYPES.items()],
            municipalities=[
                (m.key, f"{m.name} ({m.district})") for m in await municipality_choices(session)
            ],
        )

    @get("/registrieren", exclude_from_auth=True, name="web:register")
    async def register_form(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[str]:
        return await self._registration_page(request, db_session, {}, FormErrors())

    @post("/registrieren", exclude_from_auth=True, name="web:register-post")
    async def register(
        self,
        request: Request[Any, Any, Any],
        anonymous_context: NamedDependency[Context],
        account_policy: NamedDependency[AccountPolicy],
    ) -> Response[str]:
        values = form_values(await request.form())
        data, errors = account_forms.registration(values)
        if data is not None:
            try:
                accepted = await registration.request_registration(
                    anonymous_context,
                    data,
                    client_address=client_address(request),
                    policy=account_policy,
                )
            except TooManyAttempts:
                raise  # the error page, with Retry-After
            except DomainError as error:
                errors = account_forms.service_errors(error)
            else:
                return await page(
                    request,
                    "message.html",
                    title=N_("Bitte bestätigen Sie Ihre E-Mail-Adresse"),
                    message=accepted.message,
                    link=None,
                )
        return await self._registration_page(request, anonymous_context.session, values, errors)

    @get("/registrieren/bestaetigen", exclude_from_auth=True, name="web:register-confirm")
    async def confirm_form(self, request: Request[Any, Any, Any]) -> Response[str]:
        return await page(request, "confirm.html", values={}, errors={})

    @post("/registrieren/bestaetigen", exclude_from_auth=True, name="web:register-confirm-post")
    async def confirm(
        self, request: Request[Any, Any, Any], anonymous_context: NamedDependency[Context]
    ) -> Response[str]:
        values = form_values(await request.form())
        code = values.get("token", "").strip()
        try:
            done = await registration.confirm_registration(anonymous_context, code)
        except DomainError as error:
            return await page(
                request,
                "confirm.html",
                status_code=422,
                values=_kept(values),
                errors=account_forms.service_errors(error).by_field,
            )
        return await page(
            request,
            "message.html",
            title=N_("Registrierung abgeschlossen"),
            message=N_(
                "Ihr Konto und die Organisation „%(name)s“ sind angelegt (Kundennummer "
                "%(number)s). Sie können sich jetzt anmelden."
            ),
            message_args={
                "name": done.organisation.legal_name,
                "number": done.organisation.customer_number,
            },
            link=("/anmelden", N_("Zur Anmeldung")),
        )

    # --- password reset -------------------------------------------------------------------

    @get("/passwort-vergessen", exclude_from_auth=True, name="web:reset-request")
    async def reset_request_form(self, request: Request[Any, Any, Any]) -> Response[str]:
        return await page(
            request, "reset_request.html", values={}, errors={}, label_of=account_forms.label_of
        )

    @post("/passwort-vergessen", exclude_from_auth=True, name="web:reset-request-post")
    async def reset_request(
        self,
        request: Request[Any, Any, Any],
        anonymous_context: NamedDependency[Context],
        account_policy: NamedDependency[AccountPolicy],
    ) -> Response[str]:
        values = form_values(await request.form())
        data, errors = account_forms.reset_request(values)
        if data is None:
            return await page(
                request,
                "reset_request.html",
                status_code=422,
                values=_kept(values),
                errors=errors.by_field,
                label_of=account_forms.label_of,
            )
        accepted = await password_reset.request_password_reset(
            anonymous_context,
            str(data.email),
            client_address=client_address(request),
            policy=account_policy,
        )
        return await page(
            request,
            "message.html",
            title=N_("E-Mail unterwegs"),
            message=accepted.message,
            link=None,
        )

    @get("/passwort-neu", exclude_from_auth=True, name="web:reset")
    async def reset_form(self, request: Request[Any, Any, Any]) -> Response[str]:
        return await page(
            request, "reset.html", values={}, errors={}, label_of=account_forms.label_of
        )

    @post("/passwort-neu", exclude_from_auth=True, name="web:reset-post")
    async def reset(
        self,
        request: Request[Any, Any, Any],
        anonymous_context: NamedDependency[Context],
        account_policy: NamedDependency[AccountPolicy],
    ) -> Response[Any]:
        values = form_values(await request.form())
        data, errors = account_forms.new_password(values)
        if data is not None:
            try:
                await password_reset.confirm_password_reset(
                    anonymous_context, data.token, data.password, policy=account_policy
                )
            except DomainError as error:
                errors = account_forms.service_errors(error)
            else:
                response = await page(
                    request,
                    "message.html",
                    title=N_("Passwort geändert"),
                    message=N_(
                        "Ihr neues Passwort gilt. Alle bisherigen Anmeldungen sind beendet; "
                        "bitte melden Sie sich neu an."
                    ),
                    link=("/anmelden", N_("Zur Anmeldung")),
                )
                clear_session_cookie(response, request)
                return response
        return await page(
            request,
            "reset.html",
            status_code=422,
            values=_kept(values),
            errors=errors.by_field,
            label_of=account_forms.label_of,
        )
