"""Size limits of inbound bodies: oversize input is a clear 422, never a slow or huge write.

Field types for request bodies (msgspec checks them while decoding, and litestar
publishes them as maxLength/maximum in the OpenAPI document). The body as a whole is
capped by Settings.max_body_bytes (413) and list pages by Settings.max_page_size.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

#: A person's or company's name.
Name = Annotated[str, msgspec.Meta(max_length=200)]
#: A short reference or key (an NDA reference, a cluster key, an external id).
Ref = Annotated[str, msgspec.Meta(max_length=200)]
#: Free text: a reason, a description, a note.
Text = Annotated[str, msgspec.Meta(max_length=4000)]
#: A fee in yen (a monthly fee far beyond any contract is a typo).
Yen = Annotated[int, msgspec.Meta(le=1_000_000_000)]
#: A count of client PCs or servers.
Count = Annotated[int, msgspec.Meta(le=100_000)]

#: Dates a request may name: a business date outside this range is a typo, and date
#: arithmetic on it (a term's end, a month's last day) would overflow.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def check_dates(body: msgspec.Struct) -> None:
    """Refuse (422, via msgspec) a date or datetime field outside EARLIEST..LATEST_DATE."""
    for name in body.__struct_fields__:
        value = getattr(body, name)
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date) and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise ValueError(f"{name} must be between {EARLIEST_DATE} and {LATEST_DATE}")
