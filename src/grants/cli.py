"""The ``grants`` command: serve, worker, db, users, demo, audit, letters."""

import asyncio
import getpass
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NoReturn, TypeVar

import click
import sqlalchemy as sa
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.actors import Actor
from grants.core.roles import StaffRole
from grants.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:  # the CLI imports the heavy parts only when a command needs them
    import procrastinate

    from grants.context import Context
    from grants.core.errors import DomainError
    from grants.demo import DemoAccount
    from grants.jobs.admin import JobLine, TaskCount
    from grants.jobs.health import WorkerHealth
    from grants.jobs.worker import BackgroundWorker

console = Console(stderr=True)
T = TypeVar("T")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        console.print(f"[red]{exc}[/red]")
        sys.exit(2)


def _spinner(text: str) -> Progress:
    return Progress(SpinnerColumn(), TextColumn(text), console=console, transient=True)


def _database_url(settings: Settings, *, migrate: bool = True) -> str:
    """The configured server, or the embedded one (started on demand), migrated to head."""
    from grants.db import migrate as migrations

    url = settings.database_url
    if url is None:
        from grants.db.embedded import data_directory, start_embedded_postgres

        where = data_directory(settings.data_dir)
        with _spinner(f"starting embedded PostgreSQL in {where} …") as p:
            p.add_task("", total=None)
            url = start_embedded_postgres(settings.data_dir)
        console.print(f"embedded PostgreSQL ready ({where})")
    if migrate:
        with _spinner("applying database migrations …") as p:
            p.add_task("", total=None)
            migrations.upgrade(url)
    return url


def _cli_context(session: AsyncSession, settings: Settings, actor: Actor) -> "Context":
    """The use-case context of a CLI command: the OS user acts, now."""
    from grants.context import Context
    from grants.guidelines.loader import SHIPPED
    from grants.guidelines.registry import load_registry

    return Context(
        session=session,
        actor=actor,
        now=datetime.now(UTC),
        guidelines=load_registry(settings.guidelines_dir or SHIPPED),
    )


