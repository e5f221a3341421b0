"""Charts drawn on the server as an <svg> string: no script, no library, nothing inline for the CSP
to refuse (colours are attributes, which a style-src policy does not govern).

A chart has an accessible title (`role="img"`, `<title>`, `aria-labelledby`) and its numbers
written on it, so it reads without colour and on a phone; pages give the same figures as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

# Drawn at about a phone's width, so its text stays legible there; the page caps how wide it grows.
WIDTH, HEIGHT = 360, 220
LEFT, RIGHT, TOP, BOTTOM = 8, 8, 34, 24
COLOURS = ("#0b5cad", "#b3261e")  # blue, red: distinct in grey too (dark and mid tone)


def grouped_bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    chart_id: str,
    label_every: int = 1,
) -> str:
    """Bars per label, one per series side by side, with each bar's value above it, a legend on
    top and the labels below (every `label_every`-th, so they do not overlap on a phone).
    `series`: (name, one value per label)."""
    most = max((v for _, values in series for v in values), default=0) or 1
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = inner_w / max(len(labels), 1)
    bar = slot * 0.8 / max(len(series), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<line x1="{LEFT}" y1="{TOP + inner_h}" x2="{WIDTH - RIGHT}" y2="{TOP + inner_h}" stroke="#9aa1ab"/>',
    ]
    for s, (name, _) in enumerate(series):
        x = LEFT + s * 130
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{COLOURS[s % len(COLOURS)]}"/>')
        parts.append(f'<text x="{x + 16}" y="15" font-size="12">{escape(name)}</text>')
    for i, label in enumerate(labels):
        x0 = LEFT + i * slot + slot * 0.1
        for s, (_, values) in enumerate(series):
            value = values[i]
            h = inner_h * value / most
            x, y = x0 + s * bar, TOP + inner_h - h
            colour = COLOURS[s % len(COLOURS)]
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" fill="{colour}"/>')
            if value:
                parts.append(
                    f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" font-size="10" text-anchor="middle">{value}</text>'
                )
        if (len(labels) - 1 - i) % label_every == 0:  # the latest week always labelled
            parts.append(
                f'<text x="{LEFT + i * slot + slot / 2:.1f}" y="{TOP + inner_h + 16}" font-size="10" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
