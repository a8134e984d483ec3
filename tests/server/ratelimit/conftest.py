"""A private ``redis-server`` per test, on a free port, that the test may stop and start again."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.own_redis import OwnRedis


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    """A stopped private Redis (call ``start()``), killed after the test whatever happens."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    redis = OwnRedis(binary, tmp_path)
    try:
        yield redis
    finally:
        redis.stop()
