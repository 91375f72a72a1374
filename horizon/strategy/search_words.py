"""Words people ask with for each passage of the strategy, where the text itself says it otherwise.

The strategy text is short and formal: it says "private economische actoren" where people ask about
"bedrijven", "herverdeling" where they say "rijkdom eerlijk verdelen", "toekomstige generaties" where they
say "onze kleinkinderen". These words are added to what a passage is found by, never to what is quoted:
an answer stays the source's own words. One line per passage (by ``Passage.id``), in both languages; they
name what the passage is about, not one test question's wording.
"""

from __future__ import annotations

from typing import Dict

SEARCH_WORDS: Dict[str, Dict[str, str]] = {
    "nl": {
        "intro:0": "aantal hoeveel netwerk leden achterban bestaan",
        "vision:0": "toekomst ideaal droom doel eerlijk mensenrechten",
        "vision:1": "zuiden noorden arme rijke landen ontwikkelingslanden macht beslissingen",
        "vision:2": "ongelijkheid armoede rijkdom onrecht herverdelen herverdeeld menswaardig leven",
        "mission:0": "kerntaak opdracht taak doel pleiten ijveren overgang eerlijk",
        "mission:1": "universeel internationaal wereldwijd grensoverschrijdend lokaal toekomst",
        "solidarity:0": "materieel soorten vormen ongelijkheid klimaat erkenning",
        "solidarity:1": "liefdadigheid medelijden charitatief gunst gevoel persoonlijk",
        "solidarity:2": "kant neutraal onderdrukt slachtoffers mensenrechten schendingen",
        "solidarity:3": "wederzijds eenrichtingsverkeer gelijkwaardig partnerschap geven nemen beide kanten",
        "solidarity:4": "toekomstige generaties kinderen kleinkinderen later duurzaam klimaat",
        "values:0": "waarden kernwaarden principes",
        "values:1": "waardigheid menswaardig gelijke kansen bescherming beschermen",
        "values:2": "verbinding samenwerking vertrouwen transparant collega schenkers donateurs",
        "values:3": "gelijkwaardigheid gelijkheid gelijken diversiteit inclusie respect",
        "values:4": "integriteit moed eerlijk makkelijk gemakkelijk kritisch confrontatie principieel",
        "levers:0": "hefbomen middenveld positie koepel investeren",
        "levers:1": "politiek werk lobby beweging mobiliseren samenwerking buitenland draagvlak",
        "levers:2": "gedeeld gemeenschappelijk belang draagvlak aantrekken",
        "levers:3": "actoren meehelpen meewerken bijdragen bedrijven ondernemingen privésector overheid regering staat",
        "levers:4": "resultaat efficiënt middelen wendbaar flexibel innovatief logge",
        "manifest:0": "uitbuiting",
        "manifest:1": "manifest tekst samenvatting lezen",
    },
    "en": {
        "intro:0": "many network members supporters consist",
        "vision:0": "future ideal dream goal fair human rights",
        "vision:1": "south north poor rich countries developing power decisions",
        "vision:2": "inequality poverty wealth injustice redistribute redistributed dignified life",
        "mission:0": "core task job purpose advocate advocacy shift fair",
        "mission:1": "universal international worldwide cross-border local future",
        "solidarity:0": "material types inequality climate recognition",
        "solidarity:1": "charity pity compassion favour feeling personal",
        "solidarity:2": "sides side neutral oppressed victims human rights abuses",
        "solidarity:3": "mutual one-way two-way equal partnership give take both ways",
        "solidarity:4": "future generations children grandchildren later sustainable climate",
        "values:0": "values core principles",
        "values:1": "dignity dignified equal opportunities protection protect",
        "values:2": "connection together trust transparent colleagues donors supporters",
        "values:3": "equality equals diversity inclusion respect",
        "values:4": "integrity courage honest easy comfort critical confront principled",
        "levers:0": "levers civil society position umbrella invest",
        "levers:1": "political work lobbying movement mobilise cooperation abroad support",
        "levers:2": "shared common interest support care",
        "levers:3": "actors contribute companies businesses private sector governments government state",
        "levers:4": "results efficient resources agile flexible innovative",
        "manifest:0": "exploitation",
        "manifest:1": "manifesto text summary read",
    },
}
