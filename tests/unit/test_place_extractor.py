"""The `PlaceEntityExtractor` NLU component on real Rasa messages, built the way Rasa builds it."""

from __future__ import annotations

import asyncio
import textwrap
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.places import PlaceEntityExtractor
from horizon.paths import REFERENCE_DIR
from horizon.places import AmbiguousPostcode, MunicipalityMatch, PlaceResolver
from horizon.reference import read_rows

PLACES = read_rows(REFERENCE_DIR / "places.csv")


def build(tmp_path: Path, **config: Any) -> PlaceEntityExtractor:
    return PlaceEntityExtractor.create(
        {**PlaceEntityExtractor.get_default_config(), **config},
        LocalModelStorage(tmp_path),
        Resource("place_entity_extractor"),
        ExecutionContext(GraphSchema({}), "test-model"),
    )


@pytest.fixture(scope="module")
def extractor(tmp_path_factory: pytest.TempPathFactory) -> PlaceEntityExtractor:
    return build(tmp_path_factory.mktemp("model_storage"))


@pytest.fixture(scope="module")
def resolver() -> PlaceResolver:
    return PlaceResolver(REFERENCE_DIR)


def entities(component: PlaceEntityExtractor, text: str, existing: List[Dict[str, Any]] = ()) -> List[Dict[str, Any]]:
    message = Message(data={TEXT: text, ENTITIES: list(existing)})
    [processed] = component.process([message])
    return processed.get(ENTITIES, [])


def test_entity_fields_on_a_dutch_question(extractor):
    text = "Is er een 11-groep in Kruibeke?"
    [entity] = entities(extractor, text)
    assert entity["entity"] == "location" and entity["extractor"] == "PlaceEntityExtractor"
    assert text[entity["start"] : entity["end"]] == entity["text"] == "Kruibeke"
    assert entity["value"] == "merger:Kruibeke" and entity["confidence"] == 1.0


@pytest.mark.parametrize(
    "text, value",
    [
        ("lokale groep in 9090", "postcode:9090"),
        ("any local group near Kortrijk?", "municipality:34022"),
        ("groepen in Oost-Vlaanderen", "province:VOV"),
        ("initiatives in East Flanders please", "province:VOV"),
        ("iets in Brussel?", "region:BRU"),
        ("ik woon in 1040", "postcode:1040"),
        ("groups in Antwerp", "municipality:11002"),
        ("un groupe à Liège", "municipality:62063"),
        ("in LIEGE", "municipality:62063"),
        ("groep in st-niklaas", "municipality:46021"),
        ("Louvain-la-Neuve", "municipality:25121"),
        ("groep in As", "municipality:71002"),
        ("is er een groep in Gentbrugge?", "locality:Gentbrugge"),
        ("initiatives in Wilrijk", "locality:Wilrijk"),
    ],
)
def test_value_is_the_canonical_form(extractor, text, value):
    assert [e["value"] for e in entities(extractor, text)] == [value]


def test_every_municipality_is_found_by_name_in_a_sentence(extractor, resolver):
    """Not only trained names: every Dutch and French name of the table, inside a question, with the
    value that the resolver gives for the name itself (tests/unit/test_places.py checks what it means)."""
    missed = []
    for row in PLACES:
        for name in {row["name_nl"], row["name_fr"]}:
            found = entities(extractor, f"Zijn er initiatieven in {name}?")
            expected = resolver.resolve(name).value
            if [(e["text"], e["value"]) for e in found] != [(name, expected)]:
                missed.append((name, found))
    assert missed == []
    assert resolver.resolve(entities(extractor, "in Elsene")[0]["value"]).municipality.name_fr == "Ixelles"


def test_every_postcode_is_found(extractor, resolver):
    served = defaultdict(set)
    for row in read_rows(REFERENCE_DIR / "postcodes.csv"):
        served[row["postcode"]].add(row["refnis"])
    for code, refnis_set in served.items():
        [entity] = entities(extractor, f"lokale groep, postcode {code}")
        assert entity["value"] == f"postcode:{code}" and entity["text"] == code
        result = resolver.resolve(entity["value"])
        if len(refnis_set) > 1:
            assert isinstance(result, AmbiguousPostcode)
        else:
            assert isinstance(result, MunicipalityMatch) and result.municipality.refnis in refnis_set


def test_several_places_in_order(extractor):
    found = entities(extractor, "groepen in Gent, Merelbeke en 1804")
    assert [(e["text"], e["value"]) for e in found] == [
        ("Gent", "municipality:44021"),
        ("Merelbeke", "merger:Merelbeke"),
        ("1804", "postcode:1804"),
    ]


