from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

# The attribution models a workspace can choose for the credit it shows on deals.
MODEL_CHOICES = [
    ("first_touch", "First touch"),
    ("last_touch", "Last touch"),
    ("linear", "Linear"),
    ("u_shaped", "U-shaped (40/20/40)"),
    ("w_shaped", "W-shaped (first touch, lead, opportunity)"),
    ("full_path", "Full path (adds the close)"),
    ("time_decay", "Time decay"),
    ("markov", "Data-driven: Markov chain"),
    ("shapley", "Data-driven: Shapley value"),
]


class AttributionSettings(models.Model):
    """How the workspace credits marketing for pipeline and won deals (one row)."""

    model = models.CharField(max_length=20, choices=MODEL_CHOICES, default="w_shaped")
    lookback_days = models.PositiveSmallIntegerField(
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Touches older than this before a deal was created do not count.",
    )
    half_life_days = models.FloatField(
        default=7.0,
        validators=[MinValueValidator(0.1)],
        help_text="Time decay: days before the close at which a touch counts half.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "attribution settings"
        verbose_name_plural = "attribution settings"

    def __str__(self) -> str:
        return f"Attribution: {self.get_model_display()}"

    @classmethod
    def current(cls) -> AttributionSettings:
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row
