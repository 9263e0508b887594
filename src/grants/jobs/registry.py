"""Every task of the queue, and what the tasks need at run time.

A feature declares its tasks in a module of its own (``register_tasks(app)``) and names the
resources they need (sessions, a mailer, the scanner) under a key of its own; a worker
passes them in procrastinate's job context (``additional_context``). Built per worker, so
tests and the embedded server can give their own (a test SMTP server, a scanner that is down).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import procrastinate
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.applications.attachments import jobs as attachment_jobs
from grants.applications.attachments.scanner import Scanner
from grants.applications.attachments.storage import Storage
from grants.audit import jobs as audit_jobs
from grants.audit.signing import HeadSigner
from grants.awards.releases import jobs as release_jobs
from grants.awards.reminders import jobs as reminder_jobs
from grants.guidelines.registry import GuidelineRegistry, load_registry
from grants.jobs import periodic
from grants.letters import jobs as letter_jobs
from grants.letters.pool import RenderPool
from grants.letters.service import IssueResources
from grants.notifications import worker as mail
from grants.settings import Settings

Clock = Callable[[], datetime]


def _system_clock() -> datetime:
    return datetime.now(UTC)


def register_tasks(app: procrastinate.App) -> None:
    mail.register_tasks(app)
    attachment_jobs.register_tasks(app)
    release_jobs.register_tasks(app)
    reminder_jobs.register_tasks(app)
    letter_jobs.register_tasks(app)
    audit_jobs.register_tasks(app)
    periodic.register_tasks(app)


@dataclass(frozen=True, slots=True)
class Overrides:
    """What a test or an embedding process puts in place of the configured resources."""

    mailer_factory: mail.MailerFactory | None = None
    storage: Storage | None = None
    scanner: Scanner | None = None
    clock: Clock | None = None
    guidelines: GuidelineRegistry | None = None


def _guidelines(settings: Settings) -> GuidelineRegistry:
    # As the app loads them: the configured directory, else the shipped files.
    return load_registry(settings.guidelines_dir) if settings.guidelines_dir else load_registry()


def build_resources(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    overrides: Overrides | None = None,
) -> dict[str, Any]:
    """The job context every task of this process sees."""
    given = overrides or Overrides()
    clock = given.clock or _system_clock
    return {
        mail.RESOURCES: mail.mail_resources(
            settings, session_factory, clock=clock, mailer_factory=given.mailer_factory
        ),
        attachment_jobs.RESOURCES: attachment_jobs.scan_resources(
            settings, session_factory, clock=clock, storage=given.storage, scanner=given.scanner
        ),
        release_jobs.RESOURCES: release_jobs.ReleaseResources(
            session_factory=session_factory,
            guidelines=given.guidelines or _guidelines(settings),
            clock=clock,
        ),
        letter_jobs.RESOURCES: IssueResources(
            session_factory=session_factory,
            guidelines=given.guidelines or _guidelines(settings),
            clock=clock,
            pool=RenderPool(),
        ),
        reminder_jobs.RESOURCES: reminder_jobs.ReminderResources(
            session_factory=session_factory, clock=clock
        ),
        audit_jobs.RESOURCES: audit_jobs.SequencerResources(
            session_factory=session_factory,
            signer=HeadSigner.from_settings(settings),
            clock=clock,
        ),
        periodic.RESOURCES: periodic.JobsResources(
            stalled_seconds=settings.worker_stalled_seconds,
            keep_hours=settings.jobs_keep_days * 24,
        ),
    }