def test_longest_name_wins(extractor):
    assert [e["text"] for e in entities(extractor, "in Sint-Katelijne-Waver")] == ["Sint-Katelijne-Waver"]
    assert [e["value"] for e in entities(extractor, "de provincie Antwerpen")] == ["province:VAN"]


@pytest.mark.parametrize(
    "text",
    [
        "hallo",
        "as soon as possible",
        "ik wil vrijwilliger worden",
        "in welke landen werken jullie?",
        "wat gebeurt er tegen 2030?",
        "1000 vrijwilligers",
        "Kotrijk",
        "",
    ],
)
def test_no_entity_without_an_exact_place(extractor, text):
    assert entities(extractor, text) == []


def test_replaces_an_overlapping_location_from_another_extractor(extractor):
    text = "groep in Gent over klimaat"
    diet = {"entity": "location", "value": "gent", "start": 9, "end": 13, "extractor": "DIETClassifier"}
    theme = {"entity": "theme", "value": "klimaat", "start": 19, "end": 26, "extractor": "DIETClassifier"}
    found = entities(extractor, text, [diet, theme])
    assert theme in found and diet not in found
    assert [e["value"] for e in found if e["entity"] == "location"] == ["municipality:44021"]


def test_can_keep_other_extractors_and_use_another_entity_name(tmp_path):
    component = build(tmp_path, replace_other_extractors=False, entity="place")
    diet = {"entity": "place", "value": "gent", "start": 9, "end": 13, "extractor": "DIETClassifier"}
    found = entities(component, "groep in Gent", [diet])
    assert diet in found and {"entity": "place", "value": "municipality:44021"}.items() <= found[-1].items()


def test_uses_the_reference_dir_from_config(tmp_path):
    """A custom table: the component knows only what is in it (and nothing is trained)."""
    ref = tmp_path / "reference"
    ref.mkdir()
    for name in ("places.csv", "postcodes.csv", "areas.csv", "exonyms.csv", "mergers_2025.csv"):
        lines = (REFERENCE_DIR / name).read_text(encoding="utf-8").splitlines(keepends=True)
        keep = lines[:2] if name != "areas.csv" else lines
        keep += [line for line in lines[2:] if "44021" in line or "44088" in line] if name != "areas.csv" else []
        (ref / name).write_text("".join(keep), encoding="utf-8")
    component = build(tmp_path / "storage", reference_dir=str(ref))
    assert [e["value"] for e in entities(component, "groep in Gent of Kortrijk")] == ["municipality:44021"]
    assert [e["value"] for e in entities(component, "Antwerpen")] == ["province:VAN"]  # no city in this table


def test_works_inside_a_trained_rasa_nlu_model(tmp_path):
    """The component as a pipeline entry: train a tiny NLU model with it, load it, parse."""
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    (tmp_path / "config.yml").write_text(
        textwrap.dedent("""\
        recipe: default.v1
        language: nl
        assistant_id: places-test
        pipeline:
          - name: WhitespaceTokenizer
          - name: KeywordIntentClassifier
          - name: bot.nlu.places.PlaceEntityExtractor
        """),
        encoding="utf-8",
    )
    (tmp_path / "nlu.yml").write_text(
        textwrap.dedent("""\
        version: "3.1"
        nlu:
          - intent: find_initiatives
            examples: |
              - groep
              - initiatief
          - intent: greet
            examples: |
              - hallo
        """),
        encoding="utf-8",
    )
    model = train_nlu(str(tmp_path / "config.yml"), str(tmp_path / "nlu.yml"), str(tmp_path / "models"))
    agent = Agent.load(model)
    parsed = asyncio.run(agent.parse_message("is er een groep in Kruibeke?"))
    assert parsed["intent"]["name"] == "find_initiatives"
    assert [(e["entity"], e["value"]) for e in parsed["entities"]] == [("location", "merger:Kruibeke")]


def test_benchmark_reports_both_latencies():
    """`make bench` calls bench/places_bench.run: it must time real inputs and print both lines."""
    import io

    from bench.places_bench import run

    out = io.StringIO()
    figures = run(inputs=200, rounds=1, out=out)
    assert figures["resolve"]["n"] == figures["extractor"]["n"] == 200
    assert 0 < figures["resolve"]["p50_ms"] <= figures["resolve"]["p95_ms"] <= figures["resolve"]["max_ms"]
    assert "places resolve" in out.getvalue() and "places extractor" in out.getvalue()
