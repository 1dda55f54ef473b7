"""The moves of an information request: one function each, a required actor, one transaction,
a `RequestStep` row written inside it, notifications sent on commit. Pages, the API, the
demo and the reminders call these and nothing else.

Allowed moves by state (the one table):

    handling      → supplement (notice), third_party (ask), extend, decide / propose
    supplement    → handling (completed request received), decide
    third_party   → handling (answer received), extend, decide / propose
    confirmation  → answered (superior confirms), handling (superior returns)
    answered      → (record an appeal)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai import permissions, validation
from gongkai.disclosures import clock as moment
from gongkai.disclosures import scanning, visibility
from gongkai.guard import text as guard_text
from gongkai.guard import tracking
from gongkai.inforequests import clock, notices
from gongkai.inforequests.models import (
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    EMAIL_MAX,
    ID_NUMBER_MAX,
    LEGAL_BASIS_MAX,
    NAME_MAX,
    NEEDS_CONFIRMATION,
    PHONE_MAX,
    PURPOSE_MAX,
    TEXT_MAX,
    THIRD_PARTY_MAX,
    Appeal,
    AppealResult,
    Channel,
    InformationRequest,
    Outcome,
    PreferredForm,
    RefusalReason,
    RequestStep,
    State,
    policy_for,
)
from gongkai.organizations.models import Organization
from gongkai.search import index as search_index
from gongkai.workdays import services as workdays

Kind = RequestStep.Kind

NOT_HANDLING_STAFF = _("Only the organization's handling staff may do this.")
NOT_SUPERIOR = _("Only the superior organization's leading group confirms a refusal.")
NOT_NOW = _("This cannot be done while the request is “%(state)s”.")
NAME_REQUIRED = _("Please give the applicant's name.")
DESCRIPTION_REQUIRED = _("Please describe the information you ask for.")
CONTACT_REQUIRED = _("Please give at least one way to reach you: phone, address or e-mail.")
SUPPLEMENT_ONCE = _("The applicant may be asked to complete the request only once.")
SUPPLEMENT_TOO_LATE = _(
    "The notice to complete the request had to be sent by %(date)s (%(days)d working days "
    "after receipt)."
)
EXTEND_ONCE = _("The deadline may be extended only once.")
EXTEND_TOO_LONG = _("An extension is 1 to %(max)d working days.")
REASON_REQUIRED = _("Please give the reason.")
THIRD_PARTY_REQUIRED = _("Please name the third party consulted.")
DATE_BEFORE_RECEIPT = _("The date cannot be before the request was received (%(date)s).")
DATE_IN_FUTURE = _("The date cannot be in the future.")
OUTCOME_REQUIRED = _("Please choose the answer.")
REFUSAL_NEEDS_REASON = _(
    "Not disclosing (all or part) needs the reason's category and the legal basis."
)
REFERRAL_NEEDS_ORGANIZATION = _("Please choose the organization the applicant is referred to.")
DISCLOSED_NEEDS_REPLY = _(
    "Please link the disclosure or write the reply that gives the information."
)
APPEAL_ONLY_AFTER = _("An appeal is recorded once the request is answered.")

ALLOWED: dict[str, tuple[str, ...]] = {
    Kind.SUPPLEMENT_REQUESTED: (State.HANDLING,),
    Kind.SUPPLEMENT_RECEIVED: (State.SUPPLEMENT,),
    Kind.THIRD_PARTY_ASKED: (State.HANDLING,),
    Kind.THIRD_PARTY_ANSWERED: (State.THIRD_PARTY,),
    Kind.EXTENDED: (State.HANDLING, State.THIRD_PARTY),
    Kind.DECIDED: (State.HANDLING, State.SUPPLEMENT, State.THIRD_PARTY),
    Kind.CONFIRMED: (State.CONFIRMATION,),
    Kind.RETURNED: (State.CONFIRMATION,),
    Kind.APPEALED: (State.ANSWERED,),
}


def today() -> dt.date:
    return timezone.localdate(moment.now())


def _text(value: Any, limit: int, label: Any) -> str:
    """Plain text, HTML stripped (gongkai.guard.text.plain), the refusal naming the field."""
    return guard_text.plain(value, max_length=limit, label=label)


def _date(value: dt.date | None, request: InformationRequest) -> dt.date:
    day = validation.check_date(value) or today()
    if day < request.received_on:
        raise ValidationError(DATE_BEFORE_RECEIPT % {"date": _day(request.received_on)})
    if day > today():
        raise ValidationError(DATE_IN_FUTURE)
    return day


def _day(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _allowed(request: InformationRequest, kind: str) -> None:
    if request.state not in ALLOWED[kind]:
        raise ValidationError(NOT_NOW % {"state": request.get_state_display()})


def _staff(actor: Any, request: InformationRequest) -> None:
    if not permissions.can_handle_requests(actor, request.organization):
        raise PermissionDenied(NOT_HANDLING_STAFF)


# --- the clock, read ---------------------------------------------------------------------------


def clock_of(request: InformationRequest, policy: clock.Policy | None = None) -> clock.Clock:
    # Sorted here, not by the database, so a prefetched list serves as well.
    steps = [s.as_clock_step() for s in sorted(request.steps.all(), key=lambda s: (s.on, s.pk))]
    return clock.compute(
        request.received_on,
        steps,
        workdays.current_calendar(),
        policy or policy_for(request.organization),
    )


@dataclass(frozen=True)
class Status:
    clock: clock.Clock
    remaining: int | None
    overdue: bool


def status(
    request: InformationRequest, on: dt.date | None = None, policy: clock.Policy | None = None
) -> Status:
    c = clock_of(request, policy)
    on = on or today()
    if not request.is_open:
        late = bool(c.due_on and request.decided_on and request.decided_on > c.due_on)
        return Status(c, None, late)
    return Status(c, clock.remaining(c, on, workdays.current_calendar()), clock.is_overdue(c, on))


def _refresh(request: InformationRequest) -> clock.Clock:
    c = clock_of(request)
    if c.missing_years:
        workdays.record_missing_years(c.missing_years)
    request.due_on = c.due_on
    return c


def _step(request: InformationRequest, kind: str, on: dt.date, actor: Any, **extra: Any) -> Any:
    return RequestStep.objects.create(request=request, kind=kind, on=on, actor=actor, **extra)


# --- receiving ---------------------------------------------------------------------------------


@dataclass
class Application:
    """What an applicant sends (every field as typed; `receive` checks them)."""

    name: str
    description: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    email: str = ""
    purpose: str = ""
    preferred_form: str = ""

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Application:
        """From a form's cleaned data (fields named like these)."""
        return cls(**{f: data.get(f) or "" for f in cls.__dataclass_fields__})


