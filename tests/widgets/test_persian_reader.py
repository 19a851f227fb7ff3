"""The reader the Persian panel tests use: it reads wording strictly and the data marked left
to right (code, ``dir="ltr"``) with a relaxed rule: data tokens pass, plain words do not."""

from __future__ import annotations

from tests.widgets.persian import data_text, html_texts, latin_words, visible_text, widget_texts


def test_code_and_ltr_parts_are_data_not_wording() -> None:
    markup = ('<div dir="rtl">مجموعه <bdi dir="ltr">ds_01abc</bdi> <code>load_model()</code>'
              '<br><span dir="ltr">3.2 MB</span> rows <b>valid</b><style>.a{b:c}</style>'
              '<pre>Traceback (most recent call last)</pre></div>')
    assert visible_text(markup).split() == ["مجموعه", "rows", "valid"]
    assert data_text(markup).split() == ["ds_01abc", "load_model()", "3.2", "MB"]
    found = latin_words(html_texts("x", markup), allowed={"valid"})
    assert len(found) == 1 and "'rows'" in found[0]


def test_plain_words_inside_ltr_parts_are_still_found() -> None:
    markup = ('<div dir="rtl">ستون <bdi dir="ltr">string</bdi> و <code>model = trainlab.load_model('
              '"job_01x")</code> <bdi dir="ltr">job_01m8 12.3 s cpu</bdi> <bdi dir="ltr">age</bdi>'
              ' <span dir="ltr">rows, valid</span></div>')
    found = latin_words(html_texts("x", markup), allowed={"age"})
    words = [s.split(": ")[1].split(" in ")[0] for s in found]
    assert words == ["'string'", "'rows'", "'valid'"]
    assert all(s.startswith("x[ltr]: ") for s in found)


def test_widget_labels_are_read() -> None:
    import ipywidgets as w

    box = w.VBox([w.Button(description="شروع", tooltip="Start"), w.Dropdown(options=["الف", "beta"]),
                  w.HTML('<b>stopped</b> <bdi dir="ltr">job_1</bdi> <bdi dir="ltr">integer</bdi>')])
    words = latin_words(widget_texts(box))
    assert sorted(s.split(": ")[1].split(" in ")[0] for s in words) == [
        "'Start'", "'beta'", "'integer'", "'stopped'"]
