"""Aligned text tables: every lab prints its numbers this way, so results line up by eye."""


def _number(value: float, digits: int) -> str:
    """Fixed point, or scientific where fixed point would be too long or show only zeros."""
    if abs(value) >= 1e5 or 0 < abs(value) < 10.0**-digits:
        return f"{value:.{max(digits - 2, 1)}e}"
    return f"{value:.{digits}f}"


def format_table(rows: dict, columns: list[str], *, digits: int = 4, label: str = "") -> str:
    """One line per row: the row name, then its values under the column names.

    rows: {name: sequence of numbers (or None for an empty cell)}.
    """
    width = max(len(label), *(len(name) for name in rows))
    col = max(digits + 6, *(len(c) for c in columns))
    lines = [f"{label:<{width}}" + "".join(f"{c:>{col + 2}}" for c in columns)]
    for name, values in rows.items():
        if len(values) > len(columns):
            raise ValueError(f"row {name!r} has {len(values)} values for {len(columns)} columns")
        cells = "".join(
            " " * (col + 2) if v is None else f"{_number(v, digits):>{col + 2}}" for v in values
        )
        lines.append(f"{name:<{width}}{cells}")
    return "\n".join(lines)
