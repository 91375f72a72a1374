"""The report: one self-contained HTML file for a date range, Dutch with an English toggle.

Self-contained means no request leaves the page: charts are inline SVG (:mod:`horizon.insights.charts`),
styles and the language toggle are inline, and a Content-Security-Policy forbids loading anything else.
It reads only the analytics tables, so it holds only what they hold (no personal data).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from horizon.insights import charts
from horizon.insights.charts import Label, bi
from horizon.insights.models import InsightsConversation, InsightsForgotten, InsightsTurn
from horizon.insights.places import places
from horizon.insights.teaching import PassageInfo, QuestionGroup, group_questions, never_retrieved, proposals_yaml

CONV, TURN, FORGOTTEN = InsightsConversation.__table__, InsightsTurn.__table__, InsightsForgotten.__table__
TOP = 12
LANGUAGES: Dict[str, Label] = {"nl": ("Nederlands", "Dutch"), "en": ("Engels", "English")}
LENGTH_BINS = ((1, 1), (2, 2), (3, 3), (4, 5), (6, 10), (11, 10**9))


@dataclass
class ReportData:
    start: date
    end: date
    days: List[date]
    conversations_by_channel: Dict[str, List[int]]
    messages_by_language: Dict[str, List[int]]
    intents: List[Tuple[str, int]]
    topics: List[Tuple[str, int]]
    tell_more: List[Tuple[str, int]]
    fallback_rate: List[Optional[float]]
    out_of_scope_rate: List[Optional[float]]
    municipalities: List[Tuple[str, int]]  # REFNIS, searches
    provinces: List[Tuple[str, int]]
    funnel: Dict[str, int]
    lengths: List[int]
    groups: List[QuestionGroup]
    never_retrieved: List[PassageInfo]
    totals: Dict[str, float] = field(default_factory=dict)


def collect(engine: Engine, start: date, end: date) -> ReportData:
    """Everything the report shows, from the analytics tables, for the days ``start`` to ``end`` inclusive."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    index = {d: i for i, d in enumerate(days)}
    in_range = TURN.c.day.between(start, end)
    with engine.connect() as c:
        by_channel: Dict[str, List[int]] = defaultdict(lambda: [0] * len(days))
        conv_rows = c.execute(
            sa.select(CONV.c.first_day, CONV.c.channel, CONV.c.messages, CONV.c.signup).where(
                CONV.c.first_day.between(start, end)
            )
        ).all()
        lengths: List[int] = []
        funnel: Counter = Counter()
        for day, channel, messages, signup in conv_rows:
            by_channel[channel][index[day]] += 1
            lengths.append(messages)
            if signup:
                funnel["started"] += 1
                if signup != "started":
                    funnel[signup] += 1
        by_language: Dict[str, List[int]] = defaultdict(lambda: [0] * len(days))
        asked, fallback, out_of_scope = [0] * len(days), [0] * len(days), [0] * len(days)
        for day, language, in_form, n, fb, oos in c.execute(
            sa.select(
                TURN.c.day,
                TURN.c.language,
                TURN.c.in_form,
                sa.func.count(),
                sa.func.sum(sa.case((TURN.c.fallback, 1), else_=0)),
                sa.func.sum(sa.case((TURN.c.out_of_scope, 1), else_=0)),
            )
            .where(in_range)
            .group_by(TURN.c.day, TURN.c.language, TURN.c.in_form)
        ):
            i = index[day]
            by_language[language][i] += n
            if not in_form:
                asked[i] += n
                fallback[i] += fb or 0
                out_of_scope[i] += oos or 0

        def counted(column: sa.Column, *where: sa.sql.ColumnElement) -> List[Tuple[str, int]]:
            query = sa.select(column, sa.func.count()).where(in_range, column.isnot(None), *where).group_by(column)
            return sorted(((str(k), int(n)) for k, n in c.execute(query)), key=lambda kv: (-kv[1], kv[0]))

        intents = counted(TURN.c.intent, sa.not_(TURN.c.in_form))[:TOP]
        topics = counted(TURN.c.topic, sa.not_(TURN.c.tell_more))[:TOP]
        tell_more = counted(TURN.c.topic, TURN.c.tell_more)[:TOP]
        municipalities = counted(TURN.c.municipality)
        provinces = counted(TURN.c.province)
        retrieved = [k for (k,) in c.execute(sa.select(TURN.c.passage).where(TURN.c.passage.isnot(None)).distinct())]
        questions = c.execute(
            sa.select(TURN.c.question, TURN.c.ranking).where(in_range, TURN.c.question.isnot(None))
        ).all()
        funnel["forgotten"] = int(
            c.execute(
                sa.select(sa.func.coalesce(sa.func.sum(FORGOTTEN.c.conversations), 0)).where(
                    FORGOTTEN.c.day.between(start, end)
                )
            ).scalar_one()
        )

    def rate(part: List[int]) -> List[Optional[float]]:
        return [100.0 * p / a if a else None for p, a in zip(part, asked, strict=True)]

    total_asked = sum(asked)
    data = ReportData(
        start=start,
        end=end,
        days=days,
        conversations_by_channel=dict(sorted(by_channel.items(), key=lambda kv: -sum(kv[1]))),
        messages_by_language=dict(sorted(by_language.items())),
        intents=intents,
        topics=topics,
        tell_more=tell_more,
        fallback_rate=rate(fallback),
        out_of_scope_rate=rate(out_of_scope),
        municipalities=municipalities,
        provinces=provinces,
        funnel=dict(funnel),
        lengths=lengths,
        groups=group_questions(questions),
        never_retrieved=never_retrieved(retrieved),
    )
    data.totals = {
        "conversations": len(conv_rows),
        "messages": sum(sum(v) for v in by_language.values()),
        "median": statistics.median(lengths) if lengths else 0,
        "fallback": 100.0 * sum(fallback) / total_asked if total_asked else 0.0,
        "out_of_scope": 100.0 * sum(out_of_scope) / total_asked if total_asked else 0.0,
        "unanswered": len(questions),
    }
    return data


