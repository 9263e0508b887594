"""Published guidelines and calls, and the anonymous eligibility pre-check."""

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.enums import MediaType
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK

from grants.core.errors import NotFound
from grants.core.guideline import Guideline
from grants.guidelines import service
from grants.guidelines.schemas import (
    AuthorityOut,
    CallOut,
    DeclarationsOut,
    EligibilityCheckRequest,
    GuidelineOut,
    GuidelineSummaryOut,
    VerdictOut,
    authority_out,
    call_out,
    declarations_out,
    guideline_out,
    guideline_summary,
    verdict_out,
)
from grants.http.hooks import decode_json_body, require_json_media_type
from grants.http.rate_limit import RATE_LIMITED

GuidelineId = Annotated[str, PathParameter(pattern=r"^[A-Za-z0-9_.-]{1,40}$")]


class GuidelineController(Controller):
    path = "/api/guidelines"
    tags = ["guidelines"]

    @get(
        operation_id="listGuidelines", summary="Funding guidelines in force", exclude_from_auth=True
    )
    async def list_guidelines(self, state: State) -> list[GuidelineSummaryOut]:
        return [guideline_summary(g) for g in state.guidelines.all()]

    @get(
        "/{guideline_id:str}",
        operation_id="getGuideline",
        summary="A guideline with every rule, its section and explanation",
        exclude_from_auth=True,
    )
    async def get_guideline(self, guideline_id: GuidelineId, state: State) -> GuidelineOut:
        guideline = state.guidelines.get(guideline_id)
        if guideline is None:
            raise NotFound(f"guideline {guideline_id!r} not found")
        return guideline_out(guideline)

    @get(
        "/{guideline_id:str}/declarations",
        operation_id="getGuidelineDeclarations",
        summary="The declarations an applicant makes: exact text, version, hash, checkbox",
        description=(
            "Public, so that an applicant can read them before registering. Each declaration "
            "names the draft field whose checkbox confirms it (confirmation_field); parts not "
            "verified against a source have assumption: true and carry a mark in the text."
        ),
        exclude_from_auth=True,
    )
    async def get_declarations(self, guideline_id: GuidelineId, state: State) -> DeclarationsOut:
        return declarations_out(_guideline(state, guideline_id))

    @get(
        "/{guideline_id:str}/authority",
        operation_id="getGuidelineAuthority",
        summary="The granting authority (Bewilligungsstelle) of a guideline",
        exclude_from_auth=True,
    )
    async def get_authority(self, guideline_id: GuidelineId, state: State) -> AuthorityOut:
        authority = _guideline(state, guideline_id).authority
        if authority is None:
            raise NotFound(
                f"Für die Förderrichtlinie „{guideline_id}“ ist keine Bewilligungsstelle "
                f"hinterlegt (guideline {guideline_id!r} names no granting authority)."
            )
        return authority_out(authority)


def _guideline(state: State, guideline_id: str) -> Guideline:
    guideline: Guideline | None = state.guidelines.get(guideline_id)
    if guideline is None:
        raise NotFound(
            f"Förderrichtlinie „{guideline_id}“ nicht gefunden "
            f"(guideline {guideline_id!r} not found)."
        )
    return guideline


class CallController(Controller):
    path = "/api/calls"
    tags = ["guidelines"]

    @get(
        operation_id="listCalls",
        summary="Calls for proposals and whether they are open",
        exclude_from_auth=True,
    )
    async def list_calls(self, state: State, now: NamedDependency[datetime]) -> list[CallOut]:
        return [call_out(g, call, now) for g, call in state.guidelines.calls()]


async def _precheck_fast_path(request: Request[Any, Any, Any]) -> Response[bytes] | None:
    """The pre-check for well-formed requests, run as the route's before_request hook: a
    response returned here skips Litestar's parameter parsing, the Pydantic validation and
    the dependency injection, which cost more than judging the proposal. Requests outside
    the fast decoder's subset (see schemas.FastEligibilityCheck) return None and reach
    check_eligibility below, which validates with Pydantic exactly as before; for the
    requests both accept, both answer with the same bytes (tested)."""
    # The app-wide hook (require_json_body), which this one replaces, in two halves: the
    # media type first, the full decode only for bodies the fast decoder declines (one it
    # accepts is JSON, UTF-8 and as shallow as its structs).
    require_json_media_type(request)
    state = request.app.state
    fast = service.fast_proposal(state.guidelines, await request.body())
    if fast is None:
        await decode_json_body(request)  # 400 for a body that is not JSON at all
        return None
    # An unknown key of Saxony is a 422 naming municipality_key, raised from here as well.
    entry = await state.area_categories.checked(fast.proposal.municipality_key)
    verdict = service.judge(
        fast.guideline,
        fast.proposal,
        fast.call,
        now=state.clock(),
        municipality=service.municipality_facts(entry),
    )
    return Response(msgspec.json.encode(verdict_out(verdict)), media_type=MediaType.JSON)


class EligibilityCheckController(Controller):
    path = "/api/eligibility-checks"
    tags = ["guidelines"]

    @post(
        operation_id="checkEligibility",
        summary="Anonymous pre-check: verdict and funding for a proposal, nothing stored",
        status_code=HTTP_200_OK,
        exclude_from_auth=True,
        opt={RATE_LIMITED: True},
        before_request=_precheck_fast_path,
    )
    async def check_eligibility(
        self,
        data: JSONBody[EligibilityCheckRequest],
        state: State,
        now: NamedDependency[datetime],
    ) -> VerdictOut:
        entry = await state.area_categories.checked(data.municipality_key)
        verdict = service.precheck(
            state.guidelines, data, now=now, municipality=service.municipality_facts(entry)
        )
        return verdict_out(verdict)
