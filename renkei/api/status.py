"""The error answers an operation documents, all in the one shape of renkei.api.errors."""

from __future__ import annotations

from typing import Any

from renkei.api.schemas import ErrorOut


def errors(*codes: int) -> dict[int, Any]:
    """``{code: ErrorOut}`` for each status an operation can answer with besides success."""
    return dict.fromkeys(codes, ErrorOut)
