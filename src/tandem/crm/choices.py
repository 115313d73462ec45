"""Fixed vocabularies of the revenue data, shared by models, API and demo."""

from __future__ import annotations

from django.db import models

from tandem.core.lifecycle import Stage


class Channel(models.TextChoices):
    PAID_SEARCH = "paid_search", "Paid search"
    PAID_SOCIAL = "paid_social", "Paid social"
    ORGANIC_SEARCH = "organic_search", "Organic search"
    EMAIL = "email", "Email"
    WEBINAR = "webinar", "Webinar"
    EVENT = "event", "Event"
    CONTENT_SYNDICATION = "content_syndication", "Content syndication"
    REFERRAL = "referral", "Referral"
    DIRECT = "direct", "Direct"
    PARTNER = "partner", "Partner"
    OUTBOUND_SALES = "outbound_sales", "Outbound sales"


class TouchpointType(models.TextChoices):
    PAGE_VIEW = "page_view", "Page view"
    FORM_SUBMIT = "form_submit", "Form submitted"
    EMAIL_OPEN = "email_open", "Email opened"
    EMAIL_CLICK = "email_click", "Email clicked"
    AD_CLICK = "ad_click", "Ad clicked"
    WEBINAR_REGISTERED = "webinar_registered", "Registered for webinar"
    WEBINAR_ATTENDED = "webinar_attended", "Attended webinar"
    EVENT_ATTENDED = "event_attended", "Attended event"
    CONTENT_DOWNLOAD = "content_download", "Downloaded content"
    DEMO_REQUEST = "demo_request", "Requested a demo"
    TRIAL_SIGNUP = "trial_signup", "Signed up for a trial"
    SALES_CALL = "sales_call", "Sales call"
    SALES_EMAIL = "sales_email", "Sales email"
    MEETING = "meeting", "Meeting"
    UNSUBSCRIBE = "unsubscribe", "Unsubscribed"


STAGE_CHOICES = [(stage.value, stage.label) for stage in Stage]


class Seniority(models.TextChoices):
    INDIVIDUAL = "individual", "Individual contributor"
    MANAGER = "manager", "Manager"
    DIRECTOR = "director", "Director"
    VP = "vp", "Vice president"
    C_LEVEL = "c_level", "C-level"
    OWNER = "owner", "Owner / founder"


class Persona(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"
    IT = "it", "IT"
    ENGINEERING = "engineering", "Engineering"
    FINANCE = "finance", "Finance"
    OPERATIONS = "operations", "Operations"
    HR = "hr", "HR"
    EXECUTIVE = "executive", "Executive"
    OTHER = "other", "Other"


class OpportunityStage(models.TextChoices):
    DISCOVERY = "discovery", "Discovery"
    DEMO = "demo", "Demo"
    PROPOSAL = "proposal", "Proposal"
    NEGOTIATION = "negotiation", "Negotiation"
    CLOSED_WON = "closed_won", "Closed won"
    CLOSED_LOST = "closed_lost", "Closed lost"


class Outcome(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class CommitteeRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", "Decision maker"
    CHAMPION = "champion", "Champion"
    INFLUENCER = "influencer", "Influencer"
    USER = "user", "User"
    BLOCKER = "blocker", "Blocker"
