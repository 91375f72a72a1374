"""The widget's static files are served by Rasa's own Sanic app, from a fixed list of files only."""

from typing import Iterator

import pytest
from rasa.core.run import configure_app
from sanic import Sanic

from bot.channels.widget import WidgetInput, widget_files


@pytest.fixture
def app() -> Iterator[Sanic]:
    Sanic.test_mode = True
    yield configure_app([WidgetInput.from_credentials({})], enable_api=False)


def test_demo_pages_and_script_are_served(app: Sanic) -> None:
    _, dutch = app.test_client.get("/widget/")
    _, english = app.test_client.get("/widget/en.html")
    _, script = app.test_client.get("/widget/horizon-widget.js")
    _, vendor = app.test_client.get("/widget/vendor/socket.io.min.js")

    assert dutch.status == 200 and '<html lang="nl">' in dutch.text
    assert english.status == 200 and '<html lang="en">' in english.text
    assert script.status == 200 and script.headers["content-type"].endswith("javascript; charset=utf-8")
    assert "customElements.define" in script.text
    assert vendor.status == 200 and "Socket.IO v4" in vendor.text
    assert dutch.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/widget/../channels/widget.py",
        "/widget/%2e%2e/channels/widget.py",
        "/widget/README.md",
        "/widget/nope.js",
    ],
)
def test_nothing_outside_the_file_list_is_served(app: Sanic, path: str) -> None:
    _, answer = app.test_client.get(path)

    assert answer.status == 404
    assert "widget.py" not in widget_files()


def test_widget_without_slash_redirects_so_relative_links_work(app: Sanic) -> None:
    _, answer = app.test_client.get("/widget", allow_redirects=False)

    assert answer.status == 302 and answer.headers["location"] == "/widget/"


def test_browsers_at_the_root_land_on_the_demo(app: Sanic) -> None:
    _, browser = app.test_client.get("/", headers={"Accept": "text/html,*/*"}, allow_redirects=False)
    _, health_check = app.test_client.get("/")

    assert browser.status == 302 and browser.headers["location"] == "/widget/"
    assert health_check.status == 200 and "Hello from Rasa" in health_check.text
