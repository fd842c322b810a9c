"""Reading a CSV export as the tools write it: a BOM, CRLF line ends, multi-line quoted cells
and header names repeated once per value (Jira's ``Labels``, ``Sprint``)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from prodloop.delivery.importers.errors import ImportFormatError

T = TypeVar("T")


@dataclass
class CsvRow:
    """One data row, with where it sits in the file for error messages."""

    number: int
    line: int
    cells: list[str]
    table: CsvTable

    @property
    def where(self) -> str:
        """``row N (line L)``: the data row and the file line it starts on."""
        return f"row {self.number} (line {self.line})"

    def get(self, *names: str) -> str:
        """The first non-empty value among the columns called ``names`` ("" when none)."""
        cells, width, columns = self.cells, len(self.cells), self.table.columns
        for name in names:
            for index in columns.get(name, ()):
                if index < width:
                    value = cells[index].strip()
                    if value:
                        return value
        return ""

    def every(self, name: str) -> list[str]:
        """The non-empty values of every column called ``name`` (a repeated header)."""
        return [
            self.cells[i].strip()
            for i in self.table.columns.get(name, ())
            if i < len(self.cells) and self.cells[i].strip()
        ]

    def parsed(self, parse: Callable[[str], T], *names: str) -> T | None:
        """The first non-empty value of ``names`` through ``parse``; errors name the cell."""
        for name in names:
            value = self.get(name)
            if value:
                try:
                    return parse(value)
                except ValueError as exc:
                    raise self.error(f"cannot read {value!r}: {exc}", name) from None
        return None

    def error(self, reason: str, column: str | None = None) -> ImportFormatError:
        """An import error pointing at this row (and ``column``)."""
        return ImportFormatError(reason, file=self.table.path, record=self.where, field=column)


@dataclass
class CsvTable:
    """A CSV export's header (name → every position it occupies) and its file."""

    path: Path
    header: list[str]
    columns: dict[str, list[int]]

    def has(self, name: str) -> bool:
        """True when the export has a column called ``name``."""
        return name in self.columns


def read_csv(path: Path, *, required: Sequence[str]) -> tuple[CsvTable, Iterator[CsvRow]]:
    """Open an export: its header, checked for ``required`` columns, and its rows."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = [name.strip() for name in next(csv.reader(handle))]
    except StopIteration:
        raise ImportFormatError("the file is empty", file=path) from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ImportFormatError(f"not a CSV export: {exc}", file=path) from None
    except OSError as exc:
        raise ImportFormatError(f"cannot open: {exc.strerror}", file=path) from None
    columns: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        columns.setdefault(name, []).append(index)
    table = CsvTable(path, header, columns)
    missing = [name for name in required if name not in columns]
    if missing:
        raise ImportFormatError(
            f"missing column(s) {', '.join(missing)}", file=path, record="header row"
        )
    return table, _rows(table)


def _rows(table: CsvTable) -> Iterator[CsvRow]:
    number, line = 0, 2
    try:
        with table.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            line = reader.line_num + 1
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    number += 1
                    yield CsvRow(number, line, cells, table)
                line = reader.line_num + 1
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ImportFormatError(
            f"unreadable CSV: {exc}", file=table.path, record=f"line {line}"
        ) from None
