"""Property-based fuzzing of the API from its own OpenAPI document (schemathesis).

Every operation gets generated requests, valid and invalid, on SQLite only (the API layer
is the subject). Requests are signed as an operator, or, where the policy does not let
an operator in, as a permitted customer or concierge of a seeded tenant; half of them
aim at that tenant's real objects so that the business rules run, not only the 404.
No answer may be a 5xx, and every answer must match the document: status code, content
type and body schema (RFC 9457 problem details for errors).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from litestar import Litestar
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.policy import rule_for
from domain.meta import Role
from infra.bootstrap import EConcierge, build
from infra.clock import FixedClock
from infra.settings import Settings
from tests.api.authz_world import Tenant, build_tenant
from tests.conftest import DEFAULT_NOW

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# The whole run is bounded by a number of requests, shared by every operation and mode:
# about 30 s on 2 idle cores, however many endpoints the API grows to.
REQUEST_BUDGET = 1_600
MIN_EXAMPLES = 5


@pytest.fixture
def fuzz_service(tmp_path: Path) -> Iterator[EConcierge]:
    service = build(Settings(data_dir=tmp_path), FixedClock(DEFAULT_NOW))
    yield service
    service.close()


def signed_headers(app: Litestar, method: str, path: str, tenant: Tenant) -> dict[str, str]:
    """A token for the operation: the operator's, else a permitted role's in the tenant."""
    rule = rule_for(method, path)
    roles = rule.roles if rule else frozenset()
    tokens = app.state.tokens
    if Role.OPERATOR in roles or not roles:
        token = tokens.issue(sub="op-fuzz", role=Role.OPERATOR)
    elif Role.CUSTOMER in roles:
        token = tokens.issue(sub="cust-fuzz", role=Role.CUSTOMER, contracts=(tenant.contract_id,))
    elif Role.CONCIERGE in roles:
        token = tokens.issue(sub=tenant.concierge_id, role=Role.CONCIERGE, concierge=tenant.concierge_id)
    else:
        token = tokens.issue(sub="staff-fuzz", role=min(roles))
    return {"Authorization": f"Bearer {token}"}


def aim_at(case: schemathesis.Case, known: dict[str, str]) -> None:
    """Point the case's ids (path and body `contract_id`) at the seeded tenant's objects."""
    for name in list(case.path_parameters or {}):
        if name in known:
            case.path_parameters[name] = known[name]
    if isinstance(case.body, dict) and "contract_id" in case.body:
        case.body["contract_id"] = known["contract_id"]


def fuzz(
    operation: APIOperation, mode: GenerationMode, headers: dict[str, str], known: dict[str, str], examples: int
) -> None:
    """Run one operation's bounded property test: every answer passes CHECKS."""

    @given(case=operation.as_strategy(generation_mode=mode), aim=st.booleans())
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,  # no example database: every run is bounded and independent
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case, aim: bool) -> None:
        if aim:
            aim_at(case, known)
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_no_operation_answers_a_server_error_or_breaks_its_schema(fuzz_service: EConcierge) -> None:
    app = create_app(fuzz_service)
    tenant = build_tenant(fuzz_service, "fuzz")
    known = {**tenant.path_values(), "risk_id": "risk-1"}
    schema = schemathesis.openapi.from_asgi("/docs/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert sum(op.path.startswith("/v1") for op in operations) >= 10
    failures: list[str] = []
    examples = max(MIN_EXAMPLES, REQUEST_BUDGET // (len(operations) * len(MODES)))
    for operation, mode in itertools.product(operations, MODES):
        headers = signed_headers(app, operation.method, operation.path, tenant)
        try:
            fuzz(operation, mode, headers, known, examples)
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # no parameters: nothing to get wrong
        except Exception as error:  # noqa: BLE001 - report every operation's failure at once
            failures.append(f"{operation.label} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)
