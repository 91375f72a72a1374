"""Keeps evaluation sets independent of the training data: fails on examples the model was trained on.

A held-out figure only means something if the held-out sentences are new to the model. A sentence that
occurs in the training data word for word, or that differs only by the place it names (the NLU's
`PlaceMasker` shows DIET `__plaats__` instead of the name, so to the model the two are the same sentence),
measures memory, not understanding. This check compares every example of the evaluation sets with every
training example after the same normalisation and reports three kinds of overlap:

- exact: equal after lower-casing, folding accents (`horizon.text.fold`), dropping punctuation and
  collapsing whitespace;
- masked: equal once every place the project's place finder sees is replaced by `__plaats__`;
- near: one token inserted, deleted or replaced after masking, with the same label, where the two still
  share at least `min_shared` tokens (by default 2: "hallo iedereen" is no copy of "hallo allemaal", "ik
  woon in Gent" is one of "ik woon te Gent"). A near sentence with another label is no leak but a fair
  test of whether the model tells the two apart ("what is your job?" vs. "what is your vision?").

Exact and masked duplicates fail the check; near duplicates are listed (and fail with `--fail-on-near`).

    python -m tests.evaluation_overlap                                  # tests/nlu against data/nlu
    python -m tests.evaluation_overlap --evaluation tests/nlu other/set.yml --training data/nlu

Evaluation sets are Rasa YAML NLU files (or folders of them): the examples of each `intent` block, with
entity annotations reduced to their text; lookup, synonym and regex blocks are not examples. The labelled
questions of tests/answers (``category``, ``questions`` with ``q``) are read by the same reader, labelled
with their category, the messages of tests/language (``messages`` with ``text``) with their language.
Another format is one more entry in `READERS`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import yaml

from horizon.paths import ROOT
from horizon.places.finder import PLACE_TOKEN, PlaceFinder, place_finder
from horizon.text import fold

EVALUATION = (ROOT / "tests" / "nlu",)
TRAINING = (ROOT / "data" / "nlu",)

# Rasa 3.6's ENTITY_REGEX (rasa.shared.nlu.training_data.entities_parser), copied because importing Rasa
# takes ten seconds: [text](entity), [text](entity:value), [text]{"entity": ...} and [text][{...}, {...}].
_ENTITY = re.compile(
    r"\[(?P<entity_text>[^\]]+?)\](\((?P<entity>[^:)]+?)(?:\:(?P<value>[^)]+))?\)|\{(?P<entity_dict>[^}]+?)\}"
    r"|\[(?P<list_entity_dicts>.*?)\])"
)
_PUNCTUATION = re.compile(r"[^\w\s]|_")


@dataclass(frozen=True)
class Example:
    """One example sentence, where it comes from and what it is labelled."""

    text: str
    label: str
    source: str


def plain_text(annotated: str) -> str:
    """The sentence a person typed, without Rasa's entity annotations."""
    return _ENTITY.sub(lambda match: match.group("entity_text"), annotated).strip()


def _examples_of(block: dict) -> Iterator[str]:
    examples = block.get("examples")
    if isinstance(examples, str):  # "examples: |" with one "- sentence" a line
        for line in examples.splitlines():
            line = line.strip()
            if line.startswith("-"):
                yield line[1:].strip()
    elif isinstance(examples, list):  # examples with metadata: a list of {text: ..., metadata: ...}
        for item in examples:
            text = item.get("text") if isinstance(item, dict) else item
            if isinstance(text, str):
                yield text.strip()


def read_rasa_nlu(path: Path) -> List[Example]:
    """The examples of every intent block of a Rasa YAML file; lookup, synonym and regex blocks are skipped.

    A labelled question set (tests/answers: ``category`` and ``questions`` with ``q``) is read too, each
    question labelled with its category, and so is the language set (tests/language: ``messages`` with
    ``text`` and ``language``)."""
    content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    source = _display(path)
    found = []
    for item in content.get("questions") or []:
        if isinstance(item, dict) and item.get("q"):
            found.append(Example(str(item["q"]).strip(), str(content.get("category")), source))
    for item in content.get("messages") or []:  # tests/language: ``text`` labelled with its ``language``
        if isinstance(item, dict) and item.get("text"):
            found.append(Example(str(item["text"]).strip(), f"language:{item.get('language')}", source))
    for block in content.get("nlu") or []:
        if isinstance(block, dict) and "intent" in block:
            for text in _examples_of(block):
                if text:
                    found.append(Example(plain_text(text), str(block["intent"]), source))
    return found


READERS: Dict[str, Callable[[Path], List[Example]]] = {".yml": read_rasa_nlu, ".yaml": read_rasa_nlu}


def _display(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _files(paths: Iterable[Path]) -> List[Path]:
    found: List[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in READERS))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"no such evaluation or training set: {path}")
    return found


def load(paths: Iterable[Path]) -> List[Example]:
    """Every example of the given files and folders (folders: every file a reader knows, recursively)."""
    examples: List[Example] = []
    for path in _files(paths):
        reader = READERS.get(path.suffix)
        if reader is None:
            raise ValueError(f"no reader for {path} (known: {', '.join(sorted(READERS))})")
        examples.extend(reader(path))
    return examples


def normalise(text: str) -> str:
    """Lower case, accents folded, punctuation dropped, whitespace collapsed."""
    return " ".join(_PUNCTUATION.sub("", fold(text)).split())


