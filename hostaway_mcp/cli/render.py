"""Tool results (JSON-like values) as text a person can read in a terminal.

Objects become `key: value` lines, lists of flat objects become aligned tables when they fit the
terminal (else one indented block per item), `null` is shown as `-`, and long text keeps its lines.
"""

from __future__ import annotations

import shutil
from typing import Any

MAX_CELL = 40
INDENT = "  "


def render(value: Any, *, width: int | None = None) -> str:
    """The whole value, ready to print (no trailing newline)."""
    columns = width or shutil.get_terminal_size((120, 24)).columns
    lines = _render(value, "", columns)
    return "\n".join(lines) if lines else "(empty result)"


def scalar(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(round(value, 4))
    return str(value)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _render(value: Any, indent: str, width: int) -> list[str]:
    if isinstance(value, dict):
        return _render_object(value, indent, width)
    if isinstance(value, list):
        return _render_list(value, indent, width)
    return _text_lines(scalar(value), indent)


def _text_lines(text: str, indent: str) -> list[str]:
    return [f"{indent}{line}" for line in text.splitlines()] or [indent]


def _render_object(obj: dict[str, Any], indent: str, width: int) -> list[str]:
    lines: list[str] = []
    for key, value in obj.items():
        if isinstance(value, dict):
            if not value:
                lines.append(f"{indent}{key}: -")
                continue
            lines.append(f"{indent}{key}:")
            lines.extend(_render_object(value, indent + INDENT, width))
        elif isinstance(value, list):
            lines.extend(_render_named_list(key, value, indent, width))
        else:
            text = scalar(value)
            if "\n" in text:
                lines.append(f"{indent}{key}: |")
                lines.extend(_text_lines(text, indent + INDENT))
            else:
                lines.append(f"{indent}{key}: {text}")
    return lines


def _render_named_list(key: str, items: list[Any], indent: str, width: int) -> list[str]:
    if not items:
        return [f"{indent}{key}: (none)"]
    if all(_is_scalar(item) for item in items):
        joined = ", ".join(scalar(item) for item in items)
        if len(indent) + len(key) + 2 + len(joined) <= width and "\n" not in joined:
            return [f"{indent}{key}: {joined}"]
    return [f"{indent}{key} ({len(items)}):", *_render_list(items, indent + INDENT, width)]


def _render_list(items: list[Any], indent: str, width: int) -> list[str]:
    if not items:
        return [f"{indent}(none)"]
    if all(isinstance(item, dict) and all(_is_scalar(v) for v in item.values()) for item in items):
        table = _table(items, indent, width)
        if table is not None:
            return table
    lines: list[str] = []
    for item in items:
        block = _render(item, indent + INDENT, width)
        first = block[0][len(indent) + len(INDENT) :] if block else ""
        lines.append(f"{indent}- {first}")
        lines.extend(block[1:])
    return lines


def _table(rows: list[dict[str, Any]], indent: str, width: int) -> list[str] | None:
    """Rows as aligned columns, or None when they would not fit the terminal."""
    keys: list[str] = []
    for row in rows:
        keys.extend(key for key in row if key not in keys)
    keys = [key for key in keys if any(row.get(key) is not None for row in rows)]  # all-null columns say nothing
    if not keys:
        return None
    cells = [[_cell(row.get(key)) for key in keys] for row in rows]
    widths = [max(len(key), *(len(line[i]) for line in cells)) for i, key in enumerate(keys)]
    if len(indent) + sum(widths) + 2 * (len(widths) - 1) > width:
        return None
    numeric = [all(_is_number(row.get(key)) for row in rows) for key in keys]

    def line(values: list[str], align_numbers: bool) -> str:
        parts = [
            value.rjust(w) if align_numbers and is_num else value.ljust(w)
            for value, w, is_num in zip(values, widths, numeric, strict=True)
        ]
        return (indent + "  ".join(parts)).rstrip()

    return [line(keys, False), *(line(row, True) for row in cells)]


def _cell(value: Any) -> str:
    text = " ".join(scalar(value).split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))
