"""What an audit entry records: one vocabulary of actions, each named in the past tense after
what happened (``application_submitted``, ``score_sheet_reopened``).

Entries written before this vocabulary carry the older dotted names
(``application.submitted``); the hash chain covers them, so they stay as they are. ``LEGACY``
maps those names onto the current ones for readers of the whole log.
"""

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from grants.core.lifecycle import Event


class AuditAction(StrEnum):
    # accounts
    USER_REGISTERED = "user_registered"
    ORGANISATION_REGISTERED = "organisation_registered"
    ORGANISATION_UPDATED = "organisation_updated"
    PORTAL_CONSENT_RECORDED = "portal_consent_recorded"
    USER_CREATED = "user_created"
    STAFF_ROLE_GRANTED = "staff_role_granted"
    USER_LOGGED_IN = "user_logged_in"
    # A fresh confirmation by password before a step that binds or pays money (portal).
    PASSWORD_CONFIRMED = "password_confirmed"  # noqa: S105 (an action name)
    USER_LOGGED_OUT = "user_logged_out"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105 (an action name)
    PASSWORD_RESET_COMPLETED = "password_reset_completed"  # noqa: S105 (an action name)
    DEMO_PASSWORD_RESET = "demo_password_reset"  # noqa: S105 (`grants demo reset-passwords`)
    MEMBER_INVITED = "member_invited"
    INVITATION_REVOKED = "invitation_revoked"
    INVITATION_ACCEPTED = "invitation_accepted"
    MEMBER_REMOVED = "member_removed"
    # applications
    APPLICATION_CREATED = "application_created"
    APPLICATION_DRAFT_UPDATED = "application_draft_updated"
    APPLICATION_SUBMITTED = "application_submitted"
    APPLICATION_RESUBMITTED = "application_resubmitted"
    APPLICATION_FORMAL_CHECK_STARTED = "application_formal_check_started"
    APPLICATION_INFORMATION_REQUESTED = "application_information_requested"
    APPLICATION_REQUEST_ANSWERED = "application_request_answered"
    APPLICATION_FORMALLY_REJECTED = "application_formally_rejected"
    APPLICATION_ACCEPTED_FOR_REVIEW = "application_accepted_for_review"
    APPLICATION_REVIEW_COMPLETED = "application_review_completed"
    APPLICATION_JURY_DECIDED = "application_jury_decided"
    APPLICATION_INVITED = "application_invited"
    APPLICATION_DECLINED = "application_declined"
    APPLICATION_WITHDRAWN = "application_withdrawn"
    APPLICATION_DISCARDED = "application_discarded"
    FORMAL_APPLICATION_STARTED = "formal_application_started"
    FORMAL_APPLICATION_SUBMITTED = "formal_application_submitted"
    FORMAL_APPLICATION_CHECK_STARTED = "formal_application_check_started"
    APPLICATION_APPROVED = "application_approved"
    APPLICATION_PARTIALLY_APPROVED = "application_partially_approved"
    APPLICATION_REJECTED = "application_rejected"
    INFORMATION_REQUEST_CREATED = "information_request_created"
    INFORMATION_REQUEST_ANSWERED = "information_request_answered"
    # attachments
    ATTACHMENT_UPLOADED = "attachment_uploaded"
    ATTACHMENT_FOUND_INFECTED = "attachment_found_infected"
    ATTACHMENT_DELETED = "attachment_deleted"
    ATTACHMENT_SCANNED = "attachment_scanned"
    # evaluation
    FORMAL_CHECK_RECORDED = "formal_check_recorded"
    EVALUATOR_PROFILE_CREATED = "evaluator_profile_created"
    EVALUATOR_PROFILE_UPDATED = "evaluator_profile_updated"
    EVALUATOR_AFFILIATION_DECLARED = "evaluator_affiliation_declared"
    EVALUATOR_AFFILIATION_REMOVED = "evaluator_affiliation_removed"
    EVALUATORS_AUTO_ASSIGNED = "evaluators_auto_assigned"
    APPLICATION_REASSIGNED = "application_reassigned"
    ASSIGNMENT_ACCEPTED = "assignment_accepted"
    ASSIGNMENT_DECLINED = "assignment_declined"
    CONFLICT_DECLARED = "conflict_declared"
    SCORE_SHEET_DRAFT_SAVED = "score_sheet_draft_saved"
    SCORE_SHEET_SUBMITTED = "score_sheet_submitted"
    SCORE_SHEET_REOPENED = "score_sheet_reopened"
    JURY_DECISION_RECORDED = "jury_decision_recorded"
    # the jury as a committee, the deciding officials' conflicts (§§ 20, 21, 88-93 VwVfG)
    JURY_MEMBER_ADDED = "jury_member_added"
    JURY_MEMBER_REMOVED = "jury_member_removed"
    JURY_SESSION_PLANNED = "jury_session_planned"
    JURY_SESSION_OPENED = "jury_session_opened"
    JURY_ATTENDANCE_RECORDED = "jury_attendance_recorded"
    JURY_AGENDA_ITEM_ADDED = "jury_agenda_item_added"
    JURY_MEMBER_EXCLUDED = "jury_member_excluded"
    JURY_VOTE_RECORDED = "jury_vote_recorded"
    JURY_SESSION_CLOSED = "jury_session_closed"
    OFFICIAL_AFFILIATION_DECLARED = "official_affiliation_declared"
    OFFICIAL_AFFILIATION_REMOVED = "official_affiliation_removed"
    OFFICIAL_CONFLICT_DECLARED = "official_conflict_declared"
    # consent to an early start (vorzeitiger Maßnahmebeginn), an act of the authority
    EARLY_START_CONSENT_RECORDED = "early_start_consent_recorded"
    EARLY_START_CONSENT_REVOKED = "early_start_consent_revoked"
    # awards: budgets, decisions (Bescheide), payments
    FORMAL_APPLICATION_SAVED = "formal_application_saved"
    FORMAL_APPLICATION_RECEIVED = "formal_application_received"
    FORMAL_APPLICATION_DUE_EXTENDED = "formal_application_due_extended"
    BUDGET_SET = "budget_set"
    PROGRAMME_SETTINGS_CHANGED = "programme_settings_changed"
    DECISION_DRAFTED = "decision_drafted"
    DECISION_DRAFT_UPDATED = "decision_draft_updated"
    DECISION_DRAFT_DISCARDED = "decision_draft_discarded"
    DECISION_SECOND_APPROVED = "decision_second_approved"
    DECISION_RELEASED = "decision_released"
    DECISION_NOTICE_RECORDED = "decision_notice_recorded"
    DECISION_RETRIEVED = "decision_retrieved"
    PAYMENT_REQUESTED = "payment_requested"
    PAYMENT_CERTIFIED = "payment_certified"
    PAYMENT_ORDERED = "payment_ordered"
    PAYMENT_REFUSED = "payment_refused"
    PROOF_OF_USE_DRAFTED = "proof_of_use_drafted"
    PROOF_OF_USE_SUBMITTED = "proof_of_use_submitted"
    PROOF_OF_USE_CHECKED = "proof_of_use_checked"
    PROOF_OF_USE_RETURNED = "proof_of_use_returned"
    PROOF_SAMPLE_DRAWN = "proof_sample_drawn"
    HEARING_OPENED = "hearing_opened"
    HEARING_RESPONDED = "hearing_responded"
    REFUND_RECORDED = "refund_recorded"
    INTEREST_SET = "interest_set"
    UNUSED_FUNDS_INTEREST_SET = "unused_funds_interest_set"
    RELEASE_BATCH_ORDERED = "release_batch_ordered"
    # letters
    LETTERHEAD_SET = "letterhead_set"
    PROGRAMME_PAGE_SET = "programme_page_set"  # Impressum, privacy, accessibility text
    LETTERHEAD_LOGO_SET = "letterhead_logo_set"
    LETTERHEAD_LOGO_REMOVED = "letterhead_logo_removed"
    LETTER_REQUESTED = "letter_requested"
    LETTER_BATCH_ORDERED = "letter_batch_ordered"
    LETTER_ISSUED = "letter_issued"
    LETTER_CORRECTION_ORDERED = "letter_correction_ordered"
    LETTER_ISSUE_FAILED = "letter_issue_failed"
    # reference data
    MUNICIPALITIES_IMPORTED = "municipalities_imported"


