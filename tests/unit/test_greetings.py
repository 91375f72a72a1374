"""A greeting that opens a longer message is masked for the classifier; a greeting on its own is not."""

from __future__ import annotations

import pytest

from horizon.language.greetings import greeting_length


def words(text: str) -> list[str]:
    return [w for w in text.replace("!", " ").replace(",", " ").replace("?", " ").split()]


@pytest.mark.parametrize(
    "text, length",
    [
        ("Hi! What does 11.11.11 actually do?", 1),
        ("Dag! Wat is de missie van 11.11.11?", 1),
        ("Good morning, what is your vision on trade?", 2),
        ("hallo daar, hoe kan ik meedoen?", 2),
        ("Goeiemorgen! Zijn er groepen in Gent?", 1),
    ],
)
def test_a_greeting_before_a_question_is_found(text: str, length: int) -> None:
    assert greeting_length(words(text)) == length


@pytest.mark.parametrize(
    "text",
    ["hallo", "hello there", "dag allemaal", "hi bot", "goede vraag, wat is visie", "what is your vision", "Dag Gent"],
)
def test_a_greeting_alone_or_no_greeting_masks_nothing(text: str) -> None:
    assert greeting_length(words(text)) == 0
