"""A believable demo company, generated deterministically.

:func:`load_demo` fills an empty store with a year of revenue data for a
fictional B2B software vendor: accounts, contacts, campaigns, touchpoints,
opportunities with buying committees, lifecycle history, users of every role and
an agreed MQL and SQL definition. The same ``seed`` and ``today`` always produce
the same rows, so screenshots, documentation and tests can rely on them.

Everything is planned in memory first, from one ``random.Random(seed)``, and
then written in one transaction with multi-row inserts. The big tables are
written with plain ``INSERT`` statements and explicit ids rather than
``bulk_create``: that is several times faster for 300,000 touchpoints, and it
lets the demo set ``created_at``/``updated_at`` to when things "happened"
instead of the moment of loading.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import itertools
import math
import random
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils.text import slugify

from tandem.core import conditions
from tandem.core.contact_fields import FIELDS, NAMED_LISTS
from tandem.core.lifecycle import Stage, plan_transition
from tandem.core.permissions import Role
from tandem.core.signoff import Side
from tandem.crm.choices import Channel, CommitteeRole, OpportunityStage, Outcome
from tandem.crm.choices import TouchpointType as T
from tandem.crm.models import (
    Account,
    Campaign,
    Contact,
    Opportunity,
    OpportunityContact,
    StageTransition,
    Touchpoint,
)
from tandem.errors import Conflict, InvalidInput
from tandem.people.models import Team, User
from tandem.qualification.models import (
    DefinitionKind,
    DefinitionVersion,
    Signoff,
    VersionStatus,
)
from tandem.qualification.services import MQL_RULE

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "DemoSummary",
    "DemoUser",
    "load_demo",
    "store_is_empty",
]

# ---------------------------------------------------------------------------
# Public API


@dataclass(frozen=True, kw_only=True)
class DemoUser:
    username: str
    password: str
    role: str
    first_name: str
    last_name: str
    team: str


@dataclass(frozen=True, kw_only=True)
class DemoSummary:
    accounts: int
    contacts: int
    campaigns: int
    touchpoints: int
    opportunities: int
    users: int
    seconds: float


# One shared password keeps the demo easy to explore; it is long enough and
# uncommon enough for Django's password validators.
DEMO_PASSWORD = "tandem-demo"

_AMERICAS = "Sales Americas"
_EMEA = "Sales EMEA"

DEMO_USERS: tuple[DemoUser, ...] = tuple(
    DemoUser(
        username=username,
        password=DEMO_PASSWORD,
        role=role.value,
        first_name=first,
        last_name=last,
        team=team,
    )
    for username, role, first, last, team in (
        ("admin", Role.ADMIN, "Alex", "Morgan", "Revenue Operations"),
        ("maria", Role.MARKETING, "Maria", "Okafor", "Marketing"),  # marketing operations
        ("mark", Role.MARKETING, "Mark", "Lindqvist", "Marketing"),  # demand generation
        ("sam", Role.SALES_MANAGER, "Sam", "Whitaker", _AMERICAS),
        ("elena", Role.SALES_REP, "Elena", "Rossi", _EMEA),
        ("jonas", Role.SALES_REP, "Jonas", "Becker", _EMEA),
        ("priya", Role.SALES_REP, "Priya", "Natarajan", _EMEA),
        ("diego", Role.SALES_REP, "Diego", "Alvarez", _AMERICAS),
        ("kate", Role.SALES_REP, "Kate", "Sullivan", _AMERICAS),
        ("tom", Role.SALES_REP, "Tom", "Nguyen", _AMERICAS),
    )
)

ProgressFn = Callable[[str, int, int], None]


def store_is_empty() -> bool:
    """True when there are no contacts and no users, so the demo cannot mix with real data."""
    return not Contact.objects.exists() and not User.objects.exists()


def load_demo(
    *,
    seed: int = 42,
    scale: float = 1.0,
    today: date | None = None,
    progress: ProgressFn | None = None,
) -> DemoSummary:
    """Load the demo company into an empty store and say how much was written.

    At ``scale=1`` that is about 2,000 accounts, 20,000 contacts, 30 campaigns,
    300,000 touchpoints and 1,500 opportunities over the 12 months before
    ``today`` (default: the current UTC date). ``scale`` multiplies every count,
    with at least one of each (and one campaign per channel). ``progress`` is
    called as ``progress(step, done, total)`` while the load runs.

    Raises :class:`~tandem.errors.Conflict` when the store already holds
    contacts or users: demo rows mixed into real data could not be told apart.
    """
    if not scale > 0 or not math.isfinite(scale):
        raise InvalidInput(f"scale must be a positive number; got {scale!r}.", field="scale")
    started = time.perf_counter()
    report: ProgressFn = progress or _no_progress
    day = today or datetime.now(UTC).date()
    with transaction.atomic(), _large_sqlite_cache():
        if not store_is_empty():
            raise Conflict(
                "The store already holds contacts or users; the demo company can only be "
                "loaded into an empty store."
            )
        users = _create_users(report)
        start = _midnight(day) - 365 * _DAY
        mql_version_id = _create_definitions(users, start=start, end=_midnight(day))
        plan = _Planner(seed=seed, scale=scale, today=day, progress=report).plan()
        counts = _Writer(plan, users=users, mql_version_id=mql_version_id, progress=report).write()
    return DemoSummary(
        accounts=counts["accounts"],
        contacts=counts["contacts"],
        campaigns=counts["campaigns"],
        touchpoints=counts["touchpoints"],
        opportunities=counts["opportunities"],
        users=len(users),
        seconds=round(time.perf_counter() - started, 3),
    )


def _no_progress(step: str, done: int, total: int) -> None:
    return None


@contextlib.contextmanager
def _large_sqlite_cache() -> Iterator[None]:
    """Give SQLite a bigger page cache while loading.

    Six indexes on 300,000 touchpoints do not fit SQLite's default 2 MB cache;
    128 MB (an upper bound, not an allocation) cuts the insert time by a third.
    The setting belongs to the connection, so it is restored afterwards.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size = -131072")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


# ---------------------------------------------------------------------------
# Vocabulary. Lists, never sets, wherever order matters: iteration order must
# not depend on string hashing, or the same seed would give different data.

_DAY = 86_400
_HOUR = 3_600

_COMPANY_DOMAIN = "lumen-analytics.example"
_SITE = f"https://www.{_COMPANY_DOMAIN}"

_INDUSTRIES: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    # name, weight, revenue per employee (USD), name suffixes
    (
        "Software",
        22,
        210_000,
        ("Software", "Labs", "Systems", "Cloud", "Analytics", "Technologies"),
    ),
    ("Financial services", 12, 340_000, ("Capital", "Financial", "Bank", "Insurance", "Wealth")),
    ("Healthcare", 10, 150_000, ("Health", "Medical", "Care", "Therapeutics", "Diagnostics")),
    ("Manufacturing", 12, 240_000, ("Manufacturing", "Industries", "Components", "Engineering")),
    ("Retail", 9, 180_000, ("Retail", "Stores", "Outfitters", "Market", "Brands")),
    ("Education", 6, 90_000, ("Learning", "Education", "Academy", "Institute")),
    ("Logistics", 7, 200_000, ("Logistics", "Freight", "Transport", "Supply")),
    ("Media", 6, 200_000, ("Media", "Studios", "Publishing", "Digital")),
    ("Energy", 5, 600_000, ("Energy", "Power", "Renewables", "Utilities")),
    ("Professional services", 11, 160_000, ("Consulting", "Advisory", "Partners", "Group")),
)
_INDUSTRY_INFO = {name: (rpe, suffixes) for name, _w, rpe, suffixes in _INDUSTRIES}

# country, weight, name pools (pool, weight), phone prefix, legal form, top-level domains
_COUNTRIES: tuple[tuple[str, int, tuple[tuple[str, int], ...], str, str, tuple[str, ...]], ...] = (
    ("US", 38, (("en", 60), ("es", 10), ("global", 30)), "+1", "Inc.", ("com",)),
    ("GB", 12, (("en", 70), ("global", 30)), "+44", "Ltd", ("co.uk", "com")),
    ("DE", 10, (("de", 80), ("global", 20)), "+49", "GmbH", ("de", "com")),
    ("FR", 6, (("fr", 80), ("global", 20)), "+33", "SAS", ("fr", "com")),
    ("CA", 6, (("en", 60), ("fr", 10), ("global", 30)), "+1", "Inc.", ("ca", "com")),
    ("NL", 5, (("nl", 80), ("global", 20)), "+31", "B.V.", ("nl", "com")),
    ("AU", 5, (("en", 70), ("global", 30)), "+61", "Pty Ltd", ("com.au",)),
    ("SE", 3, (("nordic", 85), ("global", 15)), "+46", "AB", ("se", "com")),
    ("ES", 3, (("es", 85), ("global", 15)), "+34", "S.L.", ("es", "com")),
    ("IN", 3, (("in", 95), ("global", 5)), "+91", "Pvt Ltd", ("in", "co.in", "com")),
    ("IE", 2, (("en", 85), ("global", 15)), "+353", "Ltd", ("ie", "com")),
    ("CH", 2, (("de", 60), ("fr", 25), ("global", 15)), "+41", "AG", ("ch", "com")),
    ("SG", 2, (("sg", 80), ("global", 20)), "+65", "Pte Ltd", ("sg", "com.sg", "com")),
    ("BR", 2, (("pt", 90), ("global", 10)), "+55", "Ltda", ("com.br",)),
    ("MX", 1, (("es", 95), ("global", 5)), "+52", "S.A. de C.V.", ("com.mx", "mx")),
)
_COUNTRY_INFO = {c[0]: c for c in _COUNTRIES}
# The EMEA team also covers Asia-Pacific; the Americas team covers North and South America.
_AMERICAS_COUNTRIES = ("US", "CA", "BR", "MX")

_FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "James", "Olivia", "Liam", "Emma", "Noah", "Ava", "William", "Sophia", "Benjamin",
        "Charlotte", "Lucas", "Amelia", "Henry", "Harper", "Jack", "Emily", "Daniel", "Grace",
        "Michael", "Chloe", "Matthew", "Hannah", "Ethan", "Lily", "Samuel", "Zoe", "Ryan",
        "Megan", "Connor", "Sarah", "Thomas", "Rachel", "Aidan", "Lauren", "Owen", "Jessica",
        "Nathan", "Katie", "Patrick", "Siobhan", "Andrew", "Rebecca", "Christopher", "Natalie",
    ),
    "de": (
        "Lukas", "Leon", "Felix", "Jonas", "Maximilian", "Paul", "Finn", "Tobias", "Sebastian",
        "Florian", "Anna", "Lena", "Laura", "Julia", "Sophie", "Katharina", "Leonie", "Lea",
        "Johanna", "Miriam", "Jürgen", "Stefanie", "Matthias", "Sabine", "Jörg", "Ute",
    ),
    "fr": (
        "Louis", "Gabriel", "Arthur", "Jules", "Hugo", "Raphaël", "Théo", "Antoine", "Mathieu",
        "Nicolas", "Camille", "Léa", "Manon", "Chloé", "Inès", "Juliette", "Sarah", "Élodie",
        "Margaux", "Aurélie", "Céline", "François", "Hélène", "Baptiste",
    ),
    "nl": (
        "Daan", "Sem", "Lucas", "Bram", "Thijs", "Jesse", "Ruben", "Niels", "Sanne", "Femke",
        "Lotte", "Anouk", "Eva", "Fleur", "Iris", "Maaike", "Joost", "Marloes", "Pieter", "Wouter",
    ),
    "nordic": (
        "Erik", "Lars", "Anders", "Johan", "Karl", "Oskar", "Nils", "Björn", "Astrid", "Ingrid",
        "Elin", "Sofia", "Maja", "Linnea", "Freja", "Karin", "Sven", "Emil",
    ),
    "es": (
        "Alejandro", "Pablo", "Javier", "Daniel", "Diego", "Carlos", "Miguel", "Sergio", "Lucía",
        "María", "Paula", "Carmen", "Sofía", "Elena", "Marta", "Andrea", "Valentina", "Isabel",
        "José", "Ana",
    ),
    "pt": (
        "João", "Pedro", "Lucas", "Gabriel", "Rafael", "Mateus", "Gustavo", "Felipe", "Ana",
        "Beatriz", "Larissa", "Camila", "Fernanda", "Juliana", "Mariana", "Letícia",
    ),
    "in": (
        "Aarav", "Arjun", "Rohan", "Vikram", "Rahul", "Aditya", "Karan", "Siddharth", "Priya",
        "Ananya", "Diya", "Isha", "Kavya", "Neha", "Pooja", "Sneha", "Meera", "Ravi",
    ),
    "sg": (
        "Wei", "Jun", "Hao", "Ming", "Jia Hui", "Xin Yi", "Mei Ling", "Kai", "Siti", "Nurul",
        "Farah", "Arif", "Hui Min", "Jonathan", "Rachel", "Daniel",
    ),
    # Diaspora pools: a first name and a last name always come from the same pool,
    # so nobody is called "Ji-woo Hussain".
    "arabic": (
        "Aisha", "Omar", "Fatima", "Yusuf", "Leila", "Tariq", "Hamza", "Nour", "Karim", "Rania",
    ),
    "chinese": ("Wei", "Mei", "Jing", "Hao", "Xin", "Lei", "Yan", "Jun"),
    "korean": ("Min-jun", "Ji-woo", "Seo-yeon", "Ji-hoon", "Hye-jin", "Dong-hyun"),
    "japanese": ("Hiroshi", "Yuki", "Kenji", "Sakura", "Haruto", "Aiko", "Takeshi", "Emi"),
    "vietnamese": ("Thanh", "Linh", "Minh", "Huong", "Anh", "Duc"),
    "west_african": (
        "Chinedu", "Amara", "Kwame", "Ngozi", "Kofi", "Adaeze", "Tunde", "Ama", "Emeka", "Yaa",
    ),
    "polish": (
        "Katarzyna", "Łukasz", "Andrzej", "Magdalena", "Piotr", "Agnieszka", "Tomasz", "Marta",
    ),
    "turkish": ("Zeynep", "Emre", "Elif", "Mehmet", "Ayşe", "Can", "Burak", "Deniz"),
    "italian": ("Giulia", "Marco", "Francesca", "Luca", "Alessandro", "Chiara", "Matteo", "Elisa"),
    "south_asian": ("Raj", "Anjali", "Ayesha", "Imran", "Sanjay", "Farhan", "Nadia", "Vikram"),
}  # fmt: skip

