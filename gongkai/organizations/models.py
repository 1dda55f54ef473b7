from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Max, Q
from django.utils.translation import gettext_lazy as _

from gongkai.organizations import tree

if TYPE_CHECKING:
    from collections.abc import Iterable

CODE_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    _("A code may contain only letters, digits, dots, hyphens and underscores."),
)


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def roots(self) -> OrganizationQuerySet:
        return self.filter(parent__isnull=True)

    def subtree(self, org: Organization, *, include_self: bool = True) -> OrganizationQuerySet:
        """This node and everything below it: one range scan on the path index."""
        low, high = tree.subtree_bounds(org.path)
        qs = self.filter(path__gte=low, path__lt=high)
        return qs if include_self else qs.exclude(pk=org.pk)

    def ancestors(self, org: Organization, *, include_self: bool = False) -> OrganizationQuerySet:
        """Everything above this node, root first: one IN lookup on the path index."""
        return self.filter(path__in=tree.ancestor_paths(org.path, include_self)).order_by("path")

    def within_any(self, paths: Iterable[str]) -> OrganizationQuerySet:
        """Organizations lying in any of the subtrees rooted at `paths`."""
        condition = Q(pk__in=[])
        for path in set(paths):
            low, high = tree.subtree_bounds(path)
            condition |= Q(path__gte=low, path__lt=high)
        return self.filter(condition)

    def in_tree_order(self) -> OrganizationQuerySet:
        return self.order_by("path")


class Organization(models.Model):
    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Party committee")
        GENERAL_BRANCH = "general_branch", _("General branch")
        BRANCH = "branch", _("Branch")
        PARTY_GROUP = "party_group", _("Party group")

    class Setting(models.TextChoices):
        """Where the organization works: catalogs hold items for village branches only,
        community branches only, and so on (see catalog.applicability)."""

        VILLAGE = "village", _("Village")
        COMMUNITY = "community", _("Community")
        AGENCY = "agency", _("Party or government agency")
        INSTITUTION = "institution", _("Public institution")
        ENTERPRISE = "enterprise", _("Enterprise")
        SCHOOL = "school", _("School")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("superior organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Set by services.create_organization / move_organization only; see tree.py.
    path = tree.TreePathField(_("tree path"), unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False)
    setting = models.CharField(
        _("setting"), max_length=20, choices=Setting.choices, blank=True, default=""
    )
    is_pilot = models.BooleanField(
        _("pilot (contact point)"),
        default=False,
        help_text=_("An organization chosen as an example site for disclosure work."),
    )
    supervision_phone = models.CharField(_("supervision phone"), max_length=40, blank=True)
    opinion_mailbox = models.CharField(
        _("opinion mailbox"),
        max_length=200,
        blank=True,
        help_text=_("An e-mail address, or where the physical opinion box hangs."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    spokesperson = models.CharField(_("spokesperson"), max_length=50, blank=True)
    press_liaison = models.CharField(_("press liaison"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    #: Counts the writes that changed what this organization's disclosures show (each move of
    #: the workflow, a seed): `disclosures.changes.listing_changed`, in the writer's own
    #: transaction. The public listing of its page is stored under this number
    #: (`gongkai.portal.stored`), so a move makes every stored copy stale at its commit.
    listing_version = models.PositiveBigIntegerField(
        _("listing version"), default=0, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "name"], name="org_parent_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_paths(self) -> list[str]:
        return tree.ancestor_paths(self.path)

    def is_within(self, other: Organization) -> bool:
        """True when self is `other` or lies below it."""
        return tree.is_within(self.path, other.path)

    def descendants(self, *, include_self: bool = False) -> OrganizationQuerySet:
        return Organization.objects.subtree(self, include_self=include_self)

    def ancestors(self, *, include_self: bool = False) -> OrganizationQuerySet:
        return Organization.objects.ancestors(self, include_self=include_self)

    @classmethod
    def next_child_path(cls, parent_path: str) -> str:
        """The path for a new child of `parent_path` ("" for a root).

        One index seek: the greatest path in the parent's range ends inside its last child
        (or is the parent itself), so its first len(parent)+SEGMENT characters name the last
        child. Two concurrent inserts may compute the same path; the unique index refuses the
        second, and services.create_organization retries.
        """
        if parent_path:
            low, high = tree.subtree_bounds(parent_path)
            qs = cls.objects.filter(path__gt=low, path__lt=high)
        else:
            qs = cls.objects.all()
        last = qs.aggregate(last=Max("path"))["last"]
        if not last:
            return parent_path + tree.encode_segment(1)
        last_child = last[: len(parent_path) + tree.SEGMENT]
        number = tree.decode_segment(last_child[len(parent_path) :]) + 1
        return parent_path + tree.encode_segment(number)


class RoleQuerySet(models.QuerySet["Role"]):
    def covering(self, org: Organization) -> RoleQuerySet:
        """Roles that apply at `org`: held there, or above it with subtree reach."""
        return self.filter(
            Q(organization=org) | Q(reaches_subtree=True, organization__path__in=org.ancestor_paths)
        )


class Role(models.Model):
    """A person's role *at* an organization. Whether it also applies to every organization
    below is the role's own `reaches_subtree` flag (an office usually reaches; a clerk
    drafts only for its own organization)."""

    class Kind(models.TextChoices):
        CLERK = "clerk", _("Clerk")
        REVIEWER = "reviewer", _("Reviewer (leading group)")
        PRINCIPAL = "principal", _("Principal (first responsible person)")
        DISCIPLINE_SECRETARY = "discipline_secretary", _("Discipline secretary")
        SUPERVISOR = "supervisor", _("Supervisor")
        MEMBER = "member", _("Member")
        OFFICE = "office", _("Leading-group office")

    # What a new role of each kind does by default; the flag on the row is what counts.
    DEFAULT_REACH: dict[str, bool] = {
        Kind.CLERK: False,
        Kind.REVIEWER: False,
        Kind.PRINCIPAL: False,
        # In its own leading group; supervising below is a supervisor role's job.
        Kind.DISCIPLINE_SECRETARY: False,
        Kind.SUPERVISOR: True,
        Kind.MEMBER: False,
        Kind.OFFICE: True,
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="roles",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="roles",
    )
    kind = models.CharField(_("role"), max_length=30, choices=Kind.choices)
    reaches_subtree = models.BooleanField(
        _("reaches the subtree"),
        default=False,
        help_text=_("The role also applies to every organization below this one."),
    )
    title = models.CharField(
        _("post"), max_length=50, blank=True, help_text=_("e.g. 书记, 组长, 纪检委员")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "kind"], name="role_once_per_org_and_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_kind_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        # A person's cached roles are stale once one of them changes.
        self.user.__dict__.pop("_roles_cache", None)

    def covers(self, org: Organization) -> bool:
        """True when this role applies at `org`."""
        if org.pk == self.organization_id:
            return True
        return self.reaches_subtree and org.is_within(self.organization)
