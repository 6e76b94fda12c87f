"""The billing view's table names and row encodings, shared by the view and its reads."""

from __future__ import annotations

import msgspec

from domain.billing import Statement

FACTS, CLOSURES, STATE, STATEMENTS = (
    "billing_facts", "billing_closures", "billing_state", "billing_statements",
)  # fmt: skip

_statement_decoder = msgspec.json.Decoder(Statement)


def counterparty_key(name: str) -> str:
    """How counterparties are searched: case-insensitive (P15)."""
    return name.casefold()


def decode_statement(body: str | bytes) -> Statement:
    return _statement_decoder.decode(body)
