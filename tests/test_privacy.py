"""Tests for bot.privacy: user pseudonyms, hash key handling and redaction."""

from __future__ import annotations

import os
import re
import stat
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy import key_path_for, load_or_create_hash_key, redact, user_hash

# Independent of the implementation: anything shaped like local@domain.tld.
EMAIL_RE = re.compile(r"[\w!#$%&'*+/=?^`{|}~.\-]+@[\w\-]+(?:\.[\w\-]+)+")

# --- user_hash -----------------------------------------------------------------------------


def test_user_hash_is_stable_keyed_and_short() -> None:
    a = user_hash(b"k" * 32, 123456789)
    assert a == user_hash(b"k" * 32, 123456789)
    assert a != user_hash(b"j" * 32, 123456789)
    assert a != user_hash(b"k" * 32, 123456780)
    assert len(a) == 32
    assert int(a, 16) >= 0
    assert "123456789" not in a


def test_user_hash_rejects_empty_key() -> None:
    with pytest.raises(ValueError):
        user_hash(b"", 1)


# --- load_or_create_hash_key -----------------------------------------------------------------


def test_configured_secret_wins_and_creates_no_file(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    key, created = load_or_create_hash_key("  s3cret-value  ", db)
    assert (key, created) == (b"s3cret-value", False)
    assert not key_path_for(db).exists()


@pytest.mark.parametrize("env", [None, "", "   "])
def test_generates_private_key_file_once(tmp_path: Path, env: str | None) -> None:
    db = tmp_path / "sub" / "bot.sqlite3"
    key, created = load_or_create_hash_key(env, db)
    assert created is True
    assert len(key) == 32
    path = key_path_for(db)
    assert path == tmp_path / "sub" / "bot.sqlite3.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again, created_again = load_or_create_hash_key(None, db)
    assert (again, created_again) == (key, False)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left


def test_corrupt_key_file_is_an_error_not_a_new_key(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    key_path_for(db).write_text("not hex\n")
    with pytest.raises(ValueError, match="not valid hex"):
        load_or_create_hash_key(None, db)
    key_path_for(db).write_text("abcd\n")
    with pytest.raises(ValueError, match="fewer than 16"):
        load_or_create_hash_key(None, db)


def test_lost_race_uses_the_other_process_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "bot.sqlite3"
    theirs = bytes(range(32))
    real_link = os.link

    def link_after_other_process(src: str, dst: str) -> None:
        Path(dst).write_text(theirs.hex())
        os.chmod(dst, 0o600)
        real_link(src, dst)

    monkeypatch.setattr(os, "link", link_after_other_process)
    assert load_or_create_hash_key(None, db) == (theirs, False)


# --- redact: examples ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wa saya +62 812-3456-7890 ya", "wa saya [phone] ya"),
        ("hubungi 0812 3456 7890", "hubungi [phone]"),
        ("no hp 081234567890.", "no hp [phone]."),
        ("6281234567890", "[phone]"),
        ("0812.3456.7890", "[phone]"),
        ("call +1 (555) 123-4567 now", "call [phone] now"),
        ("+44 20 7946 0958", "[phone]"),
        ("kantor (021) 555-1234", "kantor [phone]"),
        ("NIK 3201012345670001", "NIK [number]"),
        ("NIK 3201 0123 4567 0001", "NIK [number]"),
        ("kartu 4111-1111-1111-1111", "kartu [number]"),
        ("rek 1234567890", "rek [number]"),
        ("lahir 12-03-1990", "lahir [number]"),
        ("email saya budi.s+milia@mail.co.id ok", "email saya [email] ok"),
        ("08123456789@gmail.com", "[email]"),
        ("Email: SITI_99@Example.COM.", "Email: [email]."),
        ("wa 0812-3456-7890, mail a@b.id", "wa [phone], mail [email]"),
    ],
)
def test_redacts_personal_data(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "benjolan 3 mm di bawah mata",
        "umur saya 40an",
        "sudah 2 minggu",
        "demam 38,5 derajat",
        "I am 14 years old",
        "biaya Rp 150.000 sampai Rp 15.000.000",
        "klinik buka jam 08.00-17.00",
        "sejak 2019-2023 kambuh",
        "1-2 mm, 3-4 kali sehari, 0,5 cm",
        "1234567",
        "@dokterkulit di instagram",
        "",
    ],
)
def test_keeps_ordinary_numbers(text: str) -> None:
    assert redact(text) == text


# --- redact: properties ------------------------------------------------------------------------

_fragments = st.sampled_from([*"0123456789 -.,+()@a=_]", "0812", "62", "x@y.co", "[number]"])
_numberish = st.lists(_fragments, max_size=40).map("".join)
_texts = st.one_of(
    st.text(), _numberish, st.lists(st.one_of(st.text(max_size=5), _numberish)).map("".join)
)


@settings(max_examples=300)
@given(_texts)
def test_redact_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


@settings(max_examples=200)
@given(st.text(), st.emails(), st.text())
def test_redact_never_leaves_an_email(prefix: str, email: str, suffix: str) -> None:
    out = redact(f"{prefix} {email} {suffix}")
    assert email not in out
    assert EMAIL_RE.search(out) is None


@settings(max_examples=200)
@given(st.emails())
def test_email_alone_becomes_placeholder(email: str) -> None:
    assert redact(email) == "[email]"


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(codec=None)))
def test_redact_never_crashes_and_keeps_text_without_digits_or_at(text: str) -> None:
    out = redact(text)
    assert isinstance(out, str)
    if not any(ch.isdigit() or ch == "@" for ch in text):
        assert out == text


@settings(max_examples=200)
@given(st.lists(st.integers(0, 9), min_size=8, max_size=19), st.sampled_from(["", " ", "-"]))
def test_any_long_digit_run_is_removed(digits: list[int], sep: str) -> None:
    run = sep.join(str(d) for d in digits)
    out = redact(f"nomor {run} ya")
    assert not any(ch.isdigit() for ch in out)


def test_redact_is_fast_on_long_adversarial_input() -> None:
    junk = "a" * 20_000 + "!" + "1-" * 5_000 + "x.y" * 5_000
    start = time.perf_counter()
    redact(junk)
    assert time.perf_counter() - start < 0.5
