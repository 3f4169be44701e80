"""The Bot API methods the fake implements, with Telegram's checks and error messages.

:class:`BotMethods` is the part of :class:`~tests.fakebotapi.FakeBotAPI` that answers
getMe, getUpdates (long polling), sendMessage, editMessageText and the others listed in
:meth:`BotMethods._builtin_methods`. Each handler takes the :class:`Call` and its request
and returns the ``result`` or raises :class:`BotAPIError`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable

from aiohttp import web

from ..fakebotapi_updates import JSON, TelegramState, now
from .params import (
    MAX_CAPTION,
    MAX_TEXT,
    float_param,
    inline_markup,
    int_param,
    text_content,
    words,
)
from .records import BotAPIError, Call, Signal, UploadedFile, bad_request

Handler = Callable[[Call, web.Request], Awaitable[object]]

CONFLICT_POLLING = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
CHAT_ACTIONS = words(
    "typing upload_photo record_video upload_video record_voice upload_voice "
    "upload_document choose_sticker find_location record_video_note upload_video_note"
)


class BotMethods:
    """Handlers of the built-in methods; mixed into :class:`~tests.fakebotapi.FakeBotAPI`,
    which creates these attributes."""

    state: TelegramState
    _closing: asyncio.Event  # set by stop(): long polls and delayed answers return
    _outbox: list[JSON]
    _updates: list[JSON]  # queued for getUpdates, not yet confirmed by an offset
    _updates_changed: Signal
    _allowed_updates: list[str] | None
    _polls: dict[str, web.Request]  # the getUpdates in progress, by token
    _commands: dict[tuple[str, str], list[JSON]]  # by (scope key, language_code)
    _webhook: JSON
    _files: dict[str, UploadedFile]  # uploads, by the file_id given to them

    def _builtin_methods(self) -> dict[str, Handler]:
        accept = self._accept
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getFile": self._get_file,
            "logOut": accept,
            "close": accept,
            "setMyDescription": accept,
            "setMyShortDescription": accept,
            "setMyName": accept,
            "setChatMenuButton": accept,
        }

    async def _accept(self, call: Call, request: web.Request) -> object:
        return True

    async def _get_me(self, call: Call, request: web.Request) -> object:
        return dict(self.state.bot)

    async def _get_updates(self, call: Call, request: web.Request) -> object:
        if self._webhook["url"]:
            raise BotAPIError(409, CONFLICT_WEBHOOK)
        active = self._polls.get(call.token)
        if active is not None and not _hung_up(active):
            raise BotAPIError(409, CONFLICT_POLLING)
        self._polls[call.token] = request
        try:
            params = call.params
            limit = min(max(int_param(params, "limit", 100), 1), 100)
            timeout = max(float_param(params, "timeout", 0.0), 0.0)
            allowed = params.get("allowed_updates")
            if isinstance(allowed, list):
                self._allowed_updates = [str(kind) for kind in allowed] or None
            self._confirm(int_param(params, "offset", 0))

            def ready() -> list[JSON] | None:
                batch = self._deliverable(limit)
                return batch if batch or self._closing.is_set() else None

            return await self._updates_changed.until(ready, timeout) or []
        finally:
            if self._polls.get(call.token) is request:
                del self._polls[call.token]

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _deliverable(self, limit: int) -> list[JSON]:
        if self._allowed_updates is not None:
            allowed = set(self._allowed_updates)
            self._updates = [u for u in self._updates if allowed & u.keys()]
        return self._updates[:limit]

    async def _send_message(self, call: Call, request: web.Request) -> object:
        params = call.params
        chat_id = self._chat_id(params)
        content = text_content(params, "text", MAX_TEXT)
        markup = inline_markup(params.get("reply_markup"))
        return self._send(chat_id, content, params, markup)

    async def _send_document(self, call: Call, request: web.Request) -> object:
        params = call.params
        chat_id = self._chat_id(params)
        document = params.get("document")
        if not document:
            raise bad_request("there is no document in the request")
        content: JSON = {"document": self._file_object(document, "document")}
        content.update(text_content(params, "caption", MAX_CAPTION, optional=True))
        return self._send(chat_id, content, params, inline_markup(params.get("reply_markup")))

    async def _send_photo(self, call: Call, request: web.Request) -> object:
        params = call.params
        chat_id = self._chat_id(params)
        photo = params.get("photo")
        if not photo:
            raise bad_request("there is no photo in the request")
        file = self._file_object(photo, "photo")
        ids = {"file_id": file["file_id"], "file_unique_id": file["file_unique_id"]}
        thumbnails = [
            {key: f"{value}-{side}" for key, value in ids.items()} | {"width": side, "height": side}
            for side in (90, 320)
        ]
        largest = ids | {"width": 800, "height": 800}  # getFile works with this one
        if "file_size" in file:
            largest["file_size"] = file["file_size"]
        content: JSON = {"photo": [*thumbnails, largest]}
        content.update(text_content(params, "caption", MAX_CAPTION, optional=True))
        return self._send(chat_id, content, params, inline_markup(params.get("reply_markup")))

    async def _edit_message_text(self, call: Call, request: web.Request) -> object:
        params = call.params
        content = text_content(params, "text", MAX_TEXT)
        markup = inline_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        old = self._editable(params)
        if "text" not in old:
            raise bad_request("there is no text in the message to edit")
        unchanged = (old.get("text"), old.get("entities"), old.get("reply_markup"))
        if unchanged == (content["text"], content.get("entities"), markup):
            raise BotAPIError(400, NOT_MODIFIED)
        return self._store_edit(old, content, markup)

    async def _edit_message_reply_markup(self, call: Call, request: web.Request) -> object:
        params = call.params
        markup = inline_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        old = self._editable(params)
        if old.get("reply_markup") == markup:
            raise BotAPIError(400, NOT_MODIFIED)
        return self._store_edit(old, {}, markup)

    async def _delete_message(self, call: Call, request: web.Request) -> object:
        key = (self._chat_id(call.params), int_param(call.params, "message_id", 0))
        if self.state.messages.pop(key, None) is None:
            raise bad_request("message to delete not found")
        return True

    async def _answer_callback_query(self, call: Call, request: web.Request) -> object:
        query_id = str(call.params.get("callback_query_id", ""))
        if query_id not in self.state.callback_query_ids:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self.state.callback_query_ids.discard(query_id)  # a query is answered once
        return True

    async def _send_chat_action(self, call: Call, request: web.Request) -> object:
        self._chat_id(call.params)
        if call.params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def _set_my_commands(self, call: Call, request: web.Request) -> object:
        commands = call.params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 BotCommand")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(call.params)
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, call: Call, request: web.Request) -> object:
        return self._commands.get(self._commands_key(call.params), [])

    async def _delete_my_commands(self, call: Call, request: web.Request) -> object:
        self._commands.pop(self._commands_key(call.params), None)
        return True

    async def _set_webhook(self, call: Call, request: web.Request) -> object:
        params = call.params
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        url = str(params.get("url") or "")
        self._webhook = {"url": url} if not url else {**params, "url": url}
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = [str(kind) for kind in params["allowed_updates"]] or None
        return True

    async def _delete_webhook(self, call: Call, request: web.Request) -> object:
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {"url": ""}
        return True

    async def _get_webhook_info(self, call: Call, request: web.Request) -> object:
        info: JSON = {
            "url": self._webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook["url"]:
            info["max_connections"] = self._webhook.get("max_connections", 40)
            if self._allowed_updates is not None:
                info["allowed_updates"] = self._allowed_updates
        return info

    async def _get_file(self, call: Call, request: web.Request) -> object:
        file_id = str(call.params.get("file_id", ""))
        upload = self._files.get(file_id)
        if upload is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": "u" + file_id,
            "file_size": len(upload.data),
            "file_path": file_path(file_id, upload),
        }

    # -- method helpers ------------------------------------------------------------------

    def _chat_id(self, params: JSON) -> int:
        value = params.get("chat_id")
        if isinstance(value, int) and not isinstance(value, bool) and value != 0:
            return value
        if isinstance(value, str) and value.startswith("@"):
            for chat_id, chat in self.state.chats.items():
                if chat.get("username") and "@" + chat["username"] == value:
                    return chat_id
        if value in (None, ""):
            raise bad_request("chat_id is empty")
        raise bad_request("chat not found")

    def _send(self, chat_id: int, content: JSON, params: JSON, markup: JSON | None) -> JSON:
        reply = params.get("reply_parameters")
        replied = None
        if isinstance(reply, dict) and reply.get("message_id") is not None:
            replied = self.state.messages.get((chat_id, reply["message_id"]))
            if replied is None and not reply.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
        chat = self.state.chat(chat_id)
        thread_id = params.get("message_thread_id")
        if thread_id and chat["type"] in ("group", "supergroup") and not chat.get("is_forum"):
            raise bad_request("message thread not found")  # topics exist in forums only
        message: JSON = {
            "message_id": self.state.next_message_id(chat_id),
            "from": self.state.bot_sender,
            "chat": chat,
            "date": now(),
        }
        if thread_id:
            message["message_thread_id"] = thread_id
            if chat.get("is_forum"):
                message["is_topic_message"] = True
        if replied is not None:
            message["reply_to_message"] = replied
        message.update(content)
        if markup is not None:
            message["reply_markup"] = markup
        self.state.remember_message(message)
        self._outbox.append(message)
        return message

    def _editable(self, params: JSON) -> JSON:
        key = (self._chat_id(params), int_param(params, "message_id", 0))
        old = self.state.messages.get(key)
        if old is None:
            raise bad_request("message to edit not found")
        if old.get("from", {}).get("id") != self.state.bot["id"]:
            raise bad_request("message can't be edited")
        return old

    def _store_edit(self, old: JSON, content: JSON, markup: JSON | None) -> JSON:
        dropped = {"reply_markup", "edit_date"} | ({"entities"} if content else set())
        message = {k: v for k, v in old.items() if k not in dropped}
        message.update(content)
        message["edit_date"] = now()
        if markup is not None:
            message["reply_markup"] = markup
        self.state.remember_message(message)
        self._outbox.append(message)
        return message

    def _file_object(self, value: object, kind: str) -> JSON:
        if isinstance(value, UploadedFile):
            file_id = self.state.new_id(kind)
            self._files[file_id] = value
            return {
                "file_id": file_id,
                "file_unique_id": "u" + file_id,
                "file_name": value.filename,
                "mime_type": value.content_type,
                "file_size": len(value.data),
            }
        file_id = str(value)  # a file_id or a URL for Telegram to fetch
        return {"file_id": file_id, "file_unique_id": "u" + file_id}

    def _commands_key(self, params: JSON) -> tuple[str, str]:
        scope = params.get("scope")
        language_code = str(params.get("language_code") or "")
        return scope_key(scope if isinstance(scope, dict) else None), language_code


def _hung_up(request: web.Request) -> bool:
    return request.transport is None or request.transport.is_closing()


def scope_key(scope: JSON | None) -> str:
    """The key under which setMyCommands stores the commands of a ``scope``."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


def file_path(file_id: str, upload: UploadedFile) -> str:
    """The ``file_path`` getFile gives an upload, served under ``base_file_url``."""
    return f"documents/{file_id}_{upload.filename}"
