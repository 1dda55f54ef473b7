"""The letters of an information request as Word (python-docx) and PDF (WeasyPrint) files:
答复书 (the answer), 补正告知书 (notice to complete), 延期告知书 (extension notice) and
第三方意见征询单 (third-party consultation).

Each letter is built once as data (`letter_data`: the issuer, the title, the addressee, the
paragraphs with the working-day dates computed from the steps up to the letter's step) and
rendered twice from it, with the report module's Word helpers and Noto CJK fonts. The letters
go to the applicant (or the third party) and carry their name: private documents that only
the handling staff and the filing download (`permissions.can_see_applicant`). Rendered on
request, never stored: the steps are the record, the letter a view of them.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx import Document
from docx.shared import Mm, Pt

from gongkai.guard import tracking
from gongkai.inforequests import clock
from gongkai.inforequests.models import InformationRequest, Outcome, RequestStep, policy_for
from gongkai.reports.documents import (
    EAST_ASIAN_BODY,
    EAST_ASIAN_HEADING,
    RED,
    SEAL,
    _font,
    _no_fetching,
    _paragraph,
    _seal,
)
from gongkai.workdays import services as workdays

Kind = RequestStep.Kind

REPLY = "reply"
SUPPLEMENT = "supplement"
EXTENSION = "extension"
THIRD_PARTY = "third_party"

TITLES = {
    REPLY: gettext_lazy("Reply to an information request"),
    SUPPLEMENT: gettext_lazy("Notice to complete an information request"),
    EXTENSION: gettext_lazy("Notice of extension of the reply period"),
    THIRD_PARTY: gettext_lazy("Request for a third party's opinion"),
}
#: The step a letter belongs to.
STEP_OF = {
    REPLY: (Kind.DECIDED, Kind.PROPOSED),
    SUPPLEMENT: (Kind.SUPPLEMENT_REQUESTED,),
    EXTENSION: (Kind.EXTENDED,),
    THIRD_PARTY: (Kind.THIRD_PARTY_ASKED,),
}
FORMATS = ("pdf", "docx")


def day_text(value: dt.date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "—"


def available(request: InformationRequest) -> list[str]:
    """The letters the request's steps call for, in the order they were sent."""
    kinds = {step.kind for step in request.steps.all()}  # prefetch-friendly
    return [k for k in (SUPPLEMENT, THIRD_PARTY, EXTENSION, REPLY) if kinds & set(STEP_OF[k])]


def _step(request: InformationRequest, kind: str) -> RequestStep | None:
    return request.steps.filter(kind__in=STEP_OF[kind]).order_by("-on", "-pk").first()


def _clock_until(request: InformationRequest, step: RequestStep) -> clock.Clock:
    """The clock as the steps stood when `step` was written (the dates the letter names)."""
    steps = [
        s.as_clock_step()
        for s in request.steps.order_by("on", "pk")
        if (s.on, s.pk) <= (step.on, step.pk)
    ]
    return clock.compute(
        request.received_on, steps, workdays.current_calendar(), policy_for(request.organization)
    )


def letter_data(request: InformationRequest, kind: str) -> dict[str, Any]:
    step = _step(request, kind)
    if step is None:
        raise LookupError(kind)
    c = _clock_until(request, step)
    policy = policy_for(request.organization)
    common = {
        "name": request.applicant_name,
        "code": tracking.display(request.tracking_code),
        "received": day_text(request.received_on),
        "description": request.description,
    }
    addressee = _("%(name)s:") % {"name": request.applicant_name}
    paragraphs: list[str] = []
    dates: list[tuple[str, str]] = [(_("Received on"), day_text(request.received_on))]
    if kind == SUPPLEMENT:
        paragraphs = [
            _(
                "On %(received)s we received your request for information (no. %(code)s), "
                "asking for: %(description)s"
            )
            % common,
            _("Having examined it, we ask you to complete the request as follows: %(reason)s")
            % {"reason": step.reason},
            _(
                "The reply period of %(days)d working days is counted afresh from the day we "
                "receive the completed request. A request not completed within a reasonable "
                "time is taken as withdrawn."
            )
            % {"days": policy.answer_days},
        ]
        dates.append((_("Notice to be sent by"), day_text(c.supplement_notice_by)))
    elif kind == EXTENSION:
        paragraphs = [
            _(
                "On %(received)s we received your request for information (no. %(code)s), "
                "asking for: %(description)s"
            )
            % common,
            _(
                "The reply was due on %(old)s. For the following reason more time is needed: "
                "%(reason)s"
            )
            % {"old": day_text(c.due_before_extension), "reason": step.reason},
            _(
                "With the approval of the person in charge, the reply period is extended by "
                "%(days)d working days; the reply is now due on %(new)s."
            )
            % {"days": step.days, "new": day_text(c.due_on)},
        ]
        dates += [
            (_("Reply due before the extension"), day_text(c.due_before_extension)),
            (_("Reply due after the extension"), day_text(c.due_on)),
        ]
    elif kind == THIRD_PARTY:
        addressee = _("%(name)s:") % {"name": step.third_party}
        paragraphs = [
            _(
                "On %(received)s we received a request for information (no. %(code)s) that "
                "may concern your lawful rights and interests. It asks for: %(description)s"
            )
            % common,
            _("We ask for your opinion because: %(reason)s") % {"reason": step.reason},
            _(
                "Please send us your written opinion by %(by)s (within %(days)d working "
                "days). Without an opinion by then, we decide on disclosure according to the "
                "rules."
            )
            % {"by": day_text(c.third_party_by), "days": policy.third_party_days},
        ]
        dates.append((_("Opinion due by"), day_text(c.third_party_by)))
    else:
        paragraphs = _reply_paragraphs(request, common)
        extension = request.steps.filter(kind=Kind.EXTENDED).first()
        if extension is not None:
            paragraphs.insert(
                1,
                _("The reply period was extended by %(days)d working days.")
                % {"days": extension.days},
            )
        dates.append((_("Reply due"), day_text(c.due_on)))
        if request.decided_on:
            dates.append((_("Answered on"), day_text(request.decided_on)))
        paragraphs.append(
            _(
                "If you disagree with this reply, you may raise it with the superior party "
                "organization, or apply for review or bring proceedings as the law provides."
            )
        )
    issued = request.decided_on if kind == REPLY and request.decided_on else step.on
    return {
        "kind": kind,
        "issuer": request.organization.name,
        "title": str(TITLES[kind]),
        "number": _("No. %(code)s") % common,
        "addressee": addressee,
        "paragraphs": paragraphs,
        "dates": dates,
        "seal": str(SEAL),
        "date_text": day_text(issued),
        "provisional": c.provisional,
        "provisional_note": _(
            "Dates marked provisional: the holidays of a coming year are not yet entered."
        )
        if c.provisional
        else "",
    }


