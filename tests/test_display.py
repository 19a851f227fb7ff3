"""trainlab.display: the HTML pieces every notebook display is made of."""

from __future__ import annotations

import re

import pytest

from trainlab import display, i18n

HOSTILE = '<script>alert("x")</script>&<img src=x onerror=1>'


@pytest.fixture(autouse=True)
def english(monkeypatch) -> None:
    monkeypatch.setenv("TRAINLAB_LANG", "en")


def test_a_table_escapes_every_cell_and_header() -> None:
    out = display.table([HOSTILE, "type"], [(HOSTILE, 1), ("ok", HOSTILE)], numeric=(1,))
    assert "<script" not in out and "<img" not in out
    assert out.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;") == 3
    # a number column is kept left to right, even inside a right-to-left page
    assert '<bdi dir="ltr">1</bdi>' in out


def test_markup_is_put_in_as_it_is_and_text_is_not() -> None:
    out = display.card(HOSTILE, [("name", HOSTILE), ("id", display.code("ds_1")),
                                 ("status", display.status_badge("failed"))],
                       sections=[display.heading(HOSTILE)])
    assert "<script" not in out and "<img" not in out
    assert '<code dir="ltr" style="unicode-bidi:isolate">ds_1</code>' in out
    assert re.search(r'<b style="color:[^"]+"><bdi dir="ltr">failed</bdi></b>', out)


def test_a_card_in_persian_is_right_to_left_with_ids_left_to_right() -> None:
    out = display.card("مدل", [(display.word("status", "fa"), display.ltr("job_01abc"))],
                       lang="fa")
    assert 'dir="rtl"' in out and 'lang="fa"' in out
    assert "وضعیت" in out and '<bdi dir="ltr">job_01abc</bdi>' in out
    assert 'dir="ltr"' in display.card("model", [], lang="en")


def test_persian_words_come_from_the_catalogue() -> None:
    for key in ("show_schema", "show_first_errors", "show_train_loss", "show_load"):
        assert display.word(key, "fa") == i18n.WORDS[key]["fa"] != i18n.WORDS[key]["en"]
    assert display.word("show_more", "fa", count=3) == "… و 3 مورد دیگر"
    assert display.word("show_more", "en", count=3) == "… 3 more"


def points(n: int) -> list[tuple[float, float]]:
    return [(i, 1.0 / (i + 1)) for i in range(n)]


def polylines(svg: str) -> list[list[tuple[float, float]]]:
    found = re.findall(r'<polyline points="([^"]+)"', svg)
    return [[tuple(map(float, p.split(","))) for p in line.split()] for line in found]


def test_the_chart_is_the_same_bytes_every_time_and_self_contained() -> None:
    series = [("train loss", points(1000)), ("validation loss", points(10))]
    first = display.line_chart(series, title="Loss", x_label="Step")
    assert first == display.line_chart(series, title="Loss", x_label="Step")
    assert first.startswith("<svg") and first.endswith("</svg>")
    assert "<script" not in first and "href" not in first and "http://" not in first.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert "currentColor" in first and "var(--jp-" in first  # follows the theme, light or dark
    train, val = polylines(first)
    assert len(train) == display.MAX_POINTS and len(val) == 10
    # first and last points kept: the line spans the whole plot
    assert train[0][0] == min(x for x, _ in train) and train[-1][0] == max(x for x, _ in train)


def test_the_chart_leaves_out_non_finite_points_and_is_empty_without_any() -> None:
    svg = display.line_chart([("loss", [(0, 1.0), (1, float("nan")), (2, float("inf")), (3, 0.5)])])
    assert len(polylines(svg)[0]) == 2
    assert display.line_chart([("loss", [(0, float("nan"))]), ("val", [])]) == ""
    assert display.line_chart([("a <b>", [(0, 1.0), (1, 1.0)])]).count("a &lt;b&gt;") == 1


def test_downsample_keeps_the_ends_and_the_order() -> None:
    pts = points(1001)
    kept = display.downsample(pts, 300)
    assert len(kept) == 300 and kept[0] == pts[0] and kept[-1] == pts[-1]
    assert [x for x, _ in kept] == sorted(x for x, _ in kept)
    assert display.downsample(pts[:5], 300) == pts[:5]


def test_numbers_sizes_durations_and_the_progress_bar() -> None:
    assert display.number(0.123456) == "0.1235" and display.number(float("nan")) == "-"
    assert display.number(12345) == "12,345" and display.number(None) == "-"
    assert display.human_size(512) == "512 B" and display.human_size(34434) == "33.6 KB"
    assert display.human_size(3 * 1024**3) == "3.0 GB"
    assert display.duration(0.42) == "0.4 s" and display.duration(245) == "4 min 05 s"
    assert display.duration(7380) == "2 h 03 min"
    assert "width:25.0%" in display.progress_bar(0.25, "step 5/20")
    assert "width:100.0%" in display.progress_bar(3.0) and "width:0.0%" in display.progress_bar(None)
    assert "<b>" not in display.progress_bar(0.5, "<b>x</b>")
