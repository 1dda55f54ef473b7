"""The town's board (公开栏): 青石镇's leading-group office sets one board for all its
villages (统一规格、样式、栏目、色彩: A1, the classic style, the party red, five columns over
the town catalog's seven categories), and 东岭村's clerk records that the board was posted
last week, with a photo. Idempotent: nothing is made twice."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from gongkai.accounts.models import User
from gongkai.boards import content, services
from gongkai.boards.models import BoardSpec, Posting, Size, Style
from gongkai.catalog.effective import applicable_catalog
from gongkai.organizations.models import Organization

#: Column title -> the town catalog's categories it shows (by name).
COLUMNS = (
    ("民主决策", ("民主决策",)),
    ("思想和组织建设", ("思想建设", "组织建设")),
    ("班子和干部", ("领导班子建设", "干部选拔任用与管理")),
    ("服务党员群众", ("联系服务党员群众",)),
    ("党风廉政建设", ("党风廉政建设",)),
)


def posted_board_photo() -> SimpleUploadedFile:
    """A small picture of a posted board: a red header over five framed columns."""
    image = Image.new("RGB", (320, 200), (240, 238, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 319, 34), fill=(179, 27, 27))
    for column in range(5):
        left = 8 + column * 62
        draw.rectangle((left, 44, left + 56, 190), outline=(138, 20, 20), width=2)
        for row in range(4):
            draw.rectangle((left + 6, 54 + row * 32, left + 50, 72 + row * 32), fill=(90, 90, 90))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("东岭村公开栏张贴.png", buffer.getvalue(), content_type="image/png")


def load_demo_boards(town: Organization, village: Organization, office: User, clerk: User) -> None:
    if not BoardSpec.objects.filter(organization=town).exists():
        applicable = applicable_catalog(town)
        keys = {c.name: c.key for c in applicable.categories} if applicable is not None else {}
        BoardSpec.objects.create(
            organization=town,
            size=Size.A1,
            style=Style.CLASSIC,
            header_color="#B31B1B",
            accent_color="#8A1414",
            title_line="党务公开栏",
            columns=[
                {"title": title, "categories": [keys[n] for n in names if n in keys], "domain": ""}
                for title, names in COLUMNS
            ],
            updated_by=office,
        )
    if Posting.objects.filter(organization=village).exists():
        return
    board = content.build(village, size=Size.A1)
    services.record_posting(
        board,
        posted_on=timezone.localdate() - dt.timedelta(days=5),
        photo=services.check_photo(posted_board_photo()),
        actor=clerk,
        note="村委会门口公开栏，按镇统一规格更新",
    )
