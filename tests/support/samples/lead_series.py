"""Weekly partner lead lists (full snapshots) with drifting columns, and the change capture they must produce.

`generate_leads` builds the weeks as canonical records plus, per week, the lead ids that are new, changed,
unchanged and removed. Week 2 renames and reorders the headers, adds `Partner Notes` and drops `capacity`;
week 3 brings `capacity` back under other aliases; later weeks repeat the cycle. Some leads change, some
go, some arrive, and each week one stale duplicate row repeats an earlier lead_id (the loader rejects it).
`tests.support.samples.leads` writes a week as CSV, NDJSON, JSON or SQLite, spelling each value messily.
"""

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Final

COLUMNS: Final = (
    "lead_id", "company", "contact_name", "email", "phone", "address", "city", "state", "zip", "capacity", "created_at",
)  # fmt: skip
KEY: Final = "lead_id"


@dataclass(frozen=True)
class Place:
    """A city with its state, a first zip code and a telephone area code."""

    city: str
    state: str
    state_name: str
    first_zip: int
    area_code: str


PLACES: Final = (
    Place("Boston", "MA", "Massachusetts", 2108, "617"), Place("Providence", "RI", "Rhode Island", 2903, "401"),
    Place("Hartford", "CT", "Connecticut", 6103, "860"), Place("Newark", "NJ", "New Jersey", 7102, "973"),
    Place("Portland", "ME", "Maine", 4101, "207"), Place("Burlington", "VT", "Vermont", 5401, "802"),
    Place("Manchester", "NH", "New Hampshire", 3101, "603"), Place("New York", "NY", "New York", 10001, "212"),
    Place("San Francisco", "CA", "California", 94103, "415"), Place("Los Angeles", "CA", "California", 90012, "213"),
    Place("Austin", "TX", "Texas", 78701, "512"), Place("Chicago", "IL", "Illinois", 60601, "312"),
    Place("Seattle", "WA", "Washington", 98101, "206"), Place("Denver", "CO", "Colorado", 80202, "303"),
    Place("Salt Lake City", "UT", "Utah", 84101, "801"), Place("Charlotte", "NC", "North Carolina", 28202, "704"),
)  # fmt: skip
STATE_NAMES: Final = {place.state: place.state_name for place in PLACES}
FIRST_NAMES: Final = ("Maria", "James", "Aisha", "Wei", "Olivia", "Diego", "Priya", "Noah", "Fatima", "Liam", "Grace")
LAST_NAMES: Final = ("Garcia", "Smith", "Okafor", "Chen", "Johnson", "Patel", "Nguyen", "Brown", "Haddad", "Kowalski")
COMPANY_WORDS: Final = ("Little", "Bright", "Happy", "Sunny", "Tiny", "Busy", "Golden", "Blue Sky", "Rainbow")
COMPANY_NOUNS: Final = ("Sprouts", "Acorns", "Stars", "Bees", "Explorers", "Owls", "Steps", "Hands", "Minds")
COMPANY_KINDS: Final = ("Child Care", "Academy", "Learning Center", "Preschool", "Daycare", "Montessori")
STREETS: Final = ("Main St", "Oak Ave", "Maple Street", "Elm St", "Washington Blvd", "Park Rd", "Cedar Lane")
BLANK_CONTACT_EVERY: Final = 17