def masked(text: str, finder: PlaceFinder) -> str:
    """`normalise(text)` with each place the finder sees replaced by one `__plaats__`, as the NLU masks it."""
    pieces, last = [], 0
    for mention in sorted(finder.mentions(text), key=lambda m: m.start):
        if mention.start < last:
            continue
        pieces += [normalise(text[last : mention.start]), PLACE_TOKEN]
        last = mention.end
    pieces.append(normalise(text[last:]))
    return " ".join(piece for piece in pieces if piece)


def token_distance_is_one(a: Sequence[str], b: Sequence[str]) -> bool:
    """True when one token inserted, deleted or replaced turns ``a`` into ``b``."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(tuple(long[:i]) + tuple(long[i + 1 :]) == tuple(short) for i in range(len(long)))


def _neighbourhood(tokens: Tuple[str, ...]) -> Iterator[Tuple[str, ...]]:
    """The sequence and every sequence one deletion away: two sequences one edit apart share one of these."""
    yield tokens
    for i in range(len(tokens)):
        yield tokens[:i] + tokens[i + 1 :]


@dataclass(frozen=True)
class Overlap:
    """An evaluation example and the training example it repeats (the closest one, if several)."""

    kind: str  # "exact", "masked" or "near"
    evaluation: Example
    training: Example


KINDS = ("exact", "masked", "near")


def find_overlaps(
    evaluation: Sequence[Example],
    training: Sequence[Example],
    finder: Optional[PlaceFinder] = None,
    min_shared: int = 2,
) -> List[Overlap]:
    """For each evaluation example that repeats a training example, the strongest overlap of the three kinds."""
    finder = finder or place_finder()
    exact: Dict[str, Example] = {}
    by_mask: Dict[str, Example] = {}
    by_neighbour: Dict[Tuple[str, ...], List[Tuple[Tuple[str, ...], Example]]] = defaultdict(list)
    indexed = set()
    for example in training:
        exact.setdefault(normalise(example.text), example)
        mask = masked(example.text, finder)
        by_mask.setdefault(mask, example)
        if (mask, example.label) not in indexed:
            indexed.add((mask, example.label))
            tokens = tuple(mask.split())
            for key in set(_neighbourhood(tokens)):
                by_neighbour[key].append((tokens, example))
    overlaps = []
    for example in evaluation:
        text = normalise(example.text)
        mask = masked(example.text, finder)
        if not text:
            continue
        if text in exact:
            overlaps.append(Overlap("exact", example, exact[text]))
        elif mask in by_mask:
            overlaps.append(Overlap("masked", example, by_mask[mask]))
        else:
            near = _nearest(tuple(mask.split()), example.label, by_neighbour, min_shared)
            if near is not None:
                overlaps.append(Overlap("near", example, near))
    return overlaps


def _nearest(
    tokens: Tuple[str, ...],
    label: str,
    by_neighbour: Dict[Tuple[str, ...], List[Tuple[Tuple[str, ...], Example]]],
    min_shared: int,
) -> Optional[Example]:
    # One edit leaves min(len) tokens in common after an insertion or deletion, len - 1 after a replacement.
    for key in _neighbourhood(tokens):
        for other, example in by_neighbour.get(key, ()):
            if example.label != label:
                continue
            shared = min(len(tokens), len(other)) - (len(tokens) == len(other))
            if shared >= min_shared and token_distance_is_one(tokens, other):
                return example
    return None


def report(overlaps: Sequence[Overlap], evaluation: Sequence[Example]) -> str:
    """What a person needs to fix the evaluation set: each overlap with both sentences, then the counts."""
    lines = []
    for overlap in sorted(overlaps, key=lambda o: (KINDS.index(o.kind), o.evaluation.source, o.evaluation.label)):
        held, seen = overlap.evaluation, overlap.training
        lines.append(f"{overlap.kind:6} {held.source} [{held.label}] {held.text!r}")
        lines.append(f"{'':6}   = {seen.source} [{seen.label}] {seen.text!r}")
    total = len(evaluation) or 1
    counts = {kind: sum(o.kind == kind for o in overlaps) for kind in KINDS}
    summary = ", ".join(f"{counts[kind]} {kind} ({counts[kind] / total:.1%})" for kind in KINDS)
    lines.append(f"{len(evaluation)} evaluation examples against the training data: {summary}")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--evaluation", nargs="+", type=Path, default=list(EVALUATION), help="files or folders")
    parser.add_argument("--training", nargs="+", type=Path, default=list(TRAINING), help="files or folders")
    parser.add_argument("--min-shared", type=int, default=2, help="tokens a near duplicate must share (2)")
    parser.add_argument("--fail-on-near", action="store_true", help="near duplicates fail the check too")
    args = parser.parse_args(argv)
    evaluation, training = load(args.evaluation), load(args.training)
    overlaps = find_overlaps(evaluation, training, min_shared=args.min_shared)
    print(report(overlaps, evaluation))
    failing = {"exact", "masked"} | ({"near"} if args.fail_on_near else set())
    failed = [o for o in overlaps if o.kind in failing]
    if failed:
        print(f"FAIL: {len(failed)} evaluation examples repeat training data ({', '.join(sorted(failing))}).")
        return 1
    print("OK: no evaluation example repeats the training data.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
