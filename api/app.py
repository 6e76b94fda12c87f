"""The litestar application: routes, error mapping, OpenAPI, limits."""

from __future__ import annotations

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.plugins.problem_details import ProblemDetailsPlugin

from api.audit import AuditController
from api.billing import BillingController
from api.concierges import ROUTES as concierge_routes
from api.console import ConsolePlugin
from api.context import provide_principal, provide_service
from api.contracts import ContractController, QuoteController
from api.dispatch import DispatchController
from api.guards import authorise, run_tenant_checks_in_handler_threads
from api.health import healthz, readyz, refuse_while_store_down
from api.liability import LiabilityController
from api.observability import MetricsController, ObservabilityMiddleware, observe_unmatched
from api.openapi_docs import BEARER, SECURITY_COMPONENTS, document_problems
from api.paging import page_dependency
from api.privacy import PrivacyController
from api.problems import problem_details_config
from api.tickets import ROUTES as ticket_routes
from infra.bootstrap import EConcierge
from infra.outage import StoreGuard, fail_fast
from infra.tokens import TokenService

V1_ROUTES = [QuoteController, ContractController, *concierge_routes, *ticket_routes, AuditController, PrivacyController, BillingController, LiabilityController, DispatchController]


def create_app(service: EConcierge) -> Litestar:
    """The HTTP API over one application service."""
    # Every /v1 route: a verified caller, allowed by the policy table (api/policy.py).
    v1 = Router(
        "/v1",
        route_handlers=V1_ROUTES,
        guards=[authorise],
        security=[{BEARER: []}],
        before_request=refuse_while_store_down,  # a store outage: 503 at once (infra/outage.py)
    )
    app = Litestar(
        route_handlers=[healthz, readyz, MetricsController, v1],
        # Correlation id, HTTP metrics, request and command logs (api/observability.py).
        middleware=[ObservabilityMiddleware()],
        logging_config=None,  # logs are configured once per process (infra/logs.py), as JSON
        dependencies={
            "service": Provide(provide_service, sync_to_thread=False),
            "principal": Provide(provide_principal, sync_to_thread=False),
            "page": page_dependency,  # list endpoints: `page: Paging` (api/paging.py)
        },
        plugins=[ProblemDetailsPlugin(problem_details_config()), ConsolePlugin()],  # web console: /console
        openapi_config=OpenAPIConfig(
            title="e-Concierge API",
            version="1.0.0",
            description="Shared IT staff service: contracts, concierges, tickets, billing, audit.",
            path="/docs",
            render_plugins=[SwaggerRenderPlugin(path="/"), ScalarRenderPlugin(path="/scalar")],
            components=SECURITY_COMPONENTS,
        ),
        request_max_body_size=service.settings.max_body_bytes,  # larger bodies: 413
    )
    observe_unmatched(app)  # 404 and 405 answered by the router: counted and logged too
    document_problems(app.routes)
    run_tenant_checks_in_handler_threads(app)  # one thread hop per command, not two
    app.state.service = service
    app.state.tokens = TokenService(service.settings)
    if service.settings.database_url:
        fail_fast(service.recorder)  # a 503 in seconds, not the library's minute of retries
    app.state.store_guard = StoreGuard.of(service)
    return app
