"""audit_lock_head(): the audit log's append lock and newest entry in one round trip

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 22:20:00

Appends are chained in commit order under a transaction-scoped advisory lock. Taking the lock
and then reading the newest entry used to be two statements; a PL/pgSQL function does both in
one call (each statement in a VOLATILE function gets a fresh snapshot under READ COMMITTED,
so the read sees the entry of the lock's previous holder). The key is the one in
grants.db.audit.AUDIT_LOCK_KEY ("audit" in ASCII).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION audit_lock_head(OUT seq bigint, OUT hash varchar)
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock(418581342580);
            SELECT a.seq, a.hash INTO seq, hash FROM audit_log a ORDER BY a.seq DESC LIMIT 1;
        END;
        $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION audit_lock_head()")
