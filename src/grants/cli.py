"""The ``grants`` command: serve, worker, db, users, demo, audit."""

import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.actors import Actor
from grants.core.roles import StaffRole
from grants.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:  # the CLI imports the heavy parts only when a command needs them
    from grants.context import Context

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
        from grants.db.embedded import start_embedded_postgres

        with _spinner(f"starting embedded PostgreSQL in {settings.data_dir}/postgres …") as p:
            p.add_task("", total=None)
            url = start_embedded_postgres(settings.data_dir)
        console.print(f"embedded PostgreSQL ready ({settings.data_dir}/postgres)")
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

    settings = _settings()
    url = _database_url(settings)
    os.environ["GRANTS_DATABASE_URL"] = url  # inherited by the worker processes
    host, port = host or settings.host, port or settings.port
    console.print(
        f"grants listening on http://{host}:{port} — API docs at http://{host}:{port}/docs"
    )
    uvicorn.run(
        "grants.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers or settings.workers,
        log_config=None,
        access_log=False,  # our own access log carries the request id
        server_header=False,
    )


@main.command()
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option(
    "--poll-seconds",
    type=click.FloatRange(min=0.1, max=3600),
    default=None,
    help="Seconds between looks for due mail (default GRANTS_WORKER_POLL_SECONDS or 5).",
)
def worker(once: bool, poll_seconds: float | None) -> None:
    """Deliver queued e-mails (over SMTP with GRANTS_SMTP_URL, else as .eml files in
    GRANTS_DATA_DIR/mail) and retry malware scans of quarantined attachments. Runs until
    SIGTERM or Ctrl-C; start several for more throughput.

    The schema is not migrated here (`grants serve` or `grants db upgrade` do that), so that
    a worker started beside the app never races it over a migration.
    """
    import signal

    from grants.applications.attachments.jobs import run_rescanner
    from grants.applications.attachments.scanner import scanner_from_settings
    from grants.applications.attachments.service import rescan_pending
    from grants.applications.attachments.storage import storage_from_settings
    from grants.db.engine import build_engine, build_session_factory
    from grants.http.logging_setup import configure_logging
    from grants.notifications.mailers import build_mailer
    from grants.notifications.worker import deliver_all_due, run_worker

    settings = _settings()
    url = _database_url(settings, migrate=False)
    settings = settings.model_copy(update={"database_url": url})
    configure_logging(settings)
    mailer = build_mailer(settings)
    storage, scanner = storage_from_settings(settings), scanner_from_settings(settings)

    async def work() -> tuple[int, int | None]:
        engine = build_engine(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        # Finish the message in hand, then stop: a message is never cut off mid-send.
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        try:
            factory = build_session_factory(engine)
            if once:
                await rescan_pending(factory, storage, scanner, now=datetime.now(UTC))
                report = await deliver_all_due(
                    factory, mailer, now=datetime.now(UTC), mail_from=settings.mail_from, stop=stop
                )
                return report.sent, report.failed
            interval = poll_seconds or settings.worker_poll_seconds
            rescanner = asyncio.create_task(
                run_rescanner(factory, storage, scanner, poll_seconds=interval, stop=stop)
            )
            sent = await run_worker(
                factory, mailer, mail_from=settings.mail_from, poll_seconds=interval, stop=stop
            )
            await rescanner
            return sent, None
        finally:
            await engine.dispose()

    console.print(f"mail worker delivering to {mailer!r}{' (once)' if once else ''}")
    sent, failed = asyncio.run(work())
    if failed is None:
        click.echo(f"mail worker stopped: {sent} gesendet (sent)")
        return
    click.echo(f"mail: {sent} gesendet (sent), {failed} fehlgeschlagen (failed, stay queued)")
    if failed:
        sys.exit(1)  # for cron and scripts: something needs a look (see the log)


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


@main.group()
def demo() -> None:
    """Demo data."""


@demo.command("seed")
def demo_seed() -> None:
    """Create a demo programme manager, evaluator and applicant (with a draft application);
    print their passwords once."""
    from grants.demo import seed_demo
    from grants.guidelines.loader import SHIPPED
    from grants.guidelines.registry import load_registry

    settings = _settings()
    url = _database_url(settings)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as progress:
        task = progress.add_task("seeding demo accounts", total=3)
        created = _run_with_session(
            settings,
            url,
            lambda session: seed_demo(
                session,
                registry=load_registry(settings.guidelines_dir or SHIPPED),
                on_step=lambda: progress.advance(task),
            ),
        )
    table = Table(title="Demo accounts (passwords are shown only now)")
    for column in ("role", "e-mail", "password"):
        table.add_column(column)
    for account in created:
        table.add_row(account.role, account.email, account.password or "(exists; unchanged)")
    Console().print(table)


@main.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("head")
def audit_head() -> None:
    """Print the newest entry as SEQ:HASH. Keep it outside the database (a signed report, a
    ticket): `audit verify --anchor` then also detects removal of the newest entries."""
    from grants.db.audit import audit_head as head_of

    settings = _settings()
    url = _database_url(settings, migrate=False)
    anchor = _run_with_session(settings, url, head_of)
    click.echo("(empty)" if anchor is None else str(anchor))


@audit.command("verify")
@click.option("--anchor", "anchor_text", help="SEQ:HASH printed earlier by `grants audit head`.")
def audit_verify(anchor_text: str | None) -> None:
    """Walk the hash chain; name the first broken entry. Exit status 1 if broken."""
    from grants.core.audit_chain import Anchor
    from grants.db.audit import count_audit_entries, verify_audit_log

    try:
        anchor = None if anchor_text is None else Anchor.parse(anchor_text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--anchor") from None
    settings = _settings()
    url = _database_url(settings, migrate=False)

    async def work(session: AsyncSession) -> tuple[int, object]:
        total = await count_audit_entries(session)
        with Progress(
            TextColumn("verifying audit log"), BarColumn(), MofNCompleteColumn(), console=console
        ) as progress:
            task = progress.add_task("", total=total)
            return await verify_audit_log(
                session, anchor=anchor, on_progress=lambda n: progress.advance(task, n)
            )

    checked, broken = _run_with_session(settings, url, work)
    if broken is None:
        click.echo(f"audit log intact: {checked} entries verified")
        return
    click.echo(f"audit log BROKEN at entry {broken.seq}: {broken.reason}")  # type: ignore[attr-defined]
    sys.exit(1)


@main.group()
def municipalities() -> None:
    """Gemeindeverzeichnis mit LEP-2013-Raumkategorien (municipality register)."""


# At most this many validation problems are printed; the rest are counted in one line.
_MAX_PROBLEMS_SHOWN = 50


@municipalities.command("import")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option(
    "--demo", is_flag=True, help="Import the shipped demo file (39 Saxon municipalities)."
)
def municipalities_import(file: str | None, demo: bool) -> None:
    """Import (insert or update) municipalities from a CSV FILE, all or nothing.

    Columns: key,name,district,population,area_category; comma or semicolon separated, UTF-8.
    Invalid files are refused with FILE:LINE: column: reason, and nothing is written.
    """
    import hashlib
    from importlib import resources
    from pathlib import Path

    from grants.municipalities.csv_format import parse_bytes
    from grants.municipalities.service import import_municipalities

    if demo == (file is not None):
        raise click.UsageError("entweder FILE oder --demo angeben (give either FILE or --demo)")
    settings = _settings()
    if file is None:
        demo_file = resources.files("grants.municipalities") / "data" / "sachsen_demo.csv"
        source, data = demo_file.name, demo_file.read_bytes()
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

    from grants.guidelines.loader import GuidelineError, load_guideline

    failed = False
    for name in files:
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
