"""Exemptions and deferrals (不予公开, 暂缓公开): the organization asks, the superior's leading
group decides with its own reasons. An approved exemption stands in the item's place for the
period; an approved deferral moves the obligation to its new date (a new obligation in the
same deferral chain, fulfilled by a disclosure naming the original period)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from gongkai import permissions, validation
from gongkai.catalog.models import Scope
from gongkai.compliance import obligations, rollups
from gongkai.compliance.models import (
    OPEN_STATES,
    Exemption,
    Obligation,
    ReasonCategory,
    Source,
    State,
)
from gongkai.disclosures import clock
from gongkai.notifications.models import Notification
from gongkai.notifications.services import notify
from gongkai.organizations.models import Role
from gongkai.workdays import services as workdays

#: A deferral reaches at most this far ahead.
MAX_DEFERRAL = dt.timedelta(days=366)


def can_request(user: Any, obligation: Obligation) -> bool:
    org = obligation.organization
    return permissions.can_draft(user, org) or permissions.holds(
        user, org, {Role.Kind.PRINCIPAL, Role.Kind.OFFICE}
    )


def can_decide(user: Any, obligation: Obligation) -> bool:
    """The superior organization's leading group (its reviewers and principal)."""
    return permissions.can_review_as_superior(user, obligation.organization)


def _required(value: Any, label: str, max_length: int = validation.REASON_MAX) -> str:
    text = validation.check_text(value or "", max_length=max_length, label=label).strip()
    if not text:
        raise ValidationError(_("%(label)s is required.") % {"label": label})
    return text


@transaction.atomic
def request(
    obligation: Obligation,
    *,
    actor: Any,
    kind: str,
    reason_category: str,
    reason: str,
    legal_basis: str,
    likely_harm: str = "",
    defer_until: dt.date | None = None,
) -> Exemption:
    locked = (
        Obligation.objects.select_for_update().select_related("organization").get(pk=obligation.pk)
    )
    if not can_request(actor, locked):
        raise PermissionDenied(_("Only the organization's own staff may ask for this."))
    if kind not in Exemption.Kind.values:
        raise ValidationError(_("Choose whether the item is not to be disclosed or deferred."))
    if reason_category not in ReasonCategory.values:
        raise ValidationError(_("Choose a reason category."))
    if locked.state not in OPEN_STATES:
        raise ValidationError(_("Only an obligation still open can be exempted or deferred."))
    if locked.exemptions.filter(status=Exemption.Status.REQUESTED).exists():
        raise ValidationError(_("A request for this obligation is already waiting for a decision."))
    fields = {
        "reason": _required(reason, str(_("Reason"))),
        "legal_basis": _required(legal_basis, str(_("Legal basis"))),
        "likely_harm": validation.check_text(
            likely_harm or "", max_length=validation.REASON_MAX, label=_("Likely harm")
        ).strip(),
    }
    if kind == Exemption.Kind.DEFER:
        _check_deferral(defer_until, locked)
    else:
        defer_until = None
    exemption = Exemption.objects.create(
        obligation=locked,
        kind=kind,
        reason_category=reason_category,
        defer_until=defer_until,
        requested_by=actor,
        requested_at=clock.now(),
        **fields,
    )
    _tell_deciders(exemption)
    return exemption


def _tell_deciders(exemption: Exemption) -> None:
    """The superior's leading group hears of a request waiting for its decision."""
    obligation = exemption.obligation
    parent = obligation.organization.parent
    if parent is None:
        return
    deciders = Role.objects.filter(
        organization=parent, kind__in=permissions.REVIEW_KINDS, user__is_active=True
    ).select_related("user")
    subject = _("%(org)s asks: %(kind)s for %(item)s (%(period)s)") % {
        "org": obligation.organization.name,
        "kind": exemption.get_kind_display(),
        "item": obligation.name,
        "period": obligation.period_label,
    }
    for user in {role.user for role in deciders}:
        notify(
            user,
            key=f"exemption:{exemption.pk}:requested",
            kind=Notification.Kind.EXEMPTION_REQUESTED,
            subject=subject[:200],
            body=exemption.reason[:2000],
            link=reverse("console:todo"),
            organization=parent,
        )


