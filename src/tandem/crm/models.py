from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from tandem.crm.choices import (
    STAGE_CHOICES,
    Channel,
    CommitteeRole,
    OpportunityStage,
    Outcome,
    Persona,
    Seniority,
    TouchpointType,
)

OWNER = {
    "to": settings.AUTH_USER_MODEL,
    "null": True,
    "blank": True,
    "on_delete": models.SET_NULL,
}


class Account(models.Model):
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, blank=True, db_index=True)
    industry = models.CharField(max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code")
    owner = models.ForeignKey(**OWNER, related_name="accounts")  # type: ignore[arg-type]
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    name = models.CharField(max_length=200)
    channel = models.CharField(max_length=30, choices=Channel.choices)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True, db_index=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    actual_cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    seniority = models.CharField(max_length=20, choices=Seniority.choices, blank=True)
    persona = models.CharField(max_length=20, choices=Persona.choices, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    source_channel = models.CharField(max_length=30, choices=Channel.choices, blank=True)
    original_campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="sourced_contacts"
    )
    lifecycle_stage = models.CharField(max_length=20, choices=STAGE_CHOICES, default="lead")
    owner = models.ForeignKey(**OWNER, related_name="contacts")  # type: ignore[arg-type]
    # Filled in by scoring; the MQL definition reads them.
    fit_score = models.PositiveSmallIntegerField(null=True, blank=True)
    engagement_score = models.PositiveSmallIntegerField(null=True, blank=True)
    grade = models.CharField(max_length=2, blank=True)
    score_explanation = models.JSONField(
        default=list, blank=True, help_text="Every rule that contributed, with its points"
    )
    predicted_probability = models.FloatField(null=True, blank=True)
    prediction_factors = models.JSONField(default=list, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="contact_email_unique_ci"),
        ]
        indexes = [
            models.Index(fields=["lifecycle_stage", "-updated_at"]),
            models.Index(fields=["owner", "-updated_at"]),
            models.Index(fields=["-updated_at", "-id"]),
            models.Index(fields=["fit_score"]),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def email_domain(self) -> str:
        return self.email.rpartition("@")[2].lower()


class Touchpoint(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="touchpoints")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoints"
    )
    channel = models.CharField(max_length=30, choices=Channel.choices)
    type = models.CharField(max_length=30, choices=TouchpointType.choices)
    occurred_at = models.DateTimeField()
    url = models.URLField(max_length=500, blank=True)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["contact", "-occurred_at"]),
            models.Index(fields=["campaign", "occurred_at"]),
            models.Index(fields=["occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"


class Opportunity(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="opportunities")
    name = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    stage = models.CharField(
        max_length=20, choices=OpportunityStage.choices, default=OpportunityStage.DISCOVERY
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    lost_reason = models.CharField(max_length=300, blank=True)
    owner = models.ForeignKey(**OWNER, related_name="opportunities")  # type: ignore[arg-type]
    created_at = models.DateTimeField()
    close_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    contacts = models.ManyToManyField(
        Contact, through="OpportunityContact", related_name="opportunities"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "opportunities"
        indexes = [models.Index(fields=["outcome", "close_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="opportunity_amount_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OpportunityContact(models.Model):
    """A member of the buying committee of an opportunity."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="committee")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="committee_roles")
    role = models.CharField(max_length=20, choices=CommitteeRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "contact"], name="committee_member_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.get_role_display()})"


class StageTransition(models.Model):
    """Immutable history of every lifecycle change. Rows are only ever inserted."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.CharField(max_length=20, choices=STAGE_CHOICES, blank=True)
    to_stage = models.CharField(max_length=20, choices=STAGE_CHOICES)
    kind = models.CharField(max_length=20)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rule = models.CharField(max_length=100, blank=True, help_text="Set when a rule moved it")
    reason = models.TextField(blank=True)
    definition_version = models.ForeignKey(
        "qualification.DefinitionVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transitions",
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["contact", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.from_stage or '∅'} → {self.to_stage}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # History is append-only: an edit would rewrite what both teams agreed happened.
        if not self._state.adding:
            raise ValueError("Stage transitions are immutable; record a new transition instead.")
        super().save(*args, **kwargs)
