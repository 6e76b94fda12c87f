"""The hash chain of stored events: the canonical bytes, the envelope, and the event hash.

Every stored event's state is an envelope, encoded with msgspec as JSON:

    {"alg": "sha256", "prev": "<64 hex>", "hash": "<64 hex>", "data": <the event's fields>}

`data` is the event's msgspec JSON (personal fields as ciphertext, infra/personal_data.py),
embedded byte for byte. The hash of an event is SHA-256 over these canonical bytes:

    b"econcierge-event-v1\\n" + prev + b"\\n" + originator_id + b"\\n" + version + b"\\n"
    + topic + b"\\n" + data

- `prev`: the hash (lowercase hex, ASCII) of the same aggregate's previous version;
  for version 1, `GENESIS` (64 zeros). So each aggregate's history is one chain.
- `originator_id`: the aggregate id as a lowercase hyphenated UUID (`str(uuid)`).
- `version`: the event's version in decimal ASCII; `topic`: its stored topic (UTF-8).
- `data`: exactly the bytes between `"data":` and the envelope's closing brace, as
  stored. A verifier takes them from the stored row and never re-encodes anything, so a
  change of msgspec's (or anyone's) JSON encoding cannot change a hash.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

import msgspec

ALG = "sha256"
GENESIS = "0" * 64
EVENT_DOMAIN = b"econcierge-event-v1\n"


class StoredEnvelope(msgspec.Struct, frozen=True):
    """A stored event's state as read back for verification: `data` kept as stored bytes."""

    alg: str
    prev: str
    hash: str
    data: msgspec.Raw


_envelope_decoder = msgspec.json.Decoder(StoredEnvelope)
_sha256 = hashlib.sha256
_encoder = msgspec.json.Encoder()


def canonical_id(originator_id: UUID | str) -> str:
    """The aggregate id as hashed: `str(UUID)` (SQLite stores it as 32 hex digits)."""
    if type(originator_id) is str and len(originator_id) == 36:
        return originator_id.lower()  # already hyphenated (the verifier's fast path)
    return str(originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id)))


def event_hash(prev: str, originator_id: UUID | str, version: int, topic: str, data: Any) -> str:
    """The hash of one event: SHA-256 over its canonical bytes (module doc)."""
    head = f"{prev}\n{canonical_id(originator_id)}\n{version}\n{topic}\n".encode()
    return _sha256(b"".join((EVENT_DOMAIN, head, data))).hexdigest()


def envelope_bytes(prev: str, digest: str, data: bytes) -> bytes:
    """The stored state: the envelope with `data` embedded byte-exact."""
    return _encoder.encode(StoredEnvelope(ALG, prev, digest, msgspec.Raw(data)))


def open_envelope(state: bytes) -> StoredEnvelope:
    """The envelope of a stored state (raises msgspec.DecodeError if it is not one)."""
    return _envelope_decoder.decode(state)
