"""A partner's emails in its reporting language: words from the catalogue,
dates and numbers formatted the way that language writes them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask_babel import gettext

from portal.core.errors import DomainError
from portal.core.i18n import (
    action_title,
    format_day,
    format_month,
    format_number,
    format_percent,
    format_quarter,
    in_language,
)


def test_a_day_is_written_out_in_the_partners_language(app):
    assert format_day(date(2026, 11, 23), "en") == "23 November 2026"
    assert format_day(date(2026, 11, 23), "fr") == "23 novembre 2026"
    assert format_day(datetime(2026, 2, 1, 9, tzinfo=UTC), "fr") == "1 février 2026"
    assert format_day(None, "fr") == ""
    assert format_month(date(2026, 11, 1), "fr") == "novembre 2026"


def test_percentages_and_numbers_follow_the_language(app):
    assert format_percent(45, "en") == "45%"
    # French puts a (no-break) space before the sign and a comma in decimals.
    assert format_percent(45, "fr").replace("\u00a0", " ").replace("\u202f", " ") == "45 %"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_number(1234.5, "fr").replace("\u202f", " ").replace("\u00a0", " ") == "1 234,5"


def test_a_block_in_french_translates_and_english_returns_after_it(app):
    with app.test_request_context():
        assert gettext("Q%(quarter)s %(year)s", quarter=3, year=2026) == "Q3 2026"
        with in_language("fr"):
            assert gettext("Q%(quarter)s %(year)s", quarter=3, year=2026) == "T3 2026"
        assert gettext("Q%(quarter)s %(year)s", quarter=3, year=2026) == "Q3 2026"


def test_quarters_and_action_titles_in_the_partners_language(app):
    assert format_quarter("2026-Q3", "en") == "Q3 2026"
    assert format_quarter("2026-Q3", "fr") == "T3 2026"
    with pytest.raises(DomainError, match="not a quarter"):
        format_quarter("2026-11", "fr")
    # The wording is translated; the document's name stays as staff wrote it.
    assert action_title("upload", "Upload Audited accounts", "fr") == "Déposer : Audited accounts"
    assert action_title("revise", "Revise Budget", "fr") == "Réviser : Budget"
    assert action_title("overdue", "Due diligence is overdue", "fr") == "Due diligence : en retard"
    assert action_title("upload", "Upload Audited accounts", "en") == "Upload Audited accounts"
    assert action_title("other", "Something else", "fr") == "Something else"


@pytest.mark.parametrize("language", ["fr", "rw"])
def test_the_compiled_catalogue_matches_its_source(language):
    """The build compiles each .mo from its .po (`make install`; none is committed):
    a translation in the .po missing from the .mo would silently read in English."""
    from pathlib import Path

    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    folder = Path(__file__).resolve().parents[2] / f"portal/translations/{language}/LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po, open(folder / "messages.mo", "rb") as mo:
        source, compiled = read_po(po), read_mo(mo)

    def pairs(catalogue, translated_only):
        def plain(text):
            return text if isinstance(text, str) else tuple(text)

        return {
            plain(m.id): plain(m.string)
            for m in catalogue
            if m.id and (not translated_only or (m.string and all(m.string)))
        }

    made = pairs(compiled, False)
    # Babel writes an untranslated plural as its English forms (English, as meant);
    # a word the same in both languages ("Menu") reads the same either way.
    made = {key: text for key, text in made.items() if text != key}
    same = {key: text for key, text in pairs(source, True).items() if text != key}
    assert same == made


@pytest.mark.parametrize("language", ["de", "", None, "english"])
def test_an_unknown_language_is_refused_with_the_languages_there_are(app, language):
    with pytest.raises(DomainError, match=r"Unknown language .*en \(English\), fr \(Français\)"):
        format_day(date(2026, 1, 1), language)
    with pytest.raises(DomainError, match="Unknown language"), in_language(language):
        pass
