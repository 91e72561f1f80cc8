"""Demo sponsors: packages by tier, sponsors with a contact account, booths in the exhibition
hall (a room of kind "exhibition area"), exhibitor passes, an open satellite slot."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from conference.accounts import services as accounts
from conference.demo import DemoResult
from conference.demo.core import DEMO_PASSWORD
from conference.extensions import db
from conference.industry import exhibition, satellites, services
from conference.program import services as program_services
from conference.program.models import RoomKind
from conference.program.queries import get_rooms
from conference.timeutil import local_to_utc

PACKAGES = (
    # name, price, available, passes, booth size, benefits
    (
        "Platinum",
        "60000.00",
        1,
        8,
        "6 x 6 m",
        [
            "Listing on the sponsors page",
            "Booth 6 x 6 m in the exhibition hall",
            "Satellite symposium slot (60 minutes)",
            "Bag insert",
            "Logo on the congress website",
        ],
    ),
    (
        "Gold",
        "30000.00",
        3,
        4,
        "3 x 3 m",
        [
            "Listing on the sponsors page",
            "Booth 3 x 3 m in the exhibition hall",
            "Satellite symposium slot (45 minutes)",
            "Bag insert",
        ],
    ),
    ("Silver", "12000.00", 6, 2, "2 x 2 m", ["Listing on the sponsors page", "Table-top booth"]),
)

SPONSORS = (
    # name, package, legal name, address, country, VAT id, website, description
    (
        "Helix Biopharma",
        "Gold",
        "Helix Biopharma GmbH",
        "Leopoldstraße 175\n80804 München",
        "DE",
        "DE129273398",
        "https://helix-biopharma.example.org",
        "Antibody-drug conjugates for metastatic solid tumours.",
    ),
    (
        "Nordlys Diagnostics",
        "Silver",
        "Nordlys Diagnostics AS",
        "Gaustadalléen 21\n0349 Oslo",
        "NO",
        "",
        "https://nordlys-dx.example.org",
        "Liquid biopsy panels for circulating tumour DNA.",
    ),
    (
        "Ōkami Oncology",
        "Silver",
        "Ōkami Oncology K.K.",
        "2-1-1 Nihonbashi-Muromachi\nChūō-ku, Tōkyō 103-0022",
        "JP",
        "",
        "https://okami-oncology.example.org",
        "Targeted therapies in Asian patient populations.",
    ),
)

#: The demo sponsor contact: manages Helix Biopharma (passes, profile, leads).
CONTACT = ("Sponsor contact (Helix Biopharma)", "sponsor@example.org", "Sophie Sponsor")
STAFF = (("Katrin", "Hofmann"), ("Daniel", "Schäfer"))


def load(result: DemoResult, size: str = "small") -> None:
    congress = result.congress
    packages = {}
    for name, price, available, passes, booth, benefits in PACKAGES:
        packages[name] = services.create_package(
            congress,
            name=name,
            price=price,
            available=available,
            exhibitor_passes=passes,
            booth_size=booth,
            benefits=benefits,
        )
    sponsors = []
    for name, package, legal, address, country, vat_id, website, about in SPONSORS:
        sponsors.append(
            services.sign_up_sponsor(
                congress,
                packages[package],
                name=name,
                legal_name=legal,
                address=address,
                country=country,
                vat_id=vat_id,
                website=website,
                description=about,
            )
        )
    helix = sponsors[0]
    description, email, person = CONTACT
    accounts.sign_up(
        email=email,
        password=DEMO_PASSWORD,
        name=person,
        affiliation=helix.legal_name,
        country="DE",
        confirmed=True,
    )
    services.add_contact(helix, email)
    result.accounts.append((description, email, DEMO_PASSWORD))
    services.set_benefit_delivered(helix.benefits[0], True)
    # The exhibition hall is a room of kind "exhibition area": the separation of promotion
    # from accredited education knows booths stand outside the session rooms.
    hall = program_services.create_room(
        congress, name="Exhibition Hall", capacity=None, kind=RoomKind.EXHIBITION_AREA
    )
    for index, sponsor in enumerate(sponsors):
        exhibition.create_booth(
            congress,
            number=f"A{index + 1:02d}",
            room_id=hall.id,
            size=sponsor.package.booth_size,
            x=20 + 25 * index,
            y=40,
            sponsor_id=sponsor.id,
        )
    exhibition.create_booth(congress, number="A04", room_id=hall.id, size="2 x 2 m", x=90, y=70)
    # A satellite slot offered at lunchtime on the second day, open for sponsors to request.
    room = get_rooms(congress)[0]
    starts = local_to_utc(
        datetime.combine(congress.starts_on + timedelta(days=1), time(12, 45)), congress.tz
    )
    satellites.create_slot(
        congress, room_id=room.id, starts_at=starts, ends_at=starts + timedelta(minutes=60)
    )
    for first, last in STAFF:
        exhibition.register_staff(
            helix,
            {
                "first_name": first,
                "last_name": last,
                "email": f"{first.lower()}.{last.lower()}@helix-biopharma.example.org".replace(
                    "ä", "ae"
                ),
                "country": "DE",
            },
        )
    db.session.flush()
