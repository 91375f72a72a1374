"""The Rasa server's side of the live hand-off to the team's Chatwoot desk (issue 14).

While a conversation is handed to a person, Rasa keeps it paused (``ConversationPaused``, returned by
``action_handoff_live``): the person's messages are recorded but the assistant does not answer. They must
reach the agent, though, on every channel the person may use (widget, REST, messaging apps).

Why a processor hook: every channel hands its messages to ``MessageProcessor.handle_message``, which records
the message and then runs ``_run_prediction_loop``; that loop is where Rasa decides not to answer a paused
conversation (``_should_handle_message``). Wrapping it is the one place that sees each message of a paused
conversation once, after it is recorded and slots are extracted, inside the conversation's lock (so messages
reach Chatwoot in the order they were sent) and with the channel the person is on (to tell them when their
message could not reach the team). The input-channel path was the other candidate, but it would need a
wrapper per channel and would run before Rasa knows whether the conversation is paused. The patch replaces a
private part of Rasa, so like bot/speedups.py it checks the pinned Rasa and the attribute before installing.

:func:`tell_person` is also used by the bridge channel (bot/channels/chatwoot.py) for what the agent writes and
for the assistant's return: it records the message in the tracker under the conversation's lock and sends it
on the person's channel.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Dict, Iterable, Optional, Text

import rasa
from rasa.core.actions.action import create_bot_utterance
from rasa.core.channels.channel import InputChannel, OutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_LISTEN_NAME, USER_INTENT_RESTART
from rasa.shared.core.events import ActionExecuted, ConversationResumed
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.speedups import PINNED_RASA, IncompatibleRasa
from horizon.db import DatabaseUnavailable, run_db
from horizon.handoff.chatwoot import ChatwootClient, ChatwootUnavailable, Opened, desk_from_env
from horizon.handoff.live import Chat, chat_for_sender
from horizon.insights.masking import is_question_text

logger = logging.getLogger(__name__)

NOT_FORWARDED = "utter_handoff_live_not_forwarded"
BACK = "utter_handoff_live_back"
AGENT = "chatwoot_agent"  # the metadata mark of an agent's message in the tracker

_original_loop = getattr(MessageProcessor, "_run_prediction_loop", None)


def _restarting(tracker: DialogueStateTracker) -> bool:
    latest = tracker.latest_message
    return latest is not None and latest.intent.get(INTENT_NAME_KEY) == USER_INTENT_RESTART


async def run_prediction_loop(self: MessageProcessor, output_channel: OutputChannel, tracker: Any) -> None:
    """Rasa's loop; before it, a paused conversation's new message goes to the desk."""
    if tracker.is_paused() and not _restarting(tracker):
        await forward_paused(self, output_channel, tracker)
    assert _original_loop is not None
    await _original_loop(self, output_channel, tracker)


async def forward_paused(processor: MessageProcessor, output_channel: OutputChannel, tracker: Any) -> None:
    """The person's message to the Chatwoot conversation; when the hand-off is gone (forgotten, purged), the
    assistant takes over again and answers it; when the desk fails, the person is told."""
    desk = desk_from_env(os.environ)
    text = tracker.latest_message.text if tracker.latest_message is not None else None
    if desk is None or not is_question_text(text):
        return  # paused for another reason, or a button click: nothing to pass on
    try:
        chat = await run_db(chat_for_sender, tracker.sender_id)
    except DatabaseUnavailable as error:
        logger.warning("handoff: database unavailable (%s); a message was not forwarded", error)
        await _say(processor, output_channel, tracker, NOT_FORWARDED)
        return
    if chat is None:
        logger.info("handoff: a paused conversation has no hand-off any more; the assistant answers again")
        tracker.update(ConversationResumed())
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        return
    try:
        await ChatwootClient(desk).forward(Opened(chat.chatwoot_conversation_id, chat.chatwoot_contact), text)
    except ChatwootUnavailable as error:
        logger.warning("handoff: a message did not reach the desk (%s)", error)
        await _say(processor, output_channel, tracker, NOT_FORWARDED)


async def _say(processor: MessageProcessor, output_channel: OutputChannel, tracker: Any, response: str) -> None:
    message = await processor.nlg.generate(response, tracker, output_channel.name())
    if message:
        tracker.update(create_bot_utterance({**message, "utter_action": response}))
        await output_channel.send_response(tracker.sender_id, message)


def output_channel_for(input_channels: Iterable[InputChannel], name: str) -> Optional[OutputChannel]:
    """The channel the person used, able to send on its own (socket.io, the messaging apps); None for REST,
    which can only answer a request (the message is then in the tracker only)."""
    for channel in input_channels:
        if channel.name() == name:
            return channel.get_output_channel()
    return None


async def tell_person(
    agent: Any,
    input_channels: Iterable[InputChannel],
    chat: Chat,
    *,
    text: Optional[str] = None,
    response: Optional[str] = None,
    resume: bool = False,
) -> None:
    """Records a message for the person (an agent's ``text``, or the assistant's ``response``) in their
    conversation under its lock, then sends it on their channel. ``resume``: the assistant answers again
    (``ConversationResumed``, and it listens, as after any answer)."""
    output = output_channel_for(input_channels, chat.input_channel)
    processor = agent.processor
    async with agent.lock_store.lock(chat.sender_id):
        tracker = await processor.get_tracker(chat.sender_id)
        if resume:
            tracker.update(ConversationResumed())
        message: Optional[Dict[Text, Any]] = {"text": text} if text is not None else None
        if response is not None:
            message = await processor.nlg.generate(response, tracker, chat.input_channel)
        if message:
            marked = {**message, "utter_action": response} if response else {**message, AGENT: True}
            tracker.update(create_bot_utterance(marked))
        if resume:
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        await processor.save_tracker(tracker)
    if message and output is not None:
        await output.send_response(chat.sender_id, message)


def install() -> None:
    """Wraps the processor's prediction loop (once), or refuses a Rasa it was not written for."""
    if rasa.__version__ != PINNED_RASA or _original_loop is None:
        raise IncompatibleRasa(
            f"bot.handoff wraps MessageProcessor._run_prediction_loop of Rasa {PINNED_RASA}; "
            f"found Rasa {rasa.__version__}"
        )
    MessageProcessor._run_prediction_loop = run_prediction_loop  # type: ignore[method-assign]
