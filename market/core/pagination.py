"""What every paged list shares, GraphQL connections, search and the feeds alike:
the largest page and the cursor codec.

A cursor is the sort-key values of a page's last row, as URL-safe base64 of
compact JSON without padding; it is opaque to clients, and each reader checks
that the values fit its own sort order.
"""

import base64
import binascii
import json
from datetime import date, datetime

MAX_PAGE_SIZE = 100


class MalformedCursor(ValueError):
    """Not something ``encode_cursor`` could have written."""


class CursorMismatch(ValueError):
    """A cursor, but not one of the expected number of values."""


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def encode_cursor(values: list) -> str:
    """Dates and times are written in ISO 8601; the reader parses them back."""
    raw = json.dumps(values, default=_json_default, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list:
    """The ``length`` values of ``cursor``; ``MalformedCursor`` or ``CursorMismatch``
    when it holds something else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise MalformedCursor(cursor) from None
    if not isinstance(values, list) or len(values) != length:
        raise CursorMismatch(cursor)
    return values
