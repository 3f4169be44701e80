"""Request parameters: reading them from any body format, and checking them as Telegram
does (numbers, text and caption limits, parse_mode, inline keyboards)."""

from __future__ import annotations

import json

from aiohttp import web

from ..fakebotapi_updates import JSON
from .entities import EntityParseError, parse_html
from .records import UploadedFile, bad_request


def words(*parts: str) -> frozenset[str]:
    """The set of the space-separated words in ``parts``."""
    return frozenset(" ".join(parts).split())


MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
# Form fields PTB sends as plain strings: never JSON-decode them ("123" stays text).
STRING_FIELDS = words(
    "text caption parse_mode callback_query_id inline_message_id url secret_token "
    "description short_description name language_code action emoji title query "
    "business_connection_id message_effect_id file_id ip_address first_name last_name "
    "phone_number vcard address question explanation payload currency start_parameter"
)


def int_param(params: JSON, name: str, default: int) -> int:
    value = params.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f'field "{name}" must be of type Integer') from None


def float_param(params: JSON, name: str, default: float) -> float:
    value = params.get(name)
    if value is None:
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise bad_request(f'field "{name}" must be a Number') from None


async def read_params(request: web.Request) -> JSON:
    """The parameters of a Bot API request, whatever way the client sent them."""
    params: JSON = {key: _decode_field(key, value) for key, value in request.query.items()}
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError as exc:
            raise ValueError(f"invalid JSON body: {exc}") from None
        if not isinstance(body, dict):
            raise ValueError("the JSON body must be an object")
        params.update(body)
        return params
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            data = value.file.read()
            params[key] = UploadedFile(key, value.filename, value.content_type, data)
        else:
            text = value if isinstance(value, str) else bytes(value).decode()
            params[key] = _decode_field(key, text)
    return params


def _decode_field(name: str, value: str) -> object:
    """PTB sends non-string values JSON-encoded inside form fields: decode those."""
    if name in STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def inline_markup(markup: object) -> JSON | None:
    """Validate ``reply_markup``; returns it if it is an inline keyboard (Telegram echoes
    only those in ``Message.reply_markup``)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request("can't parse inline keyboard button: Text must be a String")
        if button.keys() == {"text"}:
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the "
                "inline keyboard"
            )
        data = button.get("callback_data")
        if "callback_data" in button and (
            not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA
        ):
            raise bad_request("BUTTON_DATA_INVALID")
    return markup


def text_content(params: JSON, key: str, limit: int, *, optional: bool = False) -> JSON:
    """``{key: text, key_entities: [...]}`` after parse_mode, checked against ``limit``."""
    entities_key = "entities" if key == "text" else f"{key}_entities"
    raw = params.get(key)
    if raw is None or raw == "":
        if optional:
            return {}
        raise bad_request("message text is empty")
    text = str(raw)
    entities = params.get(entities_key)
    if not entities:
        mode = str(params.get("parse_mode") or "").lower()
        if mode == "html":
            try:
                text, entities = parse_html(text)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        elif mode not in ("", "markdown", "markdownv2"):
            raise bad_request("unsupported parse_mode")
    if not text.strip() and not optional:
        raise bad_request("message text is empty")
    if len(text) > limit:
        raise bad_request("message is too long" if key == "text" else "message caption is too long")
    content: JSON = {key: text}
    if entities:
        content[entities_key] = entities
    return content