def _reply_paragraphs(request: InformationRequest, common: dict[str, str]) -> list[str]:
    intro = (
        _(
            "On %(received)s we received your request for information (no. %(code)s), asking "
            "for: %(description)s"
        )
        % common
    )
    texts = {
        "reply": request.reply_text,
        "reason": request.get_refusal_reason_display() if request.refusal_reason else "",
        "basis": request.legal_basis,
        "superior": request.organization.parent.name if request.organization.parent else "",
        "org": request.referred_to.name if request.referred_to else "",
    }
    outcome = request.outcome
    if outcome == Outcome.DISCLOSED:
        answer = _("Having examined it, we disclose the information asked for. %(reply)s") % texts
    elif outcome == Outcome.PARTLY:
        answer = (
            _(
                "Having examined it, we disclose part of the information asked for: %(reply)s "
                "The rest is not disclosed, because it is: %(reason)s; legal basis: %(basis)s."
            )
            % texts
        )
    elif outcome == Outcome.NOT_DISCLOSED:
        answer = (
            _(
                "Having examined it, the information asked for is not disclosed, because it is: "
                "%(reason)s; legal basis: %(basis)s. %(reply)s"
            )
            % texts
        )
    elif outcome == Outcome.NOT_HELD:
        answer = _("We do not hold the information asked for. %(reply)s") % texts
    elif outcome == Outcome.NOT_WITHIN_SCOPE:
        answer = (
            _("Your request is not within the scope of party-affairs disclosure. %(reply)s") % texts
        )
    else:
        answer = (
            _(
                "The information asked for is held by %(org)s; please address your request to it. %(reply)s"
            )
            % texts
        )
    paragraphs = [intro, answer.strip()]
    if outcome in (Outcome.PARTLY, Outcome.NOT_DISCLOSED) and texts["superior"]:
        if request.confirmed_by_id:
            paragraphs.append(
                _("The leading group of %(superior)s has confirmed this reply.") % texts
            )
        else:
            paragraphs.append(
                _("Draft: awaiting the confirmation of the leading group of %(superior)s.") % texts
            )
    return paragraphs


# --- rendering -----------------------------------------------------------------------------------


def render(request: InformationRequest, kind: str, fmt: str) -> bytes:
    data = letter_data(request, kind)
    return pdf_document(data) if fmt == "pdf" else docx_document(data)


def download_name(request: InformationRequest, kind: str, fmt: str) -> str:
    return f"{TITLES[kind]}-{request.tracking_code}.{fmt}"


def pdf_document(data: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string("inforequests/documents/letter.html", {"d": data})
    pdf: bytes = HTML(string=html, url_fetcher=_no_fetching).write_pdf()
    return pdf


def docx_document(data: dict[str, Any]) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(26)
    section.top_margin, section.bottom_margin = Mm(30), Mm(25)
    normal = doc.styles["Normal"]
    _font(normal, east_asia=EAST_ASIAN_BODY, size=12)
    normal.paragraph_format.line_spacing = 1.5
    doc.core_properties.title = data["title"]
    doc.core_properties.author = data["issuer"]
    doc.core_properties.language = "zh-CN"
    _paragraph(doc, data["issuer"], size=22, bold=True, color=RED, align="center",
               east_asia=EAST_ASIAN_HEADING)  # fmt: skip
    _paragraph(doc, data["title"], size=18, bold=True, align="center",
               east_asia=EAST_ASIAN_HEADING)  # fmt: skip
    _paragraph(doc, data["number"], size=11, align="center")
    _paragraph(doc, data["addressee"], size=12, bold=True)
    for text in data["paragraphs"]:
        paragraph = _paragraph(doc, text)
        paragraph.paragraph_format.first_line_indent = Pt(24)
    for label, value in data["dates"]:
        _paragraph(doc, f"{label}：{value}", size=11)
    if data["provisional_note"]:
        _paragraph(doc, data["provisional_note"], size=9, color="666666")
    _seal(doc, data["seal"])
    _paragraph(doc, data["issuer"], align="right")
    _paragraph(doc, data["date_text"], align="right")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
