"""bot.training: `make train` retrains when anything the model is built from changes, and only then.

The fingerprints are taken over a copy of the project's training inputs in a temporary folder, edited there.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from bot.paths import ROOT
from bot.training import component_sources, fingerprint, run_showing_progress, took, training_inputs

COPIED = ("config.yml", "domain", "data/nlu", "data/rules", "data/reference", "bot", "horizon")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in COPIED:
        source, target = ROOT / name, tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return tmp_path


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as stream:
        stream.write(text)


def test_the_copy_has_the_fingerprint_of_the_project(project: Path) -> None:
    assert fingerprint(project) == fingerprint(ROOT)


@pytest.mark.parametrize(
    "edited, addition",
    [
        ("data/reference/places.csv", "99999,Nergensdorp,,,\n"),  # a place table the components read
        ("data/reference/postcodes.csv", "9999,Nergensdorp,99999\n"),
        ("horizon/places/words.py", "\nEXTRA_EVERYDAY_WORD = 'hier'\n"),  # the everyday-word list
        ("horizon/text.py", "\n# folding changed\n"),  # imported by the place modules, not by the components
        ("bot/nlu/language.py", "\n# the tokenizer changed\n"),
        ("data/nlu/strategy.yml", "\n# a new example\n"),
        ("config.yml", "\n# a new setting\n"),
    ],
)
def test_what_the_model_reads_changes_the_fingerprint(project: Path, edited: str, addition: str) -> None:
    before = fingerprint(project)
    append(project / edited, addition)
    assert fingerprint(project) != before


@pytest.mark.parametrize(
    "edited",
    ["horizon/volunteers/notify.py", "data/reference/sample_initiatives.csv", "horizon/initiatives/repository.py"],
)
def test_what_the_model_does_not_read_leaves_it_current(project: Path, edited: str) -> None:
    before = fingerprint(project)
    append(project / edited, "\n# edited\n")
    assert fingerprint(project) == before


def test_a_module_a_component_comes_to_import_becomes_an_input(project: Path) -> None:
    """Imports are followed as they are in the code now: no list of inputs to keep up to date by hand."""
    notify = project / "horizon/volunteers/notify.py"
    assert notify not in component_sources(project)
    append(project / "horizon/places/words.py", "\nfrom horizon.volunteers import notify  # noqa: E402,F401\n")
    assert notify in component_sources(project)
    assert project / "horizon/volunteers/__init__.py" in component_sources(project)
    before = fingerprint(project)
    append(notify, "\n# edited\n")
    assert fingerprint(project) != before


def test_relative_imports_are_followed(project: Path) -> None:
    append(project / "horizon/places/words.py", "\nfrom ..volunteers import outbox  # noqa: E402,F401\n")
    assert project / "horizon/volunteers/outbox.py" in component_sources(project)


def test_the_inputs_are_the_components_and_their_project_imports(project: Path) -> None:
    names = {str(path.relative_to(project)) for path in training_inputs(project)}
    assert {"bot/nlu/places.py", "bot/nlu/language.py", "horizon/places/words.py", "horizon/text.py"} <= names
    assert {"data/reference/places.csv", "data/reference/postcodes.csv"} <= names
    assert "data/reference/sample_initiatives.csv" not in names
    assert not any(name.startswith(("actions/", "horizon/volunteers/", "horizon/initiatives/")) for name in names)


FAKE_TRAINING = """
import sys, time
print("Starting to train component 'DIETClassifier'.")
print("io.py:100: UserWarning: The utterance 'utter_a' is not used in any story or rule.")
print("io.py:100: UserWarning: The utterance 'utter_b' is not used in any story or rule.")
for epoch in range(3):
    sys.stdout.write(f"\\rEpochs: {epoch}/3"); sys.stdout.flush(); time.sleep(0.05)
print()
sys.exit(3)
"""


def test_training_output_keeps_the_progress_and_counts_the_unused_responses(capfdbinary: pytest.CaptureFixture) -> None:
    code, unused = run_showing_progress([sys.executable, "-c", FAKE_TRAINING])

    shown = capfdbinary.readouterr().out
    assert (code, unused) == (3, 2)
    assert b"Starting to train component 'DIETClassifier'." in shown and b"utter_" not in shown
    assert all(f"Epochs: {epoch}/3\r".encode() in shown for epoch in (0, 1))  # each step drawn as it came


def test_training_time_reads_as_minutes_and_seconds() -> None:
    assert (took(95.4), took(7.2)) == ("1 min 35 s", "7 s")
