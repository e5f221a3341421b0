"""The report's charts as PNG bytes: matplotlib without a display (Agg), in DejaVu Sans, which has
every Vietnamese letter. Titles and legends come from `periodic.charts` in the content."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display on a server: render straight to PNG

from matplotlib import pyplot  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from bot.core.content import Texts  # noqa: E402
from bot.periodic.document import fill  # noqa: E402
from bot.periodic.figures import Figures  # noqa: E402

FONT = "DejaVu Sans"
SIZE = (6.4, 3.2)  # inches: about the text width of an A4 page at 150 dpi
DPI = 150
MAX_BARS = 8


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=DPI)
    pyplot.close(figure)
    return buffer.getvalue()


def _new(title: str) -> tuple[Figure, object]:
    figure, axes = pyplot.subplots(figsize=SIZE)
    axes.set_title(title, fontsize=10, fontfamily=FONT)
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _months_axis(axes, shown: list[str]) -> None:
    axes.tick_params(labelsize=8)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}".replace(",", ".")))
    if len(shown) > 6:  # a year's months side by side: turned, so they do not run into each other
        axes.tick_params(axis="x", labelrotation=45)


def render(figures: Figures, t: Texts) -> list[tuple[str, bytes]]:
    """(title, PNG) of each chart that has something to show, at most four."""
    matplotlib.rcParams["font.family"] = FONT
    labels = t.labels("periodic.charts")
    months = figures.period.months()
    short = t.label("periodic.charts.month")
    shown = [fill(short, month=int(m[5:]), year=m[:4]) for m in months]
    charts = []

    by_topic = figures.breakdown("reports.topic")
    if by_topic:
        names = t.labels("report.claimed")
        items = list(by_topic.items())[:MAX_BARS][::-1]
        figure, axes = _new(labels["by_topic"])
        axes.barh([names.get(k, k) for k, _ in items], [v for _, v in items], color="#2f5d8a")
        axes.tick_params(labelsize=8)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}".replace(",", ".")))
        charts.append((labels["by_topic"], _png(figure)))

    reports = [figures.total("reports", month=m) for m in months]
    if any(reports):
        figure, axes = _new(labels["by_month"])
        axes.bar(shown, reports, color="#b03a2e")
        _months_axis(axes, shown)
        charts.append((labels["by_month"], _png(figure)))

    parts = [
        (key, [figures.total(f"deliveries.{key}", month=m) for m in months])
        for key in ("delivered", "blocked", "failed")
    ]
    if any(any(values) for _, values in parts):
        figure, axes = _new(labels["deliveries"])
        bottom = [0] * len(months)
        for (key, values), color in zip(parts, ("#1e8449", "#b9770e", "#7b7d7d"), strict=True):
            axes.bar(shown, values, bottom=bottom, label=labels[key], color=color)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        _months_axis(axes, shown)
        axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # beside, not on, the bars
        charts.append((labels["deliveries"], _png(figure)))

    quizzes = [figures.total("quiz", month=m) for m in months]
    if any(quizzes):
        figure, axes = _new(labels["quiz"])
        axes.bar(shown, quizzes, color="#6c3483")
        _months_axis(axes, shown)
        charts.append((labels["quiz"], _png(figure)))
    return charts
