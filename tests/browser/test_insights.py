"""The insights report end to end: conversations with planted personal data through the real servers over
REST, then ``/insights/`` on the running Rasa server in Debian's Chromium.

Proves: the route is closed without the token; none of the planted values is in the analytics tables or the
page; every chart is drawn (each SVG has marks with a size on screen); the page makes no request besides
its own document; the English toggle works. Saves a screenshot to docs/insights-report.png.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Iterator, List, Tuple

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser

from bot.paths import MODEL, ROOT
from bot.servers import Servers, free_port, isolated_env, seed_sample_data
from tests.browser.conftest import missing
from tests.support.rest import Conversation

TOKEN = "insights-browser-test-token"
SCREENSHOT = ROOT / "docs" / "insights-report.png"


class Planted:
    def __init__(self) -> None:
        # Fixed, not random: the NLU reads the letters of the street name (character n-grams), and with some
        # random ones the planted question was taken for a strategy question and answered, so it was missing
        # from the unanswered list (CI, 2026-12-06). Each run has its own databases: no uniqueness is needed.
        tag, digits = "qzvkxw", "318274"
        self.surname = f"Ceuppëns{tag}"
        self.email = f"griet.{tag}@telenet.be"
        self.phone = f"0475 {digits[:2]} {digits[2:4]} {digits[4:]}"
        self.street = f"Kerk{tag}straat"
        self.forgotten_question = f"wat denken jullie over zonnepanelen{tag}?"  # asked, then forgotten

    def values(self) -> List[str]:
        return [self.surname, self.email, self.phone, self.phone.replace(" ", ""), self.street]


@pytest.fixture(scope="module")
def planted() -> Planted:
    return Planted()


@pytest.fixture(scope="module")
def insights_bot(tmp_path_factory: pytest.TempPathFactory, planted: Planted) -> Iterator[Servers]:
    """Servers with the insights route open to the token, after realistic conversations."""
    if not MODEL.exists():
        missing(f"no trained model at {MODEL}: run `make train` first")
    runtime = tmp_path_factory.mktemp("insights-runtime")
    env = isolated_env(runtime, HORIZON_INSIGHTS_TOKEN=TOKEN)
    seed_sample_data(env)
    servers = Servers(runtime=runtime, port=free_port(), actions_port=free_port(), env=env, logs=runtime / "logs")
    servers.start()
    try:
        talk(servers, planted)
        yield servers
    finally:
        servers.stop()


def talk(servers: Servers, who: Planted) -> None:
    scripts = [
        ["hallo", "wat is jullie visie?", "vertel me meer", "wat is het weer morgen?", "dank je"],
        ["hello", "what is your mission?", "/tell_more", "how much does the CEO earn?", "bye"],
        ["ik zoek initiatieven in Gent", "en in Kortrijk", "bedankt"],
        [f"ik woon in de {who.street} 12 en mijn nummer is {who.phone}, wat vinden jullie van kernenergie?"],
        [
            "ik wil vrijwilliger worden",
            f"Griet {who.surname}",
            who.email,
            "Kortrijk",
            '/inform{"volunteer_activity": "campaign"}',
            "ja, dat mag",
            "/affirm",
            f"is {who.surname} nu ingeschreven? wat doen jullie met kernenergie?",
        ],
    ]
    for script in scripts:
        chat = Conversation(servers)
        for text in script:
            chat.say(text)
    # Asked, ingested (the report shows it), then forgotten: the next refresh must delete its facts.
    chat = Conversation(servers)
    answer = chat.text(who.forgotten_question)
    status, page = fetch(f"{servers.url}/insights/", TOKEN)
    assert status == 200 and who.forgotten_question in page, answer
    assert "ja/nee" in chat.text("vergeet mij")
    assert "Gedaan" in chat.text("ja")


def fetch(url: str, token: str = "") -> Tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_insights_page_draws_every_chart_without_network_or_personal_data(
    insights_bot: Servers, browser: Browser, planted: Planted
) -> None:
    url = f"{insights_bot.url}/insights/"
    assert fetch(url)[0] == 401 and fetch(url, "wrong")[0] == 401

    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, http_credentials={"username": "staff", "password": TOKEN}
    )
    page = context.new_page()
    requests: List[str] = []
    page.on("request", lambda request: requests.append(request.url))
    errors: List[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    answer = page.goto(url)
    assert answer is not None and answer.status == 200
    page.wait_for_load_state("networkidle")

    assert set(requests) == {url} and errors == []  # its own document only: no script, style, font or image
    charts = page.eval_on_selector_all(
        "svg.chart",
        """svgs => svgs.map(svg => ({
            name: svg.dataset.chart,
            marks: [...svg.querySelectorAll('.mark')].filter(m => {
                const box = m.getBoundingClientRect(); return box.width > 0 && box.height > 0;
            }).length,
        }))""",
    )
    names = [c["name"] for c in charts]
    assert names == [
        "conversations", "messages", "lengths", "intents", "topics", "tell_more", "rates", "map", "provinces", "funnel"
    ]  # fmt: skip
    assert all(c["marks"] > 0 for c in charts), charts
    assert page.locator(".empty").count() == 0  # no "no data" placeholder anywhere
    assert page.locator("table.groups tbody tr").count() >= 2  # the unanswered questions, grouped

    funnel = page.eval_on_selector_all("svg[data-chart=funnel] .mark", "marks => marks.map(m => m.dataset.value)")
    assert funnel[-1] == "1"  # started, completed, cancelled, forgotten: the forgotten conversation is counted

    html = page.content()
    assert planted.forgotten_question not in html
    for value in planted.values():
        assert value not in html and value.lower() not in html, value
    assert "kernenergie" in html and "[address]" in html and "[phone]" in html  # masked, not dropped

    engine = sa.create_engine(insights_bot.env["DATABASE_URL"])
    with engine.connect() as connection:
        stored = "\n".join(
            json.dumps([list(map(str, row)) for row in connection.execute(sa.text(f"SELECT * FROM {table}"))])
            for table in ("insights_conversations", "insights_turns", "insights_state", "insights_forgotten")
        )
    engine.dispose()
    for value in [*planted.values(), planted.forgotten_question]:
        assert value not in stored and json.dumps(value)[1:-1] not in stored, value

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.click("#language")
    assert page.locator("h1").inner_text() == "Horizon – insights"
    assert page.locator("html").get_attribute("lang") == "en"
    context.close()
