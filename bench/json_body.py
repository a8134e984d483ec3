"""What refusing duplicate JSON keys costs a request body (http/body.py::duplicate_key).

    .venv/bin/python bench/json_body.py        # a few seconds

msgspec, which decodes every body, keeps the last of two equal keys silently, so the server runs
a second pass over each body that decoded cleanly: the standard library's C scanner with a hook
that compares each object's keys (numbers left as text). This prints, for a 1 KiB and a 1 MiB JSON
body (arrays of small objects, like a list page), the median time of msgspec's decode and of the
check, and their ratio. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import msgspec

from redcore_server.http.body import duplicate_key


def body(size: int) -> bytes:
    items: list[dict[str, Any]] = []
    while len(msgspec.json.encode({"data": items})) < size:
        i = len(items)
        items.append(
            {
                "id": f"usr_{i:026d}",
                "email": f"user{i}@example.com",
                "name": f"Ren\u00e9 Example {i}",
                "role": "viewer",
                "price": 1999 + i,
                "meta": {"url": "https://x.example/a:b", "ratio": 1.5},
            }
        )
    return msgspec.json.encode({"data": items})


def median_seconds(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    decode = msgspec.json.Decoder()
    print(f"{'body':>10} {'bytes':>9} {'msgspec decode':>15} {'duplicate check':>16} {'check/decode':>13}")
    for label, size in (("1 KiB", 1024), ("1 MiB", 1 << 20)):
        raw = body(size)
        rounds = args.rounds * 20 if size < 10_000 else max(args.rounds // 10, 10)
        assert duplicate_key(raw) is None
        decoded = median_seconds(lambda raw=raw: decode.decode(raw), rounds)
        checked = median_seconds(lambda raw=raw: duplicate_key(raw), rounds)
        print(
            f"{label:>10} {len(raw):>9} {decoded * 1e6:>12.1f} µs {checked * 1e6:>13.1f} µs {checked / decoded:>12.2f}x"
        )


if __name__ == "__main__":
    main()