def weekly_counts(leads: int) -> tuple[int, int, int]:
    """How many leads go, change and arrive each week after the first, for a series of `leads` leads."""
    return max(1, leads // 20), max(1, leads // 8), max(1, leads // 10)


@dataclass(frozen=True)
class Lead:
    """One lead's standardised values; None is blank, or unknown when the file lacks the column."""

    lead_id: str
    company: str
    contact_name: str | None
    email: str
    phone: str  # E.164
    address: str
    city: str
    state: str  # two-letter code
    zip: str  # five digits
    capacity: int | None
    created_at: date


@dataclass(frozen=True)
class Layout:
    """A week's header row: each header and the canonical column it names (None: an unknown extra column)."""

    headers: tuple[str, ...]
    columns: tuple[str | None, ...]

    def has(self, column: str) -> bool:
        """Whether the file carries the canonical column at all."""
        return column in self.columns


@dataclass(frozen=True)
class WeekTruth:
    """What loading a week's file must report, by lead_id."""

    new: frozenset[str]
    changed: frozenset[str]
    unchanged: frozenset[str]
    removed: frozenset[str]


@dataclass(frozen=True)
class Week:
    """One weekly snapshot: distinct leads in file order, one stale duplicate row, and the truth."""

    number: int
    layout: Layout
    leads: tuple[Lead, ...]  # the partner's values, capacity included even when the file drops it
    duplicate: Lead  # a later row repeating an earlier lead_id; the loader must reject it
    duplicate_at: int  # its index among the written rows
    truth: WeekTruth

    @property
    def rows(self) -> tuple[Lead, ...]:
        """Every row as written, the duplicate included."""
        return (*self.leads[: self.duplicate_at], self.duplicate, *self.leads[self.duplicate_at :])


@dataclass(frozen=True)
class LeadSeries:
    """The weeks in load order, the leads first seen in the last one, and the current leads after it."""

    weeks: tuple[Week, ...]
    new_leads: tuple[Lead, ...]  # as they load: columns the last file lacks are None
    current: tuple[Lead, ...]  # by lead_id, values carried over from earlier files where a file lacked a column


def _layout(*pairs: tuple[str, str | None]) -> Layout:
    return Layout(tuple(header for header, _ in pairs), tuple(column for _, column in pairs))


LAYOUTS: Final = (
    _layout(*((column, column) for column in COLUMNS)),
    _layout(
        ("Company Name", "company"), ("External ID", "lead_id"), ("Full Name", "contact_name"),
        ("E-mail Address", "email"), ("Phone Number", "phone"), ("Partner Notes", None), ("Street", "address"),
        ("City", "city"), ("State", "state"), ("Zip Code", "zip"), ("Created", "created_at"),
    ),
    _layout(
        ("id", "lead_id"), ("BUSINESS NAME", "company"), ("contact", "contact_name"), ("telephone", "phone"),
        ("email", "email"), ("address line 1", "address"), ("city", "city"), ("st", "state"),
        ("postal code", "zip"), ("Signup Date", "created_at"), ("Licensed Capacity", "capacity"),
        ("Partner Notes", None),
    ),
)  # fmt: skip


def layout_for(week_number: int) -> Layout:
    """The header row of week 1, 2, 3, … (the three layouts repeat)."""
    return LAYOUTS[(week_number - 1) % len(LAYOUTS)]


def visible(lead: Lead, layout: Layout) -> Lead:
    """The lead as a file with this layout states it: capacity, the one column a layout drops, None when absent."""
    return lead if layout.has("capacity") else replace(lead, capacity=None)


def classify_snapshot(
    current: Mapping[str, Lead], snapshot: Sequence[Lead], layout: Layout
) -> tuple[WeekTruth, dict[str, Lead]]:
    """Apply the change-capture rules to one file's distinct leads; returns the truth and the current leads after it.

    Only columns the file carries are compared and updated; a lead keeps its earlier value of any other.
    """
    compared = [column for column in COLUMNS if column != KEY and layout.has(column)]
    after: dict[str, Lead] = {}
    changed: set[str] = set()
    for lead in snapshot:
        before = current.get(lead.lead_id)
        if before is None:
            after[lead.lead_id] = visible(lead, layout)
            continue
        after[lead.lead_id] = replace(before, **{column: getattr(lead, column) for column in compared})
        if after[lead.lead_id] != before:
            changed.add(lead.lead_id)
    seen = frozenset(after)
    new = seen - frozenset(current)
    truth = WeekTruth(new, frozenset(changed), seen - new - changed, frozenset(current) - seen)
    return truth, after


def _phone(place: Place, rng: random.Random) -> str:
    exchange = rng.randrange(200, 1000)
    while exchange % 100 == 11 or exchange == 555:  # N11 and 555 exchanges are not ordinary numbers
        exchange = rng.randrange(200, 1000)
    return f"+1{place.area_code}{exchange}{rng.randrange(10_000):04d}"


def _zip(place: Place, rng: random.Random) -> str:
    return f"{place.first_zip + rng.randrange(20):05d}"


def _street(rng: random.Random) -> str:
    return f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}"


