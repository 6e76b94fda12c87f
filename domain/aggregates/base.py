"""The base of our aggregates: every event carries its cause (actor, correlation, time)."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from domain.meta import Cause, EventMeta


class TracedAggregate(Aggregate):
    """An aggregate whose events all carry `meta` and take their timestamp from the cause."""

    class Event(Aggregate.Event):
        # The trail's bookkeeping (issue 9) lives in slots, never among the fields (vars()
        # shows fields only): the stored hash, the link to the previous event, the cell the
        # mapper fills with this event's hash, the data subject, the stored form once mapped.
        __slots__ = ("_chain_cell", "_chain_hash", "_chain_prev", "_chain_stored", "_privacy_subject")

        meta: EventMeta

        def mutate(self, aggregate: Any) -> Any:
            # The trail (issue 9, infra/trail_mapper.py): every stored event names the hash
            # of the aggregate's previous event. A replayed event brings its stored hash. A
            # new one gets a cell the mapper fills with its hash when it is saved, and is
            # linked to its predecessor (a hash, or the cell of a new event mapped before
            # it) and to its data subject. The aggregate keeps the last hash or cell.
            before = None if aggregate is None else aggregate.__dict__.get("_chain_head")
            result = super().mutate(aggregate)
            stored = getattr(self, "_chain_hash", None)
            if stored is None:
                cell: list[str | None] = [None]
                object.__setattr__(self, "_chain_prev", before)
                object.__setattr__(self, "_chain_cell", cell)
                object.__setattr__(self, "_privacy_subject", result.privacy_subject())
                result._chain_head = cell
            else:
                result._chain_head = stored
            return result

    class Created(Event, Aggregate.Created):
        pass

    def _record(self, event_class: type[Aggregate.Event], cause: Cause, **fields: Any) -> None:
        # The timestamp is the injected clock's reading, never "now" inside the domain.
        self.trigger_event(event_class, meta=cause.meta, timestamp=cause.at, **fields)

    @classmethod
    def _create_traced(
        cls, event_class: type[Aggregate.Created], cause: Cause, **fields: Any
    ) -> Any:
        return cls._create(event_class, meta=cause.meta, timestamp=cause.at, **fields)

    def privacy_subject(self) -> str:
        """Whose personal data this aggregate's personal fields are (domain/personal.py).

        Decision (issue 9): the customer company for a contract and whatever names it
        (`contract:<id>`); otherwise the aggregate itself, e.g. `concierge:<id>`.
        """
        contract_id = getattr(self, "contract_id", None)
        if contract_id is not None:
            return f"contract:{contract_id}"
        return f"{type(self).__name__.lower()}:{self.id}"