_LAST_NAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor",
        "Anderson", "Thomas", "Moore", "Martin", "Thompson", "White", "Harris", "Clark", "Lewis",
        "Walker", "Hall", "Allen", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams",
        "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker",
        "Collins", "Edwards", "Stewart", "Murphy", "O'Brien", "Kelly", "Byrne", "Walsh",
        "Hughes", "MacDonald", "Fraser", "Reid",
    ),
    "de": (
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
        "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Werner",
        "Krause", "Lehmann", "Köhler", "Maier",
    ),
    "fr": (
        "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
        "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
        "Vincent", "Fournier", "Morel", "Girard", "Mercier", "Rousseau", "Bonnet", "Lambert",
        "Fontaine", "Chevalier",
    ),
    "nl": (
        "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
        "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
        "Hendriks", "van Leeuwen", "Dekker", "Brouwer",
    ),
    "nordic": (
        "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
        "Persson", "Svensson", "Gustafsson", "Lindqvist", "Lindström", "Berg", "Holm",
        "Sandberg", "Ek",
    ),
    "es": (
        "García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez",
        "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Álvarez", "Romero",
        "Navarro", "Torres", "Ramírez",
    ),
    "pt": (
        "Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Rodrigues", "Almeida",
        "Nascimento", "Lima", "Araújo", "Carvalho", "Ribeiro", "Gomes", "Barbosa", "Rocha",
    ),
    "in": (
        "Sharma", "Patel", "Gupta", "Singh", "Kumar", "Reddy", "Iyer", "Nair", "Rao", "Mehta",
        "Joshi", "Desai", "Kapoor", "Menon", "Chatterjee", "Banerjee", "Pillai", "Agarwal",
    ),
    "sg": (
        "Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Chan", "Koh", "Teo", "Ang",
        "Yeo", "Tay", "Rahman", "Ismail",
    ),
    "arabic": ("Haddad", "Khalil", "Mansour", "Nasser", "Saleh", "Aziz", "Hassan", "Farouk"),
    "chinese": ("Chen", "Wang", "Li", "Zhang", "Liu", "Huang", "Zhao", "Wu"),
    "korean": ("Kim", "Park", "Choi", "Jung", "Kang", "Yoon"),
    "japanese": (
        "Tanaka", "Sato", "Suzuki", "Takahashi", "Watanabe", "Ito", "Yamamoto", "Nakamura",
    ),
    "vietnamese": ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu"),
    "west_african": ("Okafor", "Adeyemi", "Mensah", "Okonkwo", "Boateng", "Asante", "Eze", "Owusu"),
    "polish": ("Nowak", "Wójcik", "Kaczmarek", "Mazur", "Krawczyk", "Zając", "Król", "Wróbel"),
    # Turkish spells these with a dotless i.
    "turkish": ("Yılmaz", "Demir", "Şahin", "Çelik", "Aydın", "Öztürk", "Kaya", "Arslan"),  # noqa: RUF001
    "italian": ("Rossi", "Russo", "Romano", "Ferrari", "Esposito", "Bianchi", "Colombo", "Ricci"),
    "south_asian": ("Khan", "Chowdhury", "Bose", "Das", "Malik", "Qureshi", "Siddiqui", "Shah"),
}  # fmt: skip

_DIASPORA = (
    "arabic", "chinese", "korean", "japanese", "vietnamese", "west_african", "polish",
    "turkish", "italian", "south_asian",
)  # fmt: skip


def _name_pools(country: str) -> list[tuple[str, float]]:
    """Where the names of people in ``country`` come from; "global" spreads over diasporas."""
    pools: list[tuple[str, float]] = []
    for pool, weight in _COUNTRY_INFO[country][2]:
        if pool == "global":
            pools += [(p, weight / len(_DIASPORA)) for p in _DIASPORA]
        else:
            pools.append((pool, float(weight)))
    return pools


_PREFIXES = (
    "North", "South", "West", "Blue", "Red", "Green", "Silver", "Golden", "Iron", "Stone",
    "Bright", "Clear", "True", "High", "Deep", "Swift", "Bold", "Cedar", "Maple", "Oak", "Pine",
    "Willow", "Birch", "Summit", "Harbor", "River", "Lake", "Ocean", "Sky", "Sun", "Star",
    "Cloud", "Rock", "Peak", "Ridge", "Frost", "Amber", "Cobalt", "Copper", "Crimson", "Ember",
    "Falcon", "Fox", "Hawk", "Lion", "Raven", "Wolf", "Atlas", "Nova", "Apex", "Vertex",
    "Prime", "Pulse", "Vector", "Zenith", "Granite", "Orchard", "Meadow", "Beacon", "Keystone",
)  # fmt: skip
_ROOTS = (
    "field", "stone", "bridge", "wave", "point", "gate", "line", "path", "works", "light",
    "forge", "view", "port", "brook", "wood", "crest", "haven", "mark", "well", "ford",
    "shore", "spring", "wind", "stream", "side", "land", "way", "hill", "bay", "vale",
)  # fmt: skip
_SYLLABLES_START = (
    "Zy", "Qua", "Vel", "Lum", "Tri", "Nex", "Ora", "Kel", "Syn", "Ver", "Cal", "Mir", "Ax",
    "Bel", "Dex", "Fen", "Gal", "Hal", "Jov", "Sol", "Tal", "Var", "Wex", "Ly",
)  # fmt: skip
_SYLLABLES_END = (
    "ora", "ix", "era", "ium", "io", "ent", "ova", "ana", "eon", "ivo", "ara", "ity", "yn",
    "ex", "os", "ia",
)  # fmt: skip

_SENIORITIES = ("individual", "manager", "director", "vp", "c_level", "owner")
_SENIORITY_WEIGHTS = (34, 28, 17, 9, 6, 6)
_SENIORITY_RANK = {s: i for i, s in enumerate(_SENIORITIES)}
_PERSONAS = ("marketing", "sales", "it", "engineering", "finance", "operations", "hr", "other")
_PERSONA_WEIGHTS = (30, 20, 9, 9, 6, 12, 5, 6)
_CHIEF_PERSONAS = (
    "executive",
    "marketing",
    "sales",
    "finance",
    "it",
    "engineering",
    "operations",
    "hr",
)
_CHIEF_WEIGHTS = (35, 15, 15, 10, 7, 8, 7, 3)

_AREAS: dict[str, tuple[str, ...]] = {
    "marketing": (
        "Marketing", "Demand Generation", "Growth Marketing", "Product Marketing",
        "Marketing Operations", "Content Marketing", "Brand Marketing", "Field Marketing",
        "Digital Marketing",
    ),
    "sales": (
        "Sales", "Business Development", "Sales Operations", "Revenue Operations",
        "Key Accounts", "Inside Sales", "Partnerships",
    ),
    "it": (
        "IT", "IT Operations", "Information Security", "Infrastructure",
        "Enterprise Applications", "Business Systems",
    ),
    "engineering": (
        "Engineering", "Software Engineering", "Platform Engineering", "Data Engineering",
        "Data & Analytics", "Product Engineering",
    ),
    "finance": ("Finance", "FP&A", "Accounting", "Controlling"),
    "operations": (
        "Operations", "Business Operations", "Customer Success", "Supply Chain", "Procurement",
    ),
    "hr": ("People", "Human Resources", "Talent Acquisition", "People Operations"),
    "other": ("Legal", "Customer Support", "Research", "Strategy", "Facilities"),
}  # fmt: skip
_INDIVIDUAL_TITLES: dict[str, tuple[str, ...]] = {
    "marketing": (
        "Marketing Specialist", "Marketing Coordinator", "Content Strategist",
        "Demand Generation Specialist", "Marketing Operations Analyst", "SEO Specialist",
        "Digital Marketing Specialist",
    ),
    "sales": (
        "Account Executive", "Sales Development Representative",
        "Business Development Representative", "Sales Operations Analyst", "Account Manager",
        "Solutions Consultant",
    ),
    "it": (
        "Systems Administrator", "IT Support Specialist", "Security Analyst", "Network Engineer",
        "CRM Administrator",
    ),
    "engineering": (
        "Software Engineer", "Senior Software Engineer", "Data Engineer", "Data Analyst",
        "Data Scientist", "DevOps Engineer",
    ),
    "finance": ("Financial Analyst", "Accountant", "Senior Accountant", "Billing Specialist"),
    "operations": (
        "Operations Analyst", "Customer Success Manager", "Procurement Specialist",
        "Business Analyst", "Project Coordinator",
    ),
    "hr": ("Recruiter", "HR Generalist", "Talent Partner", "People Operations Specialist"),
    "other": ("Legal Counsel", "Support Specialist", "Research Analyst", "Office Manager"),
}  # fmt: skip
_CHIEF_TITLES: dict[str, tuple[str, ...]] = {
    "executive": ("Chief Executive Officer", "CEO", "President", "Managing Director"),
    "marketing": ("Chief Marketing Officer", "CMO"),
    "sales": ("Chief Revenue Officer", "Chief Sales Officer"),
    "it": ("Chief Information Officer", "CIO", "Chief Information Security Officer"),
    "engineering": ("Chief Technology Officer", "CTO"),
    "finance": ("Chief Financial Officer", "CFO"),
    "operations": ("Chief Operating Officer", "COO", "Chief Customer Officer"),
    "hr": ("Chief People Officer", "Chief Human Resources Officer"),
}
_OWNER_TITLES = (
    "Founder", "Co-founder", "Founder & CEO", "Owner", "Co-founder & CTO", "Managing Partner",
    "Owner & Managing Director",
)  # fmt: skip

# Fixed points of the fit heuristic; the real scoring model replaces it later.
_SENIORITY_FIT = {
    "individual": 8,
    "manager": 18,
    "director": 28,
    "vp": 32,
    "c_level": 36,
    "owner": 30,
}
_INDUSTRY_FIT = {
    "Software": 18, "Financial services": 14, "Professional services": 14, "Media": 12,
    "Healthcare": 10, "Manufacturing": 10, "Retail": 8, "Logistics": 8, "Energy": 6,
    "Education": 4,
}  # fmt: skip
_PERSONA_FIT = {
    "marketing": 20, "sales": 16, "executive": 14, "operations": 8, "it": 6, "finance": 5,
    "engineering": 4, "hr": 2, "other": 2,
}  # fmt: skip