# The audit action of each lifecycle step (``transitions.apply_transition`` writes it).
TRANSITION_ACTIONS: Mapping[Event, AuditAction] = MappingProxyType(
    {
        Event.SUBMIT: AuditAction.APPLICATION_SUBMITTED,
        Event.RESUBMIT: AuditAction.APPLICATION_RESUBMITTED,
        Event.START_FORMAL_CHECK: AuditAction.APPLICATION_FORMAL_CHECK_STARTED,
        Event.REQUEST_INFORMATION: AuditAction.APPLICATION_INFORMATION_REQUESTED,
        Event.ANSWER_REQUEST: AuditAction.APPLICATION_REQUEST_ANSWERED,
        Event.REJECT_FORMALLY: AuditAction.APPLICATION_FORMALLY_REJECTED,
        Event.ACCEPT_FOR_REVIEW: AuditAction.APPLICATION_ACCEPTED_FOR_REVIEW,
        Event.COMPLETE_REVIEW: AuditAction.APPLICATION_REVIEW_COMPLETED,
        Event.RECORD_JURY_DECISION: AuditAction.APPLICATION_JURY_DECIDED,
        Event.INVITE: AuditAction.APPLICATION_INVITED,
        Event.DECLINE: AuditAction.APPLICATION_DECLINED,
        Event.WITHDRAW: AuditAction.APPLICATION_WITHDRAWN,
        Event.DISCARD: AuditAction.APPLICATION_DISCARDED,
        Event.START_APPLICATION: AuditAction.FORMAL_APPLICATION_STARTED,
        Event.SUBMIT_APPLICATION: AuditAction.FORMAL_APPLICATION_SUBMITTED,
        Event.START_APPLICATION_CHECK: AuditAction.FORMAL_APPLICATION_CHECK_STARTED,
        Event.APPROVE: AuditAction.APPLICATION_APPROVED,
        Event.APPROVE_PARTIALLY: AuditAction.APPLICATION_PARTIALLY_APPROVED,
        Event.REJECT: AuditAction.APPLICATION_REJECTED,
    }
)