# --- rendering ---------------------------------------------------------------------------------------------------


def _section(title: Label, body: str, note: Optional[Label] = None) -> str:
    note_html = f"<p class='note'>{bi(note)}</p>" if note else ""
    return f"<section>{bi(title, 'h2')}{note_html}{body}</section>"


def _figure(title: Label, chart: str) -> str:
    return f"<figure class='figure'>{bi(title, 'figcaption')}{chart}</figure>"


def _tiles(data: ReportData) -> str:
    t = data.totals
    tiles = [
        (("Gesprekken", "Conversations"), f"{t['conversations']:.0f}"),
        (("Berichten", "Messages"), f"{t['messages']:.0f}"),
        (("Mediane gesprekslengte (berichten)", "Median conversation length (messages)"), f"{t['median']:g}"),
        (("Terugval (geen intentie herkend)", "Fallback (no intent recognised)"), f"{t['fallback']:.1f}%"),
        (("Buiten bereik", "Out of scope"), f"{t['out_of_scope']:.1f}%"),
        (("Vragen zonder goed antwoord", "Questions without a good answer"), f"{t['unanswered']:.0f}"),
    ]
    return (
        "<div class='tiles'>"
        + "".join(f"<div class='tile'><b>{v}</b>{bi(label)}</div>" for label, v in tiles)
        + "</div>"
    )


def _length_histogram(lengths: Sequence[int]) -> str:
    items = []
    for low, high in LENGTH_BINS:
        label = f"{low}" if low == high else (f"{low}–{high}" if high < 10**9 else f"> {low - 1}")
        items.append(((label, label), float(sum(low <= n <= high for n in lengths))))
    return charts.bars(items, "lengths")


