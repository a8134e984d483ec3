"""``OPTIONS`` says what each path allows: the methods its OpenAPI entry documents, and OPTIONS.

(Litestar's automatic answer listed only the methods registered first on a path whose handlers come
from several places: ``/v1/users/{id}`` said ``DELETE, OPTIONS``.)"""

from __future__ import annotations

import re

from tests.support import Tenant, http_client


async def test_options_lists_exactly_the_documented_methods_of_every_path(tenant: Tenant) -> None:
    async with http_client(tenant.app) as anonymous:
        doc = (await anonymous.get("/openapi.json")).json()
        for template, item in doc["paths"].items():
            client = tenant.client if template.startswith("/v1/") else anonymous
            response = await client.options(re.sub(r"\{[^}]+\}", "x_1", template))
            assert response.status_code == 204, (template, response.text)
            allowed = {m.strip() for m in response.headers["allow"].split(",")}
            documented = {m.upper() for m in item if m in {"get", "post", "put", "patch", "delete"}}
            assert allowed == documented | {"OPTIONS"}, template
