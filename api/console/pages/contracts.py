"""Contracts (operator): every contract with its status, fee, units and earliest end date;
a contract's page with its site clusters, concierges and open tickets."""

from __future__ import annotations

from uuid import UUID

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template

from api.console import read
from api.console.rendering import page
from api.context import Service


@get("/contracts", sync_to_thread=True)
def contract_list(request: Request, service: Service) -> Template:
    today = service.clock.today()
    rows = [(c, c.earliest_end_date(today)) for c in read.contracts(service)]
    return page(request, "contracts.html", rows=rows)


@get("/contracts/{contract_id:uuid}", sync_to_thread=True)
def contract_page(request: Request, service: Service, contract_id: FromPath[UUID]) -> Template:
    contract = service.get_contract(contract_id)
    assignments = read.assignments(service, contract_id)
    serving = {c: sorted(map(str, a.serving_concierge_ids)) for c, a in assignments.items()}
    names = read.concierge_names(service, {i for ids in serving.values() for i in ids})
    tickets = read.open_tickets_of(service, contract_id, service.clock.now())
    return page(
        request,
        "contract.html",
        contract=contract,
        assignments=assignments,
        serving=serving,
        names=names,
        tickets=tickets,
        earliest_end=contract.earliest_end_date(service.clock.today()),
    )


ROUTES = [contract_list, contract_page]
