"""The place resolver over the generated reference tables: every municipality, every postcode."""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import pytest

from horizon.geo import haversine_km
from horizon.paths import REFERENCE_DIR
from horizon.places import (
    AmbiguousPostcode,
    AreaMatch,
    MunicipalityMatch,
    PlaceResolver,
    Suggestion,
)
from horizon.reference import read_rows
from horizon.text import fold, name_key

PLACES = read_rows(REFERENCE_DIR / "places.csv")
POSTCODE_ROWS = read_rows(REFERENCE_DIR / "postcodes.csv")
MERGERS = read_rows(REFERENCE_DIR / "mergers_2025.csv")
EXONYMS = read_rows(REFERENCE_DIR / "exonyms.csv")


@pytest.fixture(scope="module")
def resolver() -> PlaceResolver:
    return PlaceResolver(REFERENCE_DIR)


def _is(result, refnis: str) -> bool:
    """The result means this municipality: directly, or as the named alternative of an area
    ("Brussel" means the region; the City of Brussels is its alternative)."""
    if isinstance(result, MunicipalityMatch):
        return result.municipality.refnis == refnis
    if isinstance(result, AreaMatch):
        return any(getattr(place, "refnis", None) == refnis for place in result.alternatives)
    return False


# --- the table ----------------------------------------------------------------------------------------------


def test_table_has_the_565_municipalities_of_2025():
    assert len(PLACES) == 565
    assert len({row["refnis"] for row in PLACES}) == 565
    assert Counter(row["region"] for row in PLACES) == {"VLG": 285, "WAL": 261, "BRU": 19}


def test_every_municipality_has_postcodes_and_a_coordinate_in_belgium():
    for row in PLACES:
        assert row["postcodes"].split(), row
        assert 49.4 < float(row["latitude"]) < 51.6 and 2.5 < float(row["longitude"]) < 6.5, row


def test_tables_carry_both_attributions():
    for name in ("places.csv", "postcodes.csv", "areas.csv", "exonyms.csv", "mergers_2025.csv"):
        first = (REFERENCE_DIR / name).read_text(encoding="utf-8").splitlines()[0]
        assert "CC BY 4.0" in first and "ODbL 1.0" in first and "Statbel" in first, name


def test_areas_partition_the_municipalities(resolver):
    provinces = [a for a in resolver.areas.values() if a.kind == "province"]
    assert len(provinces) == 10
    covered = [code for a in provinces for code in a.municipalities] + list(resolver.areas["BRU"].municipalities)
    assert sorted(covered) == sorted(row["refnis"] for row in PLACES)
    regions = [a for a in resolver.areas.values() if a.kind == "region"]
    assert sum(len(a.municipalities) for a in regions) == 565


# --- names --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("row", PLACES, ids=lambda row: row["refnis"])
def test_every_municipality_resolves_by_dutch_french_and_german_name(resolver, row):
    for name in filter(None, (row["name_nl"], row["name_fr"], row["name_de"])):
        assert _is(resolver.resolve(name), row["refnis"]), name
        assert _is(resolver.resolve(fold(name).upper()), row["refnis"]), name
        assert _is(resolver.resolve(f"Is er een 11-groep in {name}?"), row["refnis"]), name


def test_names_ignore_case_accents_and_hyphens(resolver):
    for text in ("liege", "LIÈGE", "Liége", "in luik aub"):
        assert resolver.resolve(text).municipality.refnis == "62063", text
    for text in ("sint niklaas", "St-Niklaas", "st. niklaas", "SINT-NIKLAAS"):
        assert resolver.resolve(text).municipality.name_nl == "Sint-Niklaas", text
    assert resolver.resolve("Braine-l'Alleud").municipality.name_fr == "Braine-l’Alleud"


@pytest.mark.parametrize(
    "text, dutch_name",
    [
        ("Antwerp", "Antwerpen"),
        ("Anvers", "Antwerpen"),
        ("Ghent", "Gent"),
        ("Gand", "Gent"),
        ("Bruges", "Brugge"),
        ("Louvain", "Leuven"),
        ("Malines", "Mechelen"),
        ("Mechlin", "Mechelen"),
        ("Courtrai", "Kortrijk"),
        ("Ostend", "Oostende"),
        ("Ostende", "Oostende"),
        ("Liège", "Luik"),
        ("Liege", "Luik"),
        ("Lüttich", "Luik"),
        ("Mons", "Bergen"),
        ("Namur", "Namen"),
        ("Tournai", "Doornik"),
        ("Ypres", "Ieper"),
        ("Löwen", "Leuven"),
        ("Brussel-Stad", "Brussel"),
        ("City of Brussels", "Brussel"),
        ("Louvain-la-Neuve", "Ottignies-Louvain-la-Neuve"),
    ],
)
def test_exonyms_and_short_forms(resolver, text, dutch_name):
    result = resolver.resolve(text)
    assert isinstance(result, MunicipalityMatch) and result.municipality.name_nl == dutch_name


