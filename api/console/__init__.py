"""The web console under /console: server-rendered pages for compliance, billing and operators.

Mounted on the API's app by one plugin (`Litestar(plugins=[..., ConsolePlugin()])`): it adds
the console's router (session, guard, error pages, security headers), its static files,
and the Jinja template engine. Pages read the same service and views as the API and obey
the same authorisation (api/console/access.py).
"""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.config.app import AppConfig
from litestar.exceptions import HTTPException
from litestar.plugins import InitPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from api.console import pages
from api.console.access import authorise_page
from api.console.errors import HANDLERS, routing_errors
from api.console.headers import security_headers
from api.console.rendering import environment
from api.console.session import session_middleware

STATIC = Path(__file__).parent / "static"


def console_router() -> Router:
    return Router(
        "/console",
        route_handlers=[
            *pages.auth.ROUTES,
            *pages.disputes.ROUTES,
            *pages.contracts.ROUTES,
            *pages.dispatch.ROUTES,
            *pages.billing.ROUTES,
        ],
        guards=[authorise_page],
        # The headers wrap the session: every answer, error pages included, carries them.
        middleware=[security_headers, session_middleware],
        exception_handlers=HANDLERS,
        include_in_schema=False,
    )


class ConsolePlugin(InitPlugin):
    """Adds the console's routes, static files, templates and routing error pages to the app."""

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.append(console_router())
        app_config.route_handlers.append(
            create_static_files_router(
                "/console/static", [STATIC], name="console-static", middleware=[security_headers]
            )
        )
        # Routing errors of /console paths (no such page, a malformed id) come before the
        # console's router: pages for them too. Listed after ProblemDetailsPlugin, whose
        # handler the other paths keep.
        handlers = app_config.exception_handlers
        handlers[HTTPException] = routing_errors(handlers.get(HTTPException))
        app_config.template_config = TemplateConfig(
            instance=JinjaTemplateEngine.from_environment(environment())
        )
        return app_config
