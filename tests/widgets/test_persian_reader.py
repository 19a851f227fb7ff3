"""The reader the Persian panel tests use: it sees wording, not data marked left to right."""

from __future__ import annotations

from tests.widgets.persian import latin_words, visible_text, widget_texts


def test_code_and_ltr_parts_are_data_not_wording() -> None:
    markup = ('<div dir="rtl">مجموعه <bdi dir="ltr">ds_01abc</bdi> <code>load_model()</code>'
              '<br><span dir="ltr">3.2 MB</span> rows <b>valid</b><style>.a{b:c}</style></div>')
    assert visible_text(markup).split() == ["مجموعه", "rows", "valid"]
    found = latin_words([("x", visible_text(markup))], allowed={"valid"})
    assert len(found) == 1 and "'rows'" in found[0]


def test_widget_labels_are_read() -> None:
    import ipywidgets as w

    box = w.VBox([w.Button(description="شروع", tooltip="Start"), w.Dropdown(options=["الف", "beta"]),
                  w.HTML('<b>stopped</b> <bdi dir="ltr">job_1</bdi>')])
    words = latin_words(widget_texts(box))
    assert sorted(s.split(": ")[1].split(" in ")[0] for s in words) == ["'Start'", "'beta'", "'stopped'"]
