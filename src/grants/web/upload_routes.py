"""The proposal's documents: the "Unterlagen" step lists what is there (with its malware-scan
status) and offers one upload form per kind of document, naming the allowed types and the
size limit; a file goes through the attachments feature's own upload (type judged by the
content, size held to the limit while streaming, malware scan), and a refusal comes back on
the page saying what was wrong and what is allowed. Removing a document is a form too."""

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications import drafts
from grants.applications.attachments import service as attachments
from grants.applications.attachments.filetypes import ALLOWED, EXTENSIONS
from grants.applications.attachments.scanner import Scanner
from grants.applications.attachments.storage import Storage
from grants.applications.attachments.upload_forms import upload_body
from grants.context import UserContext
from grants.core.attachments import AttachmentKind, ScanStatus
from grants.core.errors import DomainError, NotFound
from grants.core.lifecycle import State as Lifecycle
from grants.http.problems import domain_status
from grants.web import draft_forms
from grants.web.next_steps import status_label
from grants.web.pages import (
    csrf_token,
    form_token_matches,
    page,
    require_user,
    see_other,
    signed_in_context,
    user_context,
)
from grants.web.templating import N_, translate

KIND_LABELS = {
    AttachmentKind.CONCEPT: N_("Konzept der Projektskizze (Pflicht)"),
    AttachmentKind.BUDGET: N_("Kosten- und Finanzierungsplan"),
    AttachmentKind.SUPPORT_LETTER: N_("Unterstützungsschreiben"),
    AttachmentKind.OTHER: N_("Weitere Unterlagen"),
}
SCAN_LABELS = {
    ScanStatus.PENDING: N_("wird auf Schadsoftware geprüft"),
    ScanStatus.CLEAN: N_("geprüft, in Ordnung"),
    ScanStatus.INFECTED: N_("Schadsoftware gefunden – nicht angenommen"),
    ScanStatus.FAILED: N_("Prüfung wird wiederholt"),
    ScanStatus.NOT_SCANNED: N_("nicht geprüft (Entwicklungsbetrieb)"),
}


def _accepted(kind: AttachmentKind) -> str:
    return ",".join(EXTENSIONS[t] for t in ALLOWED[kind])


def _allowed_text(kind: AttachmentKind) -> str:
    return " oder ".join(EXTENSIONS[t].lstrip(".").upper() for t in ALLOWED[kind])


class UploadPages(Controller):
    include_in_schema = False
    path = "/antraege/{application_id:uuid}/unterlagen"

    async def _render(
        self,
        request: Request[Any, Any, Any],
        context: UserContext,
        application_id: uuid.UUID,
        *,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
        uploaded: str | None = None,
    ) -> Response[str]:
        application = await drafts.get_application(context, application_id)
        await context.session.commit()
        found = await attachments.list_attachments(context, application_id)
        max_bytes: int = request.app.state.settings.attachment_max_bytes
        return await page(
            request,
            "draft_unterlagen.html",
            status_code=status_code,
            application=application,
            attachments=found,
            kinds=[
                {
                    "kind": kind.value,
                    "label": label,
                    "accept": _accepted(kind),
                    "allowed": _allowed_text(kind),
                }
                for kind, label in KIND_LABELS.items()
            ],
            kind_labels={k.value: v for k, v in KIND_LABELS.items()},
            scan_labels={k.value: v for k, v in SCAN_LABELS.items()},
            max_megabytes=max_bytes // (1024 * 1024),
            errors=errors or {},
            label_of=lambda field_id: translate(
                KIND_LABELS.get(AttachmentKind(field_id.removeprefix("file-")), N_("Datei"))
                if field_id.startswith("file-")
                else N_("Angaben")
            ),
            uploaded=uploaded,
            editable=Lifecycle(application.status) in drafts.EDITABLE_STATES,
            status_label=status_label,
            form_token=csrf_token(request),
            steps=draft_forms.STEPS,
            step=draft_forms.STEP_BY_SLUG["unterlagen"],
        )

    @get(exclude_from_auth=True, name="web:uploads")
    async def show(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await signed_in_context(request, db_session, now)
        return await self._render(
            request, context, application_id, uploaded=request.query_params.get("hochgeladen")
        )

    # The form's token is checked here, from the address (``form_token_matches``): the
    # middleware would have to parse the whole multipart body to find it in the form.
    @post(
        "/{kind:str}",
        exclude_from_auth=True,
        name="web:upload",
        opt={"exclude_from_csrf": True},
        request_max_body_size=None,  # the service holds the file to the limit while reading
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        kind: FromPath[str],
        state: State,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        storage: NamedDependency[Storage],
        scanner: NamedDependency[Scanner],
    ) -> Response[Any]:
        if not form_token_matches(request, request.query_params.get("_csrf_token")):
            raise PermissionDeniedException("CSRF token verification failed")
        user = await require_user(request)
        try:
            chosen = AttachmentKind(kind)
        except ValueError:
            raise NotFound(f"Eine Art von Unterlage „{kind}“ gibt es nicht.") from None
        context = user_context(request, db_session, user, now)
        max_bytes = state.settings.attachment_max_bytes
        try:
            body, declared_length, declared_type = upload_body(request, max_bytes)
            stored = await attachments.upload_attachment(
                context,
                application_id,
                kind=chosen,
                filename=None,
                body=body,
                declared_length=declared_length,
                max_bytes=max_bytes,
                storage=storage,
                scanner=scanner,
                declared_type=declared_type,
            )
        except NotFound:
            raise
        except DomainError as error:
            if db_session.in_transaction():
                await db_session.rollback()
            allowed = _allowed_text(chosen)
            message = f"{error.detail} " + translate(
                N_("Erlaubt: %(allowed)s, höchstens %(size)s MB.")
            ) % {"allowed": allowed, "size": max_bytes // (1024 * 1024)}
            return await self._render(
                request,
                context,
                application_id,
                errors={f"file-{chosen.value}": message},
                status_code=domain_status(error),
            )
        return see_other(
            f"/antraege/{application_id}/unterlagen?hochgeladen={quote(stored.filename)}"
        )

    @post("/{attachment_id:uuid}/entfernen", exclude_from_auth=True, name="web:upload-remove")
    async def remove(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        attachment_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await signed_in_context(request, db_session, now)
        await attachments.delete_attachment(context, application_id, attachment_id)
        return see_other(f"/antraege/{application_id}/unterlagen")