# Names written before this vocabulary existed -> the action they stand for today.
LEGACY: Mapping[str, AuditAction] = MappingProxyType(
    {
        **{f"application.{event.value}": action for event, action in TRANSITION_ACTIONS.items()},
        "application.created": AuditAction.APPLICATION_CREATED,
        "application.draft_updated": AuditAction.APPLICATION_DRAFT_UPDATED,
        "application.formal_check": AuditAction.FORMAL_CHECK_RECORDED,
        "information_request.created": AuditAction.INFORMATION_REQUEST_CREATED,
        "information_request.answered": AuditAction.INFORMATION_REQUEST_ANSWERED,
        "attachment.uploaded": AuditAction.ATTACHMENT_UPLOADED,
        "attachment.infected": AuditAction.ATTACHMENT_FOUND_INFECTED,
        "attachment.deleted": AuditAction.ATTACHMENT_DELETED,
        "attachment.scanned": AuditAction.ATTACHMENT_SCANNED,
        "evaluator.profile_created": AuditAction.EVALUATOR_PROFILE_CREATED,
        "evaluator.profile_updated": AuditAction.EVALUATOR_PROFILE_UPDATED,
        "evaluator.affiliation_declared": AuditAction.EVALUATOR_AFFILIATION_DECLARED,
        "evaluator.affiliation_removed": AuditAction.EVALUATOR_AFFILIATION_REMOVED,
        "evaluation.auto_assigned": AuditAction.EVALUATORS_AUTO_ASSIGNED,
        "evaluation.reassigned": AuditAction.APPLICATION_REASSIGNED,
        "evaluation.assignment_accepted": AuditAction.ASSIGNMENT_ACCEPTED,
        "evaluation.assignment_declined": AuditAction.ASSIGNMENT_DECLINED,
        "evaluation.conflict_declared": AuditAction.CONFLICT_DECLARED,
        "score_sheet.save_draft": AuditAction.SCORE_SHEET_DRAFT_SAVED,
        "score_sheet.submit": AuditAction.SCORE_SHEET_SUBMITTED,
        "score_sheet.reopen": AuditAction.SCORE_SHEET_REOPENED,
        "jury_decision.record": AuditAction.JURY_DECISION_RECORDED,
    }
)


def current_action(name: str) -> AuditAction | None:
    """The action an entry's stored name stands for, old or new (None: unknown)."""
    if name in AuditAction._value2member_map_:
        return AuditAction(name)
    return LEGACY.get(name)
