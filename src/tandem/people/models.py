from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from tandem.core.permissions import Action, Role, can


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=[(r.value, r.label) for r in Role])
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )

    class Meta:
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def may(self, action: Action, *, owns: bool | None = None) -> bool:
        return self.is_active and can(self.role, action, owns=owns)

    @property
    def role_label(self) -> str:
        if not self.role:
            return "No role"
        try:
            return Role(self.role).label
        except ValueError:
            # A role this version does not know (edited in the database): it may do
            # nothing, and saying so must not fail on its name.
            return self.role


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is kept; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=120)
    prefix = models.CharField(max_length=16, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
