"""What every API response must look like: the contract's error shape, RFC 3339 UTC times."""

from __future__ import annotations

import re

RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert error["status"] == status
    assert error["request_id"] == response.headers["x-request-id"]
    assert error["request_id"].startswith("req_")
    assert error["message"]
    return error
