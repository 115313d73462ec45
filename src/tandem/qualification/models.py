from __future__ import annotations

from django.conf import settings
from django.db import models

from tandem.core.signoff import Side


class DefinitionKind(models.TextChoices):
    MQL = "mql", "Marketing-qualified lead (MQL)"
    SQL = "sql", "Sales-qualified lead (SQL)"


class VersionStatus(models.TextChoices):
    PENDING = "pending", "Awaiting approval"
    ACTIVE = "active", "Active"
    SUPERSEDED = "superseded", "Superseded"
    WITHDRAWN = "withdrawn", "Withdrawn"


class DefinitionVersion(models.Model):
    """One version of the agreed MQL or SQL criteria. Criteria never change once written."""

    kind = models.CharField(max_length=3, choices=DefinitionKind.choices)
    number = models.PositiveIntegerField()
    criteria = models.TextField()
    note = models.TextField(blank=True, help_text="Why this version")
    status = models.CharField(
        max_length=12, choices=VersionStatus.choices, default=VersionStatus.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField()
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="definition_version_number"),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(status="active"),
                name="one_active_definition_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind.upper()} v{self.number}"


class Signoff(models.Model):
    version = models.ForeignKey(
        DefinitionVersion, on_delete=models.CASCADE, related_name="signoffs"
    )
    side = models.CharField(max_length=10, choices=[(s.value, s.label) for s in Side])
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["version", "side"], name="one_signoff_per_side"),
            models.UniqueConstraint(fields=["version", "user"], name="one_signoff_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.side} by {self.user}"


class ScoringRuleSet(models.Model):
    """One version of the scoring rules (fit, engagement, title tables). Never edited:
    a change is a new version, and any version can be activated again to roll back."""

    number = models.PositiveIntegerField(unique=True)
    config = models.JSONField()
    note = models.TextField(blank=True)
    is_active = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_ruleset"
            ),
        ]

    def __str__(self) -> str:
        return f"Scoring rules v{self.number}"


class PredictiveModel(models.Model):
    """A model trained on the workspace's own outcomes; its files live under the data dir."""

    number = models.PositiveIntegerField(unique=True)
    card = models.JSONField(default=dict)
    path = models.CharField(max_length=300, help_text="Folder of the saved model, in the data dir")
    is_active = models.BooleanField(default=False)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    trained_at = models.DateTimeField()
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_model"
            ),
        ]

    def __str__(self) -> str:
        return f"Predictive model v{self.number}"
