"""Settings that are parsed beyond their type: API key scopes and the staff email list."""

from __future__ import annotations

from rag_app.settings import Settings


def test_key_scopes_default_to_everything_and_a_scope_suffix_narrows_them() -> None:
    settings = Settings(_env_file=None, rag_api_keys=" plain , bot:ask,staff:admin,both:ask,both:admin,odd:colon:ask,"
                                                     "url:like,")

    assert settings.api_key_scopes == {
        "plain": {"ask", "admin"}, "bot": {"ask"}, "staff": {"admin"}, "both": {"ask", "admin"},
        "odd:colon": {"ask"}, "url:like": {"ask", "admin"},  # only a known scope after the last colon counts
    }
    assert settings.api_keys == ["plain", "bot", "staff", "both", "odd:colon", "url:like"]
    assert Settings(_env_file=None).api_key_scopes == {}


def test_staff_emails_compare_without_case_or_spaces() -> None:
    settings = Settings(_env_file=None, staff_emails=" Ana@Example.com, bo@example.com ,")
    assert settings.staff_email_list == {"ana@example.com", "bo@example.com"}
