"""The generated population ``bench/scale.py`` loads: names, email domains, roles and statuses spread
as in a real organization (a common last-name fragment, a few big email domains), reproducible by seed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from redcore_server.ids import new_id
from redcore_server.users.emails import email_key

FIRST = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Ken",
    "Barbara",
    "Margaret",
    "Dennis",
    "Edsger",
    "Donald",
    "Frances",
    "Radia",
    "John",
    "Mary",
    "Anita",
    "Tim",
    "Vint",
    "Bob",
    "Hedy",
    "Katherine",
    "Dorothy",
    "Annie",
    "Guido",
    "Bjarne",
    "James",
    "Larry",
    "Sergey",
    "Susan",
    "Sophie",
    "Yukihiro",
    "Rasmus",
    "Brendan",
    "Jean",
    "Lea",
    "Noor",
    "Amir",
    "Priya",
    "Ravi",
    "Chen",
    "Wei",
    "Mei",
    "Hiro",
    "Yuki",
    "Olga",
    "Ivan",
    "Sven",
    "Astrid",
    "Pablo",
    "Lucia",
    "Mateo",
    "Sofia",
    "Kofi",
    "Ama",
    "Tunde",
]
LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Thompson",
    "Liskov",
    "Hamilton",
    "Ritchie",
    "Dijkstra",
    "Knuth",
    "Allen",
    "Perlman",
    "Backus",
    "Johnson",
    "Wilson",
    "Anderson",
    "Jackson",
    "Harrison",
    "Robinson",
    "Davidson",
    "Nakamura",
    "Kowalski",
    "Schmidt",
    "Garcia",
    "Rossi",
    "Dubois",
    "Okafor",
    "Mensah",
    "Singh",
    "Patel",
    "Kim",
    "Park",
    "Nguyen",
    "Tanaka",
    "Ivanova",
    "Larsen",
    "Moreau",
    "Silva",
    "Costa",
    "Novak",
    "Horvat",
    "Murphy",
    "Walsh",
    "Brennan",
    "Fischer",
    "Weber",
    "Keller",
    "Young",
    "King",
    "Wright",
    "Lopez",
    "Hill",
    "Scott",
    "Green",
    "Adams",
    "Baker",
    "Nelson",
    "Carter",
]
DOMAINS = [
    "initech.net",
    "globex.com",
    "acme.io",
    "umbrella.org",
    "hooli.com",
    "stark.dev",
    "wayne.co",
    "cyberdyne.ai",
    "soylent.biz",
    "tyrell.net",
    "massive.io",
    "vandelay.com",
    "wonka.org",
    "oscorp.dev",
    "aperture.co",
]
ROLES = ("viewer",) * 14 + ("editor",) * 5 + ("admin",)
STATUSES = ("active",) * 16 + ("inactive",) * 2 + ("pending_invite", "suspended")
COLUMNS = ["id", "org_id", "email", "email_key", "name", "role", "status", "external_id", "created_at", "updated_at"]


def user_rows(org_id: str, size: int, seed: int) -> list[tuple[Any, ...]]:
    rnd, start = random.Random(seed), datetime(2023, 1, 1, tzinfo=UTC)
    rows: list[tuple[Any, ...]] = []
    for i in range(size):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        email = f"{first.lower()}.{last.lower()}{i}@{rnd.choice(DOMAINS)}"
        created = start + timedelta(seconds=rnd.randrange(3 * 365 * 86400))
        rows.append(
            (
                new_id("usr"),
                org_id,
                email,
                email_key(email),
                f"{first} {last}",
                rnd.choice(ROLES),
                rnd.choice(STATUSES),
                f"crm-{i}",
                created,
                created,
            )
        )
    return rows
