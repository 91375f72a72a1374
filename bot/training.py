"""Trains the model only when something it is built from changed, so `make run` starts fast the second time.

Rasa's own fingerprinting still loads the whole training graph before it decides that nothing changed;
hashing the files is instant. What the model is built from: the configuration, domain and training data, the
place tables the custom components read, and the code of the custom components with every project module
they import (found by reading their `import` statements), so that editing `places.csv` or the everyday-word
list (horizon/places/words.py) retrains, and editing the volunteer notifications does not.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List, Optional, Set, Tuple

import yaml

from bot.paths import (
    CONFIG,
    DATA,
    DOMAIN,
    FINGERPRINT,
    MODEL,
    MODELS,
    NOT_READ_BY_THE_MODEL,
    REFERENCE_TABLES,
    ROOT,
    TRAINING_DATA,
)
from bot.quiet import quiet_env

#: Rasa's validation before training warns once per response that no rule or story names.
UNUSED_RESPONSE = re.compile(rb"UserWarning: The utterance '[^']*' is not used in any story or rule")
#: The project's own packages: imports of anything else (rasa, spacy, the standard library) are not followed.
PROJECT_PACKAGES = ("bot", "horizon")


def custom_components(config: Path) -> List[str]:
    """The modules of the pipeline components and policies that `config` names by module path."""
    settings = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    names = [str(part.get("name", "")) for key in ("pipeline", "policies") for part in settings.get(key) or []]
    return sorted({name.rpartition(".")[0] for name in names if "." in name})


def _module_file(module: str, root: Path) -> Optional[Path]:
    """The source file of a project module under `root`, or None (another package, or not a module)."""
    parts = module.split(".")
    if parts[0] not in PROJECT_PACKAGES:
        return None
    base = root.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(source: Path, module: str) -> Set[str]:
    """Every module `source` may import (at any depth in the file), with the packages that importing runs."""
    package = module if source.name == "__init__.py" else module.rpartition(".")[0]
    found: Set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"), str(source))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: `from . import x`, `from ..places import y`
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from package import module`
    return _with_packages(found)


def _with_packages(modules: Iterable[str]) -> Set[str]:
    """The modules and their packages: `import a.b.c` runs a/__init__.py and a/b/__init__.py first."""
    return {".".join(name.split(".")[:i]) for name in modules for i in range(1, name.count(".") + 2)}


def component_sources(root: Path = ROOT) -> List[Path]:
    """The source of the custom components in `root`/config.yml and of every project module they import."""
    todo = sorted(_with_packages(custom_components(root / "config.yml")))
    seen: Set[str] = set()
    files: Set[Path] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        source = _module_file(module, root)
        if source is not None:
            files.add(source)
            todo.extend(_imports(source, module) - seen)
    return sorted(files)


def training_inputs(root: Path = ROOT) -> List[Path]:
    """Everything the trained model depends on, in the project at `root`."""
    unread = {root / name for name in NOT_READ_BY_THE_MODEL}
    tables = [path for path in sorted(root.glob(REFERENCE_TABLES)) if path not in unread]
    return [root / name for name in TRAINING_DATA] + tables + component_sources(root)


def _files(inputs: Iterable[Path]) -> List[Path]:
    found: Set[Path] = set()
    for path in inputs:
        if path.is_file():
            found.add(path)
        elif path.is_dir():
            found.update(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return sorted(found)


def fingerprint(root: Path = ROOT) -> str:
    """A hash over the names and contents of every training input of the project at `root`."""
    digest = hashlib.sha256()
    for path in _files(training_inputs(root)):
        digest.update(str(path.relative_to(root)).encode())
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
        "bot.quiet",  # `python -m rasa` without the dependencies' deprecation warnings
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
    print("Training the model (2 to 4 minutes; Rasa shows each component and DIET's epochs)...", flush=True)
    MODELS.mkdir(exist_ok=True)
    current = fingerprint()
    started = time.monotonic()
    code, unused = run_showing_progress(train_command())
    if code:
        raise subprocess.CalledProcessError(code, train_command())
    FINGERPRINT.write_text(current + "\n")
    if unused:
        print(
            f"Rasa's check warned that {unused} responses are in no rule: custom actions send them (`make validate`)."
        )
    print(f"Trained {MODEL.relative_to(ROOT)} in {took(time.monotonic() - started)}.", flush=True)
    return True


def run_showing_progress(command: List[str]) -> Tuple[int, int]:
    """Runs `command`, passing its output on as it comes (progress bars too, which redraw with `\\r`) but for
    Rasa's one warning per response that no rule names (about 90 lines): returns the exit code and their count.
    """
    process = subprocess.Popen(
        command, cwd=ROOT, env=quiet_env(os.environ), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert process.stdout is not None
    out = sys.stdout.buffer
    unused, pending = 0, b""
    while chunk := process.stdout.read1(65536):
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            if UNUSED_RESPONSE.search(line):
                unused += 1
            else:
                out.write(line + b"\n")
        if b"\r" in pending:  # a progress bar drawn again: show it now
            shown, _, pending = pending.rpartition(b"\r")
            out.write(shown + b"\r")
        out.flush()
    out.write(pending)
    out.flush()
    return process.wait(), unused


def took(seconds: float) -> str:
    """`95.4` -> '1 min 35 s'."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def main() -> None:
    parser = argparse.ArgumentParser(description="Train Horizon's model if the training data changed.")
    parser.add_argument("--force", action="store_true", help="train even if nothing changed")
    train(force=parser.parse_args().force)


if __name__ == "__main__":
    main()
