"""Trains the model only when its inputs changed, so `make run` starts fast the second time.

Rasa's own fingerprinting still loads the whole training graph before it decides that nothing changed;
hashing the files is instant.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Iterable

from bot.paths import CONFIG, DATA, DOMAIN, FINGERPRINT, MODEL, MODELS, ROOT, TRAINING_INPUTS


def _files(inputs: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in inputs:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return sorted(found)


def fingerprint(inputs: Iterable[Path] = TRAINING_INPUTS) -> str:
    """A hash over the names and contents of every training input."""
    digest = hashlib.sha256()
    for path in _files(inputs):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def is_current() -> bool:
    """True when a model exists and was trained from the inputs as they are now."""
    return MODEL.exists() and FINGERPRINT.exists() and FINGERPRINT.read_text().strip() == fingerprint()


def train_command(out: Path = MODELS) -> list[str]:
    """The `rasa train` call for this project's model, written to `out`/horizon.tar.gz."""
    return [
        sys.executable,
        "-m",
        "rasa",
        "train",
        "--config",
        str(CONFIG),
        "--domain",
        str(DOMAIN),
        "--data",
        str(DATA / "nlu"),
        str(DATA / "rules"),
        "--out",
        str(out),
        "--fixed-model-name",
        MODEL.name.removesuffix(".tar.gz"),
        "--force",
    ]


def train(force: bool = False) -> bool:
    """Trains if needed (or always with force); returns whether it trained. Raises on failure."""
    if not force and is_current():
        print("The model is up to date with the training data: not training.", flush=True)
        return False
    print("Training the model (about a minute)...", flush=True)
    MODELS.mkdir(exist_ok=True)
    current = fingerprint()
    subprocess.run(train_command(), cwd=ROOT, check=True)
    FINGERPRINT.write_text(current + "\n")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description="Train Horizon's model if the training data changed.")
    parser.add_argument("--force", action="store_true", help="train even if nothing changed")
    train(force=parser.parse_args().force)


if __name__ == "__main__":
    main()
