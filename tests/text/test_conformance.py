"""The twitter-text conformance suite, read at run time from shared/conformance/twitter-text.

Every case of every section (each key under ``tests:``) of ``extract.yml`` and
``validate.yml`` runs; a section this file does not know fails the suite instead of being
skipped. Indices in the files are code point indices, except the ranges of the weighted
length sections, which twitter-text gives in UTF-16 code units.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import hashchat.text as tt

CONFORMANCE_DIR = Path(__file__).resolve().parents[2].parent / "shared/conformance/twitter-text"
FILES = ("extract.yml", "validate.yml")


def _load(name: str) -> dict[str, list[dict[str, Any]]]:
    path = CONFORMANCE_DIR / name
    if not path.is_file():
        raise FileNotFoundError(
            f"twitter-text conformance data missing: {path} (expected in shared/ next to the repo)"
        )
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    tests = data["tests"]
    assert isinstance(tests, dict) and tests, f"{path}: no sections under 'tests:'"
    return tests


SUITES = {name.removesuffix(".yml"): _load(name) for name in FILES}


# --- how each section is checked ------------------------------------------------------------


def _indices(entity: tt.Entity) -> list[int]:
    return [entity.start, entity.end]


def _mentions_with_indices(text: str) -> list[dict[str, Any]]:
    return [
        {"screen_name": e.text, "indices": _indices(e)}
        for e in tt.extract_mentions_with_indices(text)
    ]


def _mentions_or_lists_with_indices(text: str) -> list[dict[str, Any]]:
    return [
        {"screen_name": e.text, "list_slug": e.list_slug, "indices": _indices(e)}
        for e in tt.extract_mentions_or_lists_with_indices(text)
    ]


def _urls_with_indices(text: str) -> list[dict[str, Any]]:
    return [{"url": e.text, "indices": _indices(e)} for e in tt.extract_urls_with_indices(text)]


def _hashtags_with_indices(text: str) -> list[dict[str, Any]]:
    return [
        {"hashtag": e.text, "indices": _indices(e)} for e in tt.extract_hashtags_with_indices(text)
    ]


def _cashtags_with_indices(text: str) -> list[dict[str, Any]]:
    return [
        {"cashtag": e.text, "indices": _indices(e)} for e in tt.extract_cashtags_with_indices(text)
    ]


def _parse(config: tt.Config) -> Callable[[str], dict[str, Any]]:
    def parse(text: str) -> dict[str, Any]:
        result = tt.parse_text(text, config)
        return {
            "weightedLength": result.weighted_length,
            "valid": result.valid,
            "permillage": result.permillage,
            "displayRangeStart": result.display_range[0],
            "displayRangeEnd": result.display_range[1],
            "validRangeStart": result.valid_range[0],
            "validRangeEnd": result.valid_range[1],
        }

    return parse


def _valid_tweet_v1(text: str) -> bool:
    valid = tt.is_valid_tweet_text(text, tt.V1)
    assert tt.parse_text(text, tt.V1).valid == valid, "parse_text and is_valid_tweet_text differ"
    return valid


CHECKS: dict[str, dict[str, Callable[[str], Any]]] = {
    "extract": {
        "mentions": tt.extract_mentions,
        "mentions_with_indices": _mentions_with_indices,
        "mentions_or_lists_with_indices": _mentions_or_lists_with_indices,
        "replies": tt.extract_reply_screen_name,
        "urls": tt.extract_urls,
        "urls_with_indices": _urls_with_indices,
        "urls_with_directional_markers": _urls_with_indices,
        "tco_urls_with_params": tt.extract_urls,
        "hashtags": tt.extract_hashtags,
        "hashtags_from_astral": tt.extract_hashtags,
        "hashtags_with_indices": _hashtags_with_indices,
        "cashtags": tt.extract_cashtags,
        "cashtags_with_indices": _cashtags_with_indices,
    },
    "validate": {
        "tweets": _valid_tweet_v1,
        "usernames": tt.is_valid_username,
        "lists": tt.is_valid_list,
        "hashtags": tt.is_valid_hashtag,
        "urls": tt.is_valid_url,
        "urls_without_protocol": lambda text: tt.is_valid_url(text, require_protocol=False),
        "WeightedTweetsCounterTest": _parse(tt.V2),
        "WeightedTweetsWithDiscountedEmojiCounterTest": _parse(tt.V3),
        "UnicodeDirectionalMarkerCounterTest": _parse(tt.V3),
    },
}


def _cases() -> list[Any]:
    params = []
    for suite, sections in SUITES.items():
        for section, cases in sections.items():
            for number, case in enumerate(cases or []):
                case_id = f"{suite}:{section}:{number}:{case.get('description', '')}"
                params.append(pytest.param(suite, section, case, id=case_id))
    return params


def test_every_section_is_known() -> None:
    for suite, sections in SUITES.items():
        assert set(sections) == set(CHECKS[suite]), f"{suite}.yml sections differ from CHECKS"


def test_every_section_has_cases() -> None:
    for suite, sections in SUITES.items():
        for section, cases in sections.items():
            assert cases, f"{suite}.yml section {section} has no cases"


@pytest.mark.parametrize(("suite", "section", "case"), _cases())
def test_conformance(suite: str, section: str, case: dict[str, Any]) -> None:
    check = CHECKS[suite].get(section)
    if check is None:
        pytest.fail(f"no check for section {suite}:{section}")
    got = check(case["text"])
    expected = case["expected"]
    if isinstance(expected, dict):
        # Compare every field the case gives.
        assert {key: got[key] for key in expected} == expected
    else:
        assert got == expected
