from __future__ import annotations

import pytest

from trainlab import i18n
from trainlab.errors import DatasetError, TrainlabError, dataset_error


def test_every_message_has_both_languages_with_same_fields() -> None:
    import string

    for code, templates in i18n.MESSAGES.items():
        assert set(templates) == {"en", "fa"}, code
        fields = [{f for _, f, _, _ in string.Formatter().parse(t) if f} for t in templates.values()]
        assert fields[0] == fields[1], code


@pytest.mark.parametrize(("header", "lang"), [
    (None, "en"), ("fa-IR,fa;q=0.9,en;q=0.8", "fa"), ("en-US,fa;q=0.5", "en"),
    ("de-DE, fa;q=0.3", "fa"), ("fa;q=0, en", "en"), ("xx", "en"), ("fa;q=bad", "en")])
def test_accept_language(header, lang) -> None:
    assert i18n.best_language(header) == lang


def test_language_from_env_and_locale(monkeypatch) -> None:
    for var in ("TRAINLAB_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    assert i18n.current_language() == "en"
    monkeypatch.setenv("LANG", "fa_IR.UTF-8")
    assert i18n.current_language() == "fa"
    monkeypatch.setenv("TRAINLAB_LANG", "en")
    assert i18n.current_language() == "en"
    assert i18n.current_language("fa") == "fa" and i18n.current_language("zz") == "en"


def test_render_never_raises() -> None:
    assert i18n.render("no_such_code", {"x": 1}) == "no_such_code: {'x': 1}"
    assert "{limit}" in i18n.render("too_large", {"name": "f"}, "en")


def test_error_json_body() -> None:
    error = dataset_error("too_large", name="f.csv", limit=10, size=11)
    assert isinstance(error, DatasetError) and error.status == 413
    body = error.to_dict("fa")["error"]
    assert body["code"] == "too_large" and body["details"]["limit"] == 10
    assert "f.csv" in body["message"] and "سقف" in body["message"]
    assert TrainlabError().code == "invalid_argument"


def test_words_inside_a_message_follow_its_language() -> None:
    from trainlab import i18n

    params = {"column": "color", "type": "category", "task": "tabular-regression",
              "expected": "numeric_column", "key": "target"}
    assert "needs a numeric column" in i18n.render("wrong_column_type", params, "en")
    persian = i18n.render("wrong_column_type", params, "fa")
    assert "یک ستون عددی" in persian and "numeric" not in persian


def test_the_panels_words_are_in_the_catalogue_in_both_languages() -> None:
    assert not set(i18n.WORDS) & set(i18n.MESSAGES)  # one catalogue: a key means one thing
    for key, words in i18n.WORDS.items():
        assert set(words) == {"en", "fa"} and all(words.values()), key
    assert i18n.render("start", lang="fa") == "شروع" and i18n.render("start", lang="en") == "Start"
    assert i18n.direction("fa") == "rtl" and i18n.direction("en") == "ltr"
