"""The dashboard's charts as SVG markup, drawn on the server: no script, no chart library,
nothing fetched, and the same picture on screen, on a phone and on paper.

Pure functions from numbers to text: the caller passes every label already formatted in
the reader's language (``ChartPoint.text``), so this module knows nothing of locales,
requests or models. Every piece of text is escaped. A point without a value (a month with
no record, a share of nothing) is a gap in the line, never drawn as 0.

Each chart is an ``<svg role="img">`` with ``<title>``, ``<desc>`` and ``aria-label``;
each point has a ``<title>`` (its month and value) and its value as visible text, so a
screen reader, a printout and a person hovering all get the numbers, not only the shape.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Units of the viewBox; the chart scales to its box. Narrow enough that its text (15 units)
# stays readable when a phone shrinks it to about 340 px.
WIDTH = 560
HEIGHT = 280
MARGIN_LEFT = 58
MARGIN_RIGHT = 30
MARGIN_TOP = 26
MARGIN_BOTTOM = 40
# At most this many month labels and point values, so that none overlaps another.
MOST_LABELS = 6
GRID_STEPS = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class ChartPoint:
    """One month of a share's trend: ``value`` a ratio 0 to 1 or None (no figure)."""

    label: str  # the axis label, short ("01/26")
    value: float | None
    text: str  # the value as the reader reads it ("45,6 %", "no figure")
    title: str = ""  # the point's full caption ("January 2026: 12 / 40"), else label + text


def _attribute(value: str) -> str:
    return escape(value, quote=True)


def _number(value: float) -> str:
    """A coordinate: short, locale-free, never "1e-05"."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _y(value: float) -> float:
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    clamped = min(max(value, 0.0), 1.0)
    return MARGIN_TOP + plot_height * (1 - clamped)


def _x(index: int, count: int) -> float:
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    if count == 1:
        return MARGIN_LEFT + plot_width / 2
    return MARGIN_LEFT + plot_width * index / (count - 1)


def _runs(points: Sequence[ChartPoint]) -> list[list[int]]:
    """Indexes of consecutive points with a value: each run is one stretch of line."""
    runs: list[list[int]] = []
    current: list[int] = []
    for index, point in enumerate(points):
        if point.value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(index)
    if current:
        runs.append(current)
    return runs


def _labelled(index: int, count: int) -> bool:
    """Whether the ``index``-th of ``count`` points shows its month and value: every n-th
    counted back from the last (always shown), at most ``MOST_LABELS``."""
    every = max(1, -(-count // MOST_LABELS))
    return (count - 1 - index) % every == 0


def share_trend_svg(
    points: Sequence[ChartPoint],
    *,
    title: str,
    description: str,
    grid_labels: Sequence[str] = ("0", "25", "50", "75", "100"),
    target: float | None = None,
    target_text: str = "",
    chart_id: str = "chart",
) -> str:
    """A line chart of a share (0 to 100 %) by month, with the target as a dashed line.

    ``grid_labels`` are the five gridlines' labels (0, 25, 50, 75, 100 %) as the reader
    writes them; ``target_text`` labels the target line. ``chart_id`` prefixes the ids the
    ``aria-labelledby`` references use, unique on the page.
    """
    if len(grid_labels) != len(GRID_STEPS):
        raise ValueError("grid_labels needs one label per gridline")
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="xMidYMid meet" '
        f'aria-labelledby="{_attribute(title_id)} {_attribute(desc_id)}" '
        f'aria-label="{_attribute(title)}">',
        f'<title id="{_attribute(title_id)}">{escape(title)}</title>',
        f'<desc id="{_attribute(desc_id)}">{escape(description)}</desc>',
    ]
    parts.append('<g class="grid" aria-hidden="true">')
    for step, label in zip(GRID_STEPS, grid_labels, strict=True):
        y = _number(_y(step))
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y}" y2="{y}"/>'
            f'<text class="axis" x="{MARGIN_LEFT - 6}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(label)}</text>'
        )
    parts.append("</g>")
    if target is not None:
        y = _number(_y(target))
        parts.append(
            f'<g class="target"><line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" '
            f'y1="{y}" y2="{y}"/><text x="{MARGIN_LEFT + 4}" y="{_number(_y(target) - 5)}" '
            f'text-anchor="start">{escape(target_text)}</text></g>'
        )
    count = len(points)
    for run in _runs(points):
        coordinates = " ".join(
            f"{_number(_x(index, count))},{_number(_y(points[index].value))}" for index in run
        )
        parts.append(f'<polyline class="line" points="{coordinates}"/>')
    for index, point in enumerate(points):
        x = _number(_x(index, count))
        caption = point.title or f"{point.label}: {point.text}"
        labelled = _labelled(index, count)
        if labelled:
            parts.append(
                f'<text class="axis month" x="{x}" y="{HEIGHT - MARGIN_BOTTOM + 22}" '
                f'text-anchor="middle" aria-hidden="true">{escape(point.label)}</text>'
            )
        if point.value is None:
            gap_text = (
                f'<text x="{x}" y="{_number(_y(0) - 4)}" text-anchor="middle">'
                f"{escape(point.text)}</text>"
                if labelled
                else ""
            )
            parts.append(f'<g class="point gap"><title>{escape(caption)}</title>{gap_text}</g>')
            continue
        y = _y(point.value)
        # A point between two gaps shows its value too: nothing is near it to overlap.
        alone = all(
            not 0 <= other < count or points[other].value is None
            for other in (index - 1, index + 1)
        )
        value_text = (
            f'<text class="value" x="{x}" y="{_number(y - 9)}" text-anchor="middle">'
            f"{escape(point.text)}</text>"
            if labelled or alone
            else ""
        )
        parts.append(
            f'<g class="point"><title>{escape(caption)}</title>'
            f'<circle cx="{x}" cy="{_number(y)}" r="4"/>{value_text}</g>'
        )
    if not points:
        parts.append(
            f'<text class="empty" x="{WIDTH / 2:.0f}" y="{HEIGHT / 2:.0f}" '
            f'text-anchor="middle">{escape(description)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