_FREE_MAIL_GLOBAL = (
    ("gmail.com", 60), ("outlook.com", 10), ("yahoo.com", 8), ("hotmail.com", 8),
    ("icloud.com", 6), ("proton.me", 3),
)  # fmt: skip
_FREE_MAIL_LOCAL = {
    "DE": ("gmx.de", "web.de", "t-online.de"),
    "FR": ("orange.fr", "free.fr", "laposte.net"),
    "GB": ("yahoo.co.uk", "hotmail.co.uk"),
}

_US_AREA_CODES = ("212", "415", "312", "617", "512", "206", "303", "404", "646", "720", "919")
_CA_AREA_CODES = ("416", "604", "514", "403", "613")


class _CH:
    """Channel values as plain strings, for tuples, dict keys and database rows."""

    PAID_SEARCH = Channel.PAID_SEARCH.value
    PAID_SOCIAL = Channel.PAID_SOCIAL.value
    ORGANIC_SEARCH = Channel.ORGANIC_SEARCH.value
    EMAIL = Channel.EMAIL.value
    WEBINAR = Channel.WEBINAR.value
    EVENT = Channel.EVENT.value
    CONTENT_SYNDICATION = Channel.CONTENT_SYNDICATION.value
    REFERRAL = Channel.REFERRAL.value
    DIRECT = Channel.DIRECT.value
    PARTNER = Channel.PARTNER.value
    OUTBOUND_SALES = Channel.OUTBOUND_SALES.value


# Campaign templates by channel: title (written with " - ", shown with an en dash),
# utm_source, utm_medium, duration in days (None: always on; 0: a one-day webinar or
# event) and budget range in thousands.
_CampaignSpec = tuple[str, str, str, int | None, int, int]
_CAMPAIGN_TEMPLATES: dict[str, tuple[_CampaignSpec, ...]] = {
    _CH.PAID_SEARCH: (
        ("Google Ads - Revenue attribution", "google", "cpc", 90, 25, 60),
        ("Google Ads - Competitor terms", "google", "cpc", 75, 20, 45),
        ("Bing Ads - Brand and category terms", "bing", "cpc", 120, 8, 18),
        ("Google Ads - Lead scoring software", "google", "cpc", 60, 15, 35),
    ),
    _CH.PAID_SOCIAL: (
        ("LinkedIn - Pipeline visibility for CMOs", "linkedin", "paid_social", 60, 15, 45),
        ("LinkedIn - Webinar promotion", "linkedin", "paid_social", 30, 8, 20),
        ("Meta - Retargeting website visitors", "facebook", "paid_social", 90, 10, 25),
        ("LinkedIn - Demo request (target accounts)", "linkedin", "paid_social", 45, 12, 30),
    ),
    _CH.ORGANIC_SEARCH: (
        ("SEO - Revenue operations guide hub", "google", "organic", None, 12, 24),
    ),
    _CH.EMAIL: (
        ("Monthly newsletter", "newsletter", "email", None, 3, 6),
        ("Nurture - Attribution 101", "nurture", "email", 120, 2, 5),
        ("Nurture - Lead scoring for RevOps teams", "nurture", "email", 90, 2, 5),
        ("Product launch - Journey analytics", "product-launch", "email", 14, 2, 4),
    ),
    _CH.WEBINAR: (
        ("Webinar: Ending the MQL argument", "zoom", "webinar", 0, 4, 9),
        ("Webinar: Building a marketing and sales SLA", "zoom", "webinar", 0, 4, 9),
        ("Webinar: Attribution without the spreadsheet", "zoom", "webinar", 0, 4, 9),
        ("Webinar: Forecasting with buying committees", "zoom", "webinar", 0, 4, 9),
        ("Webinar: Customer panel, one funnel and two teams", "zoom", "webinar", 0, 4, 9),
    ),
    _CH.EVENT: (
        ("RevOps Summit London - booth", "revops-summit", "event", 2, 40, 90),
        ("Marketing Ops Forum Berlin", "mops-forum", "event", 1, 25, 60),
        ("Revenue Leaders Dinner - New York", "leaders-dinner", "event", 0, 12, 25),
    ),
    _CH.CONTENT_SYNDICATION: (
        ("Syndication - B2B attribution report", "b2b-research", "syndication", 75, 12, 30),
        ("Syndication - Pipeline benchmarks report", "b2b-research", "syndication", 60, 10, 25),
    ),
    _CH.REFERRAL: (("Customer referral programme", "customers", "referral", None, 4, 8),),
    _CH.DIRECT: (("Website - direct traffic", "(direct)", "(none)", None, 0, 0),),
    _CH.PARTNER: (
        ("Partner - co-selling with Brightline Consulting", "brightline", "partner", 120, 8, 20),
        ("Partner - Northpeak agency webinar series", "northpeak", "partner", 90, 6, 15),
    ),
    _CH.OUTBOUND_SALES: (
        ("Outbound - Mid-market EMEA", "sales", "outbound", 90, 6, 14),
        ("Outbound - Enterprise North America", "sales", "outbound", 120, 8, 18),
        ("Outbound - Healthcare target accounts", "sales", "outbound", 60, 5, 12),
    ),
}
# Round robin over the channels, so the first eleven cover every channel and even a
# tiny demo has all of them.
_CAMPAIGNS: tuple[tuple[str, _CampaignSpec], ...] = tuple(
    (channel, specs[round_])
    for round_ in range(max(len(specs) for specs in _CAMPAIGN_TEMPLATES.values()))
    for channel, specs in _CAMPAIGN_TEMPLATES.items()
    if round_ < len(specs)
)
_DASH = "\u2013"  # en dash, for names shown to people

_BLOG_PAGES = tuple(
    f"{_SITE}/blog/{slug}"
    for slug in (
        "what-is-an-mql", "mql-vs-sql", "lead-scoring-models", "marketing-sales-sla",
        "multi-touch-attribution", "buying-committees", "pipeline-velocity",
        "revenue-operations-guide", "lead-routing-rules", "funnel-conversion-benchmarks",
        "recycling-leads", "account-based-marketing-basics",
    )
) + tuple(
    f"{_SITE}/{page}" for page in ("", "pricing", "product", "customers", "integrations")
)  # fmt: skip
_DIRECT_PAGES = tuple(
    f"{_SITE}/{page}"
    for page in (
        "", "pricing", "product", "product/attribution", "product/scoring", "customers",
        "security", "about",
    )
)  # fmt: skip

# Touch counts per contact follow a log-normal around these medians (by final stage),
# then all are rescaled together so the total is exactly the requested number.
_TOUCH_MEDIAN = {
    "subscriber": 4, "lead": 7, "mql": 16, "sal": 20, "sql": 24, "opportunity": 32,
    "customer": 38, "nurture": 12, "disqualified": 4,
}  # fmt: skip
# Days of activity after the last stage change, by final stage.
_TAIL_DAYS = {
    "subscriber": 330, "lead": 150, "mql": 21, "sal": 30, "sql": 45, "opportunity": 365,
    "customer": 120, "nurture": 120, "disqualified": 3,
}  # fmt: skip
# Non-committee contacts: where they end up. Opportunity and customer are reserved
# for buying-committee members, so those stages always sit on real deals.
_STAGE_WEIGHTS = {
    "subscriber": 16, "lead": 40, "mql": 9, "sal": 4, "sql": 3, "nurture": 18, "disqualified": 10,
}  # fmt: skip
_SOURCE_WEIGHTS = (
    (_CH.ORGANIC_SEARCH, 20), (_CH.PAID_SEARCH, 15), (_CH.PAID_SOCIAL, 12), (_CH.WEBINAR, 9),
    (_CH.CONTENT_SYNDICATION, 10), (_CH.EVENT, 7), (_CH.DIRECT, 8), (_CH.REFERRAL, 5),
    (_CH.PARTNER, 4), (_CH.EMAIL, 3), (_CH.OUTBOUND_SALES, 7),
)  # fmt: skip
_SUBSCRIBER_SOURCES = (
    (_CH.ORGANIC_SEARCH, 30), (_CH.DIRECT, 15), (_CH.EMAIL, 15), (_CH.CONTENT_SYNDICATION, 20),
    (_CH.PAID_SOCIAL, 10), (_CH.WEBINAR, 10),
)  # fmt: skip
_INBOUND_SOURCES = tuple((c, w) for c, w in _SOURCE_WEIGHTS if c != _CH.OUTBOUND_SALES)
_OUTBOUND_SOURCES = ((_CH.OUTBOUND_SALES, 1),)
# Follow-up marketing touches, by channel; email dominates as in any real database.
_ACTIVITY_WEIGHTS = (
    (_CH.EMAIL, 44), (_CH.ORGANIC_SEARCH, 14), (_CH.DIRECT, 9), (_CH.PAID_SEARCH, 6),
    (_CH.PAID_SOCIAL, 6), (_CH.WEBINAR, 7), (_CH.CONTENT_SYNDICATION, 5), (_CH.EVENT, 3),
    (_CH.PARTNER, 3), (_CH.REFERRAL, 3),
)  # fmt: skip
_FIRST_TOUCH = {
    _CH.EMAIL: T.EMAIL_CLICK,
    _CH.EVENT: T.EVENT_ATTENDED,
    _CH.CONTENT_SYNDICATION: T.CONTENT_DOWNLOAD,
    _CH.REFERRAL: T.FORM_SUBMIT,
    _CH.PARTNER: T.FORM_SUBMIT,
    _CH.OUTBOUND_SALES: T.SALES_EMAIL,
}
# The touch just before a contact becomes an MQL: (cumulative share, channel, type, page).
_TRIGGERS = (
    (0.35, _CH.DIRECT, T.DEMO_REQUEST.value, "demo"),
    (0.55, _CH.DIRECT, T.TRIAL_SIGNUP.value, "signup"),
    (0.75, _CH.ORGANIC_SEARCH, T.FORM_SUBMIT.value, "contact"),
    (1.01, _CH.ORGANIC_SEARCH, T.CONTENT_DOWNLOAD.value, "resources/roi-calculator"),
)
# Channels that need no campaign for a first touch.
_CAMPAIGN_OPTIONAL = (_CH.ORGANIC_SEARCH, _CH.DIRECT, _CH.REFERRAL, _CH.OUTBOUND_SALES)

_LOST_REASONS = (
    ("Chose a competitor: incumbent marketing automation suite", 14),
    ("Chose a competitor: cheaper point solution", 10),
    ("No budget this year", 18),
    ("No decision: the project stalled", 20),
    ("Timing: revisit next fiscal year", 12),
    ("Price too high for the value seen", 9),
    ("Missing an integration they need (ERP)", 6),
    ("Champion left the company", 4),
    ("Decided to build it in-house", 4),
    ("Did not pass the security review", 3),
)
_ADVANCE_REASONS: dict[str, tuple[str, ...]] = {
    "sal": ("Accepted by sales", "Accepted within the SLA", "Accepted after a first call"),
    "sql": (
        "Qualified on the discovery call: budget and timeline confirmed",
        "Pain confirmed; a decision maker is involved",
        "Qualified: active evaluation this quarter",
    ),
    "opportunity": ("Opportunity opened",),
    "customer": ("Closed won",),
}
_NURTURE_REASONS: dict[str, tuple[str, ...]] = {
    "lead": (
        "Not ready to buy; revisit next quarter",
        "No engagement for 90 days",
        "Early research only; no project yet",
    ),
    "mql": (
        "No response after six sales touches",
        "Timing: no project before next fiscal year",
        "Interested, but evaluating later in the year",
    ),
    "sal": (
        "Budget frozen until next fiscal year",
        "Went dark after the first call",
        "Evaluating again in six months",
    ),
    "sql": (
        "Project postponed by their leadership",
        "Lost to internal priorities for now",
    ),
    "disqualified": ("Second look: the company has grown into our target segment",),
}
_DISQUALIFY_REASONS: dict[str, tuple[str, ...]] = {
    "subscriber": ("Spam sign-up", "Fake or invalid contact details"),
    "lead": (
        "Student or job seeker",
        "Works for a competitor",
        "Fake or invalid contact details",
        "Too small: fewer than 10 employees",
        "Outside the regions we serve",
    ),
    "mql": (
        "No buying authority and no project",
        "Too small: fewer than 10 employees",
        "Consultant researching for a client",
    ),
    "sal": (
        "No budget and no project",
        "Wrong persona: no say in the decision",
        "Already under contract with a competitor for three years",
    ),
}

