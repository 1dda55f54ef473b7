from __future__ import annotations

from django.db import models


class Hit(models.Model):
    """How many submissions one key (an action from an address, or to an organization) made
    in one fixed window: the database store of the rate limits, shared by every process."""

    key = models.CharField(max_length=200)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)
    expires = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="guard_hit_once")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}={self.count}"


class Mark(models.Model):
    """A value recorded once under a key until it expires: a challenge token already used,
    the first submission of a text (duplicate detection). The database store of
    `stores.Store.claim`."""

    key = models.CharField(max_length=200, unique=True)
    value = models.CharField(max_length=100)
    expires = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
