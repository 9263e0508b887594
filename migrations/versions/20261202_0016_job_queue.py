"""job queue: procrastinate's schema, mail deferred by the outbox, per-file rescan back-off

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02

procrastinate ships its schema as plain SQL and leaves applying it to the project's own
migration tool ("It's your responsibility to keep track of which migrations have been
applied"). This revision installs the schema of the pinned release (3.10.0), frozen in the
file beside this one, into a PostgreSQL schema of its own, ``procrastinate``: its tables then
stay out of Alembic's autogenerate (which compares the default schema only) and out of the
application's namespace. procrastinate's connections name it in their ``search_path``
(``grants.jobs.app``); the two functions below that the application calls pin it themselves.

A later procrastinate release with schema changes gets a revision of its own that runs that
release's files from ``procrastinate/sql/migrations`` (``procrastinate schema
--migrations-path``) with the same ``search_path``.
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.util import await_only

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA_FILE = Path(__file__).with_name("20261202_0016_procrastinate-3.10.0-schema.sql")

# The one entry point into the queue for SQL in the application's own transactions (the
# outbox trigger below, grants.jobs.defer): procrastinate's own batch function, with the
# search_path its body needs pinned here, so the caller's search_path does not matter.
DEFER_FUNCTION = """
CREATE FUNCTION grants_defer_job(
    queue_name character varying,
    task_name character varying,
    priority integer,
    lock text,
    queueing_lock text,
    args jsonb,
    scheduled_at timestamp with time zone
)
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = procrastinate, pg_catalog
AS $$
BEGIN
    RETURN (procrastinate_defer_jobs_v1(ARRAY[
        ROW(queue_name, task_name, priority, lock, queueing_lock, args, scheduled_at)
    ]::procrastinate_job_to_defer_v1[]))[1];
END;
$$
"""

# Every new outbox row defers its delivery job in the transaction that writes the row, for
# every writer (enqueue_message, and the submission's single statement that queues its
# receipt in a CTE): a rolled-back change defers nothing, a committed one cannot lose its job.
# ON CONFLICT DO NOTHING inserts no row for a fact queued before, so there is one job per fact.
# Task, queue and lock are grants.notifications.worker's DELIVER_TASK, MAIL_QUEUE and
# delivery_lock(); a test defers through this trigger and checks that a worker knows the task.
OUTBOX_TRIGGER_FUNCTION = """
CREATE FUNCTION outbox_messages_defer_delivery()
    RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM grants_defer_job(
        'mail', 'mail.deliver', 0, 'outbox:' || NEW.id::text, NULL,
        jsonb_build_object('outbox_id', NEW.id::text), NULL
    );
    RETURN NULL;
END;
$$
"""

# Messages queued before this revision (the old worker polled the table) keep their place and
# their back-off.
DEFER_UNSENT = """
SELECT grants_defer_job(
    'mail', 'mail.deliver', 0, 'outbox:' || id::text, NULL,
    jsonb_build_object('outbox_id', id::text),
    CASE WHEN next_attempt_at > now() THEN next_attempt_at END
)
FROM outbox_messages
WHERE sent_at IS NULL
ORDER BY next_attempt_at, id
"""


def _run_script(sql: str) -> None:
    """Run a multi-statement script in the migration's transaction. asyncpg prepares what
    SQLAlchemy sends, and a prepared statement holds one command; its ``execute`` without
    arguments takes a whole script (the simple query protocol) on the same connection."""
    if context.is_offline_mode():
        op.execute(sql)
        return
    driver = op.get_bind().connection.driver_connection
    if driver is None:
        raise RuntimeError("no database connection to run the script on")
    await_only(driver.execute(sql))


def upgrade() -> None:
    op.execute("CREATE SCHEMA procrastinate")
    bind = None if context.is_offline_mode() else op.get_bind()
    previous = "public" if bind is None else bind.exec_driver_sql("SHOW search_path").scalar()
    # is_local: only for the rest of this migration's transaction.
    op.execute("SELECT set_config('search_path', 'procrastinate', true)")
    try:
        _run_script(SCHEMA_FILE.read_text(encoding="utf-8"))
    finally:
        op.execute(
            sa.text("SELECT set_config('search_path', :path, true)").bindparams(path=previous)
        )
    op.execute(DEFER_FUNCTION)
    op.execute(OUTBOX_TRIGGER_FUNCTION)
    op.execute(
        "CREATE TRIGGER outbox_messages_defer_delivery AFTER INSERT ON outbox_messages "
        "FOR EACH ROW WHEN (NEW.sent_at IS NULL) EXECUTE FUNCTION outbox_messages_defer_delivery()"
    )
    op.execute(DEFER_UNSENT)
    # When a quarantined file's next rescan is due (exponential back-off per file); NULL: at
    # the next sweep (a file whose scan at upload could not finish).
    op.add_column(
        "attachments", sa.Column("scan_retry_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("attachments", "scan_retry_at")
    op.execute("DROP TRIGGER outbox_messages_defer_delivery ON outbox_messages")
    op.execute("DROP FUNCTION outbox_messages_defer_delivery()")
    op.execute(
        "DROP FUNCTION grants_defer_job(character varying, character varying, integer, text, "
        "text, jsonb, timestamp with time zone)"
    )
    # The jobs go with it; the outbox rows stay the record of every unsent message.
    op.execute("DROP SCHEMA procrastinate CASCADE")
