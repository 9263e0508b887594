"""The submission snapshot: the legal record frozen when an application is submitted, and
hashed (``grants.core.canonical``) into the receipt.

Its shape is defined here, field by field, and versioned by ``SNAPSHOT_SCHEMA``; it is not
derived from any API model, so changing a response cannot change what new records say.
Schema 1 was first written by serialising the API's verdict and organisation models; this
module reproduces those bytes exactly (``tests/unit/core/test_snapshot.py`` pins them). A
change here that changes them needs a new schema number; old snapshots keep verifying
against their stored JSON. Pure.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, cast
from uuid import UUID

from grants.core.canonical import JSONValue
from grants.core.funding import CategoryFunding, FundingComputation
from grants.core.guideline import Call, Guideline, Text
from grants.core.verdict import Facts, Outcome, Verdict

SNAPSHOT_SCHEMA = 1

JSONObject = dict[str, JSONValue]


@dataclass(frozen=True, slots=True)
class GuidelineRef:
    """The exact guideline a submission was judged by."""

    id: str
    version: str
    content_hash: str

    def record(self) -> JSONObject:
        return {"id": self.id, "version": self.version, "content_hash": self.content_hash}


@dataclass(frozen=True, slots=True)
class OrganisationRecord:
    """The applicant's master data at submission: what the grant notice will be addressed
    to, whatever the organisation's profile says later."""

    id: UUID
    customer_number: str
    legal_name: str
    legal_form: str
    applicant_type: str
    street: str
    postal_code: str
    city: str
    municipality_key: str

    def record(self) -> JSONObject:
        return {
            "id": str(self.id),
            "customer_number": self.customer_number,
            "legal_name": self.legal_name,
            "legal_form": self.legal_form,
            "applicant_type": str(self.applicant_type),  # a StrEnum member: its value
            "street": self.street,
            "postal_code": self.postal_code,
            "city": self.city,
            "municipality_key": self.municipality_key,
        }


@dataclass(frozen=True, slots=True)
class Submitter:
    """Who pressed submit."""

    id: UUID
    email: str
    name: str

    def record(self) -> JSONObject:
        return {"id": str(self.id), "email": self.email, "name": self.name}


def build_snapshot(
    *,
    application_id: UUID,
    reference_number: str | None,
    submission_number: int,
    received_at: datetime,
    guideline: GuidelineRef,
    call: str,
    funding_line: str,
    organisation: OrganisationRecord,
    submitted_by: Submitter,
    content: Mapping[str, Any],
    attachments: Sequence[Mapping[str, Any]],
    verdict: Verdict,
) -> JSONObject:
    """The snapshot as it is stored and hashed. ``reference_number`` is None until the first
    submission has drawn one (``with_reference_number``); ``content`` and ``attachments``
    are the JSON the draft and the attachment list are stored as, copied unchanged."""
    return {
        "schema": SNAPSHOT_SCHEMA,
        "application_id": str(application_id),
        "reference_number": reference_number,
        "submission_number": submission_number,
        "received_at": received_at.isoformat(),
        "guideline": guideline.record(),
        "call": call,
        "funding_line": funding_line,
        "organisation": organisation.record(),
        "submitted_by": submitted_by.record(),
        "content": dict(content),
        "attachments": [dict(a) for a in attachments],
        "verdict": verdict_record(verdict),
    }


def with_reference_number(snapshot: JSONObject, reference: str) -> JSONObject:
    """A copy with the number drawn at the first submission: the snapshot is prepared before
    the counter is locked, the number drawn afterwards."""
    return {**snapshot, "reference_number": reference}


_LINE_LETTERS = {"stationary": "S", "mobile": "M"}


def reference_number(guideline: Guideline, call: Call, line_code: str, number: int) -> str:
    """``LIfD-2024-1-S-0042`` (DOMAIN.md §5.8): programme, call, line, sequence per call
    and line."""
    programme = guideline.short_name.split()[-1]
    letter = _LINE_LETTERS.get(line_code, line_code[:1].upper())
    return f"{programme}-{call.code}-{letter}-{number:04d}"


