"""Steps of the read-side specifications: commands through the service, then project."""

from __future__ import annotations

from uuid import UUID, uuid4

from domain.aggregates.base import TracedAggregate
from domain.meta import Cause, EventMeta, Role
from domain.pricing import QuoteInputs, Site
from infra.application import CommandContext, CommandResult
from infra.bootstrap import EConcierge
from infra.services.contracts import ContractApplication
from projections.audit_query import AuditEntry, AuditFilter, whole_trail
from projections.catalog import VIEWS, views_of
from projections.runner import catch_up_all


def ctx(
    actor: str = "op-tanaka", role: Role = Role.OPERATOR, key: str | None = None
) -> CommandContext:
    """A command sent by `actor`, optionally with an idempotency key."""
    return CommandContext(
        meta=EventMeta(actor, role, f"corr-{uuid4().hex[:8]}", f"req-{uuid4().hex[:8]}"),
        idempotency_key=key,
    )


def apply_contract(
    service: EConcierge, customer: str = "Sakura Trading", *, key: str | None = None
) -> CommandResult:
    """An operator records a 30-client application (rule P2: 92,400 yen)."""
    application = ContractApplication(
        customer_name=customer,
        quote=QuoteInputs(
            sites=(Site(prefecture="Tokyo", city="Minato", cluster="hq", clients=30),)
        ),
    )
    return service.apply_for_contract(ctx(key=key), application)


def project(service: EConcierge) -> None:
    """Bring every view up to the log's head."""
    catch_up_all(service, views_of(service), VIEWS)


def trail(service: EConcierge, **criteria: object) -> list[AuditEntry]:
    with views_of(service).read() as tx:
        return list(whole_trail(tx, AuditFilter(**criteria)))  # type: ignore[arg-type]


class Note(TracedAggregate):
    """A stand-in for a ticket: it names its contract only in its created event."""

    class Opened(TracedAggregate.Created):
        contract_id: UUID
        text: str

    class Amended(TracedAggregate.Event):
        text: str

        def apply(self, note: Note) -> None:
            note.text = self.text

    def __init__(self, contract_id: UUID, text: str) -> None:
        self.contract_id = contract_id
        self.text = text

    @classmethod
    def open(cls, cause: Cause, contract_id: UUID, text: str) -> Note:
        return cls._create_traced(cls.Opened, cause, contract_id=contract_id, text=text)

    def amend(self, cause: Cause, text: str) -> None:
        self._record(self.Amended, cause, text=text)


def note_on(service: EConcierge, contract_id: UUID, actor: str = "cc-suzuki") -> Note:
    """A concierge opens a note on the contract and amends it once (two events)."""
    meta = EventMeta(actor, Role.CONCIERGE, "corr-note", "req-note")
    note = Note.open(Cause(meta=meta, at=service.clock.now()), contract_id, "printer jam")
    note.amend(Cause(meta=meta, at=service.clock.now()), "printer jam, toner replaced")
    service.save(note)
    return note