def test_every_exonym_row_resolves_to_its_municipality(resolver):
    for row in EXONYMS:
        assert _is(resolver.resolve(row["name"]), row["refnis"]), row


def test_english_names_are_shown_in_english(resolver):
    assert resolver.municipality("11002").name("en") == "Antwerp"
    assert resolver.municipality("11002").name("fr") == "Anvers"
    assert resolver.municipality("62063").name("en") == "Liège"
    assert resolver.municipality("34022").name("en") == "Kortrijk"
    assert resolver.municipality("63040").name("de") == "Kelmis"
    assert resolver.municipality("63040").name("fr") == "La Calamine"
    assert resolver.municipality("92094").name("de") == "Namur"


# --- mergers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("row", MERGERS, ids=lambda row: row["old_name"])
def test_merged_names_resolve_to_the_new_municipality_and_say_so(resolver, row):
    for text in (row["old_name"], f"is er een groep in {row['old_name'].lower()}?"):
        result = resolver.resolve(text)
        assert isinstance(result, MunicipalityMatch), text
        assert result.municipality.refnis == row["refnis"] and result.via == "merger"
        assert result.merged_from == row["old_name"]


# --- localities (deelgemeenten) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, locality, municipality",
    [
        ("is er een groep in Gentbrugge?", "Gentbrugge", "Gent"),
        ("initiatieven in wilrijk", "Wilrijk", "Antwerpen"),
        ("Borgerhout", "Borgerhout", "Antwerpen"),
        ("groep in Heverlee", "Heverlee", "Leuven"),
        ("St-Amandsberg", "Sint-Amandsberg", "Gent"),  # short forms work as for municipality names
        ("ik woon in Neerpelt", "Neerpelt", "Pelt"),  # merged in 2019: people still say it
        ("iets in Laeken?", "Laeken", "Brussel"),
        ("is er iets in Doel", "Doel", "Beveren-Kruibeke-Zwijndrecht"),
    ],
)
def test_localities_resolve_to_their_municipality_and_say_so(resolver, text, locality, municipality):
    result = resolver.resolve(text)
    assert isinstance(result, MunicipalityMatch) and result.via == "locality"
    assert (result.locality, result.municipality.name_nl) == (locality, municipality)
    assert resolver.resolve(result.value) == MunicipalityMatch(
        result.municipality, result.value, "locality", locality=locality
    )


@pytest.mark.parametrize(
    "text",
    [
        "wat is jullie doel?",
        "Doel",
        "ik wil meer weten",
        "meer",
        "Meer info aub",
        "binnen een uur",
        "appels en peren",
        "wortel",
        "Wat is het Doel van 11.11.11?",
        "de groep naast de kerk",
        "Outer space",
        "Duisburg",
    ],
)
def test_localities_that_are_everyday_words_need_a_cue_word(resolver, text):
    assert resolver.resolve(text) is None or resolver.resolve(text).via != "locality", text


def test_a_municipality_name_keeps_its_meaning_over_a_locality_of_that_name(resolver):
    # Aalst is also a locality of Sint-Truiden, Deurne one of Diest: the municipality (or district) wins
    assert resolver.resolve("groep in Aalst").municipality.name_nl == "Aalst"
    assert resolver.resolve("groep in Aalst").via == "name"


def test_every_locality_row_resolves_to_its_municipality_or_is_left_out(resolver):
    for row in POSTCODE_ROWS:
        if row["locality"] in resolver.localities:
            assert resolver.resolve(f"in {row['locality']}").municipality.refnis == row["refnis"], row
    assert len(resolver.localities) > 800


def test_typos_are_not_matched_against_localities(resolver):
    assert resolver.resolve("Gentbruge") is None  # one edit from a locality: not suggested
    assert resolver.resolve("Kotrijk").suggested_name == "Kortrijk"


