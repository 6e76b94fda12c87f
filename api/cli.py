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


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port to listen on (default 8000).")
def serve(host: str | None, port: int | None) -> None:
    """Run the HTTP API (docs at /docs)."""
    import uvicorn

    from api.app import create_app
    from infra.bootstrap import build

    settings = Settings.from_env()
    service = build(settings)
    host = host or settings.host
    port = port or settings.port
    store = "PostgreSQL" if settings.database_url else f"SQLite at {settings.sqlite_path}"
    click.echo(f"e-Concierge API on http://{host}:{port} (docs: /docs), events in {store}")
    uvicorn.run(create_app(service), host=host, port=port, log_level="info", timeout_graceful_shutdown=20)


@main.command()
@click.option("--role", required=True, type=click.Choice(["customer", "concierge", "operator", "billing", "compliance"]))
@click.option("--sub", required=True, help="Who the token is for (a user id or name).")
@click.option("--contract", "contracts", multiple=True, help="Contract id a customer contact acts for (repeatable).")
@click.option("--concierge", default=None, help="The concierge id of a concierge.")
@click.option("--hours", default=12, show_default=True, help="Hours until the token expires.")
def token(role: str, sub: str, contracts: tuple[str, ...], concierge: str | None, hours: int) -> None:
    """Print a development bearer token signed with the configured secret."""
    from datetime import timedelta

    from domain.meta import Role
    from infra.tokens import TokenError, TokenService

    if role == "customer" and not contracts:
        raise click.UsageError("a customer token needs at least one --contract ID")
    if role == "concierge" and not concierge:
        raise click.UsageError("a concierge token needs --concierge ID")
    try:
        tokens = TokenService(Settings.from_env())
        click.echo(
            tokens.issue(
                sub=sub, role=Role(role), contracts=contracts, concierge=concierge, ttl=timedelta(hours=hours)
            )
        )
    except TokenError as error:
        raise click.ClickException(str(error)) from None
