"""The strategy text ("Horizon – Onze strategie") as sections and passages, in Dutch and English.

Deeper answers and retrieval quote this text, never a copy of it, so that the bot cannot drift from the
source. The English file is the project's translation and must keep the Dutch file's structure: the same
sections with the same passages in the same order (a unit test checks this).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

SOURCE_DIR = Path(__file__).resolve().parents[2] / "data" / "source"
FILES = {"nl": "horizon-onze-strategie.txt", "en": "horizon-our-strategy.en.txt"}
# Section keys in the order in which the headings follow the two title lines.
SECTION_KEYS = ("intro", "vision", "mission", "solidarity", "values", "levers", "manifest")
TITLE_LINES = 2
_TERMINAL = (".", "!", "?", ":", "”", '"')


@dataclass(frozen=True)
class Passage:
    """One paragraph or bullet of the strategy text."""

    section: str  # key from SECTION_KEYS
    heading: str  # the section's heading as the text writes it
    index: int  # position within the section, shared by both languages
    text: str

    @property
    def id(self) -> str:
        """A stable id shared by both languages ("levers:3"): labelled questions name passages by it."""
        return f"{self.section}:{self.index}"

    @property
    def is_transition(self) -> bool:
        """A closing line that only introduces the next section ("... door verschillende waarden:")."""
        return self.text.endswith(":")


def _is_heading(line: str) -> bool:
    words = line.split()
    return len(words) <= 6 and (line.endswith("...") or not line.endswith(_TERMINAL))


def parse(text: str) -> List[Passage]:
    """Splits the text into passages; a wrapped line (starting in lower case) joins the one before."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    body = lines[TITLE_LINES:]
    blocks: List[Tuple[str, List[str]]] = []
    for line in body:
        is_bullet = line.startswith("•")
        if not is_bullet and _is_heading(line):
            blocks.append((line, []))
        elif blocks and blocks[-1][1] and not is_bullet and line[0].islower():
            blocks[-1][1][-1] += " " + line
        elif blocks:
            blocks[-1][1].append(line.lstrip("• ").strip())
    sections = [(heading, paras) for heading, paras in blocks if paras]
    if len(sections) != len(SECTION_KEYS):
        raise ValueError(f"expected {len(SECTION_KEYS)} sections, found {[h for h, _ in sections]}")
    return [
        Passage(section=key, heading=heading.rstrip(". "), index=i, text=re.sub(r"\s+", " ", para))
        for key, (heading, paras) in zip(SECTION_KEYS, sections, strict=True)
        for i, para in enumerate(paras)
    ]


@functools.cache
def passages(language: str) -> Tuple[Passage, ...]:
    """All passages of the strategy in 'nl' (the original) or 'en' (the project's translation)."""
    path = SOURCE_DIR / FILES[language]
    return tuple(parse(path.read_text(encoding="utf-8")))


def passage(language: str, section: str, index: int) -> Passage:
    """One passage by its section key and position."""
    for p in passages(language):
        if p.section == section and p.index == index:
            return p
    raise KeyError(f"no passage {section}[{index}] in {language}")
