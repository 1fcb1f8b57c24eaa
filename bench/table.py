"""One row per figure: ours beside its anchor, the ratio or difference, and the goal it must meet."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    figure: str
    ours: str
    anchor: str
    compared: str  # the ratio or paired difference, as printed
    goal: str
    met: bool | None  # None: no goal, only reported


def render(rows: list[Row]) -> str:
    """A Markdown table, so the output can go into the README as it is."""
    head = ("figure", "ours", "anchor", "ours vs anchor", "goal", "met")
    lines = [head, *((r.figure, r.ours, r.anchor, r.compared, r.goal, _met(r.met)) for r in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) + " |" for line in lines]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def _met(met: bool | None) -> str:
    return "—" if met is None else ("yes" if met else "**no**")
