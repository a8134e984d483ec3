"""Redis going away and coming back under two real server processes: no 500s, ``/health`` tells the
truth, the shared budget returns within seconds (with no traffic needed), and a quick restart while
the pooled connections sit idle is not mistaken for an outage."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import httpx

from tests.server.ratelimit.servers import Server, new_key, serving
from tests.support.own_redis import OwnRedis


async def _load(client: httpx.AsyncClient, servers: list[Server], statuses: Counter[int], stop: asyncio.Event) -> None:
    i = 0
    while not stop.is_set():
        i += 1
        response = await client.get(f"{servers[i % len(servers)].url}/v1/users", params={"limit": 1})
        statuses[response.status_code] += 1


async def _all_health(servers: list[Server], expected: str, within: float) -> float:
    """Seconds until every server's ``/health`` says ``rate_limiter == expected`` (fails after ``within``)."""
    start = time.monotonic()
    while True:
        seen = [(await asyncio.to_thread(server.health))["rate_limiter"] for server in servers]
        if all(s == expected for s in seen):
            return time.monotonic() - start
        assert time.monotonic() - start < within, f"/health says {seen}, not {expected!r}, after {within} s"
        await asyncio.sleep(0.05)


async def _shared_budget(secret: str, servers: list[Server]) -> list[int]:
    """Seven requests, alternating servers, with a key limited to six."""
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {secret}"}, timeout=5) as client:
        return sorted([(await client.get(f"{servers[i % 2].url}/v1/users")).status_code for i in range(7)])


async def test_a_redis_restart_under_load(database_url: str, tmp_path: Path, own_redis: OwnRedis) -> None:
    own_redis.start()
    secret, _ = await new_key(database_url)
    limited = [(await new_key(database_url, rate_limit=6))[0] for _ in range(3)]
    with serving(database_url, tmp_path, 2, redis_url=own_redis.url, rate_limit="100000") as servers:
        statuses: Counter[int] = Counter()
        stop = asyncio.Event()
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {secret}"}, timeout=5) as client:
            load = [asyncio.create_task(_load(client, servers, statuses, stop)) for _ in range(4)]
            try:
                await asyncio.sleep(0.5)
                assert await _shared_budget(limited[0], servers) == [200] * 6 + [429]

                own_redis.stop()  # under load
                await _all_health(servers, "redis degraded", within=3)
                served_during_outage = statuses[200]
                await asyncio.sleep(0.5)
                assert statuses[200] > served_during_outage  # fail-open: still serving

                stop.set()  # no traffic from here: the servers must notice Redis's return by themselves
                await asyncio.gather(*load)
                own_redis.start()
                recovered_in = await _all_health(servers, "redis", within=3)
                assert recovered_in < 3
                assert await _shared_budget(limited[1], servers) == [200] * 6 + [429]  # one budget again

                stop.clear()
                load = [asyncio.create_task(_load(client, servers, statuses, stop)) for _ in range(4)]
                await asyncio.sleep(0.5)
            finally:
                stop.set()
                await asyncio.gather(*load)

            # A quick restart while every pooled connection sits idle: the next requests find them
            # dead, retry once on a fresh connection, and count in Redis; no outage is declared.
            await asyncio.sleep(0.5)
            own_redis.stop()
            own_redis.start()
            burst = await asyncio.gather(
                *(client.get(f"{servers[i % 2].url}/v1/users", params={"limit": 1}) for i in range(16))
            )
            assert {r.status_code for r in burst} == {200}
            assert [(await asyncio.to_thread(s.health))["rate_limiter"] for s in servers] == ["redis", "redis"]
            assert await _shared_budget(limited[2], servers) == [200] * 6 + [429]

    assert set(statuses) == {200}, statuses  # not one 500 (nor 503: fail-open) in thousands of requests
    assert statuses[200] > 100
    for server in servers:
        log = server.log_text()
        assert log.count("Redis is unreachable") == 1, log  # the real outage, once; not the idle restart
        assert log.count("Redis is reachable again") == 1, log
