"""What other apps ask of the boards (see the package's docstring)."""

from gongkai.boards.services import postings_for
from gongkai.boards.spec import BoardColumn, columns_for

__all__ = ["BoardColumn", "columns_for", "postings_for"]
