"""procedure order

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

The steps of the procedure in their legal order, kept by the database where it can judge
them, so that a row written past the services is still refused by the next step:

- ``formal_checks.call_deadline_at``: the deadline the check was judged against; a CHECK
  refuses a check dated at or before it (the deadline lives in the guideline file, which the
  database does not read; the record says which one counted). A trigger refuses a check
  without that deadline, or of any version but the latest submitted one.
- ``jury_decisions``: the counted and the required number of score sheets and, with fewer,
  the reason for deciding anyway (CHECK); a trigger refuses a recommendation without the
  counts, or without a formal check of the latest version with the outcome ``to_review``.
- ``application_events``: the history row of a step is refused without what the step
  requires — ``accept_for_review`` and ``complete_review`` a passed formal check,
  ``record_jury_decision`` and ``invite`` a recorded jury recommendation.

Rows written before this revision lack the new columns; the CHECKs pass on NULL so that
they stay valid, and the triggers — which judge only rows being written — require the
columns of every new or changed row. (``NOT VALID`` constraints would say the same, but
SQLAlchemy's reflection cannot read them back, which breaks the schema comparison.)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PASSED_FORMAL_CHECK = """
CREATE FUNCTION passed_formal_check(application uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM formal_checks f JOIN applications a ON a.id = f.application_id
        WHERE f.application_id = application
          AND f.outcome = 'to_review'
          AND f.submission_number = a.submission_count
    )
$$
"""

FORMAL_CHECK_OF_LATEST_VERSION = """
CREATE FUNCTION formal_check_of_latest_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.call_deadline_at IS NULL THEN
        RAISE EXCEPTION 'formal check without the call deadline it was judged against'
            USING ERRCODE = 'check_violation';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM applications a
        WHERE a.id = NEW.application_id
          AND a.submission_count > 0
          AND a.submission_count = NEW.submission_number
    ) THEN
        RAISE EXCEPTION 'formal check of version % is not of the latest submitted version',
            NEW.submission_number USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$
"""

JURY_DECISION_AFTER_FORMAL_CHECK = """
CREATE FUNCTION jury_decision_after_formal_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.counted_evaluations IS NULL OR NEW.required_evaluations IS NULL THEN
        RAISE EXCEPTION 'jury decision without the counted and required score sheets'
            USING ERRCODE = 'check_violation';
    END IF;
    IF NOT passed_formal_check(NEW.application_id) THEN
        RAISE EXCEPTION 'jury decision without a passed formal check of the latest version'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$
"""

APPLICATION_STEP_IN_ORDER = """
CREATE FUNCTION application_step_in_order() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.event IN ('accept_for_review', 'complete_review')
       AND NOT passed_formal_check(NEW.application_id) THEN
        RAISE EXCEPTION '% without a passed formal check of the latest version', NEW.event
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.event IN ('record_jury_decision', 'invite') AND NOT EXISTS (
        SELECT 1 FROM jury_decisions d WHERE d.application_id = NEW.application_id
    ) THEN
        RAISE EXCEPTION '% without a recorded jury recommendation', NEW.event
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$
"""

GUARDED_EVENTS = "('accept_for_review', 'complete_review', 'record_jury_decision', 'invite')"


def upgrade() -> None:
    op.add_column(
        "formal_checks",
        sa.Column("call_deadline_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_check_constraint(
        op.f("ck_formal_checks_after_deadline"),
        "formal_checks",
        "checked_at > call_deadline_at",
    )
    op.add_column("jury_decisions", sa.Column("counted_evaluations", sa.Integer(), nullable=True))
    op.add_column("jury_decisions", sa.Column("required_evaluations", sa.Integer(), nullable=True))
    op.add_column(
        "jury_decisions",
        sa.Column("incomplete_review_reason", sa.String(length=4000), nullable=True),
    )
    op.create_check_constraint(
        op.f("ck_jury_decisions_enough_sheets_or_reason"),
        "jury_decisions",
        "counted_evaluations >= required_evaluations "
        "OR btrim(coalesce(incomplete_review_reason, '')) <> ''",
    )
    op.execute(PASSED_FORMAL_CHECK)
    op.execute(FORMAL_CHECK_OF_LATEST_VERSION)
    op.execute(
        "CREATE TRIGGER formal_checks_latest_version BEFORE INSERT OR UPDATE ON formal_checks "
        "FOR EACH ROW EXECUTE FUNCTION formal_check_of_latest_version()"
    )
    op.execute(JURY_DECISION_AFTER_FORMAL_CHECK)
    op.execute(
        "CREATE TRIGGER jury_decisions_after_formal_check "
        "BEFORE INSERT OR UPDATE ON jury_decisions "
        "FOR EACH ROW EXECUTE FUNCTION jury_decision_after_formal_check()"
    )
    op.execute(APPLICATION_STEP_IN_ORDER)
    # Only the guarded steps pay for the check; every other history row passes untouched.
    op.execute(
        "CREATE TRIGGER application_events_in_order BEFORE INSERT ON application_events "
        f"FOR EACH ROW WHEN (NEW.event IN {GUARDED_EVENTS}) "
        "EXECUTE FUNCTION application_step_in_order()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER application_events_in_order ON application_events")
    op.execute("DROP FUNCTION application_step_in_order()")
    op.execute("DROP TRIGGER jury_decisions_after_formal_check ON jury_decisions")
    op.execute("DROP FUNCTION jury_decision_after_formal_check()")
    op.execute("DROP TRIGGER formal_checks_latest_version ON formal_checks")
    op.execute("DROP FUNCTION formal_check_of_latest_version()")
    op.execute("DROP FUNCTION passed_formal_check(uuid)")
    op.drop_constraint(
        op.f("ck_jury_decisions_enough_sheets_or_reason"), "jury_decisions", type_="check"
    )
    op.drop_column("jury_decisions", "incomplete_review_reason")
    op.drop_column("jury_decisions", "required_evaluations")
    op.drop_column("jury_decisions", "counted_evaluations")
    op.drop_constraint(op.f("ck_formal_checks_after_deadline"), "formal_checks", type_="check")
    op.drop_column("formal_checks", "call_deadline_at")
