"""Rendering results as Telegram HTML, and the callback_data scheme of every button."""

from __future__ import annotations

import dataclasses

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks as cb
from bot.render import (
    MAX_TEXT,
    Keyboard,
    fit,
    render_menu,
    render_result,
    render_sources,
    render_topic,
    without_feedback,
)
from faq.engine import FaqEngine
from tests.fakebotapi import parse_html

LANGS = ("id", "en")


def buttons(markup: InlineKeyboardMarkup | None) -> list[InlineKeyboardButton]:
    return [b for row in (markup.inline_keyboard if markup else ()) for b in row]


def plain(text: str) -> str:
    """The text as a user sees it; raises if Telegram would reject the HTML."""
    return parse_html(text)[0]


# -- fit: escaping and the 4096 limit ---------------------------------------------------


def test_fit_escapes_data_and_user_text() -> None:
    html = fit([[("b", "<script> & co"), (None, " 3 < 5 > 1")]])
    assert html == "<b>&lt;script&gt; &amp; co</b> 3 &lt; 5 &gt; 1"
    assert plain(html) == "<script> & co 3 < 5 > 1"


def test_fit_separates_blocks_and_skips_empty_segments() -> None:
    assert fit([[(None, "a")], [("i", ""), (None, "b")], []]) == "a\n\nb"


@pytest.mark.parametrize("limit", [50, 200, 4096])
def test_fit_cuts_at_a_word_boundary_without_breaking_html(limit: int) -> None:
    words = " ".join(f"w{i}&<x>" for i in range(2000))
    html = fit([[("b", "Title")], [(None, words)], [("i", "never reached")]], limit=limit)
    assert len(html) <= limit
    text = plain(html)  # still valid HTML: no cut tag, no cut &amp;
    assert text.endswith("…")
    assert text.removesuffix("…").split()[-1].endswith("<x>")  # whole words only
    assert "never reached" not in text


def test_fit_cuts_inside_a_tag_and_closes_it() -> None:
    html = fit([[("blockquote", "quote " * 2000)]], limit=300)
    assert html.startswith("<blockquote>") and html.endswith("…</blockquote>")
    assert len(html) <= 300
    plain(html)


# -- results ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_entry_renders_valid_html_within_limits(engine: FaqEngine, lang: str) -> None:
    for entry_id in engine.tree.entries:
        result = engine.answer_entry(entry_id, lang)
        for from_menu in (False, True):
            reply = render_result(result, engine, from_menu=from_menu)
            text = plain(reply.text)
            assert len(reply.text) <= MAX_TEXT
            assert text.startswith(result.question or "")
            assert "[1]" in text
            line = engine.composer.sources_line(result.citations, lang)
            assert f"\n\n{engine.composer.reply('sources', lang)}: {line}\n\n" in text
            assert text.endswith(" ".join(result.notices))
            kinds = [cb.parse(str(b.callback_data), engine.tree) for b in buttons(reply.markup)]
            assert cb.SourcesPick(lang, entry_id) in kinds
            assert cb.Feedback(lang, entry_id, True) in kinds
            assert cb.Feedback(lang, entry_id, False) in kinds
            related = [k for k in kinds if isinstance(k, cb.EntryPick | cb.RelatedPick)]
            assert len(related) <= 3
            back = cb.TopicPick(lang, engine.tree.entries[entry_id].topic_id)
            assert (back in kinds) == from_menu
        sources = render_sources(result, engine)
        assert len(sources.text) <= MAX_TEXT
        for citation in result.citations:
            assert citation.quote in plain(sources.text)


def test_publisher_not_named_is_said_plainly_in_the_sources_view(engine: FaqEngine) -> None:
    unnamed = [s for s in engine.tree.sources.values() if s.publisher is None]
    assert unnamed, "the data has a source without publisher"
    entry_id = next(
        e.id
        for e in engine.tree.entries.values()
        if any(c.source.publisher is None for c in e.citations)
    )
    for lang in LANGS:
        text = plain(render_sources(engine.answer_entry(entry_id, lang), engine).text)
        assert f"({engine.composer.reply('publisher_unknown', lang)})" in text


def test_warning_comes_first_in_bold(engine: FaqEngine) -> None:
    result = engine.ask("my baby is not breathing and her lips are swelling", lang="en")
    assert result.safety == "emergency" and result.warning
    reply = render_result(result, engine)
    text, entities = parse_html(reply.text)
    assert text.startswith("⚠️ " + result.warning)
    assert entities[0] == {"type": "bold", "offset": 0, "length": len("⚠️ " + result.warning)}
    assert text.count("119") == 1 and text.count("112") == 1  # said once, first


def test_unanswered_smalltalk_and_suggest(engine: FaqEngine) -> None:
    unanswered = render_result(engine.ask("how much does laser removal cost", lang="en"), engine)
    assert plain(unanswered.text) == engine.composer.reply("unanswered", "en")
    assert [b.callback_data for b in buttons(unanswered.markup)] == ["m:en"]

    smalltalk = render_result(engine.ask("terima kasih"), engine)
    assert "Sama-sama" in plain(smalltalk.text)
    assert [b.callback_data for b in buttons(smalltalk.markup)] == ["m:id"]

    result = engine.ask("is milia worse in winter")
    assert result.status == "suggest", "pick another ambiguous question for this test"
    suggest = render_result(result, engine, question_id=42)
    text = plain(suggest.text)
    assert text.startswith(engine.composer.reply("suggest", result.lang))
    data = [b.callback_data for b in buttons(suggest.markup)]
    assert data[:-1] == [f"s:{result.lang}:{s.entry_id}:42" for s in result.suggestions]
    assert data[-1] == f"m:{result.lang}"