def test_mergers_named_in_the_facts(resolver):
    assert resolver.resolve("Kruibeke").municipality.name_nl == "Beveren-Kruibeke-Zwijndrecht"
    assert resolver.resolve("Borsbeek").municipality.name_nl == "Antwerpen"
    assert resolver.resolve("Bertogne").municipality.name_fr == "Bastogne"
    assert resolver.resolve("Tongeren-Borgloon").merged_from is None


# --- postcodes ----------------------------------------------------------------------------------------------


def test_every_postcode_resolves_to_its_municipality_or_asks(resolver):
    served = defaultdict(set)
    for row in POSTCODE_ROWS:
        served[row["postcode"]].add(row["refnis"])
    assert len(served) > 1100
    for code, refnis_set in served.items():
        result = resolver.resolve(code)
        if len(refnis_set) == 1:
            assert isinstance(result, MunicipalityMatch) and result.postcode == code, code
            assert result.municipality.refnis in refnis_set and code in result.municipality.postcodes
        else:
            assert isinstance(result, AmbiguousPostcode), code
            assert {m.refnis for m in result.candidates} == refnis_set


@pytest.mark.parametrize(
    "code, names",
    [("1040", {"Brussel", "Etterbeek"}), ("1050", {"Brussel", "Elsene"}), ("1804", {"Vilvoorde", "Zemst"})],
)
def test_shared_postcodes_are_asked_about(resolver, code, names):
    result = resolver.resolve(f"lokale groep in {code}")
    assert isinstance(result, AmbiguousPostcode)
    assert {m.name_nl for m in result.candidates} == names


def test_a_name_next_to_a_shared_postcode_settles_it(resolver):
    result = resolver.resolve("1804 Zemst")
    assert isinstance(result, MunicipalityMatch) and result.municipality.name_nl == "Zemst"
    assert result.postcode == "1804"


def test_postcode_wins_over_name(resolver):
    result = resolver.resolve("ik woon in 9000 maar werk in Antwerpen")
    assert result.municipality.name_nl == "Gent" and result.postcode == "9000"


def test_postcode_inside_a_sentence(resolver):
    result = resolver.resolve("lokale groep in 9090")
    assert result.municipality.name_nl == "Merelbeke-Melle" and result.via == "postcode"


@pytest.mark.parametrize(
    "text",
    [
        "1000 vrijwilligers",
        "meer dan 1300 initiatieven",
        "in 2030",
        "sinds 2009",
        "tegen 2030 willen we",
        "ik gaf 2000 euro",
        "9999",
        "0000",
    ],
)
def test_numbers_that_are_not_postcodes(resolver, text):
    assert resolver.resolve(text) is None


def test_year_like_postcodes_need_a_postcode_cue(resolver):
    assert resolver.resolve("2000").municipality.name_nl == "Antwerpen"
    assert resolver.resolve("mijn postcode is postcode 2000").postcode == "2000"
    assert resolver.resolve("2000 Antwerpen").postcode == "2000"


# --- provinces and regions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, code",
    [
        ("Oost-Vlaanderen", "VOV"),
        ("East Flanders", "VOV"),
        ("Flandre-Orientale", "VOV"),
        ("oost vlaanderen", "VOV"),
        ("West Flanders", "VWV"),
        ("provincie Antwerpen", "VAN"),
        ("Antwerp province", "VAN"),
        ("Limburg", "VLI"),
        ("Vlaams-Brabant", "VBR"),
        ("Henegouwen", "WHT"),
        ("Hainaut", "WHT"),
        ("Luxemburg", "WLX"),
        ("groepen in Limburg?", "VLI"),
        ("Brussel", "BRU"),
        ("Brussels", "BRU"),
        ("Bruxelles", "BRU"),
        ("Vlaanderen", "VLG"),
        ("Flanders", "VLG"),
        ("Wallonië", "WAL"),
    ],
)
def test_provinces_and_regions(resolver, text, code):
    result = resolver.resolve(text)
    assert isinstance(result, AreaMatch) and result.area.code == code
    assert all(
        resolver.municipality(r).province == code or resolver.municipality(r).region == code
        for r in result.area.municipalities
    )


def test_shared_names_offer_the_other_place(resolver):
    limburg = resolver.resolve("Limburg")
    assert [m.name_fr for m in limburg.alternatives] == ["Limbourg"]
    antwerpen = resolver.resolve("Antwerpen")
    assert isinstance(antwerpen, MunicipalityMatch)
    assert [a.code for a in antwerpen.alternatives] == ["VAN"]
    assert len(resolver.resolve("Brussel").area.municipalities) == 19