def _groups_table(groups: Sequence[QuestionGroup]) -> str:
    if not groups:
        return "<p class='empty'>" + bi(("Geen onbeantwoorde vragen.", "No unanswered questions.")) + "</p>"
    head = "".join(
        bi(label, "th")
        for label in (
            ("Aantal", "Count"),
            ("Voorbeeld (gemaskeerd)", "Example (masked)"),
            ("Beste gok van het model", "The model's best guess"),
        )
    )
    rows = "".join(
        f"<tr><td class='num'>{g.count}</td><td>{escape(g.example)}</td>"
        f"<td>{escape(g.proposed_intent or '–')} ({g.mean_confidence:.2f})</td></tr>"
        for g in groups[:50]
    )
    return f"<table class='groups'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _passages_list(items: Sequence[PassageInfo]) -> str:
    if not items:
        return "<p class='empty'>" + bi(("Elke passage werd al geciteerd.", "Every passage was quoted.")) + "</p>"
    return (
        "<ul class='passages'>"
        + "".join(f"<li><b>{escape(p.heading)}</b> ({escape(p.key)}): {escape(p.text[:160])}</li>" for p in items)
        + "</ul>"
    )


def _labels(items: Sequence[Tuple[str, int]]) -> List[Tuple[Label, float]]:
    return [((key, key), float(n)) for key, n in items]


def render(data: ReportData) -> str:
    """The HTML page."""
    known = places()
    municipalities = [(known.municipalities[r], n) for r, n in data.municipalities if r in known.municipalities]
    province_items = [
        (
            (known.provinces[code].name("nl"), known.provinces[code].name("en"))
            if code in known.provinces
            else (code, code),
            float(n),
        )
        for code, n in data.provinces
    ]
    funnel = data.funnel
    funnel_items = [
        (("Gestart", "Started"), float(funnel.get("started", 0))),
        (("Voltooid", "Completed"), float(funnel.get("completed", 0))),
        (("Gestopt", "Cancelled"), float(funnel.get("cancelled", 0))),
        (("Vergeten op verzoek", "Forgotten on request"), float(funnel.get("forgotten", 0))),
    ]
    channels = {(k, k): v for k, v in data.conversations_by_channel.items()}
    languages = {LANGUAGES.get(k, (k, k)): v for k, v in data.messages_by_language.items()}
    body = [
        _tiles(data),
        _section(
            ("Gesprekken en berichten", "Conversations and messages"),
            _figure(
                ("Gesprekken per dag, per kanaal", "Conversations per day, by channel"),
                charts.stacked_columns(data.days, channels, "conversations"),
            )
            + _figure(
                ("Berichten per dag, per taal", "Messages per day, by language"),
                charts.stacked_columns(data.days, languages, "messages"),
            )
            + _figure(
                ("Gesprekslengte (berichten per gesprek)", "Conversation length (messages per conversation)"),
                _length_histogram(data.lengths),
            ),
        ),
        _section(
            ("Waarover mensen het hebben", "What people ask about"),
            _figure(("Meest herkende intenties", "Top intents"), charts.bars(_labels(data.intents), "intents"))
            + _figure(
                ("Strategie-onderwerpen beantwoord", "Strategy topics answered"),
                charts.bars(_labels(data.topics), "topics"),
            )
            + _figure(
                ("'Vertel me meer' gevraagd na", "'Tell me more' asked after"),
                charts.bars(_labels(data.tell_more), "tell_more"),
            ),
        ),
        _section(
            ("Waar de assistent tekortschiet", "Where the assistant falls short"),
            _figure(
                (
                    "Terugval en buiten bereik, % van de vragen per dag",
                    "Fallback and out of scope, % of questions per day",
                ),
                charts.lines(
                    data.days,
                    {
                        ("Terugval", "Fallback"): data.fallback_rate,
                        ("Buiten bereik", "Out of scope"): data.out_of_scope_rate,
                    },
                    "rates",
                ),
            )
            + bi(("Vragen zonder goed antwoord, gegroepeerd", "Questions without a good answer, grouped"), "h3")
            + _groups_table(data.groups),
            (
                "Teksten zijn gemaskeerd: e-mailadressen, telefoonnummers, adressen, getallen en namen zijn vervangen.",
                "Texts are masked: e-mail addresses, phone numbers, addresses, numbers and names are replaced.",
            ),
        ),
        _section(
            ("Lokaal zoeken", "Local searches"),
            _figure(
                ("Zoekopdrachten per gemeente", "Searches per municipality"),
                charts.dot_map(
                    [(m.latitude, m.longitude) for m in known.municipalities.values()],
                    [(m.latitude, m.longitude, n, m.name("nl")) for m, n in municipalities],
                    "map",
                ),
            )
            + _figure(
                ("Zoekopdrachten per provincie", "Searches per province"), charts.bars(province_items, "provinces")
            ),
        ),
        _section(
            ("Vrijwilligers", "Volunteers"),
            _figure(
                (
                    "Inschrijvingen: gestart, voltooid, gestopt, vergeten",
                    "Sign-ups: started, completed, cancelled, forgotten",
                ),
                charts.bars(funnel_items, "funnel"),
            ),
        ),
        _section(
            ("Strategiepassages die nooit werden geciteerd", "Strategy passages never quoted"),
            _passages_list(data.never_retrieved),
            ("Over de hele geschiedenis, niet alleen deze periode.", "Over all history, not only this period."),
        ),
    ]
    period = f"{data.start.isoformat()} – {data.end.isoformat()}"
    page = PAGE.replace("{style}", STYLE).replace("{script}", SCRIPT).replace("{period}", escape(period))
    return page.replace("{body}", "\n".join(body))


