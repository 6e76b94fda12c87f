"""The `econcierge` command: serve the API, and (later) workers, tokens and audits."""

from __future__ import annotations

import click

from infra.settings import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """e-Concierge: the backend of a shared IT staff service.

    Configuration comes from ECONCIERGE_* environment variables (see README).
    Without ECONCIERGE_DATABASE_URL everything runs embedded on SQLite under
    ECONCIERGE_DATA_DIR (default ./var).
    """
    from infra.logs import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)  # JSON lines on stderr (issue 10)


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port to listen on (default 8000).")
@click.option(
    "--with-workers/--no-workers",
    default=None,
    help="Also keep the views (and the NATS relay, with ECONCIERGE_NATS_URL) up to date in this "
    "process. Default: on for the embedded SQLite store, off on PostgreSQL, where the "
    "workers run as their own processes (`econcierge worker ...`).",
)
def serve(host: str | None, port: int | None, with_workers: bool | None) -> None:
    """Run the HTTP API (docs at /docs, metrics at /metrics); SIGTERM stops it gracefully."""
    from api.server import check_configuration, serve_api
    from infra.tokens import TokenError

    settings = Settings.from_env()
    try:  # before anything is built: a refused configuration creates no file
        check_configuration(settings)
    except SystemExit as refused:
        raise click.ClickException(str(refused.code)) from None
    except TokenError as refused:
        raise click.ClickException(str(refused)) from None
    host = host or settings.host
    port = port or settings.port
    if with_workers is None:
        with_workers = not settings.database_url
    store = "PostgreSQL" if settings.database_url else f"SQLite at {settings.sqlite_path}"
    click.echo(f"e-Concierge API on http://{host}:{port} (docs: /docs), events in {store}")
    serve_api(settings, host, port, with_workers)


@main.command()
@click.option("--role", required=True, type=click.Choice(["customer", "concierge", "operator", "billing", "compliance"]))
@click.option("--sub", required=True, help="Who the token is for (a user id or name).")
@click.option("--contract", "contracts", multiple=True, help="Contract id a customer contact acts for (repeatable).")
@click.option("--concierge", default=None, help="The concierge id of a concierge.")
@click.option(
    "--hours", default=12, show_default=True, type=click.IntRange(1, 24 * 30), help="Hours until the token expires."
)
def token(role: str, sub: str, contracts: tuple[str, ...], concierge: str | None, hours: int) -> None:
    """Print a development bearer token signed with the configured secret.

    The server and this command share the secret: ECONCIERGE_JWT_SECRET, or the one
    generated into the data directory. Use it as `Authorization: Bearer <token>`.
    A concierge acts as its concierge id (--concierge, else --sub).
    """
    from datetime import timedelta

    from domain.meta import Role
    from infra.tokens import TokenError, TokenService

    if role == "customer" and not contracts:
        raise click.UsageError("a customer token needs at least one --contract ID")
    try:
        tokens = TokenService(Settings.from_env())
        click.echo(
            tokens.issue(
                sub=sub, role=Role(role), contracts=contracts, concierge=concierge, ttl=timedelta(hours=hours)
            )
        )
    except TokenError as error:
        raise click.ClickException(str(error)) from None


# ---- projections (issue 6): workers, rebuild, status ---------------------------------------


def _subgroup(name: str, help_text: str) -> click.Group:
    """The `name` command group, created once even if several sections add commands to it."""
    existing = main.commands.get(name)
    if isinstance(existing, click.Group):
        return existing
    group = click.Group(name, help=help_text)
    main.add_command(group)
    return group


@_subgroup("worker", "Run a long-lived worker process.").command("projections")
@click.argument("names", nargs=-1)
@click.option("--batch-size", default=500, show_default=True, help="Events per transaction.")
@click.option("--poll-interval", default=None, type=float, help="Seconds between polls (default 1 on PostgreSQL).")
def worker_projections(names: tuple[str, ...], batch_size: int, poll_interval: float | None) -> None:
    """Keep the views (all, or NAMES) up to date from the event log until stopped."""
    from workers.projections import run_worker

    run_worker(Settings.from_env(), names, batch_size=batch_size, poll_interval=poll_interval)


@_subgroup("projections", "Inspect and rebuild the read-side views.").command("rebuild")
@click.argument("names", nargs=-1)
def projections_rebuild(names: tuple[str, ...]) -> None:
    """Drop the views (all, or NAMES) and rebuild them from the first event."""
    from workers.projections import rebuild_views

    try:
        rebuild_views(Settings.from_env(), names)
    except LookupError as error:
        raise click.UsageError(str(error)) from None


@_subgroup("projections", "Inspect and rebuild the read-side views.").command("status")
def projections_status() -> None:
    """Show each view's position, the log's head and how far behind it is."""
    from workers.projections import show_status

    show_status(Settings.from_env())