def test_menu_and_topics(engine: FaqEngine) -> None:
    for lang in LANGS:
        menu = render_menu(engine.tree, lang)
        assert [b.callback_data for b in buttons(menu.markup)] == [
            f"t:{lang}:{t.id}" for t in engine.tree.topics
        ]
        for topic in engine.tree.topics:
            reply = render_topic(engine.tree, topic.id, lang)
            assert plain(reply.text).startswith(topic.title[lang])
            data = [b.callback_data for b in buttons(reply.markup)]
            assert data == [f"e:{lang}:{e}" for e in topic.entry_ids] + [f"m:{lang}"]


def test_a_kept_keyboard_sends_what_a_plain_one_would(engine: FaqEngine) -> None:
    result = engine.answer_entry("what-is-milia", "en")
    markup = render_result(result, engine).markup
    assert isinstance(markup, Keyboard)
    plain_markup = InlineKeyboardMarkup(markup.inline_keyboard)
    assert markup.to_dict() == plain_markup.to_dict()
    assert markup.to_json() == plain_markup.to_json()
    assert markup == plain_markup
    changed = markup.to_dict()
    changed["inline_keyboard"][0][0]["text"] = "changed"
    changed["inline_keyboard"].pop()
    assert markup.to_dict() == plain_markup.to_dict()  # what it gives out is a copy


def test_answer_keyboards_are_built_once_per_entry_language_and_view(engine: FaqEngine) -> None:
    def markup(entry_id: str, lang: str, from_menu: bool = False) -> InlineKeyboardMarkup | None:
        result = engine.answer_entry(entry_id, lang)
        return render_result(result, engine, from_menu=from_menu).markup

    first = markup("what-is-milia", "en")
    assert markup("what-is-milia", "en") is first
    assert markup("what-is-milia", "id") is not first
    assert markup("what-is-milia", "en", from_menu=True) is not first
    assert markup("causes-overview", "en") is not first
    in_menu = buttons(markup("what-is-milia", "en", from_menu=True))
    assert in_menu[-1].callback_data == f"t:en:{engine.tree.entries['what-is-milia'].topic_id}"


def test_without_feedback_keeps_the_other_buttons(engine: FaqEngine) -> None:
    markup = render_result(engine.answer_entry("what-is-milia", "en"), engine).markup
    remaining = [str(b.callback_data) for b in buttons(without_feedback(markup))]
    assert remaining and not any(d.startswith("fb:") for d in remaining)
    assert "src:en:what-is-milia" in remaining
    assert without_feedback(None) is None


# -- callback_data ---------------------------------------------------------------------


def every_callback(engine: FaqEngine) -> list[cb.Callback]:
    tree = engine.tree
    out: list[cb.Callback] = [cb.ForgetChoice(True), cb.ForgetChoice(False)]
    for lang in LANGS:
        out += [cb.Menu(lang), cb.LanguageChoice(lang)]
        out += [cb.TopicPick(lang, t.id) for t in tree.topics]
        for entry_id in tree.entries:
            out += [
                cb.EntryPick(lang, entry_id),
                cb.RelatedPick(lang, entry_id),
                cb.SourcesPick(lang, entry_id),
                cb.Feedback(lang, entry_id, True),
                cb.Feedback(lang, entry_id, False),
                cb.SuggestionPick(lang, entry_id, None),
                cb.SuggestionPick(lang, entry_id, cb.MAX_QUESTION_ID),
            ]
    return out


def test_every_callback_fits_64_bytes_and_parses_back(engine: FaqEngine) -> None:
    for callback in every_callback(engine):
        data = cb.encode(callback)
        assert len(data.encode()) <= 64, data
        assert cb.parse(data, engine.tree) == callback


def test_every_rendered_button_fits_64_bytes(engine: FaqEngine) -> None:
    replies = [render_menu(engine.tree, lang) for lang in LANGS]
    replies += [render_topic(engine.tree, t.id, lang) for t in engine.tree.topics for lang in LANGS]
    for entry_id in engine.tree.entries:
        for lang in LANGS:
            result = engine.answer_entry(entry_id, lang)
            replies += [
                render_result(result, engine),
                render_result(result, engine, from_menu=True),
            ]
            suggestions = dataclasses.replace(
                result, status="suggest", suggestions=result.related or result.suggestions
            )
            replies.append(render_result(suggestions, engine, question_id=cb.MAX_QUESTION_ID))
    for reply in replies:
        for b in buttons(reply.markup):
            assert b.callback_data is not None and len(str(b.callback_data).encode()) <= 64


def test_encode_refuses_data_over_64_bytes() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        cb.encode(cb.EntryPick("en", "x" * 70))


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "t:en:no-such-topic",
        "e:en:no-such-entry",
        "e:fr:what-is-milia",
        "e:en:../../etc/passwd",
        "e:en:What-Is-Milia",
        "m:id\n",
        "m:id ",
        "lang:fr",
        "forget:maybe",
        "fb:en:what-is-milia:2",
        "fb:en:what-is-milia:-1",
        "s:en:what-is-milia:abc",
        "s:en:what-is-milia:99999999999999999999",
        "s:en:what-is-milia:9223372036854775808",
        "s:en:what-is-milia:١٢",
        "src:en:what-is-milia:1",
        "x" * 65,
        "<b>",
    ],
)
def test_parse_rejects_forged_or_stale_data(engine: FaqEngine, data: str | None) -> None:
    assert cb.parse(data, engine.tree) is None


def test_parse_question_id_zero_means_none(engine: FaqEngine) -> None:
    assert cb.parse("s:id:what-is-milia:0", engine.tree) == cb.SuggestionPick(
        "id", "what-is-milia", None
    )
