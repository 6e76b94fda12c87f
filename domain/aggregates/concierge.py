"""The Concierge aggregate: an independent IT engineer's profile (rule K1)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from domain.aggregates.base import TracedAggregate
from domain.aggregates.prefectures import canonical_prefecture
from domain.errors import InvalidInput, RuleViolation
from domain.meta import Cause, Role
from domain.personal import PersonalText

#: rule K1: English is offered only in these prefectures.
ENGLISH_SERVICE_PREFECTURES = frozenset({"Tokyo", "Osaka"})
ENGLISH = "en"
_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")  # ISO 639-1


class ConciergeKind(StrEnum):
    """K1: who the operator contracts with."""

    SOLE_PROPRIETOR = "sole_proprietor"
    SMALL_COMPANY = "small_company"


def _names(values: Iterable[str], what: str) -> tuple[str, ...]:
    """Trimmed, de-duplicated, in the order given; blanks refused."""
    cleaned = tuple(dict.fromkeys(v.strip() for v in values))
    if any(not v for v in cleaned):
        raise InvalidInput(f"a blank {what} is not allowed", rule="K1")
    return cleaned


def _regions(values: Iterable[str]) -> tuple[str, ...]:
    regions = []
    for value in values:
        canonical = canonical_prefecture(value)
        if canonical is None:
            raise InvalidInput(f"{value!r} is not a Japanese prefecture", rule="K1", region=value)
        regions.append(canonical)
    if not regions:
        raise InvalidInput("a concierge serves at least one prefecture", rule="K1")
    return tuple(dict.fromkeys(regions))


def _languages(values: Iterable[str]) -> tuple[str, ...]:
    languages = tuple(dict.fromkeys(v.strip().lower() for v in values))
    bad = [v for v in languages if not _LANGUAGE_CODE.match(v)]
    if bad:
        raise InvalidInput(
            "languages are ISO 639-1 codes such as 'ja' or 'en'", rule="K1", invalid=bad
        )
    if not languages:
        raise InvalidInput("a concierge speaks at least one language", rule="K1")
    return languages


def _by_operator(cause: Cause) -> None:
    # K1: concierges are under contract with the operator, who keeps their profiles.
    if cause.role is not Role.OPERATOR:
        raise RuleViolation("only the operator registers or updates a concierge", rule="K1")


class Concierge(TracedAggregate):
    """A sole proprietor or small company under contract with the operator (K1).

    Decision (K1, English only in Tokyo and Osaka): a concierge's languages are recorded
    as stated, even `en` without a Tokyo or Osaka region. Speaking English is a fact about
    the person; where English *service* is offered is the operator's policy, which may
    change and which a later region change can satisfy. So nothing is refused here:
    `english_service_regions` says where this concierge can actually serve in English,
    and matching/reporting must use it rather than `languages`.
    """

    class ConciergeRegistered(TracedAggregate.Created):
        name: PersonalText
        kind: ConciergeKind
        skills: tuple[str, ...]
        regions: tuple[str, ...]
        languages: tuple[str, ...]

    class ConciergeProfileUpdated(TracedAggregate.Event):
        name: PersonalText
        skills: tuple[str, ...]
        regions: tuple[str, ...]
        languages: tuple[str, ...]

        def apply(self, concierge: Concierge) -> None:
            concierge.name = self.name
            concierge.skills = self.skills
            concierge.regions = self.regions
            concierge.languages = self.languages

    def __init__(
        self,
        name: str,
        kind: ConciergeKind,
        skills: tuple[str, ...],
        regions: tuple[str, ...],
        languages: tuple[str, ...],
    ) -> None:
        self.name = name
        self.kind = kind
        self.skills = skills
        self.regions = regions
        self.languages = languages

    # ---- commands -------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        cause: Cause,
        *,
        name: str,
        kind: ConciergeKind,
        skills: Iterable[str] = (),
        regions: Iterable[str],
        languages: Iterable[str] = ("ja",),
    ) -> Concierge:
        """K1: record a concierge's profile: skills, regions served, languages."""
        _by_operator(cause)
        if not name.strip():
            raise InvalidInput("a concierge needs a name", rule="K1")
        return cls._create_traced(
            cls.ConciergeRegistered,
            cause,
            name=name.strip(),
            kind=ConciergeKind(kind),
            skills=_names(skills, "skill"),
            regions=_regions(regions),
            languages=_languages(languages),
        )

    def update_profile(
        self,
        cause: Cause,
        *,
        name: str | None = None,
        skills: Iterable[str] | None = None,
        regions: Iterable[str] | None = None,
        languages: Iterable[str] | None = None,
    ) -> None:
        """K1: replace any of the profile's lists; the event carries the whole new profile."""
        _by_operator(cause)
        if name is not None and not name.strip():
            raise InvalidInput("a concierge needs a name", rule="K1")
        new = {
            "name": self.name if name is None else name.strip(),
            "skills": self.skills if skills is None else _names(skills, "skill"),
            "regions": self.regions if regions is None else _regions(regions),
            "languages": self.languages if languages is None else _languages(languages),
        }
        if all(getattr(self, field) == value for field, value in new.items()):
            raise RuleViolation("the profile already says exactly that", rule="K1")
        self._record(self.ConciergeProfileUpdated, cause, **new)

    # ---- queries --------------------------------------------------------------------

    @property
    def english_service_regions(self) -> tuple[str, ...]:
        """K1: the regions where this concierge serves in English (Tokyo and Osaka only)."""
        if ENGLISH not in self.languages:
            return ()
        return tuple(r for r in self.regions if r in ENGLISH_SERVICE_PREFECTURES)

    def serves(self, prefecture: str) -> bool:
        """Whether the concierge visits sites in that prefecture (K1, S3: on-site service)."""
        return canonical_prefecture(prefecture) in self.regions

    def unserved(self, prefectures: Iterable[str]) -> list[str]:
        """Those of `prefectures` this concierge does not serve, in the order given."""
        return [p for p in dict.fromkeys(prefectures) if not self.serves(p)]
