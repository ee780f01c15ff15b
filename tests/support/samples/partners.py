"""Small partner lists in the shapes the three shipped partner kinds take (hand-made, like the real exports).

- Nevada DPBH: `Credential Number` ids, street, city, state and ZIP in one `Address` cell, a column with no
  name, phones as `346-393-9400`, Windows-1252 text;
- Oklahoma Human Services: the license number inside `Type License`, a two-line quoted `Primary Caregiver`,
  phones as `(209) 747-1797`, e-mails in any case, and optionally a last record cut off inside a quoted cell;
- Texas DHHS: `Operation #` ids, names with doubled quotes, addresses with a trailing space.

All are CRLF without a final line end. `Provider` holds the standardised values the service must arrive at.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

NEVADA_HEADER: Final = (
    "Name", "Credential Type", "Credential Number", "Status", "Expiration Date", "Disciplinary Action", "Address", "",
    "State", "County", "Phone#", "First Issue Date", "Primary Contact Name", "Primary Contact Role",
)  # fmt: skip
OKLAHOMA_HEADER: Final = (
    "Type License", "Company", "Accepts Subsidy", "Year Round", "Daytime Hours", "Star Level", "Mon", "Tues", "Wed",
    "Thurs", "Friday", "Saturday", "Sunday", "Primary Caregiver", "Phone", "Email", "Address1", "Address2", "City",
    "State", "Zip", "Subsidy Contract Number", "Total Cap", "Ages Accepted 1", "AA2", "AA3", "AA4",
    "License Monitoring Since", "School Year Only", "Evening Hours",
)  # fmt: skip
TEXAS_HEADER: Final = (
    "Operation #", "Agency Number", "Operation/Caregiver Name", "Address", "City", "State", "Zip", "County", "Phone",
    "Type", "Status", "Issue Date", "Capacity", "Email Address", "Facility ID", "Monitoring Frequency", "Infant",
    "Toddler", "Preschool", "School",
)  # fmt: skip
OKLAHOMA_CUT_AFTER_FIELDS: Final = 14  # the real export's last record stops inside `Primary Caregiver`


@dataclass(frozen=True)
class Provider:
    """One provider as the service must stage it (E.164 phone, lower-case e-mail, five-digit ZIP)."""

    lead_id: str
    company: str
    contact_name: str | None
    phone: str | None
    address: str
    city: str
    state: str
    zip: str
    email: str | None = None
    capacity: int | None = None


def _dashed(e164: str) -> str:
    return f"{e164[2:5]}-{e164[5:8]}-{e164[8:]}"


def _bracketed(e164: str) -> str:
    return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"


def _csv(rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().removesuffix("\r\n")  # the real exports end without a line end


def nevada_csv(providers: Sequence[Provider]) -> bytes:
    """A Nevada DPBH export, in Windows-1252."""
    rows = [
        [p.company, "CENTER", p.lead_id, "Active", "11/30/2023", "N", f"{p.address} {p.city}, {p.state} {p.zip}", "",
         p.state, "CLARK", _dashed(p.phone) if p.phone else "", "12/1/2013", p.contact_name or "", "Director"]
        for p in providers
    ]  # fmt: skip
    return _csv([NEVADA_HEADER, *rows]).encode("cp1252")


def _oklahoma_row(p: Provider) -> list[str]:
    hours = ["7:30AM - 5:30PM"] * 5 + ["CLOSED", "CLOSED"]
    caregiver = f"{p.contact_name}\r\nPrimary Caregiver" if p.contact_name else ""
    email = (p.email or "").upper() if len(p.lead_id) % 2 else (p.email or "").title()
    return [
        f"CHILD CARE FAMILY - {p.lead_id}", p.company, "Accepts Subsidy", "Year Round", "Daytime Hours",
        "2 Star Level Program", *hours, caregiver, _bracketed(p.phone) if p.phone else "", email, p.address, "",
        p.city, p.state, p.zip, "Subsidy Contract Number: N/A", str(p.capacity or ""),
        "Infants (0-11 months)", "", "", "", "Monitoring since 2020-09-02", "Year Round", "Daytime Hours",
    ]  # fmt: skip


def oklahoma_csv(providers: Sequence[Provider], *, cut_off: Provider | None = None) -> bytes:
    """An Oklahoma Human Services export; `cut_off` is a last record that stops inside its caregiver cell."""
    text = _csv([OKLAHOMA_HEADER, *map(_oklahoma_row, providers)])
    if cut_off is not None:
        cells = _oklahoma_row(cut_off)[: OKLAHOMA_CUT_AFTER_FIELDS - 1]
        text += "\r\n" + _csv([cells]) + f',"{cut_off.contact_name}'
    return text.encode("utf-8")


def texas_csv(providers: Sequence[Provider]) -> bytes:
    """A Texas DHHS export."""
    rows = [
        [p.lead_id, "", p.company, f"{p.address} ", p.city, p.state, p.zip, "HARRIS",
         _dashed(p.phone) if p.phone else "", "Licensed Child-Care Home", "Full Permit", "2/1/2018",
         str(p.capacity or ""), p.email or "", "1287403", "", "Y", "Y", "Y", "Y"]
        for p in providers
    ]  # fmt: skip
    return _csv([TEXAS_HEADER, *rows]).encode("utf-8")


NEVADA: Final = (
    Provider("1106-22", "SUNSHINE ACADEMY PRE-SCHOOL", "JANEECE NOEL", "+17023939400", "150 N. WILLOW ST",
             "MESQUITE", "NV", "89027"),
    Provider("2907-23", "MY LITTLE ANGEL\u2019S HOME DAYCARE LLC", "ANGEL CHADWICK", "+17023012241",
             "6044 RIVER BELLE ST", "NORTH LAS VEGAS", "NV", "89031"),
    Provider("788-22", "LAKE MEAD CHRISTIAN ACADEMY", "THERESA HEHN", "+17025831155", "540 E. LAKE MEAD PKWY",
             "HENDERSON", "NV", "89015"),
)  # fmt: skip
OKLAHOMA: Final = (
    Provider("K820055232", "HELLSTROM, ELIZABETH", "Elizabeth Hellstrom", "+12097471797", "10900 NW 38TH TERRACE",
             "YUKON", "OK", "73099", "doubletroubledaycareok@gmail.com", 7),
    Provider("K830056761", "MUDDY PUDDLES LEARNING SPACE, LLC", "Symira Clifton", "+12167035825",
             "1000 N JUNIPER PLACE", "BROKEN ARROW", "OK", "74012", "symira24@gmail.com", 71),
    Provider("K820056097", "CLIFTON, SYMIRA DBA MUDDY PUDDLES", "Ann Lee", "+14052306108", "15704 VERMILLION DRIVE",
             "EDMOND", "OK", "73013", "ann.lee@example.com", 12),
)  # fmt: skip
OKLAHOMA_CUT_OFF: Final = Provider(
    "K820050012", "KALER, MONICA", "Monica Kaler", "+14055550123", "1 MAIN ST", "NORMAN", "OK", "73069"
)
TEXAS: Final = (
    Provider("1239246", 'K" Street Learning Center LLC"', None, "+18304291010", "19290 K ST", "SOMERSET", "TX",
             "78069", "sylvia@kstreetlearningcenter.com", 82),
    Provider("1660660", "123 Sunshine Academy", None, "+12818109028", "15303 E ANTONE CIR", "HOUSTON", "TX", "77071",
             None, 12),
    Provider("1106-22", "Same Id As A Nevada Provider", None, "+15122512276", "401 FM 685 STE 104", "PFLUGERVILLE",
             "TX", "78660", "nikkie@example.com", 49),
)  # fmt: skip


def with_phone(provider: Provider, e164: str) -> Provider:
    """The provider with another phone number."""
    return replace(provider, phone=e164)
