"""applications: working copies, submissions, counters, idempotency, history, requests

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 21:29:33

Submissions, answers to requests for information and the status history are append-only:
the same trigger function as guideline_versions (0003) refuses UPDATE and DELETE.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The search vector is kept by a trigger, not a generated column: PostgreSQL recomputes a
# stored generated column on every UPDATE, and German stemming of the summary costs about a
# millisecond — inside the submission's serialised section, where a status change must be
# cheap. The trigger stems only when the title or the summary changed.
SEARCH_FUNCTION = """
CREATE FUNCTION applications_search() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT'
       OR NEW.title IS DISTINCT FROM OLD.title
       OR (NEW.draft ->> 'summary') IS DISTINCT FROM (OLD.draft ->> 'summary') THEN
        NEW.search := to_tsvector(
            'german'::regconfig, NEW.title || ' ' || coalesce(NEW.draft ->> 'summary', '')
        );
    ELSE
        NEW.search := OLD.search;
    END IF;
    RETURN NEW;
END;
$$
"""

APPEND_ONLY = ("application_submissions", "information_responses", "application_events")


def upgrade() -> None:
    op.create_table(
        "reference_counters",
        sa.Column("guideline_id", sa.String(length=40), nullable=False),
        sa.Column("call_code", sa.String(length=40), nullable=False),
        sa.Column("funding_line", sa.String(length=40), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "guideline_id", "call_code", "funding_line", name=op.f("pk_reference_counters")
        ),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("guideline_id", sa.String(length=40), nullable=False),
        sa.Column("call_code", sa.String(length=40), nullable=False),
        sa.Column("funding_line", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "formal_check",
                "information_requested",
                "formally_rejected",
                "in_review",
                "reviewed",
                "jury_decided",
                "invited",
                "not_selected",
                "withdrawn",
                "application_draft",
                "application_submitted",
                "application_check",
                "approved",
                "partially_approved",
                "rejected",
                name="state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reference_number", sa.String(length=60), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("municipality_key", sa.String(length=8), nullable=True),
        sa.Column("requested_grant", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("draft", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submission_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("search", postgresql.TSVECTOR(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_applications_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_applications_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("reference_number", name=op.f("uq_applications_reference_number")),
    )
    op.create_index(
        "ix_applications_call_status_submitted",
        "applications",
        ["call_code", "status", "submitted_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_applications_municipality_key"), "applications", ["municipality_key"], unique=False
    )
    op.create_index(
        "ix_applications_organisation_updated",
        "applications",
        ["organisation_id", "updated_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_applications_search", "applications", ["search"], unique=False, postgresql_using="gin"
    )
    op.create_index(
        "ix_applications_status_submitted",
        "applications",
        ["status", "submitted_at", "id"],
        unique=False,
    )
    op.create_table(
        "idempotency_records",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_idempotency_records_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_records")),
    )
    op.create_table(
        "application_events",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("reason", sa.String(length=4000), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_application_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_events_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_events")),
    )
    op.create_index(
        op.f("ix_application_events_application_id"),
        "application_events",
        ["application_id"],
        unique=False,
    )
    op.create_table(
        "application_submissions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reference_number", sa.String(length=60), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.Uuid(), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("snapshot_sha256", sa.String(length=64), nullable=False),
        sa.Column("guideline_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_submissions_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["users.id"],
            name=op.f("fk_application_submissions_submitted_by_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_submissions")),
        sa.UniqueConstraint(
            "application_id",
            "number",
            name=op.f("uq_application_submissions_application_id_number"),
        ),
    )
    op.create_table(
        "information_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("message", sa.String(length=4000), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "answered",
                name="informationrequeststatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_information_requests_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_information_requests_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_information_requests")),
    )
    op.create_index(
        op.f("ix_information_requests_application_id"),
        "information_requests",
        ["application_id"],
        unique=False,
    )
    op.create_table(
        "information_responses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=20000), nullable=False),
        sa.Column("attachments", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("submitted_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_information_responses_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["information_requests.id"],
            name=op.f("fk_information_responses_request_id_information_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_information_responses_submitted_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_information_responses")),
        sa.UniqueConstraint(
            "request_id", "number", name=op.f("uq_information_responses_request_id_number")
        ),
    )
    op.create_index(
        op.f("ix_information_responses_request_id"),
        "information_responses",
        ["request_id"],
        unique=False,
    )

    op.execute(SEARCH_FUNCTION)
    op.execute(
        "CREATE TRIGGER applications_search BEFORE INSERT OR UPDATE ON applications "
        "FOR EACH ROW EXECUTE FUNCTION applications_search()"
    )
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_row_change()"
        )


def downgrade() -> None:
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
    op.execute("DROP TRIGGER applications_search ON applications")
    op.execute("DROP FUNCTION applications_search()")
    op.drop_index(op.f("ix_information_responses_request_id"), table_name="information_responses")
    op.drop_table("information_responses")
    op.drop_index(op.f("ix_information_requests_application_id"), table_name="information_requests")
    op.drop_table("information_requests")
    op.drop_table("application_submissions")
    op.drop_index(op.f("ix_application_events_application_id"), table_name="application_events")
    op.drop_table("application_events")
    op.drop_table("idempotency_records")
    op.drop_index("ix_applications_status_submitted", table_name="applications")
    op.drop_index("ix_applications_search", table_name="applications", postgresql_using="gin")
    op.drop_index("ix_applications_organisation_updated", table_name="applications")
    op.drop_index(op.f("ix_applications_municipality_key"), table_name="applications")
    op.drop_index("ix_applications_call_status_submitted", table_name="applications")
    op.drop_table("applications")
    op.drop_table("reference_counters")
