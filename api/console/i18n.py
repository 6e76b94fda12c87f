"""Message catalogues: every label the console shows, in Japanese (default) and English.

Catalogues are TOML files in `messages/` (one per language, the same keys in each; a
test checks it). Templates call `t("key", name=value)`; a missing key shows the key
itself, so a gap is visible on the page instead of an exception.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

MESSAGES = Path(__file__).parent / "messages"
LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"  # the users are Japanese companies
LANGUAGE_COOKIE = "econcierge_lang"


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@cache
def catalogue(language: str) -> dict[str, str]:
    """Every message of one language, keyed "section.name"."""
    with (MESSAGES / f"{language}.toml").open("rb") as file:
        return _flatten(tomllib.load(file))


def choose(requested: str | None) -> str:
    """The language to show: the one asked for if we have it, else Japanese."""
    return requested if requested in LANGUAGES else DEFAULT_LANGUAGE


class Translator:
    """`t(key, **params)` for one language, plus its date and time patterns."""

    def __init__(self, language: str) -> None:
        self.language = choose(language)
        self._messages = catalogue(self.language)

    def __call__(self, key: str, /, **params: Any) -> str:
        text = self._messages.get(key, key)
        return text.format(**params) if params else text

    def maybe(self, key: str, fallback: str) -> str:
        """A label that may not be catalogued (an event type added later): the fallback then."""
        return self._messages.get(key, fallback)
