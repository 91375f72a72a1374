"""How well retrieval finds the passage that answers a question: figures over labelled questions.

A labelled question (YAML: ``q``, ``lang``, ``passages``: the ids of the passages that answer it, see
``Passage.id``; an empty list for a question the text does not answer) is asked to the strategy's index.
Figures per split and language:

- recall@1: the answer a person gets (``search``, thresholds included) is a labelled passage;
- recall@3: a labelled passage is among the three best-ranked ones (no thresholds);
- MRR: the mean of 1/rank of the first labelled passage in the ranking (0 when not ranked at all);
- refused: of the questions the text does not answer, the share that gets no passage (then the facts or the
  honest "I don't know" answer): a threshold that answers everything is no gain.

The labelled sets live in tests/retrieval (``python -m tests.retrieval_eval`` gates on them); the bench reads
the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from horizon.strategy.retrieval import index

RANKED = 3


@dataclass(frozen=True)
class Question:
    text: str
    language: str
    passages: Tuple[str, ...]
    split: str


@dataclass(frozen=True)
class Result:
    question: Question
    answered: Optional[str]  # the id of the passage a person gets, None when no answer
    ranked: Tuple[str, ...]

    @property
    def answerable(self) -> bool:
        return bool(self.question.passages)

    @property
    def hit(self) -> bool:
        """The person gets a passage that answers, or no passage where none does."""
        return self.answered in self.question.passages if self.answerable else self.answered is None

    @property
    def reciprocal_rank(self) -> float:
        for position, passage in enumerate(self.ranked, start=1):
            if passage in self.question.passages:
                return 1 / position
        return 0.0


def load_questions(folder: Path) -> List[Question]:
    """Every labelled question of every file in ``folder``, with the file's split."""
    questions = []
    for path in sorted(folder.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in content["questions"]:
            questions.append(Question(item["q"], item["lang"], tuple(item["passages"]), content["split"]))
    return questions


def evaluate(question: Question) -> Result:
    """What the strategy index does with one question: its answer and its full ranking."""
    idx = index(question.language)
    match = idx.search(question.text)
    ranked = tuple(m.passage.id for m in idx.rank(question.text, k=len(idx.passages)))
    return Result(question, match.passage.id if match else None, ranked)


@dataclass(frozen=True)
class Figures:
    count: int
    recall1: float
    recall3: float
    mrr: float
    refused: float


def figures(results: Sequence[Result]) -> Figures:
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    n = len(answerable) or 1
    return Figures(
        len(answerable),
        sum(r.hit for r in answerable) / n,
        sum(r.reciprocal_rank >= 1 / RANKED for r in answerable) / n,
        sum(r.reciprocal_rank for r in answerable) / n,
        sum(r.hit for r in unanswerable) / (len(unanswerable) or 1),
    )


def by_group(results: Sequence[Result]) -> Dict[Tuple[str, str], Figures]:
    """Figures per (split, language), plus each split over both languages ("all")."""
    groups: Dict[Tuple[str, str], List[Result]] = {}
    for result in results:
        q = result.question
        groups.setdefault((q.split, q.language), []).append(result)
        groups.setdefault((q.split, "all"), []).append(result)
    return {key: figures(group) for key, group in sorted(groups.items())}


def report(groups: Dict[Tuple[str, str], Figures]) -> str:
    lines = [f"{'split':9} {'lang':4} {'n':>4} {'recall@1':>9} {'recall@3':>9} {'MRR':>6} {'refused':>8}"]
    for (split, language), f in groups.items():
        lines.append(
            f"{split:9} {language:4} {f.count:4} {f.recall1:9.3f} {f.recall3:9.3f} {f.mrr:6.3f} {f.refused:8.3f}"
        )
    return "\n".join(lines)
