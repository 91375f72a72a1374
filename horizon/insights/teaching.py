"""Teaching the assistant: unanswered questions grouped by similarity, proposed training examples, and the
strategy passages no answer ever quoted.

Grouping is deliberately simple and explainable: a question's content words (folded, without stop words,
masks and numbers) are its signature; signatures that share at least half their words (Jaccard >= 0.5) join
the group of the most frequent one. An inverted index keeps this fast for tens of thousands of questions.

The proposals are for a person to review, never to be copied blindly: each group gets the intent the model
itself ranked highest (besides ``nlu_fallback``) with its mean confidence, and its example question. Groups
whose example still holds a mask ("[number]") are left out: a training example must read naturally.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from horizon.insights.masking import MASKS
from horizon.strategy.text import passages
from horizon.text import tokenize

SIMILARITY = 0.5
MAX_GROUPS = 200
STOP_WORDS = frozenset(
    """de het een en of van in op te voor met aan bij is zijn was wat wie waar hoe waarom welke wanneer dat die
    dit deze je jij jullie u uw ik mij me mijn we wij ons onze er niet geen ook nog wel maar dan als om over
    kan kunnen wil wilt zou moet heb hebt heeft doen doet the a an and or of to in on at for with by is are was
    were be been what who where how why which when that this these those you your i me my we our us it its
    not no also can could would should do does did have has about from as""".split()
)


@dataclass
class QuestionGroup:
    example: str
    count: int = 0
    intents: Counter = field(default_factory=Counter)  # the model's top intent per question
    confidence: Dict[str, float] = field(default_factory=dict)  # summed, per intent
    words: Set[str] = field(default_factory=set)

    @property
    def proposed_intent(self) -> Optional[str]:
        return self.intents.most_common(1)[0][0] if self.intents else None

    @property
    def mean_confidence(self) -> float:
        intent = self.proposed_intent
        return self.confidence.get(intent, 0.0) / max(1, self.intents[intent]) if intent else 0.0


def signature(question: str) -> FrozenSet[str]:
    mask_words = {token.text for m in MASKS for token in tokenize(m)}
    return frozenset(
        t.text
        for t in tokenize(question)
        if len(t.text) > 2 and t.text not in STOP_WORDS and t.text not in mask_words and not t.text.isdigit()
    )


def group_questions(rows: Iterable[Tuple[str, Optional[str]]], limit: int = MAX_GROUPS) -> List[QuestionGroup]:
    """Groups of (masked question, ranking JSON) rows, largest first."""
    by_signature: Dict[FrozenSet[str], QuestionGroup] = {}
    signatures: Dict[str, FrozenSet[str]] = {}  # the same question asked again: not tokenised again
    for question, ranking in rows:
        sig = signatures.get(question)
        if sig is None:
            sig = signatures[question] = signature(question)
        group = by_signature.get(sig)
        if group is None:
            group = by_signature[sig] = QuestionGroup(example=question, words=set(sig))
        group.count += 1
        top = _top_intent(ranking)
        if top is not None:
            group.intents[top[0]] += 1
            group.confidence[top[0]] = group.confidence.get(top[0], 0.0) + top[1]
    groups: List[QuestionGroup] = []
    index: Dict[str, List[int]] = defaultdict(list)
    for sig, group in sorted(by_signature.items(), key=lambda item: (-item[1].count, len(item[1].example))):
        target = _similar(sig, groups, index) if sig else None
        if target is None:
            for word in sig:
                index[word].append(len(groups))
            groups.append(group)
            continue
        merged = groups[target]
        merged.count += group.count
        merged.intents.update(group.intents)
        for intent, value in group.confidence.items():
            merged.confidence[intent] = merged.confidence.get(intent, 0.0) + value
    groups.sort(key=lambda g: (-g.count, g.example))
    return groups[:limit]


def _similar(sig: FrozenSet[str], groups: Sequence[QuestionGroup], index: Dict[str, List[int]]) -> Optional[int]:
    candidates = Counter(i for word in sig for i in index.get(word, ()))
    best, best_score = None, SIMILARITY
    for i, shared in candidates.most_common(20):
        score = shared / len(sig | groups[i].words)
        if score >= best_score:
            best, best_score = i, score
    return best


def _top_intent(ranking: Optional[str]) -> Optional[Tuple[str, float]]:
    try:
        first = json.loads(ranking or "[]")[0]
        return str(first[0]), float(first[1])
    except (ValueError, IndexError, TypeError):
        return None


def proposals_yaml(groups: Sequence[QuestionGroup]) -> str:
    """Training examples per intent in Rasa's NLU format, each with its count and the model's confidence."""
    by_intent: Dict[str, List[QuestionGroup]] = defaultdict(list)
    for group in groups:
        if group.proposed_intent and not any(m in group.example for m in MASKS):
            by_intent[group.proposed_intent].append(group)
    lines = [
        "# Proposed training examples from questions Horizon could not answer (horizon.insights.teaching).",
        "# Review each one: keep it only if the intent is right, then copy it into data/nlu/ under that intent,",
        "# retrain and run `make test-nlu`. Never copy examples from tests/nlu or tests/answers.",
        "# Per example: how often it (or a similar question) was asked, and the model's own top guess with its",
        "# mean confidence.",
        'version: "3.1"',
        "nlu:",
    ]
    for intent in sorted(by_intent):
        examples = [(" ".join(g.example.split()), g) for g in by_intent[intent]]
        lines += [
            f"# {intent}: asked {g.count}x, model confidence {g.mean_confidence:.2f}: {text}" for text, g in examples
        ]
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text, _g in examples]
    if not by_intent:
        lines.append("# (no unanswered questions in this period)")
        lines[-2] = "nlu: []"
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class PassageInfo:
    key: str
    heading: str
    text: str


def never_retrieved(retrieved: Iterable[str], language: str = "nl") -> List[PassageInfo]:
    """Strategy passages (not the transitions into a list) that no answer quoted."""
    seen = set(retrieved)
    return [
        PassageInfo(f"{p.section}:{p.index}", p.heading, p.text)
        for p in passages(language)
        if f"{p.section}:{p.index}" not in seen and not p.is_transition
    ]
