"""The words around place names: which names are also everyday words, and which words cue a place."""

from __future__ import annotations

MAX_TEXT = 500  # longer messages are cut: nobody names a place after 500 characters

# Where a name is both a municipality and an area, the area is meant unless listed otherwise: people
# asking about "Brussel" mean the region, "Limburg" the Flemish province (not Limbourg near Verviers).
AREA_FIRST = frozenset({"brussel", "bruxelles", "brussels", "limburg"})

# Municipality names that are also common words in Dutch, English or French: matched only with a cue.
# (Keys are folded: lower case, no accents, words separated by one space.)
COMMON_WORD_NAMES = frozenset(
    "as geel boom mol peer lint lier halen menen balen malle kapellen lessen bergen graven vorst "
    "forest silly spa lens dour ham hal ans manage celles bouillon clavier heron wellen heers alken "
    "bever hove essen pelt duffel landen voeren verlaine".split()
) | {"de haan", "de panne"}
# Locality names (deelgemeenten) that are also everyday words or better-known cities abroad, and all short
# ones ("Doel", "Meer", "Berg", "Duisburg"): they count only right after a cue word ("in Doel").
LOCALITY_COMMON_WORDS = frozenset(
    "appels herten wortel muizen linden burcht recht haren naast bende bevel middelburg duisburg".split()
)
LOCALITY_MIN_FREE_LENGTH = 6
CUE_WORDS = frozenset(
    "in te bij nabij rond rondom omgeving buurt regio gemeente stad dorp uit naar woon near around "
    "nearby at from city town village area municipality dans pres vers".split()
)
POSTCODE_WORDS = frozenset("postcode postnummer zip zipcode postal code postale".split())
# A number followed by one of these is a quantity, not a postcode ("1000 vrijwilligers").
UNIT_WORDS = frozenset(
    "euro eur dollar mensen personen people persons vrijwilligers volunteers leden members "
    "initiatieven initiatives groepen groups organisaties organisations organizations projecten "
    "projects km kilometer kilometers keer times jaar years deelnemers participants stuks procent "
    "percent handtekeningen signatures".split()
)
QUANTITY_WORDS = frozenset("dan than ongeveer circa bijna almost nearly approximately meer more".split())
# Never offered as typo candidates: greetings and words of the questions around a place.
NOT_PLACES = frozenset(
    "hallo hello hoi dag goedemorgen goedendag bedankt dankjewel dankuwel thanks thank "
    "groep groepen group groups lokale local gemeente gemeentes stad steden city cities buurt "
    "initiatief initiatieven initiative initiatives pijler vrijwilliger vrijwilligers volunteer "
    "mensen people welke which where waar wanneer graag zoeken search looking zoek vinden find "
    "kunnen please alstublieft misschien maybe meedoen helpen helps contact adres address nemen".split()
)
