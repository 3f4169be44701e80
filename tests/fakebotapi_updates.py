"""Telegram-side state and update builders for :mod:`tests.fakebotapi`.

:class:`TelegramState` is the fake's small model of Telegram: the bot user, the chats and
users it has seen, every message in every chat (the user's and the bot's, sharing one
``message_id`` sequence per chat, as in real private chats) and the ids it hands out.

:class:`UpdateBuilders` is a mixin for :class:`tests.fakebotapi.FakeBotAPI` that builds
realistic ``Update`` dicts (a user writes text, sends a command, presses an inline button,
sends a photo...), records the messages in the state and pushes them to the ``getUpdates``
queue. Every builder returns the update dict it built. Pass ``push=False`` to only build it,
e.g. to deliver it with :meth:`tests.fakebotapi.FakeBotAPI.post_webhook` instead.

The sender and chat of a message are set with the keyword arguments of
:class:`MessageOptions`; by default a private chat with user :data:`DEFAULT_USER_ID`.
"""

from __future__ import annotations

import abc
import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, Unpack

JSON = dict[str, Any]
ChatType = Literal["private", "group", "supergroup", "channel"]

DEFAULT_USER_ID = 10_001
DEFAULT_FIRST_NAME = "Tester"
DEFAULT_GROUP_ID = -40_001
DEFAULT_SUPERGROUP_ID = -1_001_000_000_001
DEFAULT_CHANNEL_ID = -1_001_000_000_002

MESSAGE_KEYS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_message",
    "edited_business_message",
)


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def now() -> int:
    """The current Unix time, as Telegram puts it in ``date`` fields."""
    return int(time.time())


@dataclass
class TelegramState:
    """Users, chats, messages and id counters of the fake Telegram."""

    bot: JSON
    chats: dict[int, JSON] = field(default_factory=dict)
    messages: dict[tuple[int, int], JSON] = field(default_factory=dict)
    callback_query_ids: set[str] = field(default_factory=set)
    _last_message_id: dict[int, int] = field(default_factory=dict)
    _last_update_id: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def bot_sender(self) -> JSON:
        """The bot as the ``from`` of the messages it sends."""
        keys = ("id", "is_bot", "first_name", "username")
        return {key: self.bot[key] for key in keys if key in self.bot}

    def next_update_id(self) -> int:
        self._last_update_id += 1
        return self._last_update_id

    def note_update_id(self, update_id: int) -> None:
        """Keep later ids above an ``update_id`` chosen by a test."""
        self._last_update_id = max(self._last_update_id, update_id)

    def next_message_id(self, chat_id: int) -> int:
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        return message_id

    def new_id(self, prefix: str) -> str:
        """A fresh opaque id (file ids, callback query ids...)."""
        return f"{prefix}{next(self._ids):06d}"

    def chat(self, chat_id: int) -> JSON:
        """The chat with this id; one never seen is made up from the sign of its id."""
        known = self.chats.get(chat_id)
        if known is not None:
            return dict(known)
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        if str(chat_id).startswith("-100"):
            return {"id": chat_id, "type": "supergroup", "title": f"Chat {chat_id}"}
        return {"id": chat_id, "type": "group", "title": f"Chat {chat_id}"}

    def remember_message(self, message: JSON) -> None:
        """Store (the latest version of) a message and keep its chat's id sequence ahead."""
        chat = message.get("chat")
        message_id = message.get("message_id")
        if not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
            return
        if not isinstance(message_id, int):
            return
        chat_id: int = chat["id"]
        self.chats.setdefault(chat_id, dict(chat))
        self.messages[(chat_id, message_id)] = message
        self._last_message_id[chat_id] = max(self._last_message_id.get(chat_id, 0), message_id)

    def remember_update(self, update: JSON) -> None:
        for key in MESSAGE_KEYS:
            message = update.get(key)
            if isinstance(message, dict):
                self.remember_message(message)

    def last_bot_message(self, chat_id: int) -> JSON | None:
        bot_id = self.bot["id"]
        for (message_chat, _), message in reversed(self.messages.items()):
            if message_chat == chat_id and message.get("from", {}).get("id") == bot_id:
                return message
        return None


