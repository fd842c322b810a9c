"""The error every importer raises on input it cannot read, naming where the problem is."""

from __future__ import annotations

from pathlib import Path


class ImportFormatError(ValueError):
    """Malformed input: names the file, the row or record, and the column or field.

    Raised before anything is written, so a failed import leaves the store untouched.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path,
        record: str | None = None,
        field: str | None = None,
    ) -> None:
        self.file = str(file)
        self.record = record
        self.field = field
        self.reason = message
        where = [self.file]
        if record:
            where.append(record)
        if field:
            label = "column" if record and record.startswith("row") else "field"
            where.append(f"{label} {field!r}")
        super().__init__(f"{', '.join(where)}: {message}")
