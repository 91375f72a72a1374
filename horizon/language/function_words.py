"""Function words: the closed-class words (pronouns, articles, auxiliaries, question words, prepositions,
particles) that give away a message's grammar, and so its language, even in two or three words.

Curated by hand rather than taken from spaCy's stop-word lists, which hold content words ("klaar", "top",
"name") and words that are also everyday words in the other language ("want", "door", "men", "die" is kept
because English chat hardly uses it). Words shared by Dutch and English ("in", "is", "was", "had", "over",
"we", "me", "of", "even") belong to neither. Yes/no particles ("ja", "nee", "yes", "no") are answers, not
grammar, and count for nothing: an English speaker may type "ja" in Flanders. Flemish colloquial forms
("ge", "gij", "da", "wa", "nie", "kunde", "amai") are Dutch. A word in two lists ("u", "he", "de", "je",
"on") counts for both, so it tells neither apart. French "pas" is left out: it is an everyday Dutch word ("ik pas").
"""

from __future__ import annotations

from typing import Dict, FrozenSet

_DUTCH = """
de het een 't ne nen ik 'k kheb kzou kben kga kweet kwil kvind je jij jou jouw jullie ge gij
gulder u uw hij zij ze wij mij mijn ons onze hun haar zich dat dit deze die da da's wa wat wie waar waarom
wanneer hoe welke welk hoeveel waarmee waarvoor en niet nie niks geen gene ook nog maar dus toch wel eens es
efkes nu dan er daar hier ier van voor met bij naar op aan uit om tot te zonder tegen tijdens sinds als
omdat ben bent zijn zijt zijde heb hebt heeft hebben hebde kunt kunnen kunde kon konden wil wilt willen
wilde kan kun moet moeten moete mag mogen moogt zal zult zullen zou zouden wordt worden werd doe doet doen gaat
gaan ga kom komt iets niets iemand alles veel meer elke alle andere eigenlijk misschien hoor zenne hé amai
allez allee awel ewa wadde gade zoude hoe's mee u he
"""
_ENGLISH = """
the a an i i'm i'd i'll i've im you you're your yours he she it it's its they they're them their we're
us our my mine this that that's these those there there's here what what's whats who whom whose where
when why how which and but or not don't dont doesn't didn't can't cant isn't aren't won't wouldn't
couldn't shouldn't to for from with at by on as about into do does did are am be being has have having
can could would should will shall may might must any some anything something let's than then so very
just also only too if because u
"""
_FRENCH = """
le la les l' un une du des de en je j' tu il elle nous vous ils elles on m' te t' s' mon ma mes ton ta
tes son sa ses notre nos votre vos leur leurs ce c' cet cette ces qui que qu' quoi où est c'est suis es
sont êtes sommes a ai avez avons ont ne n' pour avec dans sur sous chez par mais ou et donc à au aux
y ça voudrais veux peux pouvez s'il
"""


def _words(block: str) -> FrozenSet[str]:
    return frozenset(block.split())


FUNCTION_WORDS: Dict[str, FrozenSet[str]] = {"nl": _words(_DUTCH), "en": _words(_ENGLISH), "fr": _words(_FRENCH)}

# Lower-case particles of names ("Van den Bossche", "De la Vega"): between two names they belong to the name.
NAME_PARTICLES = frozenset({"van", "de", "den", "der", "ter", "ten", "te", "le", "la", "du", "des", "d'", "von"})
