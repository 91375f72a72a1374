"""Rasa's own CLI in the project root, with no flags, on the embedded defaults (issue 15).

The commands run in a copy of the root (the files git knows, the trained model, an empty var/: a fresh clone
after `make run`), so that nothing here writes to the real var/ or results/. `rasa run`, `rasa run actions`
and `rasa shell` use their fixed default ports, so they run in a network namespace of their own. `rasa train`
and `rasa interactive` (which trains first) cost minutes of CPU: what they read is checked instead, against
what `make train` reads.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from bot.paths import ROOT
from bot.training import train_command
from tests.support.plain_rasa import copy_project

RASA = [sys.executable, "-m", "rasa"]


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    return copy_project(ROOT, tmp_path / "horizon")


def rasa(root: Path, *command: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*RASA, *command], cwd=root, capture_output=True, text=True, timeout=timeout)


def test_domain_yml_is_the_split_domain() -> None:
    from rasa.shared.core.domain import Domain

    assert (ROOT / "domain.yml").resolve() == (ROOT / "domain").resolve()
    assert Domain.load(str(ROOT / "domain.yml")).as_dict() == Domain.load(str(ROOT / "domain")).as_dict()


def test_plain_rasa_train_reads_what_make_train_reads() -> None:
    """Same configuration, domain, NLU data and rules: the same model as `make train`'s (which keeps its own
    name and fingerprint; `rasa train` writes a timestamped model beside it, which `rasa shell` picks up)."""
    from rasa.shared.core.training_data.story_writer.yaml_story_writer import YAMLStoryWriter
    from rasa.shared.importers.importer import TrainingDataImporter

    command = train_command()
    data = command[command.index("--data") + 1 : command.index("--out")]
    made = TrainingDataImporter.load_from_config(
        command[command.index("--config") + 1], command[command.index("--domain") + 1], data
    )
    os.chdir(ROOT)
    plain = TrainingDataImporter.load_from_config("config.yml", "domain.yml", ["data"])

    assert plain.get_config() == made.get_config()
    assert plain.get_domain().as_dict() == made.get_domain().as_dict()
    assert plain.get_nlu_data().nlu_as_json() == made.get_nlu_data().nlu_as_json()
    stories = YAMLStoryWriter().dumps(plain.get_stories().story_steps)
    assert "rule:" in stories and stories == YAMLStoryWriter().dumps(made.get_stories().story_steps)


def test_plain_rasa_test_finds_only_the_project_test_stories() -> None:
    """`rasa test` looks for `test_*.yml` stories under `.`, following links: also in .venv, where Rasa ships
    the moodbot's example (the Makefile removes that one file)."""
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.data import get_data_files

    os.chdir(ROOT)
    found = {Path(path).resolve() for path in get_data_files(["."], YAMLStoryReader.is_test_stories_file)}

    expected = {path.resolve() for path in (ROOT / "tests" / "stories").glob("test_*.yml")}
    assert found == expected, f"{sorted(found - expected)}: `make rasa-cli` removes Rasa's example from the venv"


def test_rasa_data_validate(clone: Path) -> None:
    done = rasa(clone, "data", "validate")

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "No story structure conflicts found" in done.stdout + done.stderr


def test_rasa_test_with_the_stories_and_a_small_nlu_set(clone: Path) -> None:
    """`rasa test`: Rasa's end-to-end test of the stories in tests/stories and the NLU evaluation of data/, here
    a small set (the full one is `make test-nlu`'s held-out set). Its end-to-end mode also compares every
    message's entities with the stories', which annotate neither the `language` entity nor place ids, so it
    reports most stories as failed; `make test-stories` (`rasa test core`) is the gate (DEVELOPERS.md)."""
    shutil.rmtree(clone / "data" / "nlu")
    small = [
        {"intent": "greet", "examples": "- hallo allemaal\n- hello friend\n"},
        {"intent": "find_initiatives", "examples": "- is er een groep in Gent?\n- initiatieven in Brugge\n"},
    ]
    (clone / "data" / "nlu").mkdir()
    (clone / "data" / "nlu" / "small.yml").write_text(yaml.safe_dump({"version": "3.1", "nlu": small}))

    done = rasa(clone, "test")

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    stories = json.loads((clone / "results" / "story_report.json").read_text())["conversation_accuracy"]
    expected = sum(
        len(yaml.safe_load(path.read_text())["stories"]) for path in (clone / "tests" / "stories").glob("*.yml")
    )
    assert stories["total"] == expected  # the project's test stories, and nothing else
    intents = json.loads((clone / "results" / "intent_report.json").read_text())
    assert intents["greet"]["support"] == 2 and intents["find_initiatives"]["support"] == 2


def _own_network() -> List[str]:
    """`unshare -rn` when this machine allows it (a network namespace of its own: ports 5005 and 5055 are
    free there whatever runs beside), else nothing."""
    if shutil.which("unshare") and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-rn"]
    return []


def _in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_rasa_run_run_actions_and_shell(clone: Path, e2e_env: Dict[str, str]) -> None:
    wrapper = _own_network()
    if not wrapper and (_in_use(5005) or _in_use(5055)):
        pytest.skip("ports 5005/5055 are in use and no network namespace can be made")
    driver = [*wrapper, sys.executable, "-m", "tests.support.plain_rasa", str(clone)]
    env = {**e2e_env, "PYTHONPATH": str(ROOT)}  # the driver from this tree; Rasa puts the clone first itself
    done = subprocess.run(driver, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    logs = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}" for log in (clone / "logs").glob("*"))
    assert done.returncode == 0, done.stderr[-3000:] + logs
    seen = json.loads(done.stdout.strip().splitlines()[-1])

    assert seen["status"]["model_file"].endswith(".tar.gz")
    search = "\n".join(message.get("text", "") for message in seen["search"])
    assert "Resultaten 1" in search and "• Voorbeeld:" in search  # the action server answered, from the database
    assert seen["actions_listening"] == ["127.0.0.1"]  # loopback, as actions/server.py
    assert seen["actions_refuses"] == 400  # the input check of actions/server.py is in front
    assert "11.11.11" in seen["shell"]  # the greeting, in the terminal chat
