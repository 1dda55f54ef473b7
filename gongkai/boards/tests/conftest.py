"""The boards' tests reuse the portal's fixtures: the shared tree and people, the village's
catalog (a public item 监督电话, a party item 党费缴纳情况, an institution item) and
`shown`, a disclosure put straight into a state with a published revision."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from gongkai.compliance.tests.conftest import catalogs  # noqa: F401  (a fixture, by name)
from gongkai.portal.tests.conftest import draft, shown, village_catalog  # noqa: F401


def pdf_text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def page_sizes_mm(pdf: bytes) -> list[tuple[int, int]]:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return [
        (round(float(p.mediabox.width) * 25.4 / 72), round(float(p.mediabox.height) * 25.4 / 72))
        for p in reader.pages
    ]


def qr_codes(pdf: bytes, tmp_path: Path, dpi: int = 150) -> list[str]:
    """Every QR code on every page: rasterized by pdftoppm, decoded by zbarimg (Debian's
    poppler-utils and zbar-tools)."""
    assert shutil.which("pdftoppm") and shutil.which("zbarimg"), "poppler-utils, zbar-tools"
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "board.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(source), str(tmp_path / "page")], check=True
    )
    found: list[str] = []
    for image in sorted(tmp_path.glob("page*.png")):
        result = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
            capture_output=True,
            text=True,
            check=False,
        )
        found += [line for line in result.stdout.splitlines() if line]
    return found