@_subgroup("worker", "Run a long-lived worker process.").command("relay")
@click.option(
    "--from", "from_position", default=None, type=click.IntRange(min=1),
    help="Re-publish from this store position (consumers de-duplicate by event id).",
)
def worker_relay(from_position: int | None) -> None:
    """Publish every event to NATS JetStream (ECONCIERGE_NATS_URL) until stopped."""
    import logging

    from workers.relay_runner import run_relay

    settings = Settings.from_env()
    if not settings.nats_url:
        raise click.UsageError("set ECONCIERGE_NATS_URL (e.g. nats://127.0.0.1:4222)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_relay(settings, from_position)


@main.command()
@click.option("--write", is_flag=True, help="Write docs/asyncapi.json and docs/schemas/ instead of printing.")
@click.option("--docs", "docs_dir", default="docs", show_default=True, type=click.Path(file_okay=False))
def asyncapi(write: bool, docs_dir: str) -> None:
    """Print (or write) the AsyncAPI 3.0 document and JSON Schemas of the published events."""
    from pathlib import Path

    from infra.event_contract.publish_docs import write_docs
    from infra.event_contract.schema import asyncapi_document, encode_document

    if not write:
        click.echo(encode_document(asyncapi_document()).decode(), nl=False)
        return
    for path in write_docs(Path(docs_dir)):
        click.echo(f"wrote {path}")


@main.command()
@click.option("--durable", default="econcierge-listen", show_default=True, help="Durable consumer name.")
@click.option("--filter", "filter_subject", default=None, help="Subject filter, e.g. econcierge.events.contract.>")
@click.option("--count", default=None, type=click.IntRange(min=1), help="Stop after this many events.")
def listen(durable: str, filter_subject: str | None, count: int | None) -> None:
    """Print published events as they arrive (a durable pull consumer on the events stream)."""
    import asyncio
    import contextlib

    from infra.event_contract.listen import listen as run_listener

    settings = Settings.from_env()
    if not settings.nats_url:
        raise click.UsageError("set ECONCIERGE_NATS_URL (e.g. nats://127.0.0.1:4222)")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            run_listener(settings, durable=durable, filter_subject=filter_subject, count=count, out=click.echo)
        )


# ---- the 24-hour response check (issue 3, rule O3) ----------------------------------------


@_subgroup("worker", "Run a long-lived worker process.").command("response-targets")
@click.option(
    "--interval", default=None, type=click.FloatRange(min=0, min_open=True),
    help="Seconds between passes (default 60).",
)
@click.option("--once", is_flag=True, help="Run one pass and exit.")
def worker_response_targets(interval: float | None, once: bool) -> None:
    """Record ResponseTargetMissed on open tickets with no arrival after 24 hours (O3)."""
    import logging
    import signal
    import threading

    from infra.bootstrap import build
    from workers.health import Heartbeat, worker_health
    from workers.response_target import (
        DEFAULT_INTERVAL_SECONDS,
        PASS_SECONDS,
        run_forever,
        run_once,
    )

    log_format = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=logging.INFO, format=log_format)
    settings = Settings.from_env()
    service = build(settings)
    try:
        if once:
            click.echo(f"recorded {run_once(service)} missed response target(s)")
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):  # finish the pass under way, then exit
            signal.signal(signum, lambda *_: stop.set())
        click.echo("response-target worker running; SIGTERM or Ctrl-C stops it", err=True)
        every = interval or DEFAULT_INTERVAL_SECONDS
        heartbeat = Heartbeat(every + PASS_SECONDS)
        # /metrics, /healthz, /readyz on ECONCIERGE_WORKER_HEALTH_PORT (workers/health.py)
        with worker_health(settings, service, "response-targets", heartbeat.alive):
            run_forever(service, every, stop, heartbeat=heartbeat.beat)
    finally:
        service.close()


# ---- the provable trail (issue 9): verify, digest, seal --------------------------------------

_audit = _subgroup("audit", "Verify the tamper-evident trail, print and seal its digests.")


