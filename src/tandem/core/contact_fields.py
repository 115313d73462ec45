"""The names a qualification definition may use, and the named lists it may test against.

This is the vocabulary both teams read when they agree on a definition, so every
field has a plain-English description shown beside the editor.
"""

from __future__ import annotations

from collections.abc import Mapping

FIELDS: Mapping[str, str] = {
    "email": "Email address",
    "email_domain": "Part of the email after @, lower case",
    "first_name": "First name",
    "last_name": "Last name",
    "job_title": "Job title as entered",
    "seniority": "individual, manager, director, vp, c_level or owner",
    "persona": "marketing, sales, it, engineering, finance, operations, hr, executive, other",
    "country": "Contact's country, ISO code such as US or DE",
    "source_channel": "Channel of the first touch, e.g. paid_search, webinar, outbound_sales",
    "lifecycle_stage": "Current lifecycle stage",
    "fit_score": "Fit score, 0-100",
    "engagement_score": "Engagement score, 0-100",
    "grade": "Score grade such as A1 or C3",
    "predicted_probability": "Predicted probability of conversion, 0-1",
    "has_account": "true when the contact belongs to an account",
    "industry": "Account industry",
    "employee_count": "Account employee count",
    "annual_revenue": "Account annual revenue",
    "account_country": "Account country, ISO code",
}

# Well-known consumer mailbox providers: a lead on one of these is rarely a buyer
# speaking for a company.
FREE_EMAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "ymail.com",
        "hotmail.com", "hotmail.co.uk", "hotmail.fr", "outlook.com", "live.com", "msn.com",
        "aol.com", "icloud.com", "me.com", "mac.com", "gmx.com", "gmx.de", "gmx.net",
        "web.de", "mail.com", "proton.me", "protonmail.com", "zoho.com", "yandex.com",
        "yandex.ru", "mail.ru", "qq.com", "163.com", "126.com", "free.fr", "orange.fr",
        "laposte.net", "libero.it", "t-online.de", "hey.com", "fastmail.com", "tutanota.com",
    }
)  # fmt: skip

NAMED_LISTS: Mapping[str, frozenset[str]] = {"free_email_domains": FREE_EMAIL_DOMAINS}
