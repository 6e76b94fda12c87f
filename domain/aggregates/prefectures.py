"""Japan's 47 prefectures: the regions a concierge serves (rules K1, S5)."""

from __future__ import annotations

import unicodedata

# Canonical English name -> kanji name without its 都/府/県 suffix (北海道 keeps 道).
_KANJI = {
    "Hokkaido": "北海道", "Aomori": "青森", "Iwate": "岩手", "Miyagi": "宮城", "Akita": "秋田",
    "Yamagata": "山形", "Fukushima": "福島", "Ibaraki": "茨城", "Tochigi": "栃木",
    "Gunma": "群馬", "Saitama": "埼玉", "Chiba": "千葉", "Tokyo": "東京", "Kanagawa": "神奈川",
    "Niigata": "新潟", "Toyama": "富山", "Ishikawa": "石川", "Fukui": "福井",
    "Yamanashi": "山梨", "Nagano": "長野", "Gifu": "岐阜", "Shizuoka": "静岡", "Aichi": "愛知",
    "Mie": "三重", "Shiga": "滋賀", "Kyoto": "京都", "Osaka": "大阪", "Hyogo": "兵庫",
    "Nara": "奈良", "Wakayama": "和歌山", "Tottori": "鳥取", "Shimane": "島根",
    "Okayama": "岡山", "Hiroshima": "広島", "Yamaguchi": "山口", "Tokushima": "徳島",
    "Kagawa": "香川", "Ehime": "愛媛", "Kochi": "高知", "Fukuoka": "福岡", "Saga": "佐賀",
    "Nagasaki": "長崎", "Kumamoto": "熊本", "Oita": "大分", "Miyazaki": "宮崎",
    "Kagoshima": "鹿児島", "Okinawa": "沖縄",
}  # fmt: skip

PREFECTURES: tuple[str, ...] = tuple(_KANJI)

_ROMAJI_SUFFIXES = (" prefecture", "-ken", " ken", "-to", " to", "-fu", " fu", "-do", " do")


def _fold(name: str) -> str:
    """Case-, width- and macron-insensitive form ("Hyōgo" and "HYOGO" fold alike)."""
    decomposed = unicodedata.normalize("NFKD", name.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_LOOKUP: dict[str, str] = {}
for _name, _kanji in _KANJI.items():
    _LOOKUP[_fold(_name)] = _name
    _LOOKUP[_kanji] = _name
    _LOOKUP[
        _kanji + {"Tokyo": "都", "Osaka": "府", "Kyoto": "府", "Hokkaido": ""}.get(_name, "県")
    ] = _name


def canonical_prefecture(name: str) -> str | None:
    """The canonical English name of a prefecture written in romaji or kanji, else None."""
    folded = _fold(name)
    if folded in _LOOKUP:
        return _LOOKUP[folded]
    for suffix in _ROMAJI_SUFFIXES:
        if folded.endswith(suffix) and folded[: -len(suffix)] in _LOOKUP:
            return _LOOKUP[folded[: -len(suffix)]]
    return None
