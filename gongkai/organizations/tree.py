"""Materialized paths for the organization tree.

Every organization stores `path`: its ancestors' segments followed by its own, each segment
four base-36 characters, e.g. "0001" (a county), "00010003" (its third town), "000100030012".
Because segments have a fixed width and the column compares bytes (collation "C" on
PostgreSQL, SQLite's default BINARY), two facts make the tree cheap at millions of rows:

* a subtree is the contiguous key range  P <= path < P + "~"  ("~" sorts after every
  segment character), so "this node and everything below" is one B-tree range scan on the
  unique path index — no LIKE, no recursion;
* the ancestors' paths are the prefixes of P, so "everything above" is one `path IN (...)`
  lookup on the same index.
"""

from __future__ import annotations

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SEGMENT = 4
MAX_CHILDREN = len(ALPHABET) ** SEGMENT
PATH_MAX_LENGTH = 252  # 63 levels
RANGE_END = "~"  # sorts after every ALPHABET character in byte order


class TreePathField(models.CharField):
    """A CharField whose comparisons are by byte, on every database.

    PostgreSQL's default collation (e.g. en_US.UTF-8) is not byte order, which would break
    the range query; the column is therefore created with COLLATE "C" there.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max_length", PATH_MAX_LENGTH)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def db_parameters(self, connection: BaseDatabaseWrapper) -> dict[str, str | None]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


def encode_segment(number: int) -> str:
    if not 0 <= number < MAX_CHILDREN:
        raise ValueError(f"segment number out of range: {number}")
    chars = []
    for _ in range(SEGMENT):
        number, digit = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def decode_segment(segment: str) -> int:
    number = 0
    for char in segment:
        number = number * len(ALPHABET) + ALPHABET.index(char)
    return number


def depth_of(path: str) -> int:
    return len(path) // SEGMENT


def ancestor_paths(path: str, include_self: bool = False) -> list[str]:
    """Paths of every node above `path`, root first."""
    stop = len(path) + (SEGMENT if include_self else 0)
    return [path[:end] for end in range(SEGMENT, stop, SEGMENT)]


def subtree_bounds(path: str) -> tuple[str, str]:
    """The half-open key range [low, high) holding `path` and all its descendants."""
    return path, path + RANGE_END


def is_within(path: str, ancestor_path: str) -> bool:
    """True when `path` is `ancestor_path` or lies below it."""
    return path.startswith(ancestor_path)
