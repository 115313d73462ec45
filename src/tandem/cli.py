"""The ``tandem`` command: serve, load the demo company, create users, check health."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tandem.attribution_cli import attribution_app
from tandem.scoring_cli import scoring_app

app = typer.Typer(
    help="Tandem: one revenue process for marketing and sales.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)


def _django() -> None:
    """Configure Django on first use, so `tandem --help` stays instant."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    from tandem.config import ConfigError

    try:
        django.setup()
    except ConfigError as exc:
        err.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from None


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    prod: Annotated[
        bool, typer.Option("--prod", help="Serve with gunicorn (also when TANDEM_ENV=production).")
    ] = False,
    workers: Annotated[int, typer.Option(help="Web worker processes with --prod.")] = 3,
    worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="Also run the background worker.")
    ] = True,
) -> None:
    """Apply migrations, then run the web server and the background worker."""
    if prod:
        # A production server shows no debug pages unless asked to explicitly.
        os.environ.setdefault("TANDEM_DEBUG", "0")
    _django()
    from django.conf import settings
    from django.core.management import call_command

    production = prod or settings.CONFIG.production
    _migrate()
    # A service manager stops us with SIGTERM: turn it into a normal exit so the
    # children (web server, worker) are stopped below instead of left running.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    children: list[subprocess.Popen[bytes]] = []
    if worker:
        children.append(subprocess.Popen([sys.executable, "-m", "tandem", "worker"]))
    console.print(f"Tandem is serving on [bold]http://{host}:{port}[/bold]  (Ctrl+C to stop)")
    try:
        if production:
            call_command("collectstatic", interactive=False, verbosity=0)
            web = subprocess.Popen(
                [
                    sys.executable, "-m", "gunicorn", "tandem.wsgi:application",
                    "--bind", f"{host}:{port}", "--workers", str(workers),
                    "--access-logfile", "-", "--timeout", "120",
                ]
            )  # fmt: skip
            children.append(web)
            web.wait()
        else:
            call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)


@app.command()
def worker() -> None:
    """Run the background worker (Huey consumer) in the foreground."""
    _django()
    from django.core.management import call_command

    call_command("run_huey", workers=2, worker_type="thread")


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same company.")] = 42,
    scale: Annotated[
        float, typer.Option(help="Multiply every count, e.g. 0.1 for a small demo.")
    ] = 1.0,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the store already has data.")
    ] = False,
) -> None:
    """Load a realistic, deterministic demo company into an empty store."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    _django()
    _migrate()
    from tandem.crm.demo import DEMO_USERS, load_demo, store_is_empty

    if not store_is_empty():
        if if_empty:
            console.print("The store already has data; the demo was not loaded.")
            return
        err.print(
            "[red]The store already has data.[/red] The demo loads only into an empty store; "
            "point TANDEM_DATA_DIR or TANDEM_DATABASE_URL at a new one."
        )
        raise typer.Exit(1)
    columns = (TextColumn("{task.description:<32}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        summary = load_demo(seed=seed, scale=scale, progress=progress)
        # Score with the rules in force so every contact page explains its score.
        from tandem.qualification.scoring_services import rescore_all

        rescore_all(progress=progress)
        # The demo's deals were written straight to the store: tell the owners and
        # marketing about the latest wins, as a live workspace would have.
        from tandem.closedloop.notifications import announce_recent_wins

        announce_recent_wins(12, progress=progress)
    console.print(
        f"Loaded {summary.accounts:,} accounts, {summary.contacts:,} contacts, "
        f"{summary.campaigns:,} campaigns, {summary.touchpoints:,} touchpoints and "
        f"{summary.opportunities:,} opportunities in {summary.seconds:.1f} s."
    )
    table = Table(title="Demo users (all with the password shown)")
    for column in ("username", "role", "team", "password"):
        table.add_column(column)
    for user in DEMO_USERS:
        table.add_row(user.username, user.role, user.team, user.password)
    console.print(table)


@app.command()
def createuser(
    username: Annotated[str, typer.Option(prompt=True)],
    role: Annotated[
        str, typer.Option(prompt=True, help="marketing, sales_rep, sales_manager or admin")
    ],
    email: Annotated[str, typer.Option()] = "",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create a user with a role."""
    _django()
    _migrate()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from tandem.errors import TandemError
    from tandem.people.services import create_user

    try:
        validate_password(password)
        user = create_user(username=username, password=password, role=role, email=email)
    except ValidationError as exc:
        err.print(f"[red]Password refused:[/red] {' '.join(exc.messages)}")
        raise typer.Exit(1) from None
    except TandemError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Created {user.username} ({user.role_label}).")


@app.command()
def token(
    username: Annotated[str, typer.Argument(help="Whose token")],
    name: Annotated[str, typer.Option(help="What the token is for")] = "API token",
) -> None:
    """Issue a personal API token; the secret is shown once."""
    _django()
    from tandem.people.models import User
    from tandem.people.services import issue_token

    user = User.objects.filter(username=username).first()
    if user is None:
        err.print(f"[red]No user named {username!r}.[/red]")
        raise typer.Exit(1)
    _, secret = issue_token(user, name=name)
    console.print(secret)


@app.command()
def check() -> None:
    """Check the configuration, the database and the job queue."""
    from tandem import config

    ok = True
    try:
        cfg = config.load()
    except config.ConfigError as exc:
        err.print(f"[red]✗ configuration:[/red] {exc}")
        raise typer.Exit(2) from None
    console.print(f"✓ configuration: data in {cfg.data_dir}, database {cfg.database_vendor}")
    _django()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        console.print(
            f"✓ database answers ({(time.perf_counter() - started) * 1000:.0f} ms, "
            f"{connection.vendor})"
        )
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            ok = False
            console.print(
                f"[yellow]! {len(pending)} migration(s) not applied[/yellow]: "
                "`tandem serve` applies them"
            )
        else:
            console.print("✓ database schema is up to date")
    except Exception as exc:  # report any driver error as a failed check
        ok = False
        err.print(f"[red]✗ database:[/red] {exc}")
    try:
        from huey.contrib.djhuey import HUEY

        HUEY.pending_count()
        console.print(f"✓ job queue reachable ({type(HUEY).__name__})")
    except Exception as exc:  # same: any storage error is a failed check
        ok = False
        err.print(f"[red]✗ job queue:[/red] {exc}")
    if not ok:
        raise typer.Exit(1)


@scoring_app.command()
def rescore() -> None:
    """Rescore every contact in the store with the rules in force, showing progress."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    _django()
    _migrate()
    from tandem.qualification.scoring_services import rescore_all

    with Progress(TextColumn("{task.description:<32}"), BarColumn(), MofNCompleteColumn()) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total or None)
            bar.update(tasks[step], completed=done, total=total or None)

        result = rescore_all(progress=progress)
    console.print(f"Scored {result['scored']:,} contacts; {result['moved_to_mql']:,} moved to MQL.")


app.add_typer(scoring_app, name="scoring")
app.add_typer(attribution_app, name="attribution")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context) -> None:
    """Run a Django management command, e.g. `tandem manage migrate`."""
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tandem manage", *ctx.args])


if __name__ == "__main__":
    app()
