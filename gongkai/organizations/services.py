"""Rules that change the organization tree. Pages, imports, the demo loader and the seed
command all go through these functions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

from gongkai.organizations import tree
from gongkai.organizations.models import Organization

MOVE_INTO_OWN_SUBTREE = _("An organization cannot be moved below itself or its own subordinates.")
TREE_TOO_DEEP = _("The organization tree cannot be deeper than %(levels)d levels.")

_PATH_RETRIES = 5


def create_organization(*, parent: Organization | None, **fields: Any) -> Organization:
    """Create an organization under `parent` (None for a root), giving it the next path."""
    parent_path = parent.path if parent else ""
    if len(parent_path) + tree.SEGMENT > tree.PATH_MAX_LENGTH:
        raise ValidationError(
            TREE_TOO_DEEP, params={"levels": tree.PATH_MAX_LENGTH // tree.SEGMENT}
        )
    for attempt in range(_PATH_RETRIES):
        org = Organization(parent=parent, **fields)
        org.path = Organization.next_child_path(parent_path)
        org.depth = tree.depth_of(org.path)
        try:
            # A savepoint so a lost race on the path leaves an outer transaction usable.
            with transaction.atomic():
                org.save()
        except IntegrityError:
            if attempt == _PATH_RETRIES - 1 or Organization.objects.filter(code=org.code).exists():
                raise
            continue
        return org
    raise AssertionError("unreachable")


@transaction.atomic
def move_organization(org: Organization, *, new_parent: Organization | None) -> Organization:
    """Re-hang `org` and its whole subtree below `new_parent`, in one UPDATE.

    The new prefix is a fresh, unused child slot of the new parent, so no rewritten path can
    collide with an existing one while the statement runs.
    """
    org.refresh_from_db()
    if new_parent is not None:
        new_parent.refresh_from_db()
        if new_parent.is_within(org):
            raise ValidationError(MOVE_INTO_OWN_SUBTREE)
    if (new_parent.pk if new_parent else None) == org.parent_id:
        return org
    old_path = org.path
    new_path = Organization.next_child_path(new_parent.path if new_parent else "")
    depth_shift = tree.depth_of(new_path) - org.depth
    low, high = tree.subtree_bounds(old_path)
    deepest = (
        Organization.objects.filter(path__gte=low, path__lt=high)
        .order_by("-depth")
        .values_list("depth", flat=True)
        .first()
    )
    if deepest is not None and (deepest + depth_shift) * tree.SEGMENT > tree.PATH_MAX_LENGTH:
        raise ValidationError(
            TREE_TOO_DEEP, params={"levels": tree.PATH_MAX_LENGTH // tree.SEGMENT}
        )
    Organization.objects.filter(path__gte=low, path__lt=high).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_shift,
    )
    Organization.objects.filter(pk=org.pk).update(parent=new_parent)
    org.refresh_from_db()
    # Obligations copy their organization's path, and their counts are rolled up along it.
    from gongkai.compliance import rollups

    rollups.follow_move(org, old_path, new_path)
    return org
