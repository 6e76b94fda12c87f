"""The litestar application: routes, error mapping, OpenAPI, limits."""

from __future__ import annotations

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.plugins.problem_details import ProblemDetailsPlugin

from api.concierges import ROUTES as concierge_routes
from api.context import provide_principal, provide_service
from api.contracts import ContractController, QuoteController
from api.guards import authenticated
from api.health import healthz, readyz
from api.problems import problem_details_config
from api.tickets import ROUTES as ticket_routes
from infra.bootstrap import EConcierge
from infra.tokens import TokenService

V1_ROUTES = [QuoteController, ContractController, *concierge_routes, *ticket_routes]


def create_app(service: EConcierge) -> Litestar:
    """The HTTP API over one application service."""
    app = Litestar(
        route_handlers=[healthz, readyz, Router("/v1", route_handlers=V1_ROUTES, guards=[authenticated])],
        dependencies={
            "service": Provide(provide_service, sync_to_thread=False),
            "principal": Provide(provide_principal, sync_to_thread=False),
        },
        plugins=[ProblemDetailsPlugin(problem_details_config())],
        openapi_config=OpenAPIConfig(
            title="e-Concierge API",
            version="1.0.0",
            description="Shared IT staff service: contracts, concierges, tickets, billing, audit.",
            path="/docs",
            render_plugins=[SwaggerRenderPlugin(path="/"), ScalarRenderPlugin(path="/scalar")],
        ),
        request_max_body_size=service.settings.max_body_bytes,
    )
    app.state.service = service
    app.state.tokens = TokenService(service.settings)
    return app