def _check_deferral(defer_until: dt.date | None, obligation: Obligation) -> None:
    if defer_until is None:
        raise ValidationError(_("Say until when the disclosure is deferred."))
    validation.check_date(defer_until)
    today = obligations.today()
    if defer_until <= max(today, obligation.due_date):
        raise ValidationError(_("A deferral must move the deadline later than it is now."))
    if defer_until - today > MAX_DEFERRAL:
        raise ValidationError(_("A deferral reaches at most one year ahead."))


@transaction.atomic
def decide(
    exemption: Exemption,
    *,
    actor: Any,
    approve: bool,
    reason: str,
    shown_scope: str = Scope.PARTY,
) -> Exemption:
    locked = (
        Exemption.objects.select_for_update()
        .select_related("obligation", "obligation__organization")
        .get(pk=exemption.pk)
    )
    obligation = Obligation.objects.select_for_update().get(pk=locked.obligation_id)
    if not can_decide(actor, obligation):
        raise PermissionDenied(_("Only the superior's leading group decides this."))
    if locked.status != Exemption.Status.REQUESTED:
        raise ValidationError(_("This request has already been decided."))
    if shown_scope not in Scope.values:
        raise ValidationError(_("Choose who sees the notice."))
    locked.decision_reason = _required(reason, str(_("Reasons of the decision")))
    locked.decided_by = actor
    locked.decided_at = clock.now()
    locked.shown_scope = shown_scope
    locked.status = Exemption.Status.APPROVED if approve else Exemption.Status.REFUSED
    if approve and obligation.state not in OPEN_STATES:
        raise ValidationError(_("The obligation is no longer open."))
    locked.save()
    notify(
        locked.requested_by,
        key=f"exemption:{locked.pk}:decided",
        kind=Notification.Kind.EXEMPTION_DECIDED,
        subject=(
            _("Approved: %(kind)s for %(item)s (%(period)s)")
            if approve
            else _("Refused: %(kind)s for %(item)s (%(period)s)")
        )
        % {
            "kind": locked.get_kind_display(),
            "item": obligation.name,
            "period": obligation.period_label,
        },
        body=locked.decision_reason[:2000],
        link=reverse("console:todo"),
        organization=obligation.organization,
    )
    if approve:
        if locked.kind == Exemption.Kind.EXEMPT:
            obligations.set_state(obligation, State.EXEMPTED)
        else:
            obligations.set_state(obligation, State.DEFERRED)
            _recreate(obligation, locked)
    exemption.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


def _recreate(obligation: Obligation, exemption: Exemption) -> Obligation:
    """The deferred obligation again, due on its new date."""
    assert exemption.defer_until is not None
    base = obligation.period_key.partition("~")[0]
    number = Obligation.objects.filter(
        organization_id=obligation.organization_id,
        item_key=obligation.item_key,
        period_key__startswith=f"{base}~",
    ).count()
    due = exemption.defer_until
    now = clock.now()
    moved = Obligation.objects.create(
        organization_id=obligation.organization_id,
        path=obligation.path,
        item_key=obligation.item_key,
        category_key=obligation.category_key,
        name=obligation.name,
        catalog_id=obligation.catalog_id,
        catalog_version=obligation.catalog_version,
        item_id=obligation.item_id,
        rules=obligation.rules,
        source=Source.DEFERRAL,
        period_key=f"{base}~{number + 1}",
        period_start=obligation.period_start,
        period_end=obligation.period_end,
        event_id=obligation.event_id,
        plan_id=obligation.plan_id,
        origin=obligation,
        basis_date=obligation.basis_date,
        due_date=due,
        provisional=not workdays.is_known_year(due.year),
        escalate_after_days=obligation.escalate_after_days,
        state=obligations.open_state(due, obligations.today()),
        state_since=now,
        created_at=now,
    )
    rollups.apply(Counter({(moved.path, moved.due_date, moved.state): 1}))
    return moved
