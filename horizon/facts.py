"""The organisation's sourced facts (data/source/facts.md) as passages, and the one that answers a question.

facts.md is the only place the assistant's facts about 11.11.11 come from (address, phone, partner
countries, 11-groepen, the Handvest, the slogan, the 4de Pijlersteunpunt and its fund, counts with their
dates). Each bullet is one fact with its source (and the date, where facts.md gives one), quoted as written
so that an answer can never say more than the fact. facts.md is written in English: every fact also carries
topic words in Dutch and English, so that "Wat is jullie telefoonnummer?" reaches the fact with the phone
number although the fact itself says "phone". Retrieval is the strategy's BM25 index
(horizon/strategy/retrieval.py) over these passages.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from horizon.paths import SOURCE_DIR
from horizon.strategy.retrieval import QUESTION_WORDS, PassageIndex

FACTS_FILE = SOURCE_DIR / "facts.md"
# Sections about the organisation; "Reference data for places" is a note for the developers, not a fact.
SECTIONS = ("Identity and contact", "The November campaign", "Local groups", "The 4de Pijler (Fourth Pillar)")
# Sentences that tell the assistant what not to claim: the answer keeps the fact, not the instruction.
_INSTRUCTIONS = ((re.compile(r":\s*do not claim it\."), "."),)


@dataclass(frozen=True)
class Topic:
    """How a fact is recognised: a phrase of its text, and the words people use for it in each language."""

    key: str
    marker: str
    nl: str
    en: str


TOPICS = (
    Topic(
        "identity",
        "Koepel van Internationale Solidariteit",
        "adres kantoor kantoren gevestigd straat telefoon telefoonnummer nummer bellen opbellen contact "
        "contacteren bereiken bereikbaar lidorganisaties leden koepel brussel stad zetel hoofdkantoor",
        "address office offices located street phone telephone number call contact reach headquarters "
        "member members organisations umbrella brussels city based",
    ),
    Topic(
        "slogan",
        "Strength in numbers",
        "slogan motto leuze manifest nieuwjaarsevent nieuwjaar nergens nooit",
        "slogan motto tagline manifesto",
    ),
    Topic(
        "charter",
        "Its charter (Handvest)",
        "handvest charter ontwikkeling gunst recht",
        "charter handvest development favour right",
    ),
    Topic(
        "partners",
        "Partner countries",
        "landen land partnerlanden partnerland partners werken actief congo rwanda burundi peru ecuador "
        "bolivia filipijnen indonesië buitenland",
        "countries country partner partners active work congo rwanda burundi peru ecuador bolivia "
        "philippines indonesia abroad",
    ),
    Topic(
        "cncd",
        "CNCD-11.11.11",
        "franstalig franstalige wallonië waals duitstalig frans tegenhanger cncd brussel",
        "french wallonia walloon german francophone counterpart cncd",
    ),
    Topic(
        "campaign",
        "Every year around 11 November",
        "campagne november jaarlijks wanneer actie acties",
        "campaign november yearly annual when",
    ),
    Topic(
        "local_actions",
        "Local groups act between",
        "brunch brunches quiz quizzen wenskaarten chocolade supermarkt huis",
        "brunch brunches quiz quizzes cards chocolate supermarket door",
    ),
    Topic(
        "volunteers",
        "20,000 volunteers took part",
        "vrijwilligers vrijwilliger hoeveel aantal",
        "volunteers volunteer many",
    ),
    Topic(
        "donations",
        "Donations:",
        "doneren donatie gift giften schenken schenking belasting belastingen fiscaal attest aftrekbaar",
        "donate donation donations gift tax taxes deductible certificate",
    ),
    Topic(
        "local_groups",
        "11-groep",
        "11-groep groep groepen comité comités lokale afdeling afdelingen lijst hoeveel aantal vroeger heette",
        "group groups local committee committees chapter chapters list many formerly called",
    ),
    Topic(
        "fourth_pillar",
        "Citizen initiatives for development",
        "vierde 4de pijler pijlers burgerinitiatieven initiatieven ngo ngo's eerste tweede derde",
        "fourth pillar pillars citizen initiatives ngo ngos first second third",
    ),
    Topic(
        "support_centre",
        "runs the 4de Pijlersteunpunt",
        "steunpunt vierde pijler pijlersteunpunt databank registreren registratie helpdesk handboek opleiding "
        "vorming sinds",
        "support centre center database register registration helpdesk handbook training since",
    ),
    Topic(
        "fund",
        "4de Pijlerpanel",
        "fonds panel pijlerpanel euro project projecten steun bedrag krijgt",
        "fund panel euro money project projects grant amount",
    ),
)


@dataclass(frozen=True)
class Fact:
    """One bullet of facts.md: what it says and where it comes from (with its date where known)."""

    key: str
    section: str
    text: str
    source: Optional[str]


def _split_source(bullet: str) -> Tuple[str, Optional[str]]:
    """The fact and its source: the last "Source(s):" outside parentheses."""
    depth, cut = 0, -1
    for i, char in enumerate(bullet):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and bullet.startswith(("Source: ", "Sources: "), i):
            cut = i
    if cut < 0:
        return bullet, None
    return bullet[:cut].strip(), bullet[cut:].split(":", 1)[1].strip()


def _topic(text: str) -> Optional[Topic]:
    return next((t for t in TOPICS if t.marker in text), None)


def parse(markdown: str) -> List[Fact]:
    """The facts of the organisation's sections, one per bullet (continuation lines joined)."""
    bullets: List[Tuple[str, str]] = []
    section = ""
    for line in markdown.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("- "):
            bullets.append((section, line[2:].strip()))
        elif line.startswith("  ") and line.strip() and bullets and bullets[-1][0] == section:
            bullets[-1] = (section, f"{bullets[-1][1]} {line.strip()}")
    facts = []
    for section, bullet in bullets:
        if section not in SECTIONS:
            continue
        text, source = _split_source(bullet)
        for pattern, replacement in _INSTRUCTIONS:
            text = pattern.sub(replacement, text)
        topic = _topic(bullet)
        if topic is None:
            raise ValueError(f"facts.md: no topic for the fact {bullet[:60]!r} (add one to horizon.facts.TOPICS)")
        facts.append(Fact(topic.key, section, text, source))
    return facts


