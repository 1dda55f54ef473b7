"""A board as a PDF (WeasyPrint, Debian's Noto CJK fonts). The HTML and the stylesheet are
laid out inside the process: nothing is fetched (the codes are inline SVG), and the colours
come from the spec, already checked as #RRGGBB."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from gongkai.boards.content import Board


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> Any:
    # Everything the board needs is inline: nothing a title says is fetched.
    raise ValueError(f"not fetched: {url[:80]}")


def html(board: Board) -> str:
    return render_to_string(
        "boards/print/board.html",
        {"board": board, "printed": timezone.localtime(board.at)},
    )


def stylesheet(board: Board) -> str:
    width, height = board.page_mm
    return render_to_string(
        "boards/print/board.css",
        {
            "board": board,
            "width": width,
            "height": height,
            # Type grows with the paper: A4 is read at arm's length, A1 across a room.
            "scale": {"A4": 1.0, "A3": 1.35, "A1": 2.4}[board.size],
            "qr_mm": board.capacity.qr_mm,
        },
    )


def pdf(board: Board) -> bytes:
    from weasyprint import CSS, HTML

    out: bytes = HTML(string=html(board), url_fetcher=_no_fetching).write_pdf(
        stylesheets=[CSS(string=stylesheet(board), url_fetcher=_no_fetching)]
    )
    return out


def filename(board: Board) -> str:
    suffix = "" if board.variant == "public" else "-inside"
    return f"board-{board.organization.code}-{board.size}{suffix}.pdf"
