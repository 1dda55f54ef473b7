"""Scenario 9, the supervisors' round: the town appoints two supervisors (刘正清, 何明镜) as
its supervision group for the two pilot villages; in the quarter's round they find that
东岭村's board still shows last year's party dues; the branch's clerk replaces the table and
records a photo of the corrected board; the second supervisor confirms it and the result is
published on the village's page (监督检查结果). Played through the real functions on the
workflow's clock, three weeks back from today. Idempotent: nothing is made twice."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from gongkai.accounts.models import User
from gongkai.compliance import obligations
from gongkai.devtools.demo.disclosures import BEIJING
from gongkai.disclosures.clock import clock
from gongkai.organizations.models import Organization
from gongkai.supervision import workflow
from gongkai.supervision.models import Inspection, SupervisionGroup

GROUP_NAME = "青石镇党务公开监督小组"
FINDING = (
    "东岭村村务公开栏“党费收缴情况”栏目仍张贴%(last)d年的党费收缴表，"
    "%(this)d年上半年的收缴情况已在网站公布，但公开栏未同步更新。"
)
RECTIFICATION = (
    "已撤下%(last)d年的党费收缴表，换贴%(this)d年上半年党费收缴情况（与网站一致），"
    "并明确由党务干事每半年公布后三个工作日内同步更新公开栏。附更新后的公开栏照片。"
)


def board_photo(*, current: bool) -> SimpleUploadedFile:
    """A small picture of a board: a red header and rows of a table; the corrected one has a
    green mark in the corner."""
    image = Image.new("RGB", (240, 160), (235, 235, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 239, 28), fill=(180, 20, 20))
    for row in range(5):
        top = 40 + row * 22
        draw.rectangle((16, top, 223, top + 14), outline=(60, 60, 60))
    if current:
        draw.ellipse((200, 120, 232, 152), fill=(30, 150, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    name = "公开栏更新后.png" if current else "公开栏现状.png"
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _quarter(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=BEIJING)


def load_demo_supervision(town: Organization, branches: list[Organization]) -> None:
    if SupervisionGroup.objects.filter(organization=town, name=GROUP_NAME).exists():
        return
    first, second = (
        User.objects.get(username="supervisor"),
        User.objects.get(username="supervisor2"),
    )
    clerk = User.objects.get(username="clerk")
    pilots = [b for b in branches if b.is_pilot]
    group = SupervisionGroup.objects.create(organization=town, name=GROUP_NAME)
    group.members.set([first, second])
    group.organizations.set(pilots)
    today = obligations.today()
    filed_on = today - dt.timedelta(days=21)
    inspection = Inspection.objects.create(
        group=group,
        quarter=_quarter(filed_on),
        started_on=filed_on,
        note="每季度对联系点村公开内容、形式、时间和反馈情况开展检查",
    )
    village = next(b for b in pilots if b.code == "QS-01")
    years = {"last": filed_on.year - 1, "this": filed_on.year}
    with clock(_at(filed_on, 10)):
        finding = workflow.file_finding(
            village,
            actor=first,
            category="content",
            description=FINDING % years,
            deadline_days=10,
            inspection=inspection,
            uploads=[board_photo(current=False)],
        )
    with clock(_at(filed_on + dt.timedelta(days=4), 16)):
        workflow.rectify(
            finding, actor=clerk, text=RECTIFICATION % years, uploads=[board_photo(current=True)]
        )
    with clock(_at(filed_on + dt.timedelta(days=7), 9)):
        workflow.confirm(finding, actor=second, note="已到现场查看，公开栏内容与网站一致。")
        workflow.publish(finding, actor=first, scope="public")