def check_application(app: Application) -> dict[str, str]:
    """The application's fields, checked and stripped; ValidationError with a dict of
    field → Chinese message otherwise (everything the person typed stays with the caller)."""
    limits = {
        "name": (NAME_MAX, _("Name")),
        "id_number": (ID_NUMBER_MAX, _("ID number")),
        "phone": (PHONE_MAX, _("Phone")),
        "address": (ADDRESS_MAX, _("Postal address")),
        "email": (EMAIL_MAX, _("E-mail")),
        "description": (DESCRIPTION_MAX, _("Information requested")),
        "purpose": (PURPOSE_MAX, _("Purpose")),
        "preferred_form": (16, _("Preferred form")),
    }
    errors: dict[str, list[Any]] = {}
    clean: dict[str, str] = {}
    for field, (limit, label) in limits.items():
        try:
            clean[field] = _text(getattr(app, field), limit, label)
        except ValidationError as exc:
            errors[field] = exc.messages
    if not errors.get("name") and not clean.get("name"):
        errors["name"] = [str(NAME_REQUIRED)]
    if not errors.get("description") and not clean.get("description"):
        errors["description"] = [str(DESCRIPTION_REQUIRED)]
    if not errors and not (clean["phone"] or clean["address"] or clean["email"]):
        errors["phone"] = [str(CONTACT_REQUIRED)]
    if clean.get("preferred_form") and clean["preferred_form"] not in PreferredForm.values:
        errors["preferred_form"] = [str(_("Please choose one of the forms offered."))]
    if clean.get("email") and not errors.get("email"):
        from_validator = _email_problem(clean["email"])
        if from_validator:
            errors["email"] = [from_validator]
    if errors:
        raise ValidationError(errors)
    return clean


