"""The keyword matcher for themes, partner countries and initiative types (actions/common/search_terms.py)."""

from __future__ import annotations

import pytest

from horizon.initiatives.search_terms import SearchTerms, find_terms
from horizon.initiatives.vocabulary import INITIATIVE_TYPES, THEMES, country_name


@pytest.mark.parametrize("code", sorted(THEMES))
@pytest.mark.parametrize("language", [0, 1])
def test_every_theme_label_is_found(code: str, language: int) -> None:
    assert find_terms(f"initiatieven rond {THEMES[code][language]} aub").theme == code


@pytest.mark.parametrize("code", sorted(INITIATIVE_TYPES))
@pytest.mark.parametrize("language", [0, 1])
def test_every_type_label_is_found(code: str, language: int) -> None:
    assert find_terms(f"is er een {INITIATIVE_TYPES[code][language]} hier?").type == code


@pytest.mark.parametrize("code", ["CD", "RW", "BI", "PE", "EC", "BO", "PH", "ID", "SN", "GT", "NP", "KE"])
@pytest.mark.parametrize("language", ["nl", "en"])
def test_country_names_in_both_languages(code: str, language: str) -> None:
    assert find_terms(f"projecten in {country_name(code, language)}").country == code


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "welke 4de pijlerinitiatieven werken rond onderwijs in Congo?",
            SearchTerms("education", "CD", "fourth_pillar"),
        ),
        ("klimaatprojecten in Equador", SearchTerms("climate", "EC")),
        ("gezondheidszorg in Rwanda", SearchTerms("health", "RW")),
        ("initiatieven rond vrouwenrechten in de Filipijnen", SearchTerms("gender", "PH")),
        ("zijn er initiatieven in Indonesië die scholen bouwen?", SearchTerms("education", "ID")),
        ("is er een 11-groep in Kruibeke?", SearchTerms(type="local_group")),
        ("any 11.11.11 group working on fair trade?", SearchTerms("fair_trade", type="local_group")),
        ("Congo-Brazzaville", SearchTerms(country="CG")),
        ("ik wil zorgen voor een betere wereld", SearchTerms()),
        ("wat is jullie visie?", SearchTerms()),
        ("ik woon in België", SearchTerms()),
    ],
)
def test_messages(text: str, expected: SearchTerms) -> None:
    assert find_terms(text) == expected


def test_words_inside_a_found_place_do_not_count() -> None:
    text = "initiatieven in Luxemburg"
    assert find_terms(text).country == "LU"
    start = text.index("Luxemburg")
    assert find_terms(text, [(start, start + len("Luxemburg"))]) == SearchTerms()
    assert find_terms("groep in Waterloo", [(9, 17)]).theme is None


def test_the_first_mention_of_each_kind_counts() -> None:
    assert find_terms("klimaat of onderwijs in Peru of Bolivia") == SearchTerms("climate", "PE")
