"""Telegram's HTML subset: :func:`parse_html` turns a ``parse_mode=HTML`` text into plain
text and message entities, or raises :class:`EntityParseError` where Telegram would answer
"can't parse entities"."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from ..fakebotapi_updates import JSON, utf16_len

_TAG_RE = re.compile(
    r"""<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z][\w-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*>"""
)
_ATTR_RE = re.compile(r"""([a-zA-Z][\w-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class EntityParseError(ValueError):
    """Text that Telegram would refuse with "can't parse entities"."""


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int  # UTF-16 offset in the plain text
    language: str | None = None  # for <pre>, from a nested <code class="language-...">


def parse_html(text: str) -> tuple[str, list[JSON]]:
    """Plain text and entities of a parse_mode=HTML text, as Telegram would make them.

    Raises :class:`EntityParseError` for what Telegram rejects (and for a raw ``&``).
    """
    plain: list[str] = []
    offset = 0  # UTF-16 length of plain so far
    stack: list[_OpenTag] = []
    entities: list[JSON] = []
    i = 0
    while i < len(text):
        char = text[i]
        at = f"at byte offset {len(text[:i].encode())}"
        if char == "&":
            match = _ENTITY_RE.match(text, i)
            decoded = _decode_entity(match) if match else None
            if match is None or decoded is None:
                raise EntityParseError(f'Unescaped "&" or unsupported HTML entity {at}')
            plain.append(decoded)
            offset += utf16_len(decoded)
            i = match.end()
        elif char == "<":
            match = _TAG_RE.match(text, i)
            if match is None:
                raise EntityParseError(f'Unsupported start tag "" {at}: escape "<" as &lt;')
            closing, name = match.group(1) == "/", match.group(2).lower()
            if closing:
                if not stack:
                    raise EntityParseError(f"Unexpected end tag {at}")
                if stack[-1].name != name:
                    raise EntityParseError(
                        f'Unmatched end tag {at}, expected "</{stack[-1].name}>", found "</{name}>"'
                    )
                entity = _close_tag(stack.pop(), offset, stack)
                if entity is not None:
                    entities.append(entity)
            else:
                stack.append(_open_tag(name, match.group(3), offset, at))
            i = match.end()
        else:
            plain.append(char)
            offset += utf16_len(char)
            i += 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities


def _decode_entity(match: re.Match[str]) -> str | None:
    decimal, hexadecimal, named = match.groups()
    if named:
        return _NAMED_ENTITIES[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    return chr(code) if 0 < code <= 0x10FFFF else None


def _open_tag(name: str, raw_attrs: str, offset: int, at: str) -> _OpenTag:
    if name not in _TAG_TYPES:
        raise EntityParseError(f'Unsupported start tag "{name}" {at}')
    attrs = {
        m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
        for m in _ATTR_RE.finditer(raw_attrs)
    }
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" {at}')
    if name == "tg-emoji" and not attrs.get("emoji-id"):
        raise EntityParseError(f'Tag "tg-emoji" must have attribute "emoji-id" {at}')
    return _OpenTag(name, attrs, offset)


def _close_tag(tag: _OpenTag, end: int, stack: list[_OpenTag]) -> JSON | None:
    length = end - tag.offset
    kind = _TAG_TYPES[tag.name]
    language = tag.attrs.get("class", "").removeprefix("language-")
    if tag.name == "code" and stack and stack[-1].name == "pre" and "class" in tag.attrs:
        stack[-1].language = language  # <pre><code class="language-x">: one pre entity
        return None
    if length == 0:
        return None
    entity: JSON = {"type": kind, "offset": tag.offset, "length": length}
    if kind == "text_link":
        href = tag.attrs.get("href")
        if not href:
            return None
        entity["url"] = href
    elif kind == "pre" and tag.language:
        entity["language"] = tag.language
    elif kind == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    return entity
