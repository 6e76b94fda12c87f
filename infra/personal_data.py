"""Personal fields of events, sealed with AES-GCM under their data subject's key.

The domain marks fields with `domain.personal.PERSONAL`; `personal_fields(event_class)`
finds them (also inside structs, tuples and optionals) once per class. Before an event
is encoded, each personal text becomes a token

    "pd1:<key id>:<base64url(nonce + ciphertext + tag)>"

sealed with the subject's key (infra/keys.py) and bound to the event (associated data:
key id, aggregate id, version), so the hash chain covers the ciphertext, not the text.
On reading, a token opens to its text, or to `ERASED` once the key was destroyed.
"""

from __future__ import annotations

import base64
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Union
from uuid import UUID

import msgspec
from cryptography.exceptions import InvalidTag

from domain.personal import ERASED, PersonalData
from infra.keys import KeyRing, new_nonce

TOKEN_PREFIX = "pd1:"

#: Applies a text function to every personal text inside one field's value.
Transform = Callable[[Any, Callable[[str], str]], Any]


class PersonalDataError(ValueError):
    """A sealed value that cannot be opened although its key exists (a changed byte)."""


@cache
def personal_fields(event_class: type) -> tuple[tuple[str, Transform], ...]:
    """The event class's fields that hold personal text, each with its transform."""
    hints = typing.get_type_hints(event_class, include_extras=True)
    found = []
    for name, annotation in hints.items():
        transform = _transform(annotation)
        if transform is not None:
            found.append((name, transform))
    return tuple(found)


def _text(value: Any, change: Callable[[str], str]) -> Any:
    return change(value) if isinstance(value, str) else value


def _transform(annotation: Any) -> Transform | None:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *extras = typing.get_args(annotation)
        if any(isinstance(extra, PersonalData) for extra in extras):
            if base is not str:
                raise TypeError(f"only text can be marked personal, not {base!r}")
            return _text
        return _transform(base)
    if origin in (Union, types.UnionType):
        inner = [t for t in map(_transform, typing.get_args(annotation)) if t is not None]
        if len(inner) > 1:
            raise TypeError(f"{annotation!r}: one personal alternative at most")
        if not inner:
            return None
        only = inner[0]
        return lambda value, change: None if value is None else only(value, change)
    if origin in (tuple, list, frozenset, set):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        inner = [t for t in map(_transform, args) if t is not None]
        if not inner:
            return None
        element = inner[0]
        return lambda value, change: type(value)(element(item, change) for item in value)
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return _struct_transform(annotation)
    return None


@cache
def _struct_transform(struct: type[msgspec.Struct]) -> Transform | None:
    hints = typing.get_type_hints(struct, include_extras=True)
    fields = [
        (name, t) for name in struct.__struct_fields__ if (t := _transform(hints[name])) is not None
    ]
    if not fields:
        return None

    def transform(value: Any, change: Callable[[str], str]) -> Any:
        if not isinstance(value, msgspec.Struct):
            return value
        changes = {name: t(getattr(value, name), change) for name, t in fields}
        return msgspec.structs.replace(value, **changes)

    return transform


def _associated(key_id: str, originator_id: UUID, version: int) -> bytes:
    return f"{key_id}\n{originator_id}\n{version}".encode()


def sealer(keys: KeyRing, subject: str, originator_id: UUID, version: int) -> Callable[[str], str]:
    """The function that turns one personal text of this event into its token."""
    found: list[Any] = []  # the key, fetched on first use: most optional texts are None

    def seal(text: str) -> str:
        if not found:
            key_id, cipher = keys.sealing_key(subject)
            found.extend((key_id, cipher, _associated(key_id, originator_id, version)))
        key_id, cipher, associated = found
        nonce = new_nonce()
        sealed = cipher.encrypt(nonce, text.encode(), associated)
        return f"{TOKEN_PREFIX}{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    return seal


def opener(keys: KeyRing, originator_id: UUID, version: int) -> Callable[[str], str]:
    """The function that turns one token of this event back into its text (or ERASED)."""

    def open_(token: str) -> str:
        if not token.startswith(TOKEN_PREFIX):
            return token  # e.g. a default an upcast gave an old event
        key_id, _, sealed = token[len(TOKEN_PREFIX) :].partition(":")
        cipher = keys.opening_key(key_id)
        if cipher is None:
            return ERASED
        raw = base64.urlsafe_b64decode(sealed)
        try:
            return cipher.decrypt(raw[:12], raw[12:], _associated(key_id, originator_id, version)).decode()
        except InvalidTag:
            raise PersonalDataError(
                f"personal data of {originator_id} v{version} does not open with its key"
            ) from None

    return open_


def is_token(value: Any) -> bool:
    """Whether a stored value is sealed personal data (verification and exports skip it)."""
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)
