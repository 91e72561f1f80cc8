"""Demo program: sessions over every day and room, accepted abstracts placed first, invited
talks otherwise, then a published first version. Deterministic (seeded) for both sizes.

small: about 80 sessions and 400 presentations; large (ASCO-like): 4 days, 24 rooms,
300 sessions, 2,400 presentations, about 1,500 speakers, 11 tracks.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from conference.abstracts.models import Outcome
from conference.abstracts.queries import get_accepted_abstracts
from conference.demo import DemoResult
from conference.extensions import db
from conference.program import services as program_services
from conference.program.conflicts import detect_conflicts
from conference.program.publishing import publish_program
from conference.program.schedule_models import (
    FORMAT_LABELS,
    Presentation,
    PresentationSpeaker,
    ProgramSession,
    SessionFormat,
    SessionPerson,
    SessionRole,
    Speaker,
)
from conference.program.sessions import speaker_for_author
from conference.timeutil import local_to_utc

FIRST = [
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Elena",
    "Farid",
    "Giulia",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemal",
    "Lena",
    "Marco",
    "Nadia",
    "Omar",
    "Paula",
    "Quentin",
    "Rosa",
    "Sven",
    "Tanvi",
    "Ugo",
    "Vera",
    "Wei",
    "Ximena",
    "Yusuf",
    "Zofia",
    "Amara",
    "Bruno",
    "Chloe",
    "Dmitri",
    "Eva",
    "Felix",
    "Greta",
    "Hugo",
    "Ivana",
    "Jamal",
    "Kira",
    "Luis",
    "Maya",
    "Nils",
]
LAST = [
    "Schmidt",
    "Rossi",
    "Tanaka",
    "Novak",
    "Garcia",
    "Kowalski",
    "Dubois",
    "Jensen",
    "Ivanova",
    "Haddad",
    "Müller",
    "Silva",
    "Okafor",
    "Larsen",
    "Moreau",
    "Fischer",
    "Costa",
    "Nakamura",
    "Horvat",
    "Yilmaz",
    "Berg",
    "Petrov",
    "Lopez",
    "Weber",
    "Andersen",
    "Kim",
    "Santos",
    "Laine",
    "Romano",
    "Hughes",
    "Popov",
    "Martin",
    "Sato",
    "Keller",
    "Rahman",
    "Ortiz",
    "Bauer",
    "Nowak",
    "Mendes",
    "Eriksson",
]
#: Each cancer with the treatments and questions that belong to it, so that titles pair them
#: as a clinician would (CDK4/6 inhibitors in breast cancer, never in melanoma).
TOPIC_TABLE = {
    "breast cancer": [
        "CDK4/6 inhibitors",
        "HER2-targeted therapy",
        "antibody-drug conjugates",
        "PARP inhibition in BRCA carriers",
        "brain metastases",
    ],
    "non-small-cell lung cancer": [
        "EGFR tyrosine kinase inhibitors",
        "ALK inhibitors",
        "immune checkpoint blockade",
        "stereotactic radiosurgery of brain metastases",
        "circulating tumour DNA",
    ],
    "melanoma": [
        "immune checkpoint inhibitors",
        "BRAF and MEK inhibition",
        "adjuvant immunotherapy",
        "brain metastases",
    ],
    "colorectal cancer": [
        "liver metastasis resection",
        "anti-EGFR therapy in RAS wild-type disease",
        "circulating tumour DNA",
        "cytoreductive surgery and HIPEC",
    ],
    "prostate cancer": [
        "PSMA PET imaging",
        "androgen receptor pathway inhibitors",
        "radioligand therapy",
        "bone metastases",
    ],
    "pancreatic cancer": [
        "FOLFIRINOX",
        "KRAS-targeted therapy",
        "liquid biopsy",
    ],
    "ovarian cancer": [
        "PARP inhibition",
        "cytoreductive surgery and HIPEC",
        "minimal residual disease",
    ],
    "gastric cancer": [
        "HER2-targeted therapy",
        "perioperative FLOT chemotherapy",
        "immune checkpoint blockade",
    ],
    "sarcoma": [
        "pulmonary metastasectomy",
        "radiomics",
        "basket trials",
    ],
    "renal cell carcinoma": [
        "immune checkpoint blockade",
        "stereotactic radiotherapy of oligometastases",
        "cytoreductive nephrectomy",
    ],
}
SETTINGS = list(TOPIC_TABLE)
#: (topic, setting) pairs that go together.
PAIRS = [(topic, setting) for setting, topics in TOPIC_TABLE.items() for topic in topics]
PATTERNS = [
    "{topic} in {setting}: where do we stand?",
    "Advances in {topic} for {setting}",
    "{topic} and survival in {setting}",
    "Practical {topic} in {setting}",
    "Controversies in {topic} for {setting}",
]
COMPANIES = ("Helix Pharma", "Northwind Oncology", "Medora Bio", "Calyx Therapeutics")
SLOTS = (
    (time(8, 30), time(10, 0)),
    (time(10, 30), time(12, 0)),
    (time(13, 30), time(15, 0)),
    (time(15, 30), time(17, 0)),
)
EXTRA_ROOMS = ["Hall D", "Hall E", "Hall F", "Auditorium Maximum"] + [
    f"Room {floor}.{n:02d}" for floor in (1, 2) for n in range(3, 8)
]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _text(rng: random.Random, topic: str, setting: str) -> str:
    return (
        f"Background: {_upper_first(topic)} is changing the management of {setting}. "
        f"Methods: We reviewed prospective cohorts and trials of {topic} in {setting}, with "
        f"central assessment of response and survival. Results: Benefit was largest in "
        f"biomarker-selected patients (hazard ratio 0.{rng.randint(55, 85)}). "
        f"Conclusions: {_upper_first(topic)} should be considered early in {setting}."
    )


def load(result: DemoResult, size: str = "small") -> None:
    """Add this domain's demo data to the congress in `result`."""
    congress = result.congress
    rng = random.Random(f"program-{size}")
    large = size == "large"
    tz = congress.tz

    program_services.create_track(congress, name="Breast cancer", colour="#d81b60")
    if large:
        for name in EXTRA_ROOMS:
            program_services.create_room(congress, name=name, capacity=rng.choice((200, 300, 450)))
    foyer = program_services.create_room(congress, name="Foyer", capacity=3000)
    db.session.flush()
    tracks = list(congress.tracks)
    rooms = [r for r in congress.rooms if r.id != foyer.id]
    poster_room = next((r for r in rooms if r.name == "Poster Area"), None)
    mtp_room = next((r for r in rooms if r.name.startswith("Meet-the-Professor")), None)
    plenary = rooms[0]
    talk_rooms = [r for r in rooms if r not in (poster_room, mtp_room)]
    rooms_per_slot = (19, 18) if large else (5, 5)
    talks_per_session = 8 if large else 5
    pool_size = 1500 if large else 160

    speakers = []
    for n in range(pool_size):
        first, last = FIRST[n % len(FIRST)], LAST[(n // len(FIRST) + n) % len(LAST)]
        speaker = Speaker(
            congress_id=congress.id,
            name=f"{first} {last}",
            email=f"{first.lower()}.{last.lower()}.{n}@example.org".replace("ü", "u"),
            affiliation=f"{rng.choice(('University Hospital', 'Cancer Centre', 'Institute'))} "
            f"{rng.choice(('Vienna', 'Milan', 'Lyon', 'Oslo', 'Boston', 'Osaka', 'Madrid'))}",
            country=rng.choice(("AT", "IT", "FR", "NO", "US", "JP", "ES", "DE")),
            nothing_to_disclose=n % 3 != 0,
            disclosures=(
                [{"company": rng.choice(COMPANIES), "relationship": "consulting_advisory"}]
                if n % 3 == 0
                else []
            ),
        )
        speakers.append(speaker)
    db.session.add_all(speakers)
    db.session.flush()

    accepted = sorted(get_accepted_abstracts(congress), key=lambda a: a.id)
    posters = [a for a in accepted if a.outcome == Outcome.POSTER]
    talks = [a for a in accepted if a.outcome != Outcome.POSTER]

    sessions_made = 0
    day_count = (congress.ends_on - congress.starts_on).days + 1
    slot_index = 0
    for day_number in range(day_count):
        day = congress.starts_on + timedelta(days=day_number)

        def at(clock: time, _day=day) -> datetime:
            return local_to_utc(datetime.combine(_day, clock), tz)

        for title, start, end in (
            ("Coffee break", time(10, 0), time(10, 30)),
            ("Lunch break", time(12, 0), time(13, 30)),
            ("Coffee break", time(15, 0), time(15, 30)),
        ):
            db.session.add(
                ProgramSession(
                    congress_id=congress.id,
                    title=title,
                    format=SessionFormat.BREAK,
                    room=foyer,
                    starts_at=at(start),
                    ends_at=at(end),
                )
            )
        satellite_room = talk_rooms[1 % len(talk_rooms)]
        db.session.add(
            ProgramSession(
                congress_id=congress.id,
                title=f"Industry satellite: new options in {SETTINGS[day_number % len(SETTINGS)]}",
                format=SessionFormat.INDUSTRY_SATELLITE,
                room=satellite_room,
                starts_at=at(time(12, 30)),
                ends_at=at(time(13, 0)),
                description=f"Sponsored by {COMPANIES[day_number % len(COMPANIES)]}. "
                "Not part of the accredited programme.",
            )
        )
        if mtp_room is not None:
            mtp = ProgramSession(
                congress_id=congress.id,
                title="Meet the professor: {} in {}".format(*PAIRS[day_number * 7 % len(PAIRS)]),
                format=SessionFormat.MEET_THE_PROFESSOR,
                room=mtp_room,
                starts_at=at(time(7, 30)),
                ends_at=at(time(8, 15)),
                is_accredited=True,
                expected_audience=mtp_room.capacity,
                ticketed_seats=mtp_room.capacity,
            )
            mtp.people.append(
                SessionPerson(
                    speaker=speakers[(day_number * 7) % pool_size], role=SessionRole.CHAIR
                )
            )
            db.session.add(mtp)
        if poster_room is not None:
            poster_session = ProgramSession(
                congress_id=congress.id,
                title=f"Poster session, day {day_number + 1}",
                format=SessionFormat.POSTER,
                room=poster_room,
                starts_at=at(time(13, 30)),
                ends_at=at(time(17, 0)),
            )
            db.session.add(poster_session)
            share = posters[day_number::day_count]
            for index, abstract in enumerate(share):
                presenter = abstract.presenting_author or abstract.first_author
                p = Presentation(
                    abstract=abstract,
                    board_number=f"P{day_number + 1}{index + 1:03d}",
                    position=index,
                )
                if presenter is not None:
                    p.speakers.append(
                        PresentationSpeaker(speaker=speaker_for_author(congress, presenter))
                    )
                poster_session.presentations.append(p)

        for slot_number, (start_clock, end_clock) in enumerate(SLOTS):
            count = rooms_per_slot[0] if slot_index % 4 != 3 else rooms_per_slot[1]
            slot_index += 1
            slot_rooms = talk_rooms[:count]
            # A fresh permutation per slot: nobody is in two rooms at once.
            order = list(range(pool_size))
            rng.shuffle(order)
            cursor = iter(order)
            for room_number, room in enumerate(slot_rooms):
                track = tracks[(slot_index * 3 + room_number) % len(tracks)]
                setting = SETTINGS[(room_number * 3 + day_number) % len(SETTINGS)]
                topics = TOPIC_TABLE[setting]
                topic = topics[(room_number + slot_index) % len(topics)]
                if room is plenary and slot_number == 0:
                    fmt, title = SessionFormat.PLENARY, f"Plenary: {topic} in {setting}"
                elif room_number % 7 == 5:
                    fmt = SessionFormat.POSTER_DISCUSSION
                    title = f"Poster discussion: {topic} in {setting}"
                elif room_number % 7 == 6:
                    fmt = SessionFormat.EDUCATIONAL
                    title = f"Educational: {topic} in {setting} in practice"
                elif room_number % 9 == 8:
                    fmt, title = SessionFormat.TUMOUR_BOARD, f"Tumour board: {setting}"
                else:
                    fmt, title = SessionFormat.ORAL, f"{_upper_first(setting)}: {topic}"
                session = ProgramSession(
                    congress_id=congress.id,
                    title=title,
                    format=fmt,
                    track=track,
                    room=room,
                    starts_at=at(start_clock),
                    ends_at=at(end_clock),
                    is_accredited=True,
                    description=f"{FORMAT_LABELS[fmt]} on {topic} in {setting}.",
                )
                for position in range(2 if room_number % 2 == 0 else 1):
                    session.people.append(
                        SessionPerson(
                            speaker=speakers[next(cursor)],
                            role=SessionRole.CHAIR,
                            position=position,
                        )
                    )
                if fmt == SessionFormat.POSTER_DISCUSSION:
                    session.people.append(
                        SessionPerson(speaker=speakers[next(cursor)], role=SessionRole.DISCUSSANT)
                    )
                minutes = 80 // talks_per_session
                for index in range(talks_per_session):
                    starts_at = at(start_clock) + timedelta(minutes=index * minutes)
                    p = Presentation(
                        starts_at=starts_at,
                        ends_at=starts_at + timedelta(minutes=minutes),
                        position=index,
                    )
                    if talks:
                        abstract = talks.pop(0)
                        p.abstract = abstract
                        presenter = abstract.presenting_author or abstract.first_author
                        if presenter is not None:
                            p.speakers.append(
                                PresentationSpeaker(speaker=speaker_for_author(congress, presenter))
                            )
                    else:
                        # An invited talk on the session's cancer, with a method that fits it.
                        talk_setting = setting
                        talk_topic = topics[rng.randrange(len(topics))]
                        pattern = PATTERNS[rng.randrange(len(PATTERNS))]
                        p.title = pattern.format(topic=talk_topic, setting=talk_setting)
                        p.title = p.title[0].upper() + p.title[1:]
                        p.text = _text(rng, talk_topic, talk_setting)
                        p.type_label = "Invited talk"
                        for position in range(1 + (index % 4 == 0)):
                            p.speakers.append(
                                PresentationSpeaker(
                                    speaker=speakers[next(cursor)], position=position
                                )
                            )
                    session.presentations.append(p)
                db.session.add(session)
                sessions_made += 1
        db.session.flush()
    db.session.flush()
    keys = [c.key for c in detect_conflicts(congress)]
    publish_program(congress, None, keys)
