"""Specification of the concierge profile (rule K1)."""

from __future__ import annotations

import pytest

from domain.aggregates.concierge import Concierge, ConciergeKind
from domain.aggregates.prefectures import PREFECTURES, canonical_prefecture
from domain.errors import InvalidInput, RuleViolation
from domain.meta import Role
from tests.domain.concierge_builders import by, concierge, recorded


def register(**overrides: object) -> Concierge:
    fields: dict[str, object] = {
        "name": "Sato IT Services",
        "kind": ConciergeKind.SMALL_COMPANY,
        "skills": ("windows", "network"),
        "regions": ("Tokyo",),
        "languages": ("ja",),
    }
    fields.update(overrides)
    cause = fields.pop("cause", by())
    return Concierge.register(cause, **fields)  # type: ignore[arg-type]


def test_a_concierge_is_registered_with_skills_regions_and_languages() -> None:
    # rule K1
    made = register()
    assert recorded(made) == ["ConciergeRegistered"]
    assert (made.name, made.kind) == ("Sato IT Services", ConciergeKind.SMALL_COMPANY)
    assert (made.skills, made.regions, made.languages) == (
        ("windows", "network"),
        ("Tokyo",),
        ("ja",),
    )


def test_a_concierge_is_a_sole_proprietor_or_a_small_company() -> None:
    # rule K1
    assert {k.value for k in ConciergeKind} == {"sole_proprietor", "small_company"}
    with pytest.raises(ValueError):
        register(kind="large_enterprise")


def test_only_the_operator_registers_a_concierge() -> None:
    # rule K1: concierges are under contract with the operator
    with pytest.raises(RuleViolation) as refused:
        register(cause=by(Role.CUSTOMER))
    assert refused.value.rule == "K1"


def test_regions_are_japanese_prefectures_in_romaji_or_kanji() -> None:
    # rule K1 (regions served), S5 (all 47 prefectures)
    made = register(regions=("tokyo-to", "大阪府", "Hyōgo", "Hokkaido", "神奈川県"))
    assert made.regions == ("Tokyo", "Osaka", "Hyogo", "Hokkaido", "Kanagawa")
    assert len(PREFECTURES) == 47
    assert canonical_prefecture("Kyoto-fu") == canonical_prefecture("京都府") == "Kyoto"


def test_an_unknown_region_is_refused() -> None:
    # rule K1
    with pytest.raises(InvalidInput) as refused:
        register(regions=("Atlantis",))
    assert refused.value.rule == "K1"


def test_a_concierge_serves_at_least_one_region_and_speaks_one_language() -> None:
    # rule K1
    with pytest.raises(InvalidInput):
        register(regions=())
    with pytest.raises(InvalidInput):
        register(languages=())


def test_languages_are_iso_639_1_codes() -> None:
    # rule K1
    assert register(languages=("JA", " en ")).languages == ("ja", "en")
    with pytest.raises(InvalidInput):
        register(languages=("English",))


def test_english_service_is_offered_only_in_tokyo_and_osaka() -> None:
    # rule K1: English in Tokyo and Osaka
    made = register(regions=("Tokyo", "Kanagawa", "Osaka"), languages=("ja", "en"))
    assert made.english_service_regions == ("Tokyo", "Osaka")


def test_english_outside_tokyo_and_osaka_is_recorded_but_not_offered() -> None:
    # rule K1 decision: the language is a fact about the person, the offer is a policy
    made = register(regions=("Fukuoka",), languages=("ja", "en"))
    assert made.languages == ("ja", "en")
    assert made.english_service_regions == ()


def test_a_concierge_without_english_offers_no_english_service() -> None:
    # rule K1
    assert register(regions=("Tokyo",), languages=("ja",)).english_service_regions == ()


def test_a_profile_update_records_the_whole_new_profile() -> None:
    # rule K1
    sato = concierge(regions=("Tokyo",))
    sato.update_profile(by(), regions=("Tokyo", "Saitama"), languages=("ja", "en"))
    assert recorded(sato) == ["ConciergeProfileUpdated"]
    assert (sato.regions, sato.languages, sato.skills) == (
        ("Tokyo", "Saitama"),
        ("ja", "en"),
        ("windows",),
    )
    assert sato.english_service_regions == ("Tokyo",)


def test_a_profile_update_that_changes_nothing_is_refused() -> None:
    # rule K1: an event is a change, never a no-op
    sato = concierge(regions=("Tokyo",))
    with pytest.raises(RuleViolation):
        sato.update_profile(by(), regions=("東京都",))


def test_only_the_operator_updates_a_profile() -> None:
    # rule K1
    with pytest.raises(RuleViolation) as refused:
        concierge().update_profile(by(Role.CONCIERGE), skills=("linux",))
    assert refused.value.rule == "K1"


def test_a_concierge_serves_a_prefecture_however_it_is_written() -> None:
    # rule K1, S3: on-site service where the concierge works
    sato = concierge(regions=("Tokyo", "Chiba"))
    assert sato.serves("東京都") and sato.serves("chiba")
    assert sato.unserved(["Tokyo", "Osaka", "Osaka"]) == ["Osaka"]