@functools.cache
def facts() -> Tuple[Fact, ...]:
    return tuple(parse(FACTS_FILE.read_text(encoding="utf-8")))


def fact(key: str) -> Fact:
    """One fact by its topic key."""
    return next(f for f in facts() if f.key == key)


# A fact is found by one topic word of a short question ("Waar is jullie kantoor?"): a third of the
# question's content words must occur in it, not half as in the strategy, whose passages are longer.
MIN_SCORE, MIN_COVERAGE = 0.6, 0.33
_TOPIC_WORDS: Dict[str, Topic] = {t.key: t for t in TOPICS}
# Question words of the facts: the strategy's, but "11.11.11", "organisation" and "koepel" are what
# "which organisations" and "hoeveel lidorganisaties" ask about, so only the generic ones are dropped.
FACT_QUESTION_WORDS = {
    "nl": QUESTION_WORDS["nl"] - {"koepel", "organisatie"} | {"weten", "graag", "eigenlijk", "precies", "heeft"},
    "en": QUESTION_WORDS["en"] - {"umbrella", "organisation", "organization"} | {"know", "exactly", "actually"},
}


def _searchable(language: str) -> Callable[[Fact], str]:
    def text_of(f: Fact) -> str:
        topic = _TOPIC_WORDS[f.key]
        words = topic.nl if language == "nl" else topic.en
        return _words(f"{words} {words} {f.text}")  # topic words count twice: they are what people ask with

    return text_of


@functools.cache
def index(language: str) -> PassageIndex[Fact]:
    """The facts' index for questions in 'nl' or 'en', built once per process."""
    return PassageIndex(
        language, facts(), _searchable(language), FACT_QUESTION_WORDS[language], MIN_SCORE, MIN_COVERAGE
    )


# Questions about money and the organisation's running that facts.md does not answer, although their words
# ("fund", "geld") occur in a fact, and general knowledge ("the capital of Peru" is no question about the
# partner countries): they get the honest "I don't know" with the contact details instead.
LIMITS = re.compile(
    r"\bfunds?\b(?! for)|\bfunded\b|\bfunding\b|financ|subsid|\bgeld\b(?!.*fonds)|salar|verdien|\bearn|"
    r"jaarverslag|annual report|donation goes|gift gaat|\bspend|besteed|uitgeven|hoofdstad|\bcapital\b",
    re.IGNORECASE,
)


# Facts a question names outright: "slogan", "steunpunt", "fonds" say which fact is meant even where the NLU
# took the question for the strategy topic nearby (the manifest, the 4de Pijler).
NAMED = {
    "slogan": re.compile(r"slogan|motto|strength in numbers", re.IGNORECASE),
    "support_centre": re.compile(r"steunpunt|support cent|databa|helpdesk|handboek|handbook", re.IGNORECASE),
    "fund": re.compile(r"fonds|\bfund\b|pijlerpanel|\bpanel\b", re.IGNORECASE),
    "charter": re.compile(r"handvest|charter", re.IGNORECASE),
    "cncd": re.compile(r"cncd|franstalig|french.speaking|wallon", re.IGNORECASE),
}


# Who runs and pays for the organisation, and its history: facts.md says nothing about them, and a strategy
# topic would be no answer either.
BEYOND = re.compile(
    r"voorzitter|directeur|\bceo\b|chair(man|woman|person)?\b|\bdirector|\bhiring\b|vacature|vacanc|"
    r"\bjobs?\b|founded|opgericht|oprichting|personeel|\bstaff\b|\bemploy|who funds|financier|gefinancierd|"
    r"subsidi|salaris|salary|verdient",
    re.IGNORECASE,
)


def beyond_facts(question: str) -> bool:
    """Whether the question asks what facts.md does not say (its leaders, funders, history)."""
    return bool(BEYOND.search(question))


def named_fact(question: str) -> Optional[Fact]:
    """The fact the question names outright (see NAMED), if any."""
    if LIMITS.search(question):
        return None
    return next((fact(key) for key, pattern in NAMED.items() if pattern.search(question)), None)


def _words(text: str) -> str:
    """Hyphenated words apart ("11-groep" → "11 groep"): the tokenizer would keep them whole and drop them."""
    return re.sub(r"(\w)-(\w)", r"\1 \2", text)


def answer(question: str, language: str) -> Optional[Fact]:
    """The fact that best answers the question, or None when no fact is about it (or facts.md says nothing
    about what it asks, see LIMITS)."""
    if LIMITS.search(question) or beyond_facts(question):
        return None
    match = index(language).search(_words(question))
    return match.passage if match else None