@_audit.command("verify")
@click.option("--from", "from_position", default=None, type=click.IntRange(min=1), help="Start at this log position (its checkpoint is checked whole).")
@click.option("--contract", "contract_id", default=None, type=click.UUID, help="Check only this contract's chains (every checkpoint still).")
@click.option("--against-nats", is_flag=True, help="Also compare the checkpoints with the digests published on NATS.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def audit_verify(from_position: int | None, contract_id: object, against_nats: bool, as_json: bool) -> None:
    """Recompute every hash chain and checkpoint; exit 1 at the first break found."""
    import msgspec
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from infra.bootstrap import build
    from infra.verify import verify

    settings = Settings.from_env()
    published = None
    if against_nats:
        if not settings.nats_url:
            raise click.UsageError("--against-nats needs ECONCIERGE_NATS_URL")
        from infra.digests import published_checkpoints

        published = published_checkpoints(settings)
    service = build(settings)
    console = Console(stderr=True)
    try:
        columns = (TextColumn("verify"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=as_json) as progress:
            task = progress.add_task("verify", total=None)
            report = verify(
                service,
                from_position=from_position,
                contract_id=contract_id,  # type: ignore[arg-type]
                published=published,
                on_progress=lambda at, head: progress.update(task, completed=at, total=head),
            )
    finally:
        service.close()
    if as_json:
        click.echo(msgspec.json.encode(report).decode())
    elif report.ok:
        sealed = f", {report.checkpoints} checkpoint(s) recomputed" if report.checkpoints else ""
        against = f", {report.published} published digest(s) match" if report.published is not None else ""
        click.echo(f"trail verified: {report.events} events of {report.aggregates} aggregates "
                   f"from position {report.start} to {report.head}{sealed}{against}")  # fmt: skip
    else:
        first = report.breaks[0]
        where = f"position {first.position}"
        if first.aggregate_id:
            where += f", aggregate {first.aggregate_id} version {first.version} ({first.topic})"
        if first.checkpoint:
            where += f", checkpoint {first.checkpoint}"
        click.echo(f"TRAIL BROKEN at {where}: {first.detail}", err=True)
        for other in report.breaks[1:]:
            click.echo(f"  also at position {other.position} [{other.kind}]: {other.detail}", err=True)
    if not report.ok:
        raise SystemExit(1)


@_audit.command("digest")
@click.option("--all", "every", is_flag=True, help="Every checkpoint, one JSON per line (to keep, or for verify_export.py --digests).")
def audit_digest(every: bool) -> None:
    """Print the latest checkpoint (JSON) for someone to keep outside our systems."""
    import msgspec

    from infra.bootstrap import build
    from infra.checkpoints import CheckpointRecordError, checkpoints

    service = build(Settings.from_env())
    try:
        sealed = checkpoints(service)
    except CheckpointRecordError as error:
        raise click.ClickException(str(error)) from None
    finally:
        service.close()
    if not sealed:
        raise click.ClickException("no checkpoint yet: run `econcierge audit seal`")
    for checkpoint in sealed if every else sealed[-1:]:
        click.echo(msgspec.json.encode(checkpoint).decode())


@_audit.command("seal")
@click.option("--every", default=None, type=click.FloatRange(min=1), help="Keep sealing every N seconds (a worker) instead of once.")
def audit_seal(every: float | None) -> None:
    """Seal a checkpoint over the new events and publish it on NATS (if configured)."""
    import logging
    import signal
    import threading

    import msgspec

    from infra.bootstrap import build
    from infra.sealer import ROUND_SECONDS, run_sealer, seal_and_publish
    from workers.health import Heartbeat, worker_health

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    service = build(settings)
    try:
        if every is None:
            checkpoint, published = seal_and_publish(service, settings)
            if checkpoint is None:
                click.echo("nothing new to seal")
            else:
                click.echo(msgspec.json.encode(checkpoint).decode())
            if settings.nats_url:
                click.echo(f"published {published} digest(s) on NATS", err=True)
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        heartbeat = Heartbeat(every + ROUND_SECONDS)
        # /metrics, /healthz, /readyz on ECONCIERGE_WORKER_HEALTH_PORT (workers/health.py)
        with worker_health(settings, service, "sealer", heartbeat.alive):
            run_sealer(
                service,
                settings,
                every,
                stop,
                report=lambda c: click.echo(msgspec.json.encode(c).decode()),
                heartbeat=heartbeat.beat,
            )
    finally:
        service.close()


# ---- erasure of personal data (issue 9) -----------------------------------------------------


@_subgroup("privacy", "Personal data: erasure on request (crypto-shredding).").command("erase")
@click.option("--subject", required=True, help="contract:<uuid> (a customer company) or concierge:<uuid> (a person).")
@click.option("--reason", required=True, help="Cite the request (its reference and date); do not name the person.")
@click.option("--operator", "operator_id", required=True, help="Your operator actor id: recorded as who erased.")
def privacy_erase(subject: str, reason: str, operator_id: str) -> None:
    """Erase a data subject's personal data, as POST /v1/privacy/erasures does.

    Destroys the subject's keys, records PersonalDataErased (who, when, why, which keys)
    in the trail, then rebuilds every view so that none keeps the erased text. Sending it
    again after a failure completes it (README, "Personal data and erasure").
    """
    from uuid import uuid4

    from api.privacy import rebuild_views
    from domain.errors import DomainError
    from domain.meta import EventMeta, Role
    from infra.application import CommandContext
    from infra.bootstrap import build
    from infra.privacy import erase_personal_data

    actor = operator_id.strip()
    if not actor:
        raise click.UsageError("--operator must name the operator who erases")
    request = f"cli-erase-{uuid4()}"
    ctx = CommandContext(meta=EventMeta(actor, Role.OPERATOR, request, request))
    service = build(Settings.from_env())
    try:
        try:
            result = erase_personal_data(service, ctx, subject, reason)
        except DomainError as error:
            raise click.ClickException(f"nothing erased: {error}") from None
        erased = service.events.get(result.id, gt=result.version - 1)
        key_ids = [key for event in erased for key in getattr(event, "key_ids", ())]
        click.echo(
            f"erased the personal data of {subject.strip().lower()}: {len(key_ids)} key(s) destroyed; "
            f"PersonalDataErased recorded by {actor} at log position {result.position}"
        )
        click.echo("rebuilding every view, so that none keeps the erased text ...", err=True)
        views = rebuild_views(service)
    finally:
        service.close()
    click.echo(f"views rebuilt: {', '.join(views)}; every reading now shows those fields as [erased]")
