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