def _email_problem(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        return str(_("Please give a valid e-mail address."))
    return ""


def receive(
    org: Organization,
    application: Application,
    *,
    channel: str = Channel.ONLINE,
    account: Any = None,
    received_on: dt.date | None = None,
    actor: Any = None,
) -> InformationRequest:
    """Record a request (from the public form, the API, or staff entering a letter) and tell
    the handling staff. Anyone may ask; `received_on` other than today only from staff."""
    clean = check_application(application)
    if received_on is not None and received_on != today():
        _staff_org(actor, org)
        received_on = validation.check_date(received_on)
        if received_on and received_on > today():
            raise ValidationError(DATE_IN_FUTURE)
    on = received_on or today()
    with transaction.atomic():
        request = InformationRequest.objects.create(
            organization=org,
            tracking_code=tracking.new_code(),
            channel=channel,
            received_on=on,
            applicant_name=clean["name"],
            applicant_id_number=clean["id_number"],
            applicant_phone=clean["phone"],
            applicant_address=clean["address"],
            applicant_email=clean["email"],
            applicant_account=account if getattr(account, "is_authenticated", False) else None,
            description=clean["description"],
            purpose=clean["purpose"],
            preferred_form=clean["preferred_form"],
        )
        _step(
            request, Kind.RECEIVED, on, actor if getattr(actor, "is_authenticated", False) else None
        )
        _refresh(request)
        request.save(update_fields=["due_on"])
        transaction.on_commit(lambda: notices.received(request))
    return request


def _staff_org(actor: Any, org: Organization) -> None:
    if not permissions.can_handle_requests(actor, org):
        raise PermissionDenied(NOT_HANDLING_STAFF)


# --- the steps -----------------------------------------------------------------------------------


def _move(
    request: InformationRequest,
    *,
    kind: str,
    actor: Any,
    on: dt.date | None,
    new_state: str | None,
    **extra: Any,
) -> InformationRequest:
    """Lock the row, check the state, write the step, recompute the clock, save."""
    with transaction.atomic():
        locked = (
            InformationRequest.objects.select_for_update(of=("self",))
            .select_related("organization", "organization__parent")
            .get(pk=request.pk)
        )
        _allowed(locked, kind)
        day = _date(on, locked)
        _step(locked, kind, day, actor, **extra)
        if new_state is not None:
            locked.state = new_state
        _refresh(locked)
        locked.save()
    return locked


def request_supplement(
    request: InformationRequest, *, actor: Any, reason: str, on: dt.date | None = None
) -> InformationRequest:
    """The one-time notice to complete the request (补正告知): the clock stops."""
    _staff(actor, request)
    reason = _text(reason, TEXT_MAX, _("What is to be completed"))
    if not reason:
        raise ValidationError(REASON_REQUIRED)
    if request.steps.filter(kind=Kind.SUPPLEMENT_REQUESTED).exists():
        raise ValidationError(SUPPLEMENT_ONCE)
    c = clock_of(request)
    day = _date(on, request)
    if day > c.supplement_notice_by:
        policy = policy_for(request.organization)
        raise ValidationError(
            SUPPLEMENT_TOO_LATE
            % {"date": _day(c.supplement_notice_by), "days": policy.supplement_notice_days}
        )
    done = _move(
        request,
        kind=Kind.SUPPLEMENT_REQUESTED,
        actor=actor,
        on=day,
        new_state=State.SUPPLEMENT,
        reason=reason,
    )
    transaction.on_commit(lambda: notices.to_applicant(done, "supplement"))
    return done


def receive_supplement(
    request: InformationRequest, *, actor: Any, note: str = "", on: dt.date | None = None
) -> InformationRequest:
    """The completed request arrived: counting restarts from that day."""
    _staff(actor, request)
    note = _text(note, TEXT_MAX, _("Note"))
    return _move(
        request,
        kind=Kind.SUPPLEMENT_RECEIVED,
        actor=actor,
        on=on,
        new_state=State.HANDLING,
        reason=note,
    )


def ask_third_party(
    request: InformationRequest,
    *,
    actor: Any,
    third_party: str,
    reason: str,
    on: dt.date | None = None,
) -> InformationRequest:
    _staff(actor, request)
    third_party = _text(third_party, THIRD_PARTY_MAX, _("Third party"))
    reason = _text(reason, TEXT_MAX, _("Reason"))
    if not third_party:
        raise ValidationError(THIRD_PARTY_REQUIRED)
    if not reason:
        raise ValidationError(REASON_REQUIRED)
    return _move(
        request,
        kind=Kind.THIRD_PARTY_ASKED,
        actor=actor,
        on=on,
        new_state=State.THIRD_PARTY,
        third_party=third_party,
        reason=reason,
    )


def third_party_answered(
    request: InformationRequest, *, actor: Any, note: str = "", on: dt.date | None = None
) -> InformationRequest:
    _staff(actor, request)
    note = _text(note, TEXT_MAX, _("Note"))
    return _move(
        request,
        kind=Kind.THIRD_PARTY_ANSWERED,
        actor=actor,
        on=on,
        new_state=State.HANDLING,
        reason=note,
    )


def extend(
    request: InformationRequest, *, actor: Any, days: int, reason: str, on: dt.date | None = None
) -> InformationRequest:
    """The one extension, with its reason (延期告知)."""
    _staff(actor, request)
    policy = policy_for(request.organization)
    reason = _text(reason, TEXT_MAX, _("Reason"))
    if not reason:
        raise ValidationError(REASON_REQUIRED)
    if (
        isinstance(days, bool)
        or not isinstance(days, int)
        or not (1 <= days <= policy.max_extension_days)
    ):
        raise ValidationError(EXTEND_TOO_LONG % {"max": policy.max_extension_days})
    if request.steps.filter(kind=Kind.EXTENDED).exists():
        raise ValidationError(EXTEND_ONCE)
    done = _move(
        request, kind=Kind.EXTENDED, actor=actor, on=on, new_state=None, reason=reason, days=days
    )
    transaction.on_commit(lambda: notices.to_applicant(done, "extension"))
    return done


@dataclass
class Decision:
    outcome: str
    reply_text: str = ""
    refusal_reason: str = ""
    legal_basis: str = ""
    disclosure: Any = None
    referred_to: Organization | None = None


def check_decision(decision: Decision) -> Decision:
    if decision.outcome not in Outcome.values:
        raise ValidationError(OUTCOME_REQUIRED)
    reply = _text(decision.reply_text, TEXT_MAX, _("Reply"))
    basis = _text(decision.legal_basis, LEGAL_BASIS_MAX, _("Legal basis"))
    reason = decision.refusal_reason or ""
    if decision.outcome in NEEDS_CONFIRMATION:
        if reason not in RefusalReason.values or not basis:
            raise ValidationError(REFUSAL_NEEDS_REASON)
    else:
        reason = ""
    if decision.outcome == Outcome.REFERRED and decision.referred_to is None:
        raise ValidationError(REFERRAL_NEEDS_ORGANIZATION)
    if decision.outcome in (Outcome.DISCLOSED, Outcome.PARTLY) and not (
        reply or decision.disclosure is not None
    ):
        raise ValidationError(DISCLOSED_NEEDS_REPLY)
    return Decision(
        outcome=decision.outcome,
        reply_text=reply,
        refusal_reason=reason,
        legal_basis=basis,
        disclosure=decision.disclosure,
        referred_to=decision.referred_to if decision.outcome == Outcome.REFERRED else None,
    )


def decide(
    request: InformationRequest, *, actor: Any, decision: Decision, on: dt.date | None = None
) -> InformationRequest:
    """Answer the request. A refusal, whole or partial, goes to the superior's leading group
    first (state confirmation); every other answer is final at once."""
    _staff(actor, request)
    d = check_decision(decision)
    needs = d.outcome in NEEDS_CONFIRMATION
    with transaction.atomic():
        locked = InformationRequest.objects.select_for_update().get(pk=request.pk)
        _allowed(locked, Kind.DECIDED)
        day = _date(on, locked)
        locked.outcome = d.outcome
        locked.reply_text = d.reply_text
        locked.refusal_reason = d.refusal_reason
        locked.legal_basis = d.legal_basis
        locked.disclosure = d.disclosure
        locked.referred_to = d.referred_to
        if needs:
            _step(locked, Kind.PROPOSED, day, actor, reason=d.reply_text)
            locked.state = State.CONFIRMATION
        else:
            _step(locked, Kind.DECIDED, day, actor, reason=d.reply_text)
            locked.state = State.ANSWERED
            locked.decided_on = day
        locked.save()
        search_index.update_request(locked)
    done = InformationRequest.objects.select_related("organization", "organization__parent").get(
        pk=locked.pk
    )
    if needs:
        transaction.on_commit(lambda: notices.to_superior(done))
    else:
        transaction.on_commit(lambda: notices.to_applicant(done, "decision"))
    return done


def confirm(
    request: InformationRequest, *, actor: Any, note: str = "", on: dt.date | None = None
) -> InformationRequest:
    """The superior's leading group confirms the refusal: the answer is final that day."""
    if not permissions.can_confirm_request_refusal(actor, request.organization):
        raise PermissionDenied(NOT_SUPERIOR)
    note = _text(note, TEXT_MAX, _("Note"))
    with transaction.atomic():
        locked = InformationRequest.objects.select_for_update().get(pk=request.pk)
        _allowed(locked, Kind.CONFIRMED)
        day = _date(on, locked)
        _step(locked, Kind.CONFIRMED, day, actor, reason=note)
        _step(locked, Kind.DECIDED, day, actor, reason=locked.reply_text)
        locked.state = State.ANSWERED
        locked.decided_on = day
        locked.confirmed_by = actor
        locked.save()
        search_index.update_request(locked)
    done = InformationRequest.objects.select_related("organization", "organization__parent").get(
        pk=locked.pk
    )
    transaction.on_commit(lambda: notices.to_applicant(done, "decision"))
    transaction.on_commit(lambda: notices.to_staff(done, "confirmed"))
    return done


def return_refusal(
    request: InformationRequest, *, actor: Any, reason: str, on: dt.date | None = None
) -> InformationRequest:
    """The superior does not confirm: back to the handling staff with the reason."""
    if not permissions.can_confirm_request_refusal(actor, request.organization):
        raise PermissionDenied(NOT_SUPERIOR)
    reason = _text(reason, TEXT_MAX, _("Reason"))
    if not reason:
        raise ValidationError(REASON_REQUIRED)
    done = _move(
        request, kind=Kind.RETURNED, actor=actor, on=on, new_state=State.HANDLING, reason=reason
    )
    InformationRequest.objects.filter(pk=done.pk).update(outcome="", refusal_reason="")
    done.refresh_from_db()
    transaction.on_commit(lambda: notices.to_staff(done, "returned"))
    return done


def record_appeal(
    request: InformationRequest, *, actor: Any, appeal: str, result: str, note: str = ""
) -> InformationRequest:
    """An administrative review or litigation about the answer, and its result so far."""
    _staff(actor, request)
    if appeal not in (Appeal.REVIEW, Appeal.LITIGATION) or result not in AppealResult.values:
        raise ValidationError(_("Please choose the kind of appeal and its result."))
    note = _text(note, TEXT_MAX, _("Note"))
    done = _move(request, kind=Kind.APPEALED, actor=actor, on=None, new_state=None, reason=note)
    InformationRequest.objects.filter(pk=done.pk).update(appeal=appeal, appeal_result=result)
    done.refresh_from_db()
    return done


# --- what the public may read ------------------------------------------------------------------


def tracking_display(request: InformationRequest) -> str:
    return tracking.display(request.tracking_code)


def find_by_code(text: str) -> InformationRequest | None:
    code = tracking.normalize(text or "")
    if code is None:
        return None
    return (
        InformationRequest.objects.select_related("organization", "referred_to", "disclosure")
        .filter(tracking_code=code)
        .first()
    )


#: What stands in a public text where the applicant's own details were typed.
APPLICANT_MASK = "***"


def _public_text(request: InformationRequest, text: str) -> str:
    """A text typed by the applicant or the staff, as the public may read it: personal
    numbers masked by the scanner, and the applicant's own details (which a reply may
    quote, e.g. a greeting with the name) blanked wherever they appear."""
    own = [
        request.applicant_name,
        request.applicant_id_number,
        request.applicant_phone,
        request.applicant_address,
        request.applicant_email,
    ]
    for detail in sorted((d for d in own if len(d) >= 2), key=len, reverse=True):
        text = text.replace(detail, APPLICANT_MASK)
    return scanning.mask(text)


def public_view(request: InformationRequest, on: dt.date | None = None) -> dict[str, Any]:
    """What the tracking page and the public API show: never the applicant, never a third
    party; typed texts through `_public_text`."""
    st = status(request, on)
    c = st.clock
    answered = request.state == State.ANSWERED
    return {
        "tracking_code": tracking.display(request.tracking_code),
        "organization": request.organization.name,
        "organization_code": request.organization.code,
        "received_on": request.received_on,
        "state": request.state,
        "state_label": str(request.get_state_display()),
        "due_on": c.due_on,
        "due_provisional": c.provisional,
        "stopped": c.stopped,
        "extension_days": c.extension_days,
        "overdue": st.overdue,
        "description": _public_text(request, request.description),
        "outcome": request.outcome if request.state == State.ANSWERED else "",
        "outcome_label": str(request.get_outcome_display())
        if request.state == State.ANSWERED
        else "",
        "refusal_reason_label": str(request.get_refusal_reason_display())
        if request.state == State.ANSWERED and request.refusal_reason
        else "",
        "legal_basis": _public_text(request, request.legal_basis) if answered else "",
        "reply": _public_text(request, request.reply_text) if answered else "",
        "referred_to": request.referred_to.name
        if request.state == State.ANSWERED and request.referred_to
        else "",
        # Linked only where the public may read it (the one visibility rule).
        "disclosure_id": request.disclosure_id
        if request.state == State.ANSWERED
        and request.disclosure is not None
        and visibility.can_see(AnonymousUser(), request.disclosure)
        else None,
        "decided_on": request.decided_on,
    }