# ---- the verdict record


def verdict_record(verdict: Verdict) -> JSONObject:
    """The engine's verdict as the snapshot keeps it: every rule's outcome, message and
    facts, and the funding computation (amounts as exact decimal strings)."""
    results: list[JSONValue] = []
    failed_rules: list[JSONValue] = []
    needs_review: list[JSONValue] = []
    for r in verdict.results:
        if r.outcome is Outcome.FAIL:
            failed_rules.append(r.rule_id)
        elif r.outcome is Outcome.NEEDS_REVIEW:
            needs_review.append(r.rule_id)
        results.append(
            {
                "rule": r.rule_id,
                "outcome": r.outcome.value,
                "section": r.section,
                "title": _text(r.title),
                "message": _text(r.message),
                "facts": _facts(r.facts),
            }
        )
    return {
        "guideline": GuidelineRef(
            verdict.guideline_id, verdict.guideline_version, verdict.guideline_hash
        ).record(),
        "call": verdict.call_code,
        "checked_at": rfc3339(verdict.received_at),
        "eligible": not failed_rules,
        "failed_rules": failed_rules,
        "needs_review": needs_review,
        "results": results,
        "funding": _funding(verdict.funding),
        "facts": _facts(verdict.facts),
    }


def rfc3339(instant: datetime) -> str:
    """An instant as schema 1 has always written ``checked_at`` (msgspec's encoding): ISO
    8601 like ``isoformat``, but ``Z`` for a zero offset and the offset in whole minutes,
    rounded half towards zero. Not ``received_at``'s rendering, which is ``isoformat``
    (``+00:00``): both stay as they were, since the snapshot's hash covers them."""
    offset = instant.utcoffset()
    local = instant.replace(tzinfo=None).isoformat()
    if offset is None:
        return local
    seconds = int(offset.total_seconds())
    minutes = (abs(seconds) + 29) // 60
    if minutes == 0:
        return local + "Z"
    sign = "-" if seconds < 0 else "+"
    return f"{local}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _text(text: Text) -> JSONObject:
    return {"de": text.de, "en": text.en}


def _facts(facts: Facts) -> JSONObject:
    return {key: _fact(value) for key, value in facts.items()}


_PLAIN = frozenset({str, int, bool, type(None)})


def _fact(value: object) -> JSONValue:
    """A fact as plain JSON. Facts are typed as JSON-ready already; this copies the lists
    (so that the record shares nothing with the verdict) and refuses anything else rather
    than guessing a rendering."""
    if type(value) in _PLAIN:  # the common case, and cheap: exact types (no Enum member)
        return cast("JSONValue", value)
    if isinstance(value, Enum):
        return _fact(value.value)
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, list | tuple):
        return [_fact(v) for v in value]
    raise TypeError(f"cannot put {type(value).__name__} into a verdict record")


def _amount(value: Decimal) -> str:
    return str(value)  # exact: "100000.00" stays "100000.00", never a float


def _category(c: CategoryFunding) -> JSONObject:
    return {
        "category": c.category,
        "declared_costs": _amount(c.declared_costs),
        "eligible_costs": _amount(c.eligible_costs),
        "rate": _amount(c.rate),
        "grant": _amount(c.grant),
        "excluded_reason": None if c.excluded_reason is None else _text(c.excluded_reason),
    }


def _funding(f: FundingComputation) -> JSONObject:
    return {
        "categories": [_category(c) for c in f.categories],
        "total_costs": _amount(f.total_costs),
        "eligible_costs": _amount(f.eligible_costs),
        "uncapped_grant": _amount(f.uncapped_grant),
        "cap": _amount(f.cap),
        "cap_applied": f.cap_applied,
        "fundable_grant": _amount(f.fundable_grant),
        "rounding_difference": _amount(f.rounding_difference),
        "requested_grant": None if f.requested_grant is None else _amount(f.requested_grant),
        "grant": _amount(f.grant),
        "third_party_funds": _amount(f.third_party_funds),
        "own_contribution": _amount(f.own_contribution),
    }
