"""tests/evaluation_overlap.py: the held-out NLU set shares no sentence with the training data, not even one
that differs only by the place it names; and the check finds such sentences when they are there."""

from __future__ import annotations

from pathlib import Path

import pytest

from horizon.places.finder import place_finder
from tests.evaluation_overlap import (
    EVALUATION,
    TRAINING,
    Example,
    Overlap,
    find_overlaps,
    load,
    main,
    masked,
    normalise,
    plain_text,
    read_rasa_nlu,
    report,
)

TRAINING_YML = """\
version: "3.1"
nlu:
- intent: find_initiatives
  examples: |
    - Is er een groep in [Gent](location)?
    - ik woon te Brugge
- intent: greet
  examples: |
    - hallo allemaal
- intent: ask_vision
  examples: |
    - what is your vision?
- lookup: value_name
  examples: |
    - gelijkwaardigheid
- synonym: dignity
  examples: |
    - waardigheid
- regex: postcode
  examples: |
    - \\d{4}
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def held_out(*examples: tuple[str, str]) -> str:
    blocks = [f"- intent: {label}\n  examples: |\n    - {text}\n" for text, label in examples]
    return 'version: "3.1"\nnlu:\n' + "".join(blocks)


def kinds(tmp_path: Path, *examples: tuple[str, str]) -> dict[str, str]:
    write(tmp_path / "train", "data.yml", TRAINING_YML)
    write(tmp_path / "eval", "set.yml", held_out(*examples))
    found = find_overlaps(load([tmp_path / "eval"]), load([tmp_path / "train"]))
    return {overlap.evaluation.text: overlap.kind for overlap in found}


def test_entity_annotations_are_reduced_to_the_words_typed() -> None:
    assert plain_text("ik woon in [Gent](location)") == "ik woon in Gent"
    assert plain_text('in het [Engels]{"entity": "language", "value": "en"} aub') == "in het Engels aub"
    assert plain_text("naar [Frans](language:fr)") == "naar Frans"


def test_only_intent_examples_are_read_not_lookups_synonyms_or_regexes(tmp_path: Path) -> None:
    examples = read_rasa_nlu(write(tmp_path, "data.yml", TRAINING_YML))
    assert [(e.label, e.text) for e in examples] == [
        ("find_initiatives", "Is er een groep in Gent?"),
        ("find_initiatives", "ik woon te Brugge"),
        ("greet", "hallo allemaal"),
        ("ask_vision", "what is your vision?"),
    ]


def test_examples_with_metadata_are_read(tmp_path: Path) -> None:
    text = 'nlu:\n- intent: greet\n  examples:\n  - text: "hoi daar"\n    metadata: {sentiment: neutral}\n'
    assert [e.text for e in read_rasa_nlu(write(tmp_path, "m.yml", text))] == ["hoi daar"]


def test_normalising_ignores_case_accents_punctuation_and_spacing() -> None:
    assert normalise("  Wat is jullie VISIE?! ") == normalise("wat is jullie visie") == "wat is jullie visie"
    assert normalise("Café  Liège") == "cafe liege"


def test_places_are_masked_as_the_nlu_masks_them() -> None:
    assert masked("Is er een groep in Sint-Niklaas?", place_finder()) == "is er een groep in __plaats__"
    assert masked("postcode 9000 of Gent", place_finder()) == "postcode __plaats__ of __plaats__"


def test_a_sentence_repeated_with_other_case_and_punctuation_is_an_exact_duplicate(tmp_path: Path) -> None:
    assert kinds(tmp_path, ("IS ER EEN GROEP IN GENT", "find_initiatives")) == {"IS ER EEN GROEP IN GENT": "exact"}


def test_a_sentence_that_only_names_another_place_is_a_masked_duplicate(tmp_path: Path) -> None:
    found = kinds(tmp_path, ("is er een groep in Herentals?", "find_initiatives"))
    assert found == {"is er een groep in Herentals?": "masked"}


def test_one_token_more_less_or_other_is_a_near_duplicate(tmp_path: Path) -> None:
    found = kinds(
        tmp_path,
        ("is er ook een groep in Lier?", "find_initiatives"),  # one inserted (after masking)
        ("ik woon in Mol", "find_initiatives"),  # "te" replaced
        ("hallo", "greet"),  # too short to be a copy: shares one token only
        ("hallo iedereen", "greet"),  # two tokens, one replaced: a different greeting, not a copy
        ("what is your job?", "ask_capabilities"),  # one token from another intent's example: a fair test
        ("welke groepen werken rond water?", "find_initiatives"),
    )
    assert found == {"is er ook een groep in Lier?": "near", "ik woon in Mol": "near"}


def test_the_check_fails_on_duplicates_and_lists_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = write(tmp_path / "train", "data.yml", TRAINING_YML)
    copied = write(tmp_path / "eval", "copied.yml", held_out(("Ik woon te Brugge!", "find_initiatives")))
    near = write(tmp_path / "eval", "near.yml", held_out(("ik woon nu te Brugge", "find_initiatives")))
    fresh = write(tmp_path / "eval", "fresh.yml", held_out(("welke groepen werken rond water?", "find_initiatives")))

    assert main(["--evaluation", str(copied), str(fresh), "--training", str(train)]) == 1
    assert "Ik woon te Brugge!" in capsys.readouterr().out
    assert main(["--evaluation", str(near), str(fresh), "--training", str(train)]) == 0
    assert "ik woon nu te Brugge" in capsys.readouterr().out  # reported, not failed
    assert main(["--evaluation", str(near), "--training", str(train), "--fail-on-near"]) == 1
    assert main(["--evaluation", str(fresh), "--training", str(train.parent)]) == 0


def test_a_missing_set_is_an_error_not_an_empty_pass(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load([tmp_path / "absent"])


def test_the_held_out_nlu_set_repeats_no_training_sentence() -> None:
    evaluation, training = load(EVALUATION), load(TRAINING)
    assert len(evaluation) > 400 and len(training) > 3000  # the sets were read, not skipped
    duplicates = [o for o in find_overlaps(evaluation, training) if o.kind in ("exact", "masked")]
    assert not duplicates, report(duplicates, evaluation)


def test_report_counts_each_kind() -> None:
    held = Example("ik woon in Mol", "find_initiatives", "eval.yml")
    seen = Example("ik woon te Gent", "find_initiatives", "train.yml")
    text = report([Overlap("near", held, seen)], [held, held])
    assert "'ik woon in Mol'" in text and "'ik woon te Gent'" in text
    assert text.endswith(
        "2 evaluation examples against the training data: 0 exact (0.0%), 0 masked (0.0%), 1 near (50.0%)"
    )