def write_report(engine: Engine, start: date, end: date, out: Path, proposals: Optional[Path] = None) -> ReportData:
    """Writes the HTML report to ``out`` and the proposed training examples next to it (or to ``proposals``)."""
    data = collect(engine, start, end)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(data), encoding="utf-8")
    target = proposals or out.with_name(out.stem + "-training-proposals.yml")
    target.write_text(proposals_yaml(data.groups), encoding="utf-8")
    return data


STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2733;background:#f5f7fa}
header{background:#1b3a5c;color:#fff;padding:16px 24px;display:flex;justify-content:space-between;align-items:center}
header h1{margin:0;font-size:20px} header p{margin:2px 0 0;opacity:.85}
button{font:inherit;padding:6px 14px;border-radius:6px;border:1px solid #fff;background:transparent;color:#fff;
  cursor:pointer}
main{max-width:1100px;margin:0 auto;padding:16px 24px}
section{background:#fff;border-radius:10px;padding:12px 20px;margin:16px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:18px;margin:8px 0} h3{font-size:16px} .note{color:#5c7080;margin-top:0}
.figure{margin:12px 0} figcaption{font-weight:600;margin-bottom:4px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px}
.tile{background:#fff;border-radius:10px;padding:12px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.tile b{display:block;font-size:26px;color:#1b6ca8}
svg .lbl{font-size:12px;fill:#1d2733} svg .val,svg .axis{font-size:11px;fill:#5c7080}
svg .grid{stroke:#ccd3db} svg .land{fill:#d5dde6} svg[data-chart=map]{max-width:640px;display:block}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e3e8ee}
td.num{text-align:right;width:4em} .empty{color:#5c7080;font-style:italic} .passages li{margin:4px 0}
"""

SCRIPT = """
(function () {
  var button = document.getElementById('language');
  function show(language) {
    document.documentElement.lang = language;
    document.querySelectorAll('[data-en]').forEach(function (el) {
      el.textContent = el.getAttribute('data-' + language);
    });
    button.textContent = language === 'nl' ? 'English' : 'Nederlands';
  }
  button.addEventListener('click', function () {
    show(document.documentElement.lang === 'nl' ? 'en' : 'nl');
  });
  if (location.hash === '#en') { show('en'); }
})();
"""

PAGE = """<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<meta http-equiv="Content-Security-Policy"
  content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>Horizon – inzichten {period}</title>
<style>{style}</style>
</head>
<body>
<header><div><h1 data-nl="Horizon – inzichten" data-en="Horizon – insights">Horizon – inzichten</h1>
<p>{period}</p></div>
<button id="language" type="button">English</button></header>
<main>
{body}
</main>
<script>{script}</script>
</body>
</html>
"""