class MessageOptions(TypedDict, total=False):
    """Keyword arguments shared by the message builders.

    Defaults: ``user_id`` :data:`DEFAULT_USER_ID`, ``first_name`` :data:`DEFAULT_FIRST_NAME`,
    ``last_name``/``username`` None, ``language_code`` "en" (None leaves it out),
    ``chat_type`` "private"; ``chat_id`` the user's id in a private chat, else
    :data:`DEFAULT_GROUP_ID` or :data:`DEFAULT_SUPERGROUP_ID`; ``chat_title`` "Test group";
    ``reply_to_message`` a message dict the new one replies to; ``message_thread_id`` a forum
    topic; ``push`` True (False: build and record the update but do not queue it).
    """

    user_id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    chat_id: int | None
    chat_type: ChatType
    chat_title: str
    reply_to_message: JSON | None
    message_thread_id: int | None
    push: bool


class UpdateBuilders(abc.ABC):
    """Builders of incoming updates; mixed into :class:`tests.fakebotapi.FakeBotAPI`."""

    state: TelegramState

    @abc.abstractmethod
    def push_update(self, update: Mapping[str, Any]) -> JSON:
        """Queue an update for ``getUpdates``; returns it with its ``update_id``."""

    # -- messages from users -------------------------------------------------------------

    def message(self, content: Mapping[str, Any], **options: Unpack[MessageOptions]) -> JSON:
        """A ``message`` update whose content fields (text, photo, location...) are given."""
        return self._finish("message", self._new_message(content, options), options)

    def text_message(
        self,
        text: str,
        *,
        entities: list[JSON] | None = None,
        **options: Unpack[MessageOptions],
    ) -> JSON:
        """A user sends ``text``."""
        content: JSON = {"text": text}
        if entities:
            content["entities"] = entities
        return self.message(content, **options)

    def command(
        self,
        command: str,
        args: str = "",
        *,
        mention: bool = False,
        **options: Unpack[MessageOptions],
    ) -> JSON:
        """A user sends ``/command args`` (``/command@botname`` with ``mention``)."""
        head = "/" + command.removeprefix("/")
        if mention:
            head += "@" + str(self.state.bot.get("username", ""))
        text = f"{head} {args}" if args else head
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(head)}
        return self.text_message(text, entities=[entity], **options)

    def photo_message(self, caption: str | None = None, **options: Unpack[MessageOptions]) -> JSON:
        """A user sends a photo (three sizes), optionally with a caption."""
        unique = self.state.new_id("photo")
        sizes = [
            {
                "file_id": f"{unique}-{side}",
                "file_unique_id": f"u{unique}-{side}",
                "width": side,
                "height": side * 3 // 4,
                "file_size": side * 40,
            }
            for side in (90, 320, 1280)
        ]
        content: JSON = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return self.message(content, **options)

    def sticker_message(self, emoji: str = "👍", **options: Unpack[MessageOptions]) -> JSON:
        """A user sends a regular sticker."""
        file_id = self.state.new_id("sticker")
        sticker: JSON = {
            "file_id": file_id,
            "file_unique_id": "u" + file_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self.message({"sticker": sticker}, **options)

    def voice_message(self, duration: int = 3, **options: Unpack[MessageOptions]) -> JSON:
        """A user sends a voice note."""
        file_id = self.state.new_id("voice")
        voice: JSON = {
            "file_id": file_id,
            "file_unique_id": "u" + file_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": duration * 2000,
        }
        return self.message({"voice": voice}, **options)

    def edited_message(
        self,
        text: str,
        *,
        message: JSON | None = None,
        **options: Unpack[MessageOptions],
    ) -> JSON:
        """A user edits ``message`` (a user message built earlier) to ``text``.

        Without ``message`` a new message (new id) is built from ``options``.
        """
        if message is None:
            edited = self._new_message({"text": text}, options)
        else:
            key = (message["chat"]["id"], message["message_id"])
            edited = dict(self.state.messages.get(key, message))
            edited.pop("entities", None)
            edited["text"] = text
        edited["edit_date"] = now()
        return self._finish("edited_message", edited, options)

    def channel_post(
        self,
        text: str,
        *,
        chat_id: int = DEFAULT_CHANNEL_ID,
        title: str = "Test channel",
        push: bool = True,
    ) -> JSON:
        """A post in a channel the bot administers (no ``from``, ``sender_chat`` is set)."""
        chat: JSON = {"id": chat_id, "type": "channel", "title": title}
        self.state.chats[chat_id] = chat
        post: JSON = {
            "message_id": self.state.next_message_id(chat_id),
            "date": now(),
            "chat": chat,
            "sender_chat": chat,
            "text": text,
        }
        return self._finish("channel_post", post, {"push": push})

    # -- button presses ------------------------------------------------------------------

    def callback_query(
        self,
        data: str | None,
        *,
        message: JSON | None = None,
        user_id: int = DEFAULT_USER_ID,
        first_name: str = DEFAULT_FIRST_NAME,
        username: str | None = None,
        language_code: str | None = "en",
        push: bool = True,
    ) -> JSON:
        """A user presses an inline button carrying ``data`` under ``message``.

        ``message`` is a message the bot sent (as returned by the API or from
        ``sent_messages()``); its latest version is used. By default the last message the
        bot sent in the private chat with ``user_id``.
        """
        if message is None:
            message = self.state.last_bot_message(user_id)
            if message is None:
                raise ValueError(f"the bot has sent no message to chat {user_id} yet")
        key = (message["chat"]["id"], message["message_id"])
        current = self.state.messages.get(key, message)
        query_id = self.state.new_id("cbq")
        self.state.callback_query_ids.add(query_id)
        query: JSON = {
            "id": query_id,
            "from": _user(user_id, first_name, None, username, language_code),
            "message": current,
            "chat_instance": f"ci{key[0]}",
        }
        if data is not None:
            query["data"] = data
        return self._deliver({"callback_query": query}, push)

    # -- helpers -------------------------------------------------------------------------

    def _new_message(self, content: Mapping[str, Any], options: MessageOptions) -> JSON:
        user_id = options.get("user_id", DEFAULT_USER_ID)
        sender = _user(
            user_id,
            options.get("first_name", DEFAULT_FIRST_NAME),
            options.get("last_name"),
            options.get("username"),
            options.get("language_code", "en"),
        )
        chat = self._chat_for(sender, options)
        message: JSON = {
            "message_id": self.state.next_message_id(chat["id"]),
            "from": sender,
            "chat": chat,
            "date": now(),
        }
        thread_id = options.get("message_thread_id")
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        reply_to = options.get("reply_to_message")
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(content)
        return message

    def _chat_for(self, sender: JSON, options: MessageOptions) -> JSON:
        chat_type = options.get("chat_type", "private")
        chat_id = options.get("chat_id")
        chat: JSON
        if chat_type == "private":
            chat = {"id": sender["id"] if chat_id is None else chat_id, "type": "private"}
            chat.update(
                {k: sender[k] for k in ("first_name", "last_name", "username") if k in sender}
            )
        elif chat_type in ("group", "supergroup"):
            if chat_id is None:
                chat_id = DEFAULT_GROUP_ID if chat_type == "group" else DEFAULT_SUPERGROUP_ID
            if chat_id >= 0:
                raise ValueError(f"a {chat_type} needs a negative chat id, got {chat_id}")
            chat = {
                "id": chat_id,
                "type": chat_type,
                "title": options.get("chat_title", "Test group"),
            }
            if options.get("message_thread_id") is not None:
                chat["is_forum"] = True
        else:
            raise ValueError(f"use channel_post() for channels, not chat_type={chat_type!r}")
        self.state.chats[chat["id"]] = chat
        return chat

    def _finish(self, key: str, message: JSON, options: MessageOptions) -> JSON:
        self.state.remember_message(message)
        return self._deliver({key: message}, options.get("push", True))

    def _deliver(self, update: JSON, push: bool) -> JSON:
        if push:
            return self.push_update(update)
        update["update_id"] = self.state.next_update_id()
        return update


def _user(
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
) -> JSON:
    user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name is not None:
        user["last_name"] = last_name
    if username is not None:
        user["username"] = username
    if language_code is not None:
        user["language_code"] = language_code
    return user
