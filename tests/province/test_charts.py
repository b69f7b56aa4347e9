"""The dashboard's SVG charts (province/charts.py): pure functions, no database.

The markup is parsed as XML, so a test reads the chart as a browser or a screen reader
would: its title and description, one point per month with its caption, a gap (not a 0)
where a month has no figure, the target line, and text escaped wherever it came from.
"""

import xml.etree.ElementTree as ET

import pytest

from province.charts import (
    GRID_STEPS,
    HEIGHT,
    MARGIN_BOTTOM,
    MOST_LABELS,
    WIDTH,
    ChartPoint,
    share_trend_svg,
)

SVG = "{http://www.w3.org/2000/svg}"


def point(label: str, value: float | None) -> ChartPoint:
    text = "–" if value is None else f"{value * 100:.1f} %"
    return ChartPoint(label=label, value=value, text=text, title=f"{label}: {text}")


def parsed(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own markup, parsed to be checked


def chart(points, **options) -> ET.Element:
    options = {"title": "Tỷ lệ", "description": "Theo tháng", **options}
    return parsed(share_trend_svg(points, **options))


def test_a_chart_is_an_accessible_image_with_its_title_and_description():
    svg = chart([point("01/26", 0.5)], title="Share on sale", description="By month")

    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == "Share on sale"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == title_id
    assert svg.find(f"{SVG}title").text == "Share on sale"
    assert svg.find(f"{SVG}desc").get("id") == desc_id
    assert svg.find(f"{SVG}desc").text == "By month"
    assert svg.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}"


def test_each_month_has_a_point_with_its_caption_and_its_value_as_text():
    svg = chart([point("01/26", 0.25), point("02/26", 0.5), point("03/26", 0.75)])

    points = svg.findall(f".//{SVG}g[@class='point']")
    assert [p.find(f"{SVG}title").text for p in points] == [
        "01/26: 25.0 %",
        "02/26: 50.0 %",
        "03/26: 75.0 %",
    ]
    assert [p.find(f"{SVG}text").text for p in points] == ["25.0 %", "50.0 %", "75.0 %"]
    # Higher shares are drawn higher (SVG's y grows downwards).
    heights = [float(p.find(f"{SVG}circle").get("cy")) for p in points]
    assert heights == sorted(heights, reverse=True)
    assert len(svg.findall(f".//{SVG}polyline")) == 1


def test_a_month_without_a_figure_is_a_gap_not_a_zero():
    svg = chart(
        [point("01/26", 0.4), point("02/26", 0.6), point("03/26", None), point("04/26", 0.8)]
    )

    lines = svg.findall(f".//{SVG}polyline")
    assert len(lines) == 2, "the line breaks at the month without a figure"
    assert [len(line.get("points").split()) for line in lines] == [2, 1]
    assert len(svg.findall(f".//{SVG}circle")) == 3
    gap = svg.find(f".//{SVG}g[@class='point gap']")
    assert gap.find(f"{SVG}title").text == "03/26: –"
    assert gap.find(f"{SVG}circle") is None
    baseline = str(HEIGHT - MARGIN_BOTTOM)
    for line in lines:
        assert all(not xy.endswith("," + baseline) for xy in line.get("points").split())


def test_a_real_zero_is_drawn_on_the_baseline():
    svg = chart([point("01/26", 0.0), point("02/26", 0.5)])

    circles = svg.findall(f".//{SVG}circle")
    assert circles[0].get("cy") == str(HEIGHT - MARGIN_BOTTOM)


def test_the_target_is_a_labelled_line_and_absent_without_a_target():
    with_target = chart([point("01/26", 0.5)], target=0.9, target_text="mục tiêu 90 %")
    target = with_target.find(f".//{SVG}g[@class='target']")
    assert target.find(f"{SVG}text").text == "mục tiêu 90 %"
    line = target.find(f"{SVG}line")
    assert line.get("y1") == line.get("y2")

    assert chart([point("01/26", 0.5)]).find(f".//{SVG}g[@class='target']") is None


def test_every_text_is_escaped():
    hostile = '<script>alert("x")</script> & "quoted"'
    markup = share_trend_svg(
        [ChartPoint(label=hostile, value=0.5, text=hostile, title=hostile)],
        title=hostile,
        description=hostile,
        target=0.5,
        target_text=hostile,
        grid_labels=[hostile] * len(GRID_STEPS),
        chart_id='x" onload="alert(1)',
    )

    assert "<script>" not in markup
    svg = parsed(markup)  # still well-formed
    assert svg.find(f"{SVG}title").text == hostile
    assert svg.get("aria-label") == hostile
    assert svg.find(f"{SVG}title").get("id") == 'x" onload="alert(1)-title'
    assert not [element for element in svg.iter() if "onload" in element.attrib]


def test_shares_outside_zero_to_one_stay_inside_the_plot():
    svg = chart([point("01/26", -0.2), point("02/26", 1.7)])

    heights = [float(c.get("cy")) for c in svg.findall(f".//{SVG}circle")]
    assert heights[0] == HEIGHT - MARGIN_BOTTOM
    assert heights[1] >= 0


def test_long_periods_thin_the_labels_but_keep_every_point():
    months = [point(f"{n % 12 + 1:02d}/{24 + n // 12}", 0.5) for n in range(36)]

    svg = chart(months)

    labels = [text.text for text in svg.findall(f".//{SVG}text[@class='axis month']")]
    assert len(labels) == MOST_LABELS
    assert labels[-1] == months[-1].label, "the latest month is always labelled"
    assert len(svg.findall(f".//{SVG}text[@class='value']")) == MOST_LABELS
    points = svg.findall(f".//{SVG}g[@class='point']")
    assert len(points) == 36
    assert all(p.find(f"{SVG}title").text for p in points), "every month keeps its caption"


def test_twelve_months_label_every_other_one_counted_from_the_latest():
    months = [point(f"{n + 1:02d}/26", 0.5) for n in range(12)]

    labels = [text.text for text in chart(months).findall(f".//{SVG}text[@class='axis month']")]

    assert labels == ["02/26", "04/26", "06/26", "08/26", "10/26", "12/26"]


def test_a_point_between_gaps_shows_its_value_even_unlabelled():
    months = [point(f"{n + 1:02d}/26", None) for n in range(12)]
    months[4] = point("05/26", 0.4)  # not a labelled month, but alone

    values = [text.text for text in chart(months).findall(f".//{SVG}text[@class='value']")]

    assert values == ["40.0 %"]


def test_no_month_is_an_empty_chart_saying_so():
    svg = chart([], description="Không có tháng nào")

    assert svg.find(f".//{SVG}text[@class='empty']").text == "Không có tháng nào"
    assert svg.find(f".//{SVG}polyline") is None


def test_one_grid_label_per_gridline_is_required():
    with pytest.raises(ValueError, match="gridline"):
        share_trend_svg([], title="t", description="d", grid_labels=["0", "100"])
