"""Personal data in events: a declarative marker on fields, for crypto-shredding (issue 9).

A field annotated `PersonalText` (or `Annotated[str, PERSONAL]`, also inside a struct, a
tuple or an optional) holds text about a person: a contact's name, phone number or
e-mail address, or free text that may name people. The store keeps such a field only
encrypted with its data subject's key (infra/personal_data.py); erasing the subject
destroys the key, and from then on the field reads as `ERASED` everywhere.

Whose data it is (the data subject) is the aggregate's `privacy_subject()`: the customer
company (`contract:<id>`) for a contract and everything recorded on it, the person for a
concierge's profile (`concierge:<id>`). Pure: no keys, no I/O here.
"""

from __future__ import annotations

from typing import Annotated, Final


class PersonalData:
    """The marker object: `Annotated[str, PERSONAL]` marks a field as personal data."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "PERSONAL"


PERSONAL: Final = PersonalData()

#: Text about a person (names, phone numbers, e-mail addresses, notes that may name people).
PersonalText = Annotated[str, PERSONAL]

#: How a personal field reads once its subject was erased (views, exports, API, NATS).
ERASED: Final = "[erased]"
