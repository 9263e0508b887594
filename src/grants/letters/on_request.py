"""Documents rendered on request from what is on file, never stored: each submitted
version's receipt (sketch and formal application, from its frozen snapshot) and the
invitation to the formal application. The same whenever fetched, as their data are; the
applicant's organisation and staff only. Issued decision letters are in ``service``."""

import hashlib
import uuid

from grants.applications.access import load_application
from grants.applications.history import invited_at, latest_submission
from grants.applications.submission import get_receipt
from grants.awards.formal.service import formal_due, receipt_and_snapshot
from grants.context import UserContext
from grants.core.errors import NotFound
from grants.letters.content import formal_receipt_letter, invitation_letter, receipt_letter
from grants.letters.letterheads import letterhead_of
from grants.letters.pool import RenderPool
from grants.letters.service import Download, safe_file_name


async def receipt_pdf(
    ctx: UserContext, application_id: uuid.UUID, number: int, pool: RenderPool
) -> Download:
    """A submitted version's receipt as PDF/A, rendered from its stored snapshot: the same
    whenever it is fetched (its data; the applicant's organisation and staff only)."""
    receipt = await get_receipt(ctx, application_id, number)
    async with ctx.session.begin():
        app, _ = await load_application(ctx, application_id)
        head = await letterhead_of(ctx.session, app.guideline_id)
    template, data = receipt_letter(receipt.model_dump(mode="json"), head.data)
    pdf, _ = await pool.render(template, data, assets=head.assets)
    name = safe_file_name(receipt.reference_number)
    return Download(
        pdf, f"Eingangsbestaetigung-{name}-{number}.pdf", hashlib.sha256(pdf).hexdigest()
    )


async def formal_receipt_pdf(
    ctx: UserContext, application_id: uuid.UUID, number: int, pool: RenderPool
) -> Download:
    """A received version of the formal application's receipt as PDF/A, rendered from its
    stored snapshot (the applicant's organisation and staff only)."""
    receipt, snapshot = await receipt_and_snapshot(ctx, application_id, number)
    async with ctx.session.begin():
        app, _ = await load_application(ctx, application_id)
        head = await letterhead_of(ctx.session, app.guideline_id)
    template, data = formal_receipt_letter(receipt.model_dump(mode="json"), snapshot, head.data)
    pdf, _ = await pool.render(template, data, assets=head.assets)
    name = safe_file_name(receipt.reference_number)
    return Download(
        pdf, f"Eingangsbestaetigung-{name}-{number}.pdf", hashlib.sha256(pdf).hexdigest()
    )


async def invitation_pdf(ctx: UserContext, application_id: uuid.UUID, pool: RenderPool) -> Download:
    """The invitation to the formal application as PDF/A, rendered from what is on file:
    the sketch's latest submitted snapshot, when it was invited, the due date as it stands
    (an extension shows with its reason). The applicant's organisation and staff only; 404
    for an application never invited."""
    async with ctx.session.begin():
        app, _ = await load_application(ctx, application_id)
        invited = await invited_at(ctx.session, app.id)
        if invited is None:
            raise NotFound(
                "Zu diesem Vorhaben gibt es keine Aufforderung zur Antragstellung (the "
                "application was not invited to the formal application)."
            )
        due_at, due_reason = await formal_due(ctx, app)
        _, snapshot, _ = await latest_submission(ctx.session, app.id)
        head = await letterhead_of(ctx.session, app.guideline_id)
    template, data = invitation_letter(
        {
            "snapshot": snapshot,
            "invited_at": invited,
            "due_at": due_at,
            "due_reason": due_reason,
        },
        head.data,
    )
    pdf, _ = await pool.render(template, data, assets=head.assets)
    name = safe_file_name(str(data["reference"]))
    return Download(pdf, f"Aufforderung-Antrag-{name}.pdf", hashlib.sha256(pdf).hexdigest())