def _run_with_session(
    settings: Settings, url: str, work: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    from grants.db.engine import build_engine, build_session_factory

    async def main() -> T:
        engine = build_engine(settings.model_copy(update={"database_url": url}))
        try:
            async with build_session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def _load_register_on_first_start(settings: Settings, url: str) -> None:
    """An empty municipality register gets the shipped one (every municipality of Saxony), so
    that every pre-check knows the keys and their area categories. A register with rows is
    the operator's and is left as it is (`municipalities import --shipped` updates it)."""
    import time

    from grants.context import Context
    from grants.guidelines.registry import GuidelineRegistry
    from grants.municipalities.service import load_shipped_register_if_empty

    def context(session: AsyncSession) -> Context:
        # The register needs no guidelines: a broken guideline file is reported by the app.
        return Context(
            session=session,
            actor=Actor.system("cli:first-start"),
            now=datetime.now(UTC),
            guidelines=GuidelineRegistry([]),
        )

    started = time.perf_counter()
    with _spinner("loading the municipality register …") as p:
        p.add_task("", total=None)
        summary = _run_with_session(
            settings, url, lambda session: load_shipped_register_if_empty(context(session))
        )
    if summary is not None:
        console.print(
            f"Gemeindeverzeichnis geladen (municipality register loaded): {summary.total} "
            f"Gemeinden in {time.perf_counter() - started:.2f} s",
            soft_wrap=True,  # one line, whatever the terminal's width
        )


@click.group()
@click.version_option(package_name="grants")
def main() -> None:
    """grants — Förderanträge verwalten (funding-application management)."""


@main.command()
@click.option("--host", default=None, help="Interface to bind (default GRANTS_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default GRANTS_PORT or 8000).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Worker processes.")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Start the API (embedded PostgreSQL unless GRANTS_DATABASE_URL is set)."""
    import uvicorn

    from grants.db.embedded import interrupt_on_sigterm, stop_embedded_postgres

    settings = _settings()
    # Before the database starts: a SIGTERM from here on ends through the finally below.
    interrupt_on_sigterm()
    jobs_worker: BackgroundWorker | None = None
    try:
        url = _database_url(settings)
        _load_register_on_first_start(settings, url)
        os.environ["GRANTS_DATABASE_URL"] = url  # inherited by the worker processes
        jobs_worker = _start_in_process_worker(settings, url)
        host, port = host or settings.host, port or settings.port
        console.print(f"grants listening on http://{host}:{port}", soft_wrap=True)
        console.print(f"API docs at http://{host}:{port}/docs", soft_wrap=True)
        uvicorn.run(
            "grants.app:create_app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers or settings.workers,
            log_config=None,
            access_log=False,  # our own access log carries the request id
            server_header=False,
            **settings.uvicorn_proxy_options(),  # GRANTS_TRUSTED_PROXIES; default: none
        )
    except KeyboardInterrupt:
        pass  # Ctrl-C or SIGTERM: a normal way to stop a server (exit status 0)
    finally:
        # Before the embedded database goes: the worker finishes its jobs in hand on it.
        if jobs_worker is not None and not jobs_worker.stop():
            console.print("[yellow]job worker did not stop in time[/yellow]")
        if settings.database_url is None:
            stop_embedded_postgres(settings.data_dir)


def _start_in_process_worker(settings: Settings, url: str) -> "BackgroundWorker | None":
    """The job worker of a single `grants serve` (GRANTS_SERVE_WORKER: auto = on the embedded
    database, where nobody starts `grants worker` beside it): mail is then delivered with
    nothing else running. A thread of this process, so it ends with the server."""
    from grants.http.logging_setup import configure_logging
    from grants.jobs.worker import BackgroundWorker
    from grants.settings import ServeWorker

    wanted = settings.serve_worker
    if wanted is ServeWorker.OFF or (wanted is ServeWorker.AUTO and settings.database_url):
        return None
    configure_logging(settings)  # the worker logs from this process, whatever uvicorn forks
    jobs_worker = BackgroundWorker(settings.model_copy(update={"database_url": url}))
    jobs_worker.start()
    console.print("job worker running in this process (GRANTS_SERVE_WORKER)")
    return jobs_worker


@main.command()
@click.option("--once", is_flag=True, help="Run the jobs due now, then exit.")
@click.option(
    "--poll-seconds",
    type=click.FloatRange(min=0.1, max=3600),
    default=None,
    help="Seconds between looks for due jobs when no notification came "
    "(default GRANTS_WORKER_POLL_SECONDS or 5).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 100),
    default=None,
    help="Jobs run at once (default GRANTS_WORKER_CONCURRENCY or 4).",
)
@click.option(
    "--queue",
    "queues",
    multiple=True,
    help="Only jobs of this queue (mail, scans, jobs, builtin); repeat for several. Default: all.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Run nothing: exit 0 if some worker's heartbeat is recent, else 1.",
)
def worker(
    once: bool,
    poll_seconds: float | None,
    concurrency: int | None,
    queues: tuple[str, ...],
    check: bool,
) -> None:
    """Run background jobs from the job queue: deliver queued e-mails (over SMTP with
    GRANTS_SMTP_URL, else as .eml files in GRANTS_DATA_DIR/mail), retry malware scans of
    quarantined attachments, retry the jobs of workers that died. Runs until SIGTERM or
    Ctrl-C (the jobs in hand are finished first); start more, on any machine, for more
    throughput.

    The schema is not migrated here (`grants serve` or `grants db upgrade` do that), so that
    a worker started beside the app never races it over a migration.
    """
    import signal

    from grants.http.logging_setup import configure_logging
    from grants.jobs.worker import Tally, serve_jobs

    settings = _settings()
    url = _database_url(settings, migrate=False)
    overrides: dict[str, object] = {"database_url": url}
    if poll_seconds is not None:
        overrides["worker_poll_seconds"] = poll_seconds
    if concurrency is not None:
        overrides["worker_concurrency"] = concurrency
    settings = settings.model_copy(update=overrides)
    if check:
        _check_workers(settings)
        return
    configure_logging(settings)
    tally = Tally()

    async def work() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        # Finish the jobs in hand, then stop: a message is never cut off mid-send.
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        if once:
            await _defer_due_rescan(settings)
        await serve_jobs(settings, stop=stop, once=once, queues=list(queues), tally=tally)

    console.print(f"job worker started{' (once)' if once else ''}")
    asyncio.run(work())
    sent = tally.succeeded[_DELIVER_TASK]
    failed = sum(tally.failed.values())
    if once:
        click.echo(
            f"mail: {sent} gesendet (sent), {tally.failed[_DELIVER_TASK]} fehlgeschlagen "
            "(failed, stay queued)"
        )
        if failed:
            click.echo(f"{failed} Jobs fehlgeschlagen (jobs failed, retried later)")
            sys.exit(1)  # for cron and scripts: something needs a look (see the log)
        return
    click.echo(
        f"worker stopped: {sent} E-Mails gesendet (mails sent), {failed} Jobs "
        "fehlgeschlagen (jobs failed)"
    )


_DELIVER_TASK = "mail.deliver"  # grants.notifications.worker.DELIVER_TASK, without the import


def _check_workers(settings: Settings) -> None:
    from grants.jobs.health import worker_health

    health = _run_with_session(
        settings,
        settings.sqlalchemy_url(),
        lambda session: worker_health(session, stalled_seconds=settings.worker_stalled_seconds),
    )
    oldest = health.oldest_due_seconds
    click.echo(
        f"{health.alive} Worker aktiv (workers alive); {health.due} Jobs fällig (due)"
        + (f", der älteste seit {oldest:.0f} s (oldest waiting {oldest:.0f} s)" if oldest else "")
        + f"; {health.failed} fehlgeschlagen (failed), {health.stalled} hängend (stalled)"
    )
    if not health.ok:
        sys.exit(1)


async def _defer_due_rescan(settings: Settings) -> None:
    """`worker --once` sweeps quarantined attachments too, without waiting for the minute's
    periodic tick."""
    from grants.applications.attachments.jobs import defer_sweep
    from grants.applications.attachments.service import rescan_due
    from grants.db.engine import build_engine, build_session_factory

    engine = build_engine(settings)
    try:
        async with build_session_factory(engine)() as session, session.begin():
            due = await session.scalar(sa.select(sa.exists().where(rescan_due(datetime.now(UTC)))))
            if due:
                await defer_sweep(session)
    finally:
        await engine.dispose()


@main.group()
def jobs() -> None:
    """The job queue (procrastinate): status, retry, cancel."""


def _with_queue(
    settings: Settings, work: Callable[[AsyncSession, "procrastinate.App"], Awaitable[T]]
) -> T:
    """Run ``work`` with a session of the app and an open procrastinate app."""
    from grants.jobs.app import build_app

    async def with_app(session: AsyncSession) -> T:
        app = build_app(settings, max_connections=2)
        async with app.open_async():
            return await work(session, app)

    return _run_with_session(settings, settings.sqlalchemy_url(), with_app)


def _queue_settings() -> Settings:
    settings = _settings()
    return settings.model_copy(update={"database_url": _database_url(settings, migrate=False)})


@jobs.command("status")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, help="Jobs listed at most.")
def jobs_status(limit: int) -> None:
    """Workers, jobs per task and state, and the jobs that need a look (failed, running,
    stalled, waiting for a retry)."""
    from grants.jobs.admin import jobs_needing_attention, task_counts
    from grants.jobs.health import worker_health

    settings = _queue_settings()
    stalled = settings.worker_stalled_seconds

    async def work(
        session: AsyncSession,
    ) -> "tuple[WorkerHealth, list[TaskCount], list[JobLine]]":
        return (
            await worker_health(session, stalled_seconds=stalled),
            await task_counts(session),
            await jobs_needing_attention(session, stalled_seconds=stalled, limit=limit),
        )

    health, counts, attention = _run_with_session(settings, settings.sqlalchemy_url(), work)
    heartbeat = health.last_heartbeat_seconds
    click.echo(
        f"workers: {health.alive} alive"
        + ("" if heartbeat is None else f", last heartbeat {heartbeat:.0f} s ago")
    )
    click.echo(
        f"jobs: {health.due} due, {health.waiting} waiting for a retry, "
        f"{health.failed} failed, {health.stalled} stalled"
    )
    for count in counts:
        states = ", ".join(f"{state} {n}" for state, n in sorted(count.counts.items()))
        click.echo(f"  {count.queue}/{count.task}: {states}")
    if attention:
        click.echo("needing a look:")
        for job in attention:
            click.echo(f"  {job.describe()}")


@jobs.command("retry")
@click.argument("job_ids", nargs=-1, type=click.IntRange(min=1))
@click.option("--failed", is_flag=True, help="Every failed job.")
@click.option("--stalled", is_flag=True, help="Every job of a worker that stopped answering.")
@click.option("--waiting", is_flag=True, help="Every job waiting for its back-off: run it now.")
def jobs_retry(job_ids: tuple[int, ...], failed: bool, stalled: bool, waiting: bool) -> None:
    """Run jobs again now: the JOB_IDS given (see `grants jobs status`), or all of a kind.
    Exit status 1 if a job named was not found or could not be retried."""
    from grants.jobs.admin import RetryOutcome, retry, select_jobs

    if bool(job_ids) == (failed or stalled or waiting):
        raise click.UsageError(
            "JOB_IDS oder --failed/--stalled/--waiting angeben, nicht beides "
            "(give JOB_IDS or --failed/--stalled/--waiting, not both)"
        )
    settings = _queue_settings()

    async def work(
        session: AsyncSession, app: "procrastinate.App"
    ) -> "tuple[list[RetryOutcome], set[int]]":
        found = await select_jobs(
            session,
            stalled_seconds=settings.worker_stalled_seconds,
            ids=list(job_ids),
            failed=failed,
            waiting=waiting,
            stalled=stalled,
        )
        now = datetime.now(UTC)
        outcomes = [await retry(app, job, now=now) for job in found]
        return outcomes, set(job_ids) - {job.id for job in found}

    outcomes, missing = _with_queue(settings, work)
    for outcome in outcomes:
        click.echo(f"#{outcome.job.id} {outcome.job.task}: {outcome.note}")
    for job_id in sorted(missing):
        click.echo(f"#{job_id}: nicht gefunden (not found)")
    if not outcomes and not missing:
        click.echo("nichts zu tun (nothing to retry)")
    if missing or not all(o.done for o in outcomes):
        sys.exit(1)


@jobs.command("cancel")
@click.argument("job_id", type=click.IntRange(min=1))
@click.option("--abort", is_flag=True, help="Also stop the job if a worker is running it.")
def jobs_cancel(job_id: int, abort: bool) -> None:
    """Cancel a waiting job (with --abort also a running one). A cancelled mail stays unsent
    in the outbox; `grants jobs retry JOB_ID` queues it again."""
    from grants.jobs.admin import cancel

    settings = _queue_settings()

    async def work(session: AsyncSession, app: "procrastinate.App") -> bool:
        return await cancel(app, job_id, abort=abort)

    if not _with_queue(settings, work):
        click.echo(
            f"#{job_id}: nicht abgebrochen: unbekannt, läuft oder schon beendet "
            "(not cancelled: unknown, running (try --abort) or finished)"
        )
        sys.exit(1)
    click.echo(f"#{job_id}: abgebrochen (cancelled{' or abort requested' if abort else ''})")


@main.group()
def db() -> None:
    """Database schema migrations (Alembic)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Upgrade the schema to REVISION (default: head)."""
    from grants.db import migrate

    url = _database_url(_settings(), migrate=False)
    migrate.upgrade(url, revision)
    console.print(f"database at {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION (e.g. -1 or base)."""
    from grants.db import migrate

    url = _database_url(_settings(), migrate=False)
    migrate.downgrade(url, revision)
    console.print(f"database at {revision}")


@db.command("current")
def db_current() -> None:
    """Show the current schema revision."""
    from grants.db import migrate

    migrate.current(_database_url(_settings(), migrate=False))


@main.group()
def users() -> None:
    """User administration."""


@users.command("create-staff")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([role.value for role in StaffRole]),
    help="Staff role; repeat for several.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of a prompt.",
)
def create_staff(
    email: str, display_name: str, roles: tuple[str, ...], password_stdin: bool
) -> None:
    """Create a staff user (or grant roles to an existing user)."""
    from grants.accounts.service import create_staff_user, normalise_email
    from grants.core.errors import DomainError

    settings = _settings()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    url = _database_url(settings)
    actor = Actor.system(f"cli:{getpass.getuser()}")
    try:
        user_id, created = _run_with_session(
            settings,
            url,
            lambda session: create_staff_user(
                _cli_context(session, settings, actor),
                email=email,
                display_name=display_name,
                password=password,
                roles=[StaffRole(r) for r in roles],
            ),
        )
    except DomainError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        for problem in exc.problems:
            console.print(f"  {problem.field}: {problem.message}")
        sys.exit(1)
    verb = "created" if created else "updated (password unchanged)"
    click.echo(f"staff user {normalise_email(email)} {verb}: {user_id}, roles {', '.join(roles)}")