# --- typos --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, suggested",
    [
        ("Kotrijk", "Kortrijk"),
        ("Antwerpne", "Antwerpen"),
        ("Hasslet", "Hasselt"),
        ("Oostnede", "Oostende"),
        ("groep in Kotrijk", "Kortrijk"),
        ("Oost-Vlaaderen", "Oost-Vlaanderen"),
        ("Kruibeek", "Kruibeke"),
    ],
)
def test_typos_give_a_suggestion_to_confirm(resolver, text, suggested):
    result = resolver.resolve(text)
    assert isinstance(result, Suggestion) and result.suggested_name == suggested


def test_a_typo_never_gives_a_confident_wrong_answer(resolver):
    """Drop one letter from every long name: the answer is a suggestion or nothing, mostly the right one."""
    keys = set(resolver.phrases())
    right = tried = 0
    for row in PLACES:
        name = row["name_nl"]
        if len(name) < 7:
            continue
        typo = name[:3] + name[4:]
        if name_key(typo) in keys:
            continue
        tried += 1
        result = resolver.resolve(typo)
        assert result is None or isinstance(result, Suggestion), (typo, result)
        right += bool(result and getattr(result.place, "refnis", None) == row["refnis"])
    assert tried > 300 and right / tried > 0.9


# --- nothing ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "hallo",
        "hello",
        "",
        "   ",
        None,
        "as soon as possible",
        "geel is mooi",
        "in welke landen werken jullie?",
        "wat is jullie strategie?",
        "fiscaal attest",
        "ik wil vrijwilliger worden",
        "Amsterdam",
    ],
)
def test_nothing_for_text_without_a_place(resolver, text):
    assert resolver.resolve(text) is None


def test_everyday_words_that_are_places_need_a_cue(resolver):
    assert resolver.resolve("groep in As").municipality.name_nl == "As"
    assert resolver.resolve("Geel").municipality.name_nl == "Geel"
    assert resolver.resolve("is er iets in geel?").municipality.name_nl == "Geel"
    assert resolver.resolve("ik zoek een groep, ik woon in Boom").municipality.name_nl == "Boom"
    assert resolver.resolve("zijn er groepen rond de boom") is None


def test_a_comma_separates_places(resolver):
    found = resolver.mentions("Bilzen, Hoeselt en Tongeren-Borgloon")
    assert [m.text for m in found] == ["Bilzen", "Hoeselt", "Tongeren-Borgloon"]


def test_long_input_is_cut_and_stays_fast(resolver):
    text = "bla " * 5000 + "Gent"
    started = time.perf_counter()
    assert resolver.resolve(text) is None  # the place is past the cut
    assert time.perf_counter() - started < 0.5


# --- canonical values ---------------------------------------------------------------------------------------


def test_values_resolve_back_to_the_same_place(resolver):
    texts = [row["name_nl"] for row in PLACES] + [row["old_name"] for row in MERGERS]
    texts += ["1040", "9090", "Oost-Vlaanderen", "Brussel", "Vlaanderen"]
    for text in texts:
        first = resolver.resolve(text)
        again = resolver.resolve(first.value)
        assert type(again) is type(first) and again.value == first.value, text
    assert resolver.resolve("municipality:99999") is None


# --- geography ----------------------------------------------------------------------------------------------


def km(a, b) -> float:
    return float(haversine_km(a.latitude, a.longitude, b.latitude, b.longitude))


def test_distance_between_municipalities(resolver):
    gent, antwerpen = resolver.municipality("44021"), resolver.municipality("11002")
    assert 45 < km(gent, antwerpen) < 60
    assert km(gent, antwerpen) == pytest.approx(km(antwerpen, gent))
    assert km(gent, gent) == 0
    assert 230 < km(resolver.municipality("31043"), resolver.municipality("81001")) < 290  # Knokke-Arlon


def test_haversine_broadcasts_over_arrays(resolver):
    gent = resolver.municipality("44021")
    others = [resolver.municipality(code) for code in ("11002", "31005", "81001")]
    together = haversine_km(gent.latitude, gent.longitude, [m.latitude for m in others], [m.longitude for m in others])
    assert list(together) == pytest.approx([km(gent, m) for m in others])


def test_multiword_everyday_names_need_a_cue_too(resolver):
    assert resolver.resolve("de haan kraait") is None
    assert resolver.resolve("groep in De Haan").municipality.name_nl == "De Haan"
    assert resolver.resolve("I went to a spa") is None