def _domain(company: str) -> str:
    return "".join(word for word in company.lower().split() if word.isalpha())[:20] + ".com"


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def new_lead(index: int, rng: random.Random) -> Lead:
    """A fresh lead with id `L{index:05d}`; every BLANK_CONTACT_EVERY-th one has no contact name."""
    place = rng.choice(PLACES)
    company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_NOUNS)} {rng.choice(COMPANY_KINDS)}"
    first, last = _person(rng)
    has_contact = index % BLANK_CONTACT_EVERY != BLANK_CONTACT_EVERY - 1
    return Lead(
        lead_id=f"L{index:05d}",
        company=company,
        contact_name=f"{first} {last}" if has_contact else None,
        email=f"{first}.{last}@{_domain(company)}".lower() if has_contact else f"info@{_domain(company)}",
        phone=_phone(place, rng),
        address=_street(rng),
        city=place.city,
        state=place.state,
        zip=_zip(place, rng),
        capacity=rng.randrange(6, 2500),
        created_at=date(2024, 1, 1) + timedelta(days=rng.randrange(700)),
    )


def _new_email(lead: Lead, rng: random.Random) -> Lead:
    local = lead.email.split("@")[0]
    return replace(lead, email=f"{local}@{'outlook.com' if lead.email.endswith('gmail.com') else 'gmail.com'}")


def _new_phone(lead: Lead, rng: random.Random) -> Lead:
    place = next(place for place in PLACES if place.city == lead.city)
    phone = lead.phone
    while phone == lead.phone:
        phone = _phone(place, rng)
    return replace(lead, phone=phone)


def _moved(lead: Lead, rng: random.Random) -> Lead:
    place = rng.choice([place for place in PLACES if place.city != lead.city])
    return replace(lead, address=_street(rng), city=place.city, state=place.state, zip=_zip(place, rng))


def _renamed(lead: Lead, rng: random.Random) -> Lead:
    return replace(lead, company=f"{lead.company} LLC")


def _new_contact(lead: Lead, rng: random.Random) -> Lead:
    name = lead.contact_name
    while name == lead.contact_name:
        name = " ".join(_person(rng))
    return replace(lead, contact_name=name)


def _new_capacity(lead: Lead, rng: random.Random) -> Lead:
    return replace(lead, capacity=(lead.capacity or 0) + rng.randrange(1, 40))


CHANGES: Final[tuple[Callable[[Lead, random.Random], Lead], ...]] = (
    _new_email, _new_phone, _moved, _renamed, _new_contact, _new_capacity,
)  # fmt: skip


def _next_snapshot(previous: Sequence[Lead], next_index: int, size: int, rng: random.Random) -> list[Lead]:
    """Last week's leads minus some removed, some changed (one kind of change each), plus some new ones."""
    removed, changed, added = weekly_counts(size)
    kept = rng.sample(list(previous), len(previous) - min(removed, len(previous)))
    for turn, position in enumerate(rng.sample(range(len(kept)), min(changed, len(kept)))):
        kept[position] = CHANGES[turn % len(CHANGES)](kept[position], rng)
    snapshot = kept + [new_lead(next_index + offset, rng) for offset in range(added)]
    rng.shuffle(snapshot)
    return snapshot


def _stale_copy(lead: Lead, rng: random.Random) -> Lead:
    """An older row for the same lead: other company spelling, e-mail, phone and capacity."""
    return _new_capacity(_new_phone(_new_email(_renamed(lead, rng), rng), rng), rng)


def _week(number: int, snapshot: Sequence[Lead], truth: WeekTruth, rng: random.Random) -> Week:
    original_at = rng.randrange(max(1, len(snapshot) // 2))
    duplicate_at = rng.randint(original_at + 1, len(snapshot))
    duplicate = _stale_copy(snapshot[original_at], rng)
    return Week(number, layout_for(number), tuple(snapshot), duplicate, duplicate_at, truth)


def generate_leads(leads: int = 200, *, weeks: int = 3, seed: int = 0) -> LeadSeries:
    """`weeks` weekly snapshots of about `leads` leads each, with the change capture each must produce."""
    rng = random.Random(seed)
    snapshot = [new_lead(index, rng) for index in range(leads)]
    next_index = leads
    current: dict[str, Lead] = {}
    built: list[Week] = []
    for number in range(1, weeks + 1):
        if number > 1:
            snapshot = _next_snapshot(snapshot, next_index, leads, rng)
            next_index += weekly_counts(leads)[2]
        truth, current = classify_snapshot(current, snapshot, layout_for(number))
        built.append(_week(number, snapshot, truth, rng))
    last = built[-1]
    new_leads = tuple(visible(lead, last.layout) for lead in last.leads if lead.lead_id in last.truth.new)
    return LeadSeries(tuple(built), new_leads, tuple(current[lead_id] for lead_id in sorted(current)))