def _run_all_or_nothing(
    settings: Settings, url: str, work: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """``work`` in one database transaction, committed only if it all succeeds: the
    services' own transactions become savepoints inside it (as in the tests)."""
    from grants.db.engine import build_engine

    async def main() -> T:
        engine = build_engine(settings.model_copy(update={"database_url": url}))
        try:
            async with engine.connect() as connection, connection.begin():
                session = AsyncSession(
                    bind=connection,
                    expire_on_commit=False,
                    join_transaction_mode="create_savepoint",
                )
                try:
                    return await work(session)
                finally:
                    await session.close()
        finally:
            await engine.dispose()

    return asyncio.run(main())


def _refused(exc: "DomainError") -> NoReturn:
    console.print(f"[red]{exc.detail}[/red]")
    for problem in exc.problems:
        console.print(f"  {problem.field}: {problem.message}")
    for key, value in (exc.extra or {}).items():
        console.print(f"  {key}: {value}")
    sys.exit(1)


def _accounts_table(title: str, accounts: "list[DemoAccount]") -> Table:
    """Address and password never wrap nor shorten, whatever the terminal's width (they are
    copied from here); the role and what the account has wrap instead."""
    table = Table(title=title)
    table.add_column(
        "e-mail", no_wrap=True, min_width=len(max((a.email for a in accounts), key=len, default=""))
    )
    table.add_column("password", no_wrap=True, min_width=19)
    table.add_column("role", overflow="fold")
    for account in accounts:
        role = f"{account.role}: {account.detail}" if account.detail else account.role
        table.add_row(account.email, account.password or "(exists; unchanged)", role)
    return table


def _demo_settings() -> Settings:
    """The settings, unless they are a production system's: demo accounts with passwords
    printed on a terminal, and a call filled with invented proposals, have no place there."""
    from grants.settings import Environment

    settings = _settings()
    if settings.environment is Environment.PRODUCTION:
        console.print(
            "[red]Keine Demo-Daten in Produktion (no demo data in production: "
            "GRANTS_ENVIRONMENT=production).[/red]"
        )
        sys.exit(2)
    return settings


@main.group()
def demo() -> None:
    """Demo data: accounts, a draft, and a call full of scored applications."""


@demo.command("seed")
@click.option(
    "--scenario",
    is_flag=True,
    help="Also fill the closed call 2024-1 with 30 applications, submitted, formally "
    "checked, assigned and scored: the ranking shows a funding line and a reserve at once.",
)
def demo_seed(scenario: bool) -> None:
    """Create a demo programme manager, four evaluators (in the pool) and an applicant with a
    complete draft and its concept PDF, ready to submit; print their passwords once. Existing
    demo accounts are kept (passwords unchanged). All or nothing."""
    import time

    from grants.core.errors import DomainError
    from grants.demo import SEED_STEPS, Uploads, seed_demo
    from grants.demo_scenario import ScenarioSummary, run_scenario, scenario_steps
    from grants.guidelines.loader import SHIPPED
    from grants.guidelines.registry import load_registry

    settings = _demo_settings()
    url = _database_url(settings)
    _load_register_on_first_start(settings, url)  # the demo draft names a municipality
    registry = load_registry(settings.guidelines_dir or SHIPPED)
    uploads = Uploads.from_settings(settings)
    total = SEED_STEPS + (scenario_steps() if scenario else 0)
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as progress:
        task = progress.add_task("seeding demo accounts", total=total)

        async def work(
            session: AsyncSession,
        ) -> "tuple[list[DemoAccount], ScenarioSummary | None]":
            accounts = await seed_demo(
                session,
                registry=registry,
                uploads=uploads,
                on_step=lambda: progress.advance(task),
            )
            if not scenario:
                return accounts, None
            progress.update(task, description="filling call 2024-1")
            summary = await run_scenario(
                session,
                registry=registry,
                uploads=uploads,
                on_step=lambda done: progress.update(task, advance=1, description=done[:40]),
            )
            progress.update(task, completed=total, description="done")
            return accounts, summary

        try:
            created, summary = _run_all_or_nothing(settings, url, work)
        except DomainError as exc:
            progress.stop()
            _refused(exc)
    elapsed = time.perf_counter() - started
    out = Console()
    out.print(_accounts_table("Demo accounts (passwords are shown only now)", created))
    if summary is None:
        out.print(f"demo seeded in {elapsed:.1f} s")
    elif summary.already_there:
        out.print(
            f"Szenario schon vorhanden (scenario already there): call {summary.call} has "
            f"{summary.applications} demo applications; nothing changed ({elapsed:.1f} s)."
        )
    else:
        out.print(
            f"Szenario (scenario): call {summary.call}: {summary.applications} applications "
            f"from {summary.organisations} organisations ({summary.acknowledged} with "
            f"acknowledged failing rules); {summary.in_review} in review, "
            f"{summary.information_requested} with a request for information, "
            f"{summary.rejection_proposed} with a proposed formal rejection; "
            f"{summary.assignments} assignments, {summary.sheets} score sheets; "
            f"in {elapsed:.1f} s."
        )
        out.print(
            "The applicant accounts of the scenario (…@demo.grants.example) have random "
            "passwords: `grants demo reset-passwords --email ADDRESS` gives one a new one."
        )


@demo.command("reset-passwords")
@click.option(
    "--email",
    "emails",
    multiple=True,
    help="Only this demo account (repeat for several); default: every demo account.",
)
def demo_reset_passwords(emails: tuple[str, ...]) -> None:
    """Give the demo accounts (addresses @demo.grants.example, no other) new passwords and
    print them once; their login sessions end."""
    from grants.core.errors import DomainError
    from grants.demo import reset_demo_passwords

    settings = _demo_settings()
    url = _database_url(settings)
    try:
        accounts = _run_with_session(
            settings, url, lambda session: reset_demo_passwords(session, emails=emails)
        )
    except DomainError as exc:
        _refused(exc)
    if not accounts:
        click.echo("no demo accounts (run `grants demo seed` first)")
        return
    Console().print(_accounts_table("New demo passwords (shown only now)", accounts))


@main.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("head")
def audit_head() -> None:
    """Print the latest signed tree head (SIZE:ROOT_HASH, when and with which key) and the
    public key. Keep the head outside the database (a ticket, a report; every letter prints
    one): `audit verify --head` then also detects a log rewritten and signed anew."""
    from grants.audit.heads import latest_head
    from grants.audit.signing import HeadSigner

    settings = _settings()
    url = _database_url(settings, migrate=False)
    head = _run_with_session(settings, url, latest_head)
    signer = HeadSigner.from_settings(settings)
    if head is None:
        click.echo("(no signed tree head yet: run `grants audit sequence` or a worker)")
    else:
        click.echo(f"{head.tree_size}:{head.root_hash}")
        click.echo(f"signed at {head.signed_at.isoformat()} with key {head.key_id}")
    click.echo(f"public key (Ed25519, hex): {signer.public_key.hex()} (key {signer.key_id})")


@audit.command("sequence")
def audit_sequence() -> None:
    """Put every committed entry into the tree and sign a head now (a worker does this every
    ten seconds); safe beside a running worker."""
    from grants.audit.sequencer import run_sequencer
    from grants.audit.signing import HeadSigner
    from grants.db.engine import build_engine, build_session_factory

    settings = _settings()
    url = _database_url(settings, migrate=False)

    async def work() -> int:
        engine = build_engine(settings.model_copy(update={"database_url": url}))
        try:
            return await run_sequencer(
                build_session_factory(engine),
                HeadSigner.from_settings(settings),
                lambda: datetime.now(UTC),
            )
        finally:
            await engine.dispose()

    click.echo(f"entries sequenced: {asyncio.run(work())}")


@audit.command("verify")
@click.option(
    "--head",
    "head_texts",
    multiple=True,
    help="SIZE:ROOT_HASH kept outside the database (`grants audit head`, a letter).",
)
@click.option(
    "--public-key",
    "public_keys",
    multiple=True,
    help="A former signing key's public key (hex), for heads signed before a key change.",
)
def audit_verify(head_texts: tuple[str, ...], public_keys: tuple[str, ...]) -> None:
    """Check every entry against its hash, the tree against every signed head and those
    heads' signatures; name the first break. Exit status 1 if broken."""
    from grants.audit.signing import HeadSigner
    from grants.audit.verify import Report, verify_audit_log
    from grants.core.audit_tree import TreeHead
    from grants.db.audit import count_audit_entries

    try:
        anchors = [TreeHead.parse(text) for text in head_texts]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--head") from None
    try:
        keys = [bytes.fromhex(text) for text in public_keys]
    except ValueError:
        raise click.BadParameter("hex digits expected", param_hint="--public-key") from None
    settings = _settings()
    url = _database_url(settings, migrate=False)
    keys.append(HeadSigner.from_settings(settings).public_key)

    async def work(session: AsyncSession) -> Report:
        async with session.begin():
            total = await count_audit_entries(session)
            with Progress(
                TextColumn("verifying audit log"),
                BarColumn(),
                MofNCompleteColumn(),
                console=console,
            ) as progress:
                task = progress.add_task("", total=total)
                return await verify_audit_log(
                    session,
                    public_keys=keys,
                    anchors=anchors,
                    on_progress=lambda n: progress.advance(task, n),
                )

    report = _run_with_session(settings, url, work)
    broken = report.first_break
    if broken is None:
        click.echo(
            f"audit log intact: {report.checked} entries verified, {report.tree_size} in the "
            f"tree (root {report.root_hash}), {report.heads_checked} tree heads checked"
        )
        if report.unsequenced:
            click.echo(
                f"{report.unsequenced} entries not yet in the tree (checked against their "
                "hashes only; `grants audit sequence` adds them)"
            )
        return
    where = "" if broken.seq is None else f" at entry {broken.seq}"
    click.echo(f"audit log BROKEN{where}: {broken.reason}")
    sys.exit(1)


@main.group()
def letters() -> None:
    """Letters (Bescheide) issued on the job queue."""


@letters.command("watch")
@click.argument("batch_id", type=click.UUID)
@click.option("--once", is_flag=True, help="Show where the batch stands now, then exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1, max=60),
    default=1.0,
    show_default=True,
    help="Seconds between looks at the batch.",
)
def letters_watch(batch_id: uuid.UUID, once: bool, interval: float) -> None:
    """A progress bar of a letter batch (ordered with POST /api/calls/{g}/{c}/letter-batches)
    until every letter is issued or failed; then the failures with their reasons. Exit status
    1 if any failed (they stay failed until ordered again), 2 if there is no such batch."""
    from grants.letters.service import BatchProgress, batch_progress

    settings = _settings()
    url = _database_url(settings, migrate=False)

    async def work(session: AsyncSession) -> BatchProgress | None:
        state = await batch_progress(session, batch_id)
        if state is None:
            return None
        with Progress(
            TextColumn("Schreiben (letters)"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} fehlgeschlagen (failed)"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("", total=state.total, failed=state.failed)
            while True:
                progress.update(task, completed=state.finished, failed=state.failed)
                if once or state.pending == 0:
                    return state
                await asyncio.sleep(interval)
                found = await batch_progress(session, batch_id)
                state = state if found is None else found

    state = _run_with_session(settings, url, work)
    if state is None:
        click.echo(f"Auftrag {batch_id} nicht gefunden (letter batch not found)")
        sys.exit(2)
    click.echo(
        f"{state.issued} von {state.total} ausgestellt, {state.failed} fehlgeschlagen, "
        f"{state.pending} offen ({state.issued} issued, {state.failed} failed, "
        f"{state.pending} pending)"
    )
    for decision_id, error in state.errors:
        click.echo(f"  Bescheid {decision_id}: {error}")
    if state.failed:
        sys.exit(1)


@main.group()
def municipalities() -> None:
    """Gemeindeverzeichnis mit LEP-2013-Raumkategorien (municipality register)."""


# At most this many validation problems are printed; the rest are counted in one line.
_MAX_PROBLEMS_SHOWN = 50


@municipalities.command("import")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option(
    "--shipped",
    is_flag=True,
    help="Import the shipped register (all 418 Saxon municipalities, see its README).",
)
@click.option(
    "--demo", is_flag=True, help="Import the shipped demo file (39 Saxon municipalities)."
)
def municipalities_import(file: str | None, shipped: bool, demo: bool) -> None:
    """Import (insert or update) municipalities from a CSV FILE, all or nothing.

    Columns: key,name,district,population,area_category, optionally population_date and
    area_category_source; comma or semicolon separated, UTF-8.
    Invalid files are refused with FILE:LINE: column: reason, and nothing is written.
    `grants serve` loads the shipped register by itself into an empty database.
    """
    import hashlib
    from pathlib import Path

    from grants.municipalities.csv_format import parse_bytes
    from grants.municipalities.service import (
        DEMO_FILE,
        SHIPPED_FILE,
        import_municipalities,
        shipped_file,
    )

    if (file is not None) + shipped + demo != 1:
        raise click.UsageError(
            "genau eines angeben: FILE, --shipped oder --demo "
            "(give exactly one of FILE, --shipped, --demo)"
        )
    settings = _settings()
    if file is None:
        packaged = shipped_file(SHIPPED_FILE if shipped else DEMO_FILE)
        source, data = packaged.name, packaged.data
    else:
        source, data = file, Path(file).read_bytes()
    # Validate before touching the database: a bad file needs no server, and is refused whole.
    parsed = parse_bytes(data)
    if not parsed.ok:
        for problem in parsed.problems[:_MAX_PROBLEMS_SHOWN]:
            click.echo(problem.render(source), err=True)
        hidden = len(parsed.problems) - _MAX_PROBLEMS_SHOWN
        if hidden > 0:
            click.echo(f"… und {hidden} weitere Fehler (and {hidden} more problems)", err=True)
        click.echo(
            f"{source}: nichts importiert (nothing imported): "
            f"{len(parsed.problems)} Fehler (problems)",
            err=True,
        )
        sys.exit(1)

    url = _database_url(settings)
    actor = Actor.system(f"cli:{getpass.getuser()}")
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as progress:
        task = progress.add_task("importing municipalities", total=len(parsed.rows))
        summary = _run_with_session(
            settings,
            url,
            lambda session: import_municipalities(
                _cli_context(session, settings, actor),
                parsed.rows,
                source_sha256=hashlib.sha256(data).hexdigest(),
                source_name=Path(source).name,
                on_progress=lambda n: progress.advance(task, n),
            ),
        )
    click.echo(
        f"{source}: {summary.total} Gemeinden (municipalities), "
        f"{summary.inserted} neu (inserted), {summary.updated} geändert (updated), "
        f"{summary.unchanged} unverändert (unchanged)"
    )


@main.group()
def guidelines() -> None:
    """Funding guidelines (Förderrichtlinien) as data files."""


@guidelines.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def guidelines_validate(files: tuple[str, ...]) -> None:
    """Check guideline FILES before use; print each one's content hash, or every error as
    FILE: key: reason (exit status 1)."""
    from pathlib import Path

    from grants.guidelines.declarations import is_texts_file
    from grants.guidelines.loader import GuidelineError, load_guideline

    failed = False
    for name in files:
        if is_texts_file(Path(name)):
            # Checked with its guideline (FILE.yaml loads FILE.texts.yaml beside it).
            click.echo(f"{name}: the declarations and authority of its guideline; checked with it")
            continue
        try:
            guideline = load_guideline(Path(name))
        except GuidelineError as exc:
            click.echo(str(exc), err=True)
            failed = True
            continue
        click.echo(
            f"{name}: OK — {guideline.id} {guideline.version}, {len(guideline.calls)} call(s), "
            f"content hash {guideline.content_hash}"
        )
    if failed:
        sys.exit(1)


@guidelines.command("list")
def guidelines_list() -> None:
    """The guidelines this installation serves (GRANTS_GUIDELINES_DIR or the shipped ones)."""
    from grants.guidelines.loader import SHIPPED
    from grants.guidelines.registry import load_registry

    settings = _settings()
    for guideline in load_registry(settings.guidelines_dir or SHIPPED).all():
        calls = ", ".join(c.code for c in guideline.calls)
        click.echo(f"{guideline.id} {guideline.version} {guideline.content_hash} calls: {calls}")