_MARKETERS = tuple(u.username for u in DEMO_USERS if u.role == Role.MARKETING)
_ACTIVE_STAGES = (Stage.SAL.value, Stage.SQL.value, Stage.OPPORTUNITY.value, Stage.CUSTOMER.value)
_OPEN, _WON, _LOST = Outcome.OPEN.value, Outcome.WON.value, Outcome.LOST.value


# ---------------------------------------------------------------------------
# Small helpers

_K = TypeVar("_K")


def _midnight(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _count(base: int, scale: float) -> int:
    return max(1, round(base * scale))


def _cumulative(weights: Iterable[float]) -> list[float]:
    return list(itertools.accumulate(weights))


_V = TypeVar("_V")


class _Weighted(Generic[_V]):
    """A weighted choice with precomputed cumulative weights: cheap in hot loops."""

    def __init__(self, pairs: Iterable[tuple[_V, float]]) -> None:
        items = list(pairs)
        self.values = [value for value, _weight in items]
        self.cum = _cumulative(weight for _value, weight in items)
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> _V:
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


@functools.cache
def _weighted(pairs: tuple[tuple[str, int], ...]) -> _Weighted[str]:
    return _Weighted(pairs)


# Letters that Unicode decomposition does not reduce to ASCII.
_FOLD = str.maketrans(
    {"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ß": "ss", "æ": "ae", "Æ": "AE", "ı": "i", "İ": "I"}  # noqa: RUF001
)


def _ascii(text: str) -> str:
    """Lower-case ASCII letters and digits only, as people write names into email addresses."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return re.sub(r"[^a-z0-9]", "", decomposed.encode("ascii", "ignore").decode().lower())


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _top_weighted(
    rng: random.Random, items: Sequence[_K], weights: Sequence[float], k: int
) -> list[_K]:
    """``k`` distinct items drawn with probability proportional to weight (Efraimidis-Spirakis)."""
    keyed = sorted(((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights)), reverse=True)
    return [items[i] for _key, i in keyed[:k]]


# ---------------------------------------------------------------------------
# The plan: plain objects, mutated while planning, written afterwards.


@dataclass(slots=True)
class _Account:
    name: str
    domain: str
    industry: str
    employees: int
    revenue: Decimal
    country: str
    owner: str = ""
    contacts: list[int] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    id: int = 0


@dataclass(slots=True)
class _Campaign:
    channel: str
    name: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    starts_on: date
    ends_on: date | None
    budget: Decimal | None
    actual_cost: Decimal | None
    lo: int  # earliest touch this campaign can produce
    hi: int  # latest touch
    moment: int  # when a webinar or event takes place; 0 otherwise
    url: str
    created: int
    id: int = 0


@dataclass(slots=True)
class _Person:
    first: str
    last: str
    email: str
    title: str
    seniority: str
    persona: str
    phone: str
    country: str
    account: int  # index into accounts, -1 for none
    free_mail: bool
    fit: int = 0
    engagement: int = 0
    initial: str = ""
    stage: str = ""
    # (to_stage, when, reason); the reason is filled in by the writer when empty
    steps: list[tuple[str, int, str]] = field(default_factory=list)
    outbound: bool = False
    source_channel: str = ""
    source_campaign: int = -1
    created: int = 0
    t_end: int = 0
    t_sales: int = -1
    mql_at: int = -1
    owner: str = ""
    opps: list[int] = field(default_factory=list)
    touches: int = 0
    updated: int = 0
    id: int = 0


@dataclass(slots=True)
class _Opportunity:
    account: int
    name: str
    amount: Decimal
    stage: str
    outcome: str
    lost_reason: str
    created: int
    closed: int  # when it closed; 0 while open
    close_date: date
    members: list[tuple[int, str]] = field(default_factory=list)
    owner: str = ""
    updated: int = 0
    id: int = 0


# A touch: (when, person index, channel, type, campaign index or -1, url)
_Touch = tuple[int, int, str, str, int, str]


@dataclass(slots=True)
class _Plan:
    start: int
    end: int
    seed: int
    accounts: list[_Account]
    campaigns: list[_Campaign]
    people: list[_Person]
    opportunities: list[_Opportunity]
    touches: list[_Touch]


# ---------------------------------------------------------------------------
# Planning


class _Planner:
    def __init__(self, *, seed: int, scale: float, today: date, progress: ProgressFn) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.scale = scale
        self.today = today
        self.progress = progress
        self.end = _midnight(today)
        self.start = self.end - 365 * _DAY
        # Touches stop a few hours before the end so that follow-ups stay in the window.
        self.last = self.end - 3 * _HOUR
        self.accounts: list[_Account] = []
        self.campaigns: list[_Campaign] = []
        self.people: list[_Person] = []
        self.opportunities: list[_Opportunity] = []
        self.touches: list[_Touch] = []
        self.emails: set[str] = set()  # lower-case; membership only, never iterated
        self.reps: dict[str, _Weighted[str]] = {}
        for team in (_AMERICAS, _EMEA):
            reps = [u.username for u in DEMO_USERS if u.team == team and u.role == Role.SALES_REP]
            # Some reps carry bigger books than others.
            self.reps[team] = _Weighted((name, 5.0 - i) for i, name in enumerate(reps))
        self.activity = _Weighted(_ACTIVITY_WEIGHTS)
        self.name_pools = {c[0]: _Weighted(_name_pools(c[0])) for c in _COUNTRIES}
        self.free_mail = _Weighted(_FREE_MAIL_GLOBAL)
        # Seconds after midnight, clustered in working hours across EMEA and the Americas.
        self.clock = [
            int(min(21.5, max(6.5, self.rng.gauss(14.0, 3.2))) * _HOUR) for _ in range(512)
        ]

    # -- orchestration

    def plan(self) -> _Plan:
        scale = self.scale
        self.progress("planning", 0, 6)
        self._plan_accounts(_count(2_000, scale))
        self._plan_campaigns(max(len(Channel), _count(30, scale)))
        self.progress("planning", 1, 6)
        self._plan_people(_count(20_000, scale))
        self.progress("planning", 2, 6)
        self._plan_opportunities(_count(1_500, scale))
        self.progress("planning", 3, 6)
        self._plan_lifecycles()
        self.progress("planning", 4, 6)
        self._plan_journeys(_count(300_000, scale))
        self.progress("planning", 5, 6)
        self._finish()
        self.progress("planning", 6, 6)
        return _Plan(
            start=self.start,
            end=self.end,
            seed=self.seed,
            accounts=self.accounts,
            campaigns=self.campaigns,
            people=self.people,
            opportunities=self.opportunities,
            touches=self.touches,
        )

    def _office_time(self, ts: int, lo: int, hi: int) -> int:
        """Move a moment to working hours on a weekday, unless that leaves [lo, hi]."""
        rng = self.rng
        day = ts - ts % _DAY
        weekday = (day // _DAY + 3) % 7  # 1970-01-01 was a Thursday; 0 is Monday
        if weekday >= 5 and rng.random() < 0.8:
            day -= (weekday - 4) * _DAY
        moved = day + self.clock[int(rng.random() * len(self.clock))]
        return moved if lo <= moved <= hi else ts

    # -- accounts

    def _plan_accounts(self, count: int) -> None:
        rng = self.rng
        industries = _Weighted((name, w) for name, w, _rpe, _s in _INDUSTRIES)
        countries = _Weighted((c[0], c[1]) for c in _COUNTRIES)
        names: set[str] = set()
        domains: set[str] = set()
        for _ in range(count):
            industry = industries.pick(rng)
            country = countries.pick(rng)
            employees = int(min(50_000, max(10, rng.lognormvariate(math.log(180), 1.45))))
            per_employee = _INDUSTRY_INFO[industry][0] * rng.lognormvariate(0, 0.35)
            revenue = Decimal(max(100_000, round(employees * per_employee, -4)))
            name, domain = self._company_name(industry, country, names, domains)
            self.accounts.append(
                _Account(
                    name=name,
                    domain=domain,
                    industry=industry,
                    employees=employees,
                    revenue=revenue,
                    country=country,
                )
            )

    def _company_name(
        self, industry: str, country: str, names: set[str], domains: set[str]
    ) -> tuple[str, str]:
        rng = self.rng
        suffixes = _INDUSTRY_INFO[industry][1]
        _code, _w, _pools, _phone, legal, tlds = _COUNTRY_INFO[country]
        for attempt in itertools.count():
            style = rng.random()
            suffix = rng.choice(suffixes)
            if style < 0.5:
                base = rng.choice(_PREFIXES) + rng.choice(_ROOTS)
                name = base if rng.random() < 0.3 else f"{base} {suffix}"
                stem = base if rng.random() < 0.6 else name
            elif style < 0.75:
                base = rng.choice(_SYLLABLES_START) + rng.choice(_SYLLABLES_END)
                name = base if rng.random() < 0.5 else f"{base} {suffix}"
                stem = base
            elif style < 0.9:
                name = f"{rng.choice(_PREFIXES)} {suffix}"
                stem = name
            else:
                first, second = rng.sample(_LAST_NAMES["en"], 2)
                name = f"{first} & {second}"
                stem = first + second
            if rng.random() < 0.25:
                name = f"{name} {legal}"
            tld = rng.choice(tlds)
            if industry == "Software" and rng.random() < 0.25:
                tld = rng.choice(("io", "ai", "io"))
            domain = f"{_ascii(stem)}.{tld}"
            if attempt > 50:  # a very large demo can exhaust the word lists
                domain = f"{_ascii(stem)}{attempt}.{tld}"
                name = f"{name} {attempt}"
            if name not in names and domain not in domains:
                names.add(name)
                domains.add(domain)
                return name, domain
        raise AssertionError("unreachable")

    # -- campaigns

    def _plan_campaigns(self, count: int) -> None:
        rng = self.rng
        chosen = [_CAMPAIGNS[i % len(_CAMPAIGNS)] for i in range(count)]
        dated = [i for i, (_channel, spec) in enumerate(chosen) if spec[3] is not None]
        # Interleave channels over the year rather than in template order.
        slots = list(range(len(dated)))
        rng.shuffle(slots)
        start_day: dict[int, int] = {}
        for slot, index in zip(slots, dated, strict=True):
            offset = 7 + int((slot + rng.random()) * 350 / max(1, len(dated)))
            if chosen[index][0] == _CH.WEBINAR:
                offset = max(offset, 21)  # room for registrations before the day
            start_day[index] = min(offset, 362)
        first_day = datetime.fromtimestamp(self.start, UTC).date()
        for index, (channel, (title, source, medium, duration, low, high)) in enumerate(chosen):
            title = title.replace(" - ", f" {_DASH} ")
            repeat = index // len(_CAMPAIGNS)
            if repeat:
                title = f"{title} ({repeat + 1})"
            if duration is None:
                starts_on, ends_on = first_day, None
                lo, hi = self.start, self.last
                label = ""
            else:
                starts_on = first_day + timedelta(days=start_day[index])
                ends_on = starts_on + timedelta(days=duration)
                lo = _midnight(starts_on) + 8 * _HOUR
                hi = min(self.last, _midnight(ends_on) + 18 * _HOUR)
                quarter = (starts_on.month - 1) // 3 + 1
                label = f"{starts_on:%b %Y}" if duration <= 3 else f"Q{quarter} {starts_on.year}"
            moment = 0
            if channel == _CH.WEBINAR:
                moment = _midnight(starts_on) + 16 * _HOUR
                lo, hi = max(self.start, moment - 21 * _DAY), min(self.last, moment - _HOUR)
            elif channel == _CH.EVENT:
                moment = lo
            name = f"{title} ({label})" if label else title
            utm_campaign = slugify(f"{title} {label}")[:80]
            budget = actual = None
            if high:
                budget = Decimal(round(rng.uniform(low * 1_000, high * 1_000), -2))
                if ends_on is None:
                    share = rng.uniform(0.7, 1.0)
                elif ends_on < self.today:
                    share = rng.uniform(0.82, 1.08)
                else:
                    elapsed = (self.today - starts_on).days / max(1, (ends_on - starts_on).days)
                    share = max(0.0, elapsed) * rng.uniform(0.9, 1.1)
                actual = Decimal(round(float(budget) * share, -1))
            self.campaigns.append(
                _Campaign(
                    channel=channel,
                    name=name,
                    utm_source=source,
                    utm_medium=medium,
                    utm_campaign=utm_campaign,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    budget=budget,
                    actual_cost=actual,
                    lo=lo,
                    hi=max(lo, hi),
                    moment=moment,
                    url=self._campaign_url(channel, title, source, medium, utm_campaign),
                    created=_midnight(starts_on) - 21 * _DAY + 10 * _HOUR,
                )
            )
        # Ids follow the calendar, as they would in a real system.
        self.campaigns.sort(key=lambda c: (c.starts_on, c.name))
        self._index_campaigns()

    @staticmethod
    def _campaign_url(channel: str, title: str, source: str, medium: str, utm: str) -> str:
        slug = slugify(title.split(_DASH)[-1].split(":")[-1])
        query = f"utm_source={source}&utm_medium={medium}&utm_campaign={utm}"
        if channel == _CH.WEBINAR:
            return f"{_SITE}/webinars/{slug}?{query}"
        if channel == _CH.EVENT:
            return f"{_SITE}/events/{slug}"
        if channel == _CH.EMAIL:
            return f"{_SITE}/resources/{slug}?{query}"
        if channel == _CH.REFERRAL:
            return f"{_SITE}/?ref=customer-referral"
        if channel in (_CH.ORGANIC_SEARCH, _CH.DIRECT, _CH.OUTBOUND_SALES):
            return ""
        return f"{_SITE}/lp/{slug}?{query}"

    def _index_campaigns(self) -> None:
        # For each channel and day of the window, the campaigns that can produce a touch.
        self.by_channel: dict[str, list[int]] = {c.value: [] for c in Channel}
        self.active: dict[str, list[list[int]]] = {
            c.value: [[] for _ in range(366)] for c in Channel
        }
        for index, campaign in enumerate(self.campaigns):
            self.by_channel[campaign.channel].append(index)
            first = max(0, (campaign.lo - self.start) // _DAY)
            last = min(365, (campaign.hi - self.start) // _DAY)
            for day in range(first, last + 1):
                self.active[campaign.channel][day].append(index)
        self.always_on = {
            channel: next(
                (i for i in self.by_channel[channel] if self.campaigns[i].ends_on is None), -1
            )
            for channel in (_CH.ORGANIC_SEARCH, _CH.DIRECT, _CH.REFERRAL)
        }

    # -- people

    def _plan_people(self, count: int) -> None:
        rng = self.rng
        accounts = self.accounts
        without_account = round(count * 0.05) if count >= 20 else 0
        with_account = count - without_account
        per_account = [0] * len(accounts)
        for i in range(min(with_account, len(accounts))):
            per_account[i] = 1
        spare = with_account - sum(per_account)
        if spare > 0:
            cum = _cumulative(a.employees**0.45 for a in accounts)
            for i in rng.choices(range(len(accounts)), cum_weights=cum, k=spare):
                per_account[i] += 1
        free_in_accounts = set(rng.sample(range(with_account), round(with_account * 0.03)))
        countries = _Weighted((c[0], c[1]) for c in _COUNTRIES)
        n = 0
        for index, account in enumerate(accounts):
            for _ in range(per_account[index]):
                self._add_person(account.country, index, free_mail=n in free_in_accounts)
                n += 1
        for _ in range(without_account):
            self._add_person(countries.pick(rng), -1, free_mail=True)

    def _add_person(self, country: str, account_index: int, *, free_mail: bool) -> None:
        rng = self.rng
        account = self.accounts[account_index] if account_index >= 0 else None
        pool = self.name_pools[country].pick(rng)
        first = rng.choice(_FIRST_NAMES[pool])
        last = rng.choice(_LAST_NAMES[pool])
        seniority, persona, title = self._job(account.employees if account else 50)
        if account is not None and not free_mail:
            email = self._work_email(first, last, account.domain)
        else:
            email = self._free_email(first, last, country)
        self.emails.add(email)
        person = _Person(
            first=first,
            last=last,
            email=email,
            title=title,
            seniority=seniority,
            persona=persona,
            phone=self._phone(country) if rng.random() < 0.55 else "",
            country=country,
            account=account_index,
            free_mail=free_mail or account is None,
        )
        person.fit = self._fit(person, account)
        if account is not None:
            account.contacts.append(len(self.people))
        self.people.append(person)

    def _job(self, employees: int) -> tuple[str, str, str]:
        rng = self.rng
        weights = [float(w) for w in _SENIORITY_WEIGHTS]
        if employees < 50:  # small firms: founders answer their own email
            weights[5] *= 4
            weights[4] *= 2
            weights[3] *= 0.5
        elif employees > 5_000:
            weights[5] *= 0.05
            weights[4] *= 0.3
        seniority = rng.choices(_SENIORITIES, weights=weights)[0]
        if seniority == "owner":
            return seniority, "executive", rng.choice(_OWNER_TITLES)
        if seniority == "c_level":
            persona = rng.choices(_CHIEF_PERSONAS, weights=_CHIEF_WEIGHTS)[0]
            return seniority, persona, rng.choice(_CHIEF_TITLES[persona])
        persona = rng.choices(_PERSONAS, weights=_PERSONA_WEIGHTS)[0]
        area = rng.choice(_AREAS[persona])
        if seniority == "individual":
            title = rng.choice(_INDIVIDUAL_TITLES[persona])
        elif seniority == "manager":
            title = rng.choice(
                (
                    f"{area} Manager",
                    f"{area} Manager",
                    f"Senior {area} Manager",
                    f"{area} Team Lead",
                )
            )
        elif seniority == "director":
            title = rng.choice(
                (
                    f"Director of {area}",
                    f"{area} Director",
                    f"Head of {area}",
                    f"Senior Director, {area}",
                )
            )
        else:
            title = rng.choice(
                (f"VP of {area}", f"VP {area}", f"Vice President, {area}", f"SVP, {area}")
            )
        return seniority, persona, title

    def _work_email(self, first: str, last: str, domain: str) -> str:
        f, l_ = _ascii(first) or "info", _ascii(last) or "contact"
        style = self.rng.random()
        if style < 0.8:
            candidates = [f"{f}.{l_}", f"{f[0]}{l_}", f"{f}.{l_[0]}", f"{f}{l_}"]
        elif style < 0.92:
            candidates = [f"{f[0]}{l_}", f"{f}.{l_}", f"{f[0]}.{l_}"]
        else:
            candidates = [f"{f}_{l_}", f"{f}.{l_}", f"{f}"]
        numbered = (f"{f}.{l_}{n}" for n in range(2, 1_000))
        for local in itertools.chain(candidates, numbered):
            email = f"{local}@{domain}"
            if email not in self.emails:
                return email
        raise AssertionError(f"no free address at {domain}")

    def _free_email(self, first: str, last: str, country: str) -> str:
        rng = self.rng
        local_domains = _FREE_MAIL_LOCAL.get(country, ())
        f, l_ = _ascii(first) or "mail", _ascii(last) or "box"
        while True:
            if local_domains and rng.random() < 0.5:
                domain = rng.choice(local_domains)
            else:
                domain = self.free_mail.pick(rng)
            pattern = rng.random()
            if pattern < 0.4:
                local = f"{f}.{l_}"
            elif pattern < 0.75:
                local = f"{f}.{l_}{rng.randint(1, 99)}"
            else:
                local = f"{f[0]}{l_}{rng.randint(1960, 2004)}"
            email = f"{local}@{domain}"
            if email not in self.emails:
                return email

    def _phone(self, country: str) -> str:
        rng = self.rng
        digits = f"{rng.randrange(100_000_000):08d}"
        if country == "US":
            # 555-01XX numbers are reserved for fiction.
            return f"+1 {rng.choice(_US_AREA_CODES)} 555 01{digits[:2]}"
        if country == "CA":
            return f"+1 {rng.choice(_CA_AREA_CODES)} 555 01{digits[:2]}"
        if country == "GB":
            return f"+44 20 7946 0{digits[:3]}"  # Ofcom's drama range
        prefix = _COUNTRY_INFO[country][3]
        return f"{prefix} {digits[:2]} {digits[2:5]} {digits[5:]}"

    def _fit(self, person: _Person, account: _Account | None) -> int:
        score: float = _SENIORITY_FIT[person.seniority] + _PERSONA_FIT[person.persona]
        if account is not None:
            score += min(25.0, max(0.0, 6 * math.log10(account.employees) - 1))
            score += _INDUSTRY_FIT[account.industry]
        if person.free_mail:
            score -= 20
        score += self.rng.gauss(0, 4)
        return int(min(100, max(0, round(score))))

    def _territory_rep(self, country: str) -> str:
        team = _AMERICAS if country in _AMERICAS_COUNTRIES else _EMEA
        return self.reps[team].pick(self.rng)

    def _account_owner(self, account: _Account) -> str:
        if not account.owner:
            account.owner = self._territory_rep(account.country)
        return account.owner

    # -- opportunities

    def _plan_opportunities(self, count: int) -> None:
        rng = self.rng
        eligible = [
            i
            for i, account in enumerate(self.accounts)
            if any(not self.people[p].free_mail for p in account.contacts)
        ]
        if not eligible:
            return
        count = min(count, 2 * len(eligible))
        doubles = max(round(count * 0.2), count - len(eligible))
        singles = count - 2 * doubles
        chosen = _top_weighted(
            rng, eligible, [self.accounts[i].employees ** 0.4 for i in eligible], singles + doubles
        )
        plans: list[tuple[int, int]] = [(i, 2) for i in chosen[:doubles]]
        plans += [(i, 1) for i in chosen[doubles:]]
        for account_index, deals in plans:
            self._plan_deals(account_index, deals)
        # Ids follow creation time.
        self.opportunities.sort(key=lambda o: (o.created, o.account))
        for index, opportunity in enumerate(self.opportunities):
            for member, _role in opportunity.members:
                self.people[member].opps.append(index)

    def _plan_deals(self, account_index: int, deals: int) -> None:
        rng = self.rng
        account = self.accounts[account_index]
        first_open = self.start + 21 * _DAY
        latest = self.end - _DAY
        span = latest - first_open
        previous: _Opportunity | None = None
        for number in range(deals):
            last = number == deals - 1
            if last:
                outcome = _Weighted(((_WON, 27), (_LOST, 43), (_OPEN, 30))).pick(rng)
            else:
                outcome = _WON if rng.random() < 0.45 else _LOST
            cycle = int(self._sales_cycle_days(account.employees) * _DAY)
            if previous is None:
                if deals > 1:
                    created = first_open + int(rng.uniform(0, 0.3) * span)
                    cycle = min(cycle, int(0.35 * span))
                elif outcome == _OPEN:
                    created = self.end - int(150 * rng.random() ** 1.3 * _DAY) - 2 * _DAY
                else:
                    if latest - cycle < first_open:
                        cycle = int((latest - first_open) * rng.uniform(0.3, 0.9))
                    created = rng.randint(first_open, latest - cycle)
            else:
                created = previous.closed + int(rng.uniform(14, 40) * _DAY)
                if outcome == _OPEN:
                    created = max(created, self.end - int(rng.uniform(2, 150) * _DAY))
                else:
                    cycle = min(cycle, latest - created)
                    if cycle < 14 * _DAY:
                        outcome = _OPEN
            created = self._office_time(created, first_open, latest - _DAY)
            self.opportunities.append(
                self._deal(account_index, account, outcome, created, cycle, previous)
            )
            previous = self.opportunities[-1]

    def _sales_cycle_days(self, employees: int) -> float:
        median = 30 + 18 * math.log10(max(10, employees) / 10)
        return min(200.0, max(14.0, median * self.rng.lognormvariate(0, 0.4)))

    def _deal(
        self,
        account_index: int,
        account: _Account,
        outcome: str,
        created: int,
        cycle: int,
        previous: _Opportunity | None,
    ) -> _Opportunity:
        rng = self.rng
        owner = self._account_owner(account)
        expansion = previous is not None and previous.outcome == _WON
        amount = (9_000 + 40 * account.employees**0.85) * rng.lognormvariate(0, 0.35)
        if expansion:
            amount *= 0.4
        amount_value = Decimal(max(3_000, int(round(amount / 500) * 500)))
        plan = (
            "Growth"
            if account.employees < 200
            else "Scale"
            if account.employees < 2_000
            else "Enterprise"
        )
        if expansion:
            label = rng.choice(
                (
                    f"Expansion, {rng.randint(2, 12) * 5} more seats",
                    "Attribution add-on",
                    "Journey analytics add-on",
                )
            )
        elif previous is not None:
            label = f"{plan} plan (second evaluation)"
        else:
            label = f"{plan} plan"
        lost_reason = ""
        if outcome == _OPEN:
            closed = 0
            # Older deals have usually moved further, but some stall early.
            progress = (self.end - created) / _DAY / 90 * rng.uniform(0.3, 1.5)
            stage = (
                OpportunityStage.DISCOVERY if progress < 0.2
                else OpportunityStage.DEMO if progress < 0.5
                else OpportunityStage.PROPOSAL if progress < 0.85
                else OpportunityStage.NEGOTIATION
            ).value  # fmt: skip
            close_date = self.today + timedelta(days=rng.randint(10, 100))
            updated = max(created, self.end - int(rng.uniform(1, 240) * _HOUR))
        else:
            closed = self._office_time(created + cycle, created + _DAY, self.end - 6 * _HOUR)
            close_date = datetime.fromtimestamp(closed, UTC).date()
            if outcome == _WON:
                stage = OpportunityStage.CLOSED_WON.value
            else:
                stage = OpportunityStage.CLOSED_LOST.value
                lost_reason = _Weighted(_LOST_REASONS).pick(rng)
            updated = closed
        opportunity = _Opportunity(
            account=account_index,
            name=f"{account.name} {_DASH} {label}",
            amount=amount_value,
            stage=stage,
            outcome=outcome,
            lost_reason=lost_reason,
            created=created,
            closed=closed,
            close_date=close_date,
            owner=owner,
            updated=updated,
        )
        opportunity.members = self._committee(account, lost=outcome == _LOST)
        return opportunity

    def _committee(self, account: _Account, *, lost: bool) -> list[tuple[int, str]]:
        rng = self.rng
        candidates = [p for p in account.contacts if not self.people[p].free_mail]
        size = min(len(candidates), rng.choices((1, 2, 3, 4, 5), weights=(15, 25, 28, 20, 12))[0])
        weights = [1 + _SENIORITY_RANK[self.people[p].seniority] for p in candidates]
        members = _top_weighted(rng, candidates, weights, size)
        members.sort(key=lambda p: -_SENIORITY_RANK[self.people[p].seniority])
        roles: list[tuple[int, str]] = []
        for position, member in enumerate(members):
            seniority = self.people[member].seniority
            if position == 0:
                junior = size == 1 and seniority in ("individual", "manager")
                role = CommitteeRole.CHAMPION if junior else CommitteeRole.DECISION_MAKER
            elif position == 1:
                role = CommitteeRole.CHAMPION
            elif rng.random() < (0.3 if lost else 0.12):
                role = CommitteeRole.BLOCKER
            elif seniority in ("individual", "manager") and rng.random() < 0.6:
                role = CommitteeRole.USER
            else:
                role = CommitteeRole.INFLUENCER
            roles.append((member, role.value))
        return roles

    # -- lifecycles

    def _plan_lifecycles(self) -> None:
        stages = list(_STAGE_WEIGHTS)
        for person in self.people:
            if person.opps:
                self._committee_lifecycle(person)
            else:
                self._lifecycle(person, stages)

    def _pick_source(
        self, lo: int, hi: int, sources: Sequence[tuple[str, int]]
    ) -> tuple[str, int, int]:
        """A first touch: (channel, campaign index or -1, time in [lo, hi])."""
        rng = self.rng
        choice = _weighted(tuple(sources))
        hi = max(lo, hi)
        for _ in range(6):
            channel = choice.pick(rng)
            options = [
                (index, max(lo, c.lo), min(hi, c.hi))
                for index in self.by_channel[channel]
                for c in [self.campaigns[index]]
                if c.lo <= hi and c.hi >= lo
            ]
            if options:
                index, a, b = rng.choice(options)
                at = self._office_time(rng.randint(a, max(a, b)), a, b)
                return channel, index, at
            if channel in _CAMPAIGN_OPTIONAL:
                return (
                    channel,
                    self.always_on.get(channel, -1),
                    self._office_time(rng.randint(lo, hi), lo, hi),
                )
        channel = _CH.ORGANIC_SEARCH
        return channel, self.always_on[channel], rng.randint(lo, hi)

    def _lifecycle(self, person: _Person, stages: list[str]) -> None:
        rng = self.rng
        weights = [float(_STAGE_WEIGHTS[s]) for s in stages]
        if person.free_mail:
            # The MQL definition excludes free-mail addresses, so these never qualify.
            weights = [
                w if s in ("subscriber", "lead", "nurture", "disqualified") else 0
                for s, w in zip(stages, weights, strict=True)
            ]
        elif person.fit >= 60:
            weights = [
                w * (2.0 if s in ("mql", "sal", "sql") else 0.5 if s == "disqualified" else 1.0)
                for s, w in zip(stages, weights, strict=True)
            ]
        elif person.fit < 40:
            weights = [
                w * (0.4 if s in ("mql", "sal", "sql") else 1.6 if s == "disqualified" else 1.0)
                for s, w in zip(stages, weights, strict=True)
            ]
        final = rng.choices(stages, weights=weights)[0]
        if final == "subscriber":
            sources: Sequence[tuple[str, int]] = _SUBSCRIBER_SOURCES
        elif final == "mql" or person.free_mail:
            sources = _INBOUND_SOURCES
        else:
            sources = _SOURCE_WEIGHTS
        # The channel decides whether the path passes through MQL, so pick it first
        # from all channels and place the time once the path is known.
        outbound = _weighted(tuple(sources)).pick(rng) == _CH.OUTBOUND_SALES
        person.outbound = outbound
        initial, moves = self._path(final, person, outbound)
        gaps = [self._gap(before, after) for before, after in itertools.pairwise([initial, *moves])]
        total = sum(gaps)
        channel, campaign, created = self._pick_source(
            self.start,
            self.end - 6 * _HOUR - total,
            _OUTBOUND_SOURCES if outbound else [s for s in sources if s[0] != _CH.OUTBOUND_SALES],
        )
        available = self.end - 6 * _HOUR - created
        if total > available:
            factor = available / total * 0.98
            gaps = [max(60, int(g * factor)) for g in gaps]
        person.source_channel, person.source_campaign, person.created = channel, campaign, created
        person.initial = initial
        times = list(itertools.accumulate(gaps, initial=created))[1:]
        previous = created
        for i, (stage, when) in enumerate(zip(moves, times, strict=True)):
            upper = times[i + 1] - 60 if i + 1 < len(times) else self.end - 6 * _HOUR
            previous = self._office_time(when, previous + 60, upper)
            person.steps.append((stage, previous, ""))
        if outbound or any(s in _ACTIVE_STAGES for s, _w, _r in person.steps):
            person.owner = self._account_owner(self.accounts[person.account])

    def _path(self, final: str, person: _Person, outbound: bool) -> tuple[str, list[str]]:
        """The stages a non-committee contact went through, as (initial, later moves)."""
        rng = self.rng
        mql: list[str] = [] if outbound else ["mql"]
        initial = "lead" if outbound or rng.random() < 0.75 else "subscriber"
        lead: list[str] = ["lead"] if initial == "subscriber" else []
        if final == "subscriber":
            return "subscriber", []
        if final == "lead":
            return initial, lead
        if final == "mql":
            if rng.random() < 0.1:
                return initial, [*lead, "mql", "nurture", "mql"]
            return initial, [*lead, "mql"]
        if final == "sal":
            return initial, [*lead, *mql, "sal"]
        if final == "sql":
            return initial, [*lead, *mql, "sal", "sql"]
        if final == "nurture":
            roll = rng.random()
            if person.free_mail or roll < 0.35:
                return initial, [*lead, "nurture"]
            if roll < 0.68 and not outbound:
                return initial, [*lead, "mql", "nurture"]
            if roll < 0.88:
                return initial, [*lead, *mql, "sal", "nurture"]
            if roll < 0.97:
                return initial, [*lead, *mql, "sal", "sql", "nurture"]
            return "lead", ["disqualified", "nurture"]
        # disqualified
        roll = rng.random()
        if initial == "subscriber" and roll < 0.4:
            return "subscriber", ["disqualified"]
        if person.free_mail or roll < 0.6:
            return initial, [*lead, "disqualified"]
        if roll < 0.82 and not outbound:
            return initial, [*lead, "mql", "disqualified"]
        return initial, [*lead, *mql, "sal", "disqualified"]

    def _gap(self, before: str, after: str) -> int:
        """Seconds between two stage changes: how long each step takes in practice."""
        rng = self.rng
        if before == "nurture":
            low, high = 20.0, 120.0
        else:
            low, high = {
                "lead": (5.0, 120.0),
                "mql": (2.0, 90.0),
                "sal": (0.05, 4.0),  # the hand-over SLA is measured in hours
                "sql": (2.0, 25.0),
                "nurture": (7.0, 90.0),
                "disqualified": (0.05, 30.0),
            }[after]
        return max(60, int(_log_uniform(rng, low, high) * _DAY))

    def _committee_lifecycle(self, person: _Person) -> None:
        rng = self.rng
        owner = self._account_owner(self.accounts[person.account])
        person.owner = owner
        deals = [self.opportunities[i] for i in person.opps]
        anchor = deals[0].created + rng.randint(0, 2 * _HOUR)
        variant = _Weighted((("inbound", 45), ("outbound", 25), ("added", 30))).pick(rng)
        if variant == "inbound":
            person.initial = "subscriber" if rng.random() < 0.15 else "lead"
            moves = (["lead"] if person.initial == "subscriber" else []) + ["mql", "sal", "sql"]
            lo, hi, sources = (
                max(self.start, anchor - 200 * _DAY),
                anchor - 3 * _DAY,
                _INBOUND_SOURCES,
            )
        elif variant == "outbound":
            person.initial, moves = "lead", ["sal", "sql"]
            lo, hi, sources = (
                max(self.start, anchor - 120 * _DAY),
                anchor - 2 * _DAY,
                _OUTBOUND_SOURCES,
            )
        else:  # sales added a colleague straight to the deal
            person.initial, moves = "lead", []
            lo, hi, sources = max(self.start, anchor - 14 * _DAY), anchor - _HOUR, _OUTBOUND_SOURCES
        person.outbound = variant != "inbound"
        channel, campaign, created = self._pick_source(lo, max(lo, hi), sources)
        person.source_channel, person.source_campaign, person.created = channel, campaign, created
        between = sorted(rng.randint(created + 60, anchor - 60) for _ in moves)
        previous = created
        for stage, when in zip(moves, between, strict=True):
            # Strictly increasing, even on equal draws, and in office hours where possible.
            previous = self._office_time(max(when, previous + 60), previous + 60, anchor - 60)
            person.steps.append((stage, previous, ""))
        state = ""
        for deal in deals:
            if state == "customer":
                continue  # an expansion: the contact already is a customer
            if state == "nurture":
                again = deal.created - rng.randint(_DAY, 5 * _DAY)
                again = self._office_time(again, again - _DAY, deal.created - _HOUR)
                person.steps.append(("sql", again, "Re-engaged for a new evaluation"))
            joined = max(deal.created, person.steps[-1][1] + 60 if person.steps else created + 60)
            person.steps.append(
                ("opportunity", joined, f"Added to the buying committee of {deal.name}")
            )
            state = "opportunity"
            if deal.outcome == _WON:
                person.steps.append(("customer", deal.closed, f"Closed won: {deal.name}"))
                state = "customer"
            elif deal.outcome == _LOST:
                recycled = deal.closed + rng.randint(_HOUR, 3 * _DAY)
                recycled = min(
                    self._office_time(recycled, deal.closed + 60, recycled), self.end - 90
                )
                person.steps.append(("nurture", recycled, f"Opportunity lost: {deal.lost_reason}"))
                state = "nurture"

    # -- journeys

    def _plan_journeys(self, target: int) -> None:
        rng = self.rng
        people = self.people
        wanted: list[float] = []
        floor: list[int] = []
        for person in people:
            steps = person.steps
            person.stage = steps[-1][0] if steps else person.initial
            last_change = steps[-1][1] if steps else person.created
            if person.stage == "opportunity":
                t_end = self.end - rng.randint(3 * _HOUR, 7 * _DAY)
            else:
                t_end = last_change + int(rng.uniform(0.2, 1.0) * _TAIL_DAYS[person.stage] * _DAY)
            person.t_end = max(min(t_end, self.last), last_change, person.created + _HOUR)
            active = [when for stage, when, _r in steps if stage in _ACTIVE_STAGES]
            person.t_sales = person.created if person.outbound else (active[0] if active else -1)
            mql = [when for stage, when, _r in steps if stage == "mql"]
            person.mql_at = mql[0] if mql else -1
            span_days = (person.t_end - person.created) / _DAY
            intensity = 0.35 + 0.65 * min(1.0, span_days / 120)
            wanted.append(_TOUCH_MEDIAN[person.stage] * rng.lognormvariate(0, 0.75) * intensity)
            floor.append(2 if person.mql_at >= 0 else 1)
        counts = self._apportion(wanted, floor, target)
        total = len(people)
        for index, person in enumerate(people):
            person.touches = counts[index]
            self._journey(index, person)
            if index % 2_000 == 0:
                self.progress("journeys", index, total)
        self.progress("journeys", total, total)

    def _apportion(self, wanted: list[float], floor: list[int], target: int) -> list[int]:
        """Whole touch counts near ``wanted``, at least ``floor`` each, summing to ``target``."""
        rng = self.rng
        factor = target / max(1e-9, sum(wanted))
        counts = [
            max(low, min(400, round(w * factor))) for w, low in zip(wanted, floor, strict=True)
        ]
        difference = target - sum(counts)
        indexes = range(len(counts))
        if difference > 0:
            cum = _cumulative(c + 1 for c in counts)
            for i in rng.choices(indexes, cum_weights=cum, k=difference):
                counts[i] += 1
        while difference < 0:
            i = rng.randrange(len(counts))
            if counts[i] > floor[i]:
                counts[i] -= 1
                difference += 1
            elif sum(counts) == sum(floor):
                break  # the floor alone exceeds the target
        return counts

    def _journey(self, index: int, person: _Person) -> None:
        rng = self.rng
        lo, hi = person.created, person.t_end
        out: list[_Touch] = []
        room = person.touches
        out.extend(self._first_touches(index, person, room))
        if person.mql_at >= 0:
            out.append(self._trigger(index, person))
        while len(out) < room:
            at = self._office_time(rng.randint(lo + 60, max(lo + 60, hi)), lo + 60, hi)
            if 0 <= person.t_sales <= at and rng.random() < 0.4:
                out.append(self._sales_touch(index, at))
            else:
                out.extend(self._marketing_touches(index, at, hi, room - len(out)))
        del out[room:]
        self.touches.extend(out)

    def _first_touches(self, index: int, person: _Person, room: int) -> list[_Touch]:
        rng = self.rng
        at, channel, c = person.created, person.source_channel, person.source_campaign
        url = self.campaigns[c].url if c >= 0 else ""
        if channel in (_CH.PAID_SEARCH, _CH.PAID_SOCIAL):
            touches = [(at, index, channel, T.AD_CLICK.value, c, url)]
            if room > 2:
                touches.append((at + rng.randint(5, 90), index, channel, T.PAGE_VIEW.value, c, url))
            return touches
        if channel == _CH.WEBINAR:
            touches = [(at, index, channel, T.WEBINAR_REGISTERED.value, c, url)]
            moment = self.campaigns[c].moment if c >= 0 else 0
            if room > 2 and at < moment <= person.t_end and rng.random() < 0.55:
                touches.append(
                    (moment + rng.randint(0, 900), index, channel, T.WEBINAR_ATTENDED.value, c, "")
                )
            return touches
        if channel in (_CH.ORGANIC_SEARCH, _CH.DIRECT):
            # Earlier anonymous visits are stitched to the contact once a form is sent.
            kind = T.PAGE_VIEW if rng.random() < 0.5 else T.FORM_SUBMIT
            url = rng.choice(_BLOG_PAGES if channel == _CH.ORGANIC_SEARCH else _DIRECT_PAGES)
        else:
            kind = _FIRST_TOUCH[channel]
        return [(at, index, channel, kind.value, c, url)]

    def _trigger(self, index: int, person: _Person) -> _Touch:
        """The high-intent touch that tipped the contact over the MQL line."""
        rng = self.rng
        at = max(person.created + 1, person.mql_at - rng.randint(120, 1_800))
        roll = rng.random()
        _share, channel, kind, path = next(t for t in _TRIGGERS if roll < t[0])
        return (at, index, channel, kind, self.always_on[channel], f"{_SITE}/{path}")

    def _sales_touch(self, index: int, at: int) -> _Touch:
        roll = self.rng.random()
        kind = T.SALES_EMAIL if roll < 0.5 else T.SALES_CALL if roll < 0.8 else T.MEETING
        return (at, index, _CH.OUTBOUND_SALES, kind.value, -1, "")

    def _marketing_touches(self, index: int, at: int, hi: int, room: int) -> list[_Touch]:
        """One marketing interaction at ``at``: one touch, or two when one leads to another."""
        rng = self.rng
        channel = self.activity.pick(rng)
        running: list[int] = []
        if channel not in (_CH.ORGANIC_SEARCH, _CH.DIRECT):
            running = self.active[channel][(at - self.start) // _DAY]
        if not running:
            # Without a running campaign to respond to, people find the site by search.
            if channel != _CH.DIRECT:
                channel = _CH.ORGANIC_SEARCH
            pages = _DIRECT_PAGES if channel == _CH.DIRECT else _BLOG_PAGES
            return [
                (at, index, channel, T.PAGE_VIEW.value, self.always_on[channel], rng.choice(pages))
            ]
        c = running[int(rng.random() * len(running))]
        campaign = self.campaigns[c]

        def touch(when: int, kind: T, url: str = campaign.url) -> _Touch:
            return (when, index, channel, kind.value, c, url)

        follow = room > 1
        if channel == _CH.EMAIL:
            touches = [touch(at, T.EMAIL_OPEN, "")]
            if follow and rng.random() < 0.35:
                touches.append(touch(min(hi, at + rng.randint(30, 5_400)), T.EMAIL_CLICK))
            return touches
        if channel in (_CH.PAID_SEARCH, _CH.PAID_SOCIAL):
            touches = [touch(at, T.AD_CLICK)]
            if follow:
                touches.append(touch(min(hi, at + rng.randint(5, 90)), T.PAGE_VIEW))
            return touches
        if channel == _CH.WEBINAR:
            touches = [touch(at, T.WEBINAR_REGISTERED)]
            if follow and at < campaign.moment <= hi and rng.random() < 0.5:
                touches.append(touch(campaign.moment + rng.randint(0, 900), T.WEBINAR_ATTENDED, ""))
            return touches
        if channel == _CH.EVENT:
            return [touch(at, T.EVENT_ATTENDED, "")]
        if channel == _CH.CONTENT_SYNDICATION:
            return [touch(at, T.CONTENT_DOWNLOAD)]
        if channel == _CH.PARTNER:
            return [touch(at, T.FORM_SUBMIT if rng.random() < 0.4 else T.PAGE_VIEW)]
        return [touch(at, T.PAGE_VIEW)]  # referral

    # -- scores, owners and timestamps

    def _finish(self) -> None:
        rng = self.rng
        touches = self.touches
        people = self.people
        # Engagement: recent touches count most, high-intent ones more than opens.
        weight = {
            T.EMAIL_OPEN.value: 0.3, T.PAGE_VIEW.value: 0.5, T.DEMO_REQUEST.value: 3.0,
            T.TRIAL_SIGNUP.value: 2.5, T.MEETING.value: 1.5, T.SALES_CALL.value: 1.2,
        }  # fmt: skip
        heat = [0.0] * len(people)
        latest = [0] * len(people)
        end, decay = self.end, 60.0 * _DAY
        for at, who, _channel, kind, _c, _url in touches:
            heat[who] += weight.get(kind, 1.0) * math.exp((at - end) / decay)
            if at > latest[who]:
                latest[who] = at
        for index, person in enumerate(people):
            engagement = 100 * (1 - math.exp(-heat[index] / 6)) + rng.gauss(0, 4)
            person.engagement = int(min(100, max(0, round(engagement))))
            self._agree_with_definition(person)
            changes = [when for _s, when, _r in person.steps]
            person.updated = max([latest[index], person.created, *changes])
        for account in self.accounts:
            members = [people[p] for p in account.contacts]
            if members:
                account.created = min(p.created for p in members) - rng.randint(0, 5 * _DAY)
                account.updated = max(p.updated for p in members)
            else:
                account.created = account.updated = rng.randint(self.start, self.end - _DAY)
        for opportunity in self.opportunities:
            account = self.accounts[opportunity.account]
            account.updated = max(account.updated, opportunity.updated)

    def _agree_with_definition(self, person: _Person) -> None:
        """Keep scores consistent with the demo's active MQL definition.

        Contacts still waiting in subscriber, lead or nurture must not meet it (the
        rule would already have moved them), and MQLs must.
        """
        rng = self.rng
        meets = person.fit >= 60 and person.engagement >= 40 and not person.free_mail
        if person.stage in ("subscriber", "lead", "nurture") and meets:
            if rng.random() < 0.5:
                person.engagement = rng.randint(12, 39)
            else:
                person.fit = rng.randint(45, 59)
        elif person.stage == "mql":
            person.fit = max(person.fit, rng.randint(60, 74))
            person.engagement = max(person.engagement, rng.randint(40, 66))


def _grade(fit: int, engagement: int) -> str:
    letter = "A" if fit >= 75 else "B" if fit >= 60 else "C" if fit >= 40 else "D"
    digit = (
        "1" if engagement >= 70 else "2" if engagement >= 45 else "3" if engagement >= 20 else "4"
    )
    return letter + digit


# ---------------------------------------------------------------------------
# Users and definitions (few rows: the ORM is fine)


def _create_users(progress: ProgressFn) -> dict[str, int]:
    progress("users", 0, len(DEMO_USERS))
    teams = {
        name: Team.objects.get_or_create(name=name)[0]
        for name in dict.fromkeys(u.team for u in DEMO_USERS)
    }
    # Same rules as people.services.create_user, but each distinct password is hashed
    # once: the slow hash is what makes creating users expensive.
    hashes = {
        password: make_password(password)
        for password in dict.fromkeys(u.password for u in DEMO_USERS)
    }
    ids: dict[str, int] = {}
    for demo in DEMO_USERS:
        role = Role(demo.role)
        user = User(
            username=demo.username,
            email=f"{demo.username}@{_COMPANY_DOMAIN}",
            first_name=demo.first_name,
            last_name=demo.last_name,
            role=role.value,
            team=teams[demo.team],
            is_staff=role is Role.ADMIN,
            is_superuser=role is Role.ADMIN,
            password=hashes[demo.password],
        )
        user.save()
        ids[demo.username] = user.pk
    progress("users", len(DEMO_USERS), len(DEMO_USERS))
    return ids


_MQL_V1 = "fit_score >= 60 and engagement_score >= 40 and not email_domain in free_email_domains"
_MQL_V2 = (
    "fit_score >= 55 and engagement_score >= 45 and not email_domain in free_email_domains"
    ' and seniority in ("manager", "director", "vp", "c_level", "owner")'
)
_SQL_V1 = 'fit_score >= 70 and seniority in ("director", "vp", "c_level", "owner")'


def _create_definitions(users: dict[str, int], *, start: int, end: int) -> int:
    """The agreed definitions, with their sign-offs; returns the id of the active MQL version.

    MQL v1 and SQL v1 were agreed shortly before the demo year starts, so every
    qualification in the history can refer to them; an MQL v2 proposal awaits
    the sales side's approval, so the definitions page shows the workflow.
    """
    for text in (_MQL_V1, _MQL_V2, _SQL_V1):
        conditions.validate(conditions.parse(text), fields=FIELDS.keys(), lists=NAMED_LISTS.keys())
    mql = _definition(
        users,
        kind=DefinitionKind.MQL,
        number=1,
        criteria=_MQL_V1,
        note="Agreed at annual planning: marketing hands over leads that match our customer "
        "profile and engaged recently, from business addresses only.",
        proposed=("maria", start - 21 * _DAY),
        signoffs=[
            (Side.MARKETING, "maria", start - 20 * _DAY),
            (Side.SALES, "sam", start - 15 * _DAY),
        ],
    )
    _definition(
        users,
        kind=DefinitionKind.SQL,
        number=1,
        criteria=_SQL_V1,
        note="Sales accepts a lead as sales-qualified when it fits well and a director or "
        "above is involved.",
        proposed=("sam", start - 19 * _DAY),
        signoffs=[
            (Side.SALES, "sam", start - 19 * _DAY + _HOUR),
            (Side.MARKETING, "mark", start - 16 * _DAY),
        ],
    )
    _definition(
        users,
        kind=DefinitionKind.MQL,
        number=2,
        criteria=_MQL_V2,
        note="Individual contributors rarely buy: require manager level or above, and accept "
        "a slightly lower fit score when engagement is stronger.",
        proposed=("mark", end - 4 * _DAY),
        signoffs=[(Side.MARKETING, "maria", end - 3 * _DAY)],
    )
    return mql.pk


def _definition(
    users: dict[str, int],
    *,
    kind: str,
    number: int,
    criteria: str,
    note: str,
    proposed: tuple[str, int],
    signoffs: list[tuple[Side, str, int]],
) -> DefinitionVersion:
    """One definition version; it is active when both sides have signed it."""
    approved = {side for side, _user, _at in signoffs} == set(Side)
    by, proposed_at = proposed
    version = DefinitionVersion.objects.create(
        kind=kind,
        number=number,
        criteria=criteria,
        note=note,
        status=VersionStatus.ACTIVE if approved else VersionStatus.PENDING,
        proposed_by_id=users[by],
        proposed_at=datetime.fromtimestamp(proposed_at, UTC),
        activated_at=(
            datetime.fromtimestamp(max(at for _s, _u, at in signoffs), UTC) if approved else None
        ),
    )
    Signoff.objects.bulk_create(
        Signoff(
            version=version,
            side=side.value,
            user_id=users[username],
            signed_at=datetime.fromtimestamp(at, UTC),
        )
        for side, username, at in signoffs
    )
    return version


# ---------------------------------------------------------------------------
# Writing


class _Writer:
    BATCH = 10_000

    def __init__(
        self, plan: _Plan, *, users: dict[str, int], mql_version_id: int, progress: ProgressFn
    ) -> None:
        self.plan = plan
        self.users = users
        self.mql_version_id = mql_version_id
        self.progress = progress
        self.ops = connection.ops

    def dt(self, ts: int) -> Any:
        return self.ops.adapt_datetimefield_value(datetime.fromtimestamp(ts, UTC))

    def day(self, value: date | None) -> Any:
        return self.ops.adapt_datefield_value(value)

    def money(self, value: Decimal | None) -> Any:
        return self.ops.adapt_decimalfield_value(value)

    def user(self, username: str) -> int | None:
        return self.users[username] if username else None

    def write(self) -> dict[str, int]:
        counts = {
            "accounts": self._accounts(),
            "campaigns": self._campaigns(),
            "contacts": self._contacts(),
            "opportunities": self._opportunities(),
            "touchpoints": self._touchpoints(),
        }
        self._transitions()
        # Explicit ids bypass PostgreSQL sequences; move them past the new rows.
        reset = self.ops.sequence_reset_sql(
            no_style(),
            [
                Account,
                Campaign,
                Contact,
                Opportunity,
                OpportunityContact,
                Touchpoint,
                StageTransition,
            ],
        )
        if reset:
            with connection.cursor() as cursor:
                for statement in reset:
                    cursor.execute(statement)
        return counts

    def _insert(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple[Any, ...]],
        *, step: str, total: int,
    ) -> int:  # fmt: skip
        """Insert prepared rows with one parameterised statement per batch.

        Rows hold database-ready values for ``columns``; every other column gets
        its field default, so a field added to the model later does not break
        the demo.
        """
        meta = model._meta
        given = [meta.get_field(name) for name in columns]
        named = {f.attname for f in given}  # type: ignore[union-attr]
        rest = [f for f in meta.concrete_fields if f.attname not in named]
        defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
        quote = self.ops.quote_name
        names: list[str] = [f.column for f in given] + [f.column for f in rest]  # type: ignore[assignment,union-attr]
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(meta.db_table), ", ".join(quote(n) for n in names), ", ".join(["%s"] * len(names))
        )
        done = 0
        self.progress(step, 0, total)
        with connection.cursor() as cursor:
            for batch in _batched(rows, self.BATCH):
                cursor.executemany(sql, [row + defaults for row in batch] if defaults else batch)
                done += len(batch)
                self.progress(step, done, total)
        return done

    @staticmethod
    def _next_id(model: type[models.Model]) -> int:
        return int(model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1

    def _accounts(self) -> int:
        accounts = self.plan.accounts
        order = sorted(range(len(accounts)), key=lambda i: (accounts[i].created, i))
        first = self._next_id(Account)
        for offset, i in enumerate(order):
            accounts[i].id = first + offset
        rows = (
            (a.id, a.name, a.domain, a.industry, a.employees, self.money(a.revenue), a.country,
             self.user(a.owner), self.dt(a.created), self.dt(a.updated))
            for a in (accounts[i] for i in order)
        )  # fmt: skip
        columns = ("id", "name", "domain", "industry", "employee_count", "annual_revenue",
                   "country", "owner_id", "created_at", "updated_at")  # fmt: skip
        return self._insert(Account, columns, rows, step="accounts", total=len(accounts))

    def _campaigns(self) -> int:
        campaigns = self.plan.campaigns
        first = self._next_id(Campaign)
        for offset, c in enumerate(campaigns):
            c.id = first + offset
        rows = (
            (c.id, c.name, c.channel, c.utm_source, c.utm_medium, c.utm_campaign,
             self.day(c.starts_on), self.day(c.ends_on), self.money(c.budget),
             self.money(c.actual_cost), self.dt(c.created))
            for c in campaigns
        )  # fmt: skip
        columns = ("id", "name", "channel", "utm_source", "utm_medium", "utm_campaign",
                   "starts_on", "ends_on", "budget", "actual_cost", "created_at")  # fmt: skip
        return self._insert(Campaign, columns, rows, step="campaigns", total=len(campaigns))

    def _contacts(self) -> int:
        plan = self.plan
        people = plan.people
        order = sorted(range(len(people)), key=lambda i: (people[i].created, i))
        first = self._next_id(Contact)
        for offset, i in enumerate(order):
            people[i].id = first + offset
        scored = self.dt(plan.end - _HOUR)  # the nightly scoring run before "today"

        def row(p: _Person) -> tuple[Any, ...]:
            account = plan.accounts[p.account].id if p.account >= 0 else None
            campaign = plan.campaigns[p.source_campaign].id if p.source_campaign >= 0 else None
            return (
                p.id, p.email, p.first, p.last, p.title, p.seniority, p.persona, p.phone,
                p.country, account, p.source_channel, campaign, p.stage, self.user(p.owner),
                p.fit, p.engagement, _grade(p.fit, p.engagement), None, scored,
                self.dt(p.created), self.dt(p.updated),
            )  # fmt: skip

        columns = ("id", "email", "first_name", "last_name", "job_title", "seniority",
                   "persona", "phone", "country", "account_id", "source_channel",
                   "original_campaign_id", "lifecycle_stage", "owner_id", "fit_score",
                   "engagement_score", "grade", "predicted_probability", "scored_at",
                   "created_at", "updated_at")  # fmt: skip
        rows = (row(people[i]) for i in order)
        return self._insert(Contact, columns, rows, step="contacts", total=len(people))

    def _opportunities(self) -> int:
        plan = self.plan
        opportunities = plan.opportunities
        first = self._next_id(Opportunity)
        for offset, o in enumerate(opportunities):
            o.id = first + offset
        rows = (
            (o.id, plan.accounts[o.account].id, o.name, self.money(o.amount), "USD", o.stage,
             o.outcome, o.lost_reason, self.user(o.owner), self.dt(o.created),
             self.day(o.close_date), self.dt(o.updated))
            for o in opportunities
        )  # fmt: skip
        columns = ("id", "account_id", "name", "amount", "currency", "stage", "outcome",
                   "lost_reason", "owner_id", "created_at", "close_date", "updated_at")  # fmt: skip
        written = self._insert(
            Opportunity, columns, rows, step="opportunities", total=len(opportunities)
        )
        members = [(o.id, plan.people[p].id, role) for o in opportunities for p, role in o.members]
        first = self._next_id(OpportunityContact)
        self._insert(
            OpportunityContact,
            ("id", "opportunity_id", "contact_id", "role"),
            ((first + n, *m) for n, m in enumerate(members)),
            step="committees",
            total=len(members),
        )
        return written

    def _touchpoints(self) -> int:
        plan = self.plan
        touches = plan.touches
        # Ids and idempotency keys in time order, as if recorded when they happened.
        touches.sort()
        people, campaigns, seed = plan.people, plan.campaigns, plan.seed
        first = self._next_id(Touchpoint)

        def rows() -> Iterator[tuple[Any, ...]]:
            for n, (at, person, channel, kind, c, url) in enumerate(touches):
                when = self.dt(at)
                if c >= 0:
                    campaign = campaigns[c]
                    yield (first + n, people[person].id, campaign.id, channel, kind, when, url,
                           campaign.utm_source, campaign.utm_medium, campaign.utm_campaign,
                           f"demo-{seed}-{n}", when)  # fmt: skip
                else:
                    yield (first + n, people[person].id, None, channel, kind, when, url,
                           "", "", "", f"demo-{seed}-{n}", when)  # fmt: skip

        columns = (
            "id", "contact_id", "campaign_id", "channel", "type", "occurred_at", "url",
            "utm_source", "utm_medium", "utm_campaign", "idempotency_key", "created_at",
        )  # fmt: skip
        return self._insert(Touchpoint, columns, rows(), step="touchpoints", total=len(touches))

    def _transitions(self) -> int:
        """Each contact's path, every step checked by the lifecycle state machine."""
        plan = self.plan
        rng = random.Random(f"{plan.seed}-transitions")
        # (when, person index, step number, then the row's values from from_stage on)
        pending: list[tuple[int, int, int, str, str, str, int | None, str, str, int | None]] = []
        for index, p in enumerate(plan.people):
            creator, why = _creation(p)
            created_by = self.user(creator)
            pending.append(
                (p.created, index, 0, "", p.initial, "created", created_by, "", why, None)
            )
            current = p.initial
            for seq, (target, when, given_reason) in enumerate(p.steps, start=1):
                actor, rule, reason, version = self._step(p, current, target, given_reason, rng)
                planned = plan_transition(current, target, reason=reason)
                current = planned.to_stage.value
                pending.append(
                    (when, index, seq, planned.from_stage.value, current, planned.kind.value,
                     self.user(actor), rule, planned.reason, version)
                )  # fmt: skip
            if current != p.stage:
                raise AssertionError(f"planned path of {p.email} ends in {current}, not {p.stage}")
        pending.sort(key=lambda item: item[:3])
        first = self._next_id(StageTransition)
        people = plan.people
        rows = (
            (first + n, people[index].id, before, after, kind, self.dt(when), actor, rule,
             reason, version)
            for n, (when, index, _seq, before, after, kind, actor, rule, reason, version)
            in enumerate(pending)
        )  # fmt: skip
        columns = ("id", "contact_id", "from_stage", "to_stage", "kind", "occurred_at",
                   "actor_id", "rule", "reason", "definition_version_id")  # fmt: skip
        return self._insert(StageTransition, columns, rows, step="transitions", total=len(pending))

    def _step(
        self, p: _Person, current: str, target: str, reason: str, rng: random.Random
    ) -> tuple[str, str, str, int | None]:
        """Who made a stage change and why: (actor username, rule, reason, definition id)."""
        if target == "mql":
            # Qualification is the agreed definition's doing, not a person's.
            return "", MQL_RULE, "Meets MQL definition v1", self.mql_version_id
        if target in _ACTIVE_STAGES:
            return p.owner, "", reason or rng.choice(_ADVANCE_REASONS[target]), None
        if target in ("nurture", "disqualified"):
            by_sales = current in _ACTIVE_STAGES or current == "disqualified" or p.outbound
            actor = p.owner if p.owner and by_sales else rng.choice(_MARKETERS)
            table = _NURTURE_REASONS if target == "nurture" else _DISQUALIFY_REASONS
            return actor, "", reason or rng.choice(table[current]), None
        return "", "", reason or "Requested content with a business address", None


def _creation(p: _Person) -> tuple[str, str]:
    """Who created a contact and how: (username or "" for the system, reason)."""
    if p.outbound:
        return p.owner, "Added by sales"
    if p.source_channel == _CH.EVENT:
        return _MARKETERS[1], "Imported from the event attendee list"
    if p.initial == "subscriber":
        return "", "Subscribed to the newsletter"
    return "", "Created from a form submission"


def _batched(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
