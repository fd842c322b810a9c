"""Formulas across insight series (``A / B * 100``), parsed safely and evaluated per bucket.

A formula is arithmetic over series letters (``A`` is the first series, ``B`` the second…),
numbers, ``+ - * /``, unary minus and parentheses. It is parsed with :mod:`ast` and only
those node kinds are accepted, so nothing is ever evaluated as Python. Division by zero
gives ``None`` (shown as a gap), as does any term that is ``None``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping

MAX_FORMULA_LENGTH = 200

_BINARY = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def series_letter(index: int) -> str:
    """The letter that names series ``index`` (0 → ``A``)."""
    return chr(ord("A") + index)


def parse_formula(text: str, series_count: int) -> ast.expr:
    """The checked syntax tree of ``text``; ValueError naming what is wrong."""
    text = text.strip()
    if not text:
        raise ValueError("formula must not be empty")
    if len(text) > MAX_FORMULA_LENGTH:
        raise ValueError(f"formula must be at most {MAX_FORMULA_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        raise ValueError(f"formula {text!r} is not valid arithmetic") from None
    letters = {series_letter(i) for i in range(series_count)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id not in letters:
                raise ValueError(f"formula uses {node.id!r}, which names no series")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise ValueError("formula numbers must be plain numbers")
        elif isinstance(node, ast.BinOp):
            if not isinstance(node.op, _BINARY):
                raise ValueError("formula may only use + - * /")
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                raise ValueError("formula may only negate")
        elif not isinstance(node, ast.operator | ast.unaryop | ast.Load):
            raise ValueError(f"formula may not contain {type(node).__name__}")
    return tree


def evaluate(tree: ast.expr, values: Mapping[str, float | None]) -> float | None:
    """The value of a parsed formula given each series letter's value."""
    if isinstance(tree, ast.Name):
        return values.get(tree.id)
    if isinstance(tree, ast.Constant) and isinstance(tree.value, int | float):
        return float(tree.value)
    if isinstance(tree, ast.UnaryOp):
        operand = evaluate(tree.operand, values)
        if operand is None:
            return None
        return -operand if isinstance(tree.op, ast.USub) else operand
    if isinstance(tree, ast.BinOp):
        left, right = evaluate(tree.left, values), evaluate(tree.right, values)
        if left is None or right is None:
            return None
        if isinstance(tree.op, ast.Add):
            result = left + right
        elif isinstance(tree.op, ast.Sub):
            result = left - right
        elif isinstance(tree.op, ast.Mult):
            result = left * right
        else:
            if right == 0:
                return None
            result = left / right
        return result if math.isfinite(result) else None
    raise ValueError(f"formula may not contain {type(tree).__name__}")
