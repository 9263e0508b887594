"""HTTP routes of letters: the programme's letterhead, previews, ordering letters (one or a
call's), and reading and downloading them."""

import uuid
from typing import Annotated

from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter, RawBody
from litestar.status_codes import HTTP_202_ACCEPTED

from grants.context import UserContext
from grants.http.downloads import pdf_response
from grants.http.guards import BEARER, MANAGERS
from grants.http.raw_bodies import ImageBody
from grants.letters import letterheads, on_request, service
from grants.letters.pool import default_pool
from grants.letters.schemas import (
    CorrectionIn,
    LetterBatchPublic,
    LetterheadIn,
    LetterheadPublic,
    LetterPublic,
    LetterRequestPublic,
    LogoPublic,
    UnretrievedLetter,
)

TAGS = ["letters"]


def _pdf(
    content: bytes, name: str, *, attachment: bool, sha256: str | None = None
) -> Response[bytes]:
    if attachment:
        return pdf_response(content, name, sha256=sha256)
    headers = {
        "Content-Disposition": f'inline; filename="{name}"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    if sha256:
        headers["Digest"] = f"sha-256={sha256}"
    return Response(content, media_type=service.MEDIA_TYPE, headers=headers)


class LetterheadController(Controller):
    path = "/api/programmes/{guideline_id:str}/letterhead"
    tags = TAGS
    security = BEARER
    guards = [MANAGERS]

    @get(operation_id="getLetterhead", summary="The authority's data every letter prints")
    async def get_letterhead(
        self, guideline_id: FromPath[str], context: NamedDependency[UserContext]
    ) -> LetterheadPublic:
        return await letterheads.get_letterhead(context, guideline_id)

    @put(
        operation_id="setLetterhead",
        summary="Set or change the letterhead, with a reason (managers; audited)",
    )
    async def set_letterhead(
        self,
        guideline_id: FromPath[str],
        data: JSONBody[LetterheadIn],
        context: NamedDependency[UserContext],
    ) -> LetterheadPublic:
        return await letterheads.set_letterhead(context, guideline_id, data)

    @get(
        "/logo",
        operation_id="getLetterheadLogo",
        summary="The logo the letters print, as PNG (managers)",
        media_type="image/png",
    )
    async def get_logo(
        self, guideline_id: FromPath[str], context: NamedDependency[UserContext]
    ) -> Response[bytes]:
        png = await letterheads.get_logo(context, guideline_id)
        return Response(
            png,
            media_type="image/png",
            headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
        )

    @put(
        "/logo",
        operation_id="setLetterheadLogo",
        summary="Set the logo (managers; audited): the body a PNG or JPEG image of at most "
        "512 KiB and 16 to 3000 pixels a side; it is decoded and stored re-encoded as PNG",
        operation_class=ImageBody,
    )
    async def set_logo(
        self, guideline_id: FromPath[str], body: RawBody, context: NamedDependency[UserContext]
    ) -> LogoPublic:
        return await letterheads.set_logo(context, guideline_id, body)

    @delete(
        "/logo",
        operation_id="removeLetterheadLogo",
        summary="Remove the logo (managers; audited); letters issued before keep theirs",
    )
    async def remove_logo(
        self, guideline_id: FromPath[str], context: NamedDependency[UserContext]
    ) -> None:
        await letterheads.remove_logo(context, guideline_id)


class UnretrievedLettersController(Controller):
    path = "/api/programmes/{guideline_id:str}/letters-to-post"
    tags = TAGS
    security = BEARER
    guards = [MANAGERS]

    @get(
        operation_id="listLettersToPost",
        summary="Decision letters to be posted (managers): the recipient did not consent to "
        "notification by portal retrieval, or did not download the letter within ten days of "
        "its issue (§ 41 Abs. 2a VwVfG); off the list once the post's dispatch is recorded",
    )
    async def list_unretrieved(
        self, guideline_id: FromPath[str], context: NamedDependency[UserContext]
    ) -> list[UnretrievedLetter]:
        return await service.unretrieved(context, guideline_id)


class DecisionLetterController(Controller):
    path = "/api/decisions/{decision_id:uuid}"
    tags = TAGS
    security = BEARER
    guards = [MANAGERS]

    @get(
        "/letter-preview",
        operation_id="previewDecisionLetter",
        summary="The decision's letter as a draft PDF marked ENTWURF, with the assumptions it "
        "rests on (managers; nothing is stored)",
        media_type=service.MEDIA_TYPE,
    )
    async def preview(
        self, decision_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> Response[bytes]:
        pdf = await service.preview(context, decision_id, default_pool())
        return _pdf(pdf, f"ENTWURF-{decision_id}.pdf", attachment=False)

    @post(
        "/letter",
        operation_id="orderDecisionLetter",
        summary="Issue the released decision's letter on the job queue (managers); 422 names "
        "what a complete letter still lacks; 202: watch GET …/letter",
        status_code=HTTP_202_ACCEPTED,
    )
    async def order(
        self, decision_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> LetterRequestPublic:
        return await service.request_letter(context, decision_id)

    @get("/letter", operation_id="getDecisionLetterOrder", summary="How the letter's order stands")
    async def get_order(
        self, decision_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> LetterRequestPublic:
        return await service.get_request(context, decision_id)


class CallLetterBatchController(Controller):
    path = "/api/calls/{guideline_id:str}/{call_code:str}/letter-batches"
    tags = TAGS
    security = BEARER
    guards = [MANAGERS]

    @post(
        operation_id="orderLetterBatch",
        summary="Issue the letters of every released decision of the call that has none, on "
        "the job queue (managers); 202: watch the batch",
        status_code=HTTP_202_ACCEPTED,
    )
    async def create(
        self,
        guideline_id: FromPath[str],
        call_code: FromPath[str],
        context: NamedDependency[UserContext],
    ) -> LetterBatchPublic:
        return await service.request_batch(context, guideline_id, call_code)


class LetterBatchController(Controller):
    path = "/api/letter-batches/{batch_id:uuid}"
    tags = TAGS
    security = BEARER
    guards = [MANAGERS]

    @get(operation_id="getLetterBatch", summary="A letter batch's progress, letter by letter")
    async def get_batch(
        self, batch_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> LetterBatchPublic:
        return await service.get_batch(context, batch_id)


class ApplicationLettersController(Controller):
    path = "/api/applications/{application_id:uuid}/letters"
    tags = TAGS
    security = BEARER

    @get(operation_id="listLetters", summary="The letters issued for the application")
    async def list_letters(
        self, application_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> list[LetterPublic]:
        return await service.list_letters(context, application_id)


class ReceiptPdfController(Controller):
    path = "/api/applications/{application_id:uuid}/submissions/{number:int}/receipt.pdf"
    tags = TAGS
    security = BEARER

    @get(
        operation_id="downloadReceiptPdf",
        summary="The receipt (Eingangsbestätigung) of a submitted version as PDF/A-3b",
        media_type=service.MEDIA_TYPE,
    )
    async def receipt(
        self,
        application_id: FromPath[uuid.UUID],
        number: Annotated[int, PathParameter(ge=1, le=100_000)],
        context: NamedDependency[UserContext],
    ) -> Response[bytes]:
        found = await on_request.receipt_pdf(context, application_id, number, default_pool())
        return _pdf(found.pdf, found.file_name, attachment=True, sha256=found.sha256)


class FormalReceiptPdfController(Controller):
    path = (
        "/api/applications/{application_id:uuid}/formal-application/submissions/"
        "{number:int}/receipt.pdf"
    )
    tags = TAGS
    security = BEARER

    @get(
        operation_id="downloadFormalReceiptPdf",
        summary="The receipt (Eingangsbestätigung) of a received version of the formal "
        "application as PDF/A-3b",
        media_type=service.MEDIA_TYPE,
    )
    async def receipt(
        self,
        application_id: FromPath[uuid.UUID],
        number: Annotated[int, PathParameter(ge=1, le=100_000)],
        context: NamedDependency[UserContext],
    ) -> Response[bytes]:
        found = await on_request.formal_receipt_pdf(context, application_id, number, default_pool())
        return _pdf(found.pdf, found.file_name, attachment=True, sha256=found.sha256)


class InvitationPdfController(Controller):
    path = "/api/applications/{application_id:uuid}/invitation.pdf"
    tags = TAGS
    security = BEARER

    @get(
        operation_id="downloadInvitationPdf",
        summary="The invitation to the formal application (Aufforderung zur Antragstellung) "
        "as PDF/A-3b, with the due date as it stands",
        media_type=service.MEDIA_TYPE,
    )
    async def invitation(
        self, application_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> Response[bytes]:
        found = await on_request.invitation_pdf(context, application_id, default_pool())
        return _pdf(found.pdf, found.file_name, attachment=True, sha256=found.sha256)


class LetterController(Controller):
    path = "/api/letters/{letter_id:uuid}"
    tags = TAGS
    security = BEARER

    @get(operation_id="getLetter", summary="An issued letter's record")
    async def get_letter(
        self, letter_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> LetterPublic:
        return await service.get_letter(context, letter_id)

    @get(
        "/pdf",
        operation_id="downloadLetter",
        summary="The issued letter as PDF/A-3b; the recipient's first download is the "
        "decision's portal retrieval (§ 41 Abs. 2a VwVfG)",
        media_type=service.MEDIA_TYPE,
    )
    async def download(
        self, letter_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> Response[bytes]:
        found = await service.download(context, letter_id)
        return _pdf(found.pdf, found.file_name, attachment=True, sha256=found.sha256)


class LetterCorrectionController(Controller):
    path = "/api/letters/{letter_id:uuid}/corrections"
    tags = TAGS
    security = BEARER
    guards = [MANAGERS]

    @post(
        operation_id="orderLetterCorrection",
        summary="Correct an issued letter (§ 42 VwVfG: writing errors and similar obvious "
        "inaccuracies) by a new letter rendered from the same decision, naming the old one and "
        "the reason (managers; the newest letter of a decision, once; a changed decision is an "
        "amendment instead); 202: watch GET /api/applications/{id}/letters",
        status_code=HTTP_202_ACCEPTED,
    )
    async def order(
        self,
        letter_id: FromPath[uuid.UUID],
        data: JSONBody[CorrectionIn],
        context: NamedDependency[UserContext],
    ) -> LetterRequestPublic:
        return await service.request_correction(context, letter_id, data.reason)


CONTROLLERS: list[type[Controller]] = [
    LetterheadController,
    UnretrievedLettersController,
    DecisionLetterController,
    CallLetterBatchController,
    LetterBatchController,
    ApplicationLettersController,
    ReceiptPdfController,
    FormalReceiptPdfController,
    InvitationPdfController,
    LetterController,
    LetterCorrectionController,
]
