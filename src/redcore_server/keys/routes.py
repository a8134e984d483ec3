"""HTTP for API keys (``/v1/api_keys``), all under ``keys:manage``: list, read, create (the secret
in the answer, this once), rename, revoke, roll. The same service serves ``redcore-server keys``."""

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from redcore_server.auth.principal import Principal
from redcore_server.auth.scopes import KEYS_MANAGE
from redcore_server.db import Database
from redcore_server.db.uow import UnitOfWork
from redcore_server.http.authentication import requires
from redcore_server.http.body import documents_body, read_json
from redcore_server.http.openapi import LOCATION_HEADER, READ_ERRORS, WRITE_ERRORS, error_responses
from redcore_server.http.openapi_document import BODY_OPTIONAL
from redcore_server.http.responses import JsonResponse
from redcore_server.keys.schemas import ApiKey, ApiKeyCreate, ApiKeyUpdate, NewApiKey, RollApiKey
from redcore_server.keys.service import KeyService
from redcore_server.kit.listing import PageRequest
from redcore_server.kit.params import ListMeta, list_meta, provide_page_request, text_parameter

CallerRequest = Request[Principal, Any, Any]
KeyId = Annotated[str, text_parameter("The `key_`-prefixed API key id.")]
NO_STORE = {"Cache-Control": "no-store"}  # an answer carrying a secret must not be cached


class ApiKeyList(msgspec.Struct):
    data: list[ApiKey]
    meta: ListMeta


def _made(key: NewApiKey) -> JsonResponse[NewApiKey]:
    return JsonResponse(key, status_code=HTTP_201_CREATED, headers={"Location": f"/v1/api_keys/{key.id}", **NO_STORE})


class ApiKeyController(Controller):
    path = "/api_keys"
    tags = ["API keys"]

    @get(
        "/",
        opt=requires(KEYS_MANAGE),
        dependencies={"page_request": Provide(provide_page_request, sync_to_thread=False)},
        responses=error_responses(*READ_ERRORS),
        summary="List API keys",
        description="The organization's API keys, revoked ones included, newest first. Never a secret: a key "
        "is recognised by its `prefix`.",
        operation_id="list_api_keys",
    )
    async def list_keys(
        self,
        request: CallerRequest,
        db: NamedDependency[Database],
        keys: NamedDependency[KeyService],
        page_request: NamedDependency[PageRequest],
    ) -> JsonResponse[ApiKeyList]:
        items, result = await keys.list(db, request.user.org_id, page_request)
        return JsonResponse(ApiKeyList(data=items, meta=list_meta(page_request, result)))

    @get(
        "/{id:str}",
        opt=requires(KEYS_MANAGE),
        responses=error_responses(*READ_ERRORS, 404),
        summary="Retrieve an API key",
        description="One API key (never its secret).",
        operation_id="get_api_key",
    )
    async def get_key(
        self, request: CallerRequest, db: NamedDependency[Database], keys: NamedDependency[KeyService], id: KeyId
    ) -> JsonResponse[ApiKey]:
        return JsonResponse(await keys.get(db, request.user.org_id, id))

    @post(
        "/",
        opt=requires(KEYS_MANAGE),
        dependencies=documents_body(ApiKeyCreate),
        responses=error_responses(*WRITE_ERRORS),
        response_headers=[LOCATION_HEADER],
        status_code=HTTP_201_CREATED,
        summary="Create an API key",
        description="A new key with the `scopes` given (every scope when left out), all of which the caller must "
        "hold (else 403 `insufficient_privilege`); `expires_at` (a key that expires itself can only make keys that "
        "expire no later) and `rate_limit` (requests per window; null: the server's default) are optional. The "
        "answer carries the `secret` (`sk_live_…`), shown this once; it works at once. Answers 201 with `Location`.",
        operation_id="create_api_key",
    )
    async def create_key(
        self, request: CallerRequest, uow: NamedDependency[UnitOfWork], keys: NamedDependency[KeyService]
    ) -> JsonResponse[NewApiKey]:
        data = await read_json(request, ApiKeyCreate)
        return _made(await keys.create(uow, request.user.org_id, data))

    @patch(
        "/{id:str}",
        opt=requires(KEYS_MANAGE),
        dependencies=documents_body(ApiKeyUpdate),
        responses=error_responses(*WRITE_ERRORS, 404),
        summary="Rename an API key",
        description="Only the `name` changes (`null` clears it). The caller must hold every scope of the key.",
        operation_id="update_api_key",
    )
    async def update_key(
        self, request: CallerRequest, uow: NamedDependency[UnitOfWork], keys: NamedDependency[KeyService], id: KeyId
    ) -> JsonResponse[ApiKey]:
        data = await read_json(request, ApiKeyUpdate)
        return JsonResponse(await keys.rename(uow, request.user.org_id, id, data))

    @delete(
        "/{id:str}",
        opt=requires(KEYS_MANAGE),
        responses=error_responses(*READ_ERRORS, 404, 409),
        status_code=HTTP_204_NO_CONTENT,
        summary="Revoke an API key",
        description="The key stops working at once on this server and within a second on every other (revoking "
        "a revoked key changes nothing). The caller must hold every scope of the key. The organization's last "
        "working key holding `keys:manage` cannot be revoked by another credential (409 `last_manager_key`: "
        "create or roll another first); that key itself may, with `force=true`.",
        operation_id="revoke_api_key",
    )
    async def revoke_key(
        self,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        keys: NamedDependency[KeyService],
        id: KeyId,
        force: Annotated[
            bool,
            Parameter(description="Revoke the last key that can manage keys, when that key is the caller."),
        ] = False,
    ) -> None:
        await keys.revoke(uow, request.user.org_id, id, force=force)

    @post(
        "/{id:str}/roll",
        opt={**requires(KEYS_MANAGE), BODY_OPTIONAL: True},
        dependencies=documents_body(RollApiKey),
        responses=error_responses(*WRITE_ERRORS, 404, 409),
        response_headers=[LOCATION_HEADER],
        status_code=HTTP_201_CREATED,
        summary="Roll an API key",
        description="A new key with the same name, scopes, rate limit and expiry and a new `secret` (in the "
        "answer, shown this once); the old key keeps working for `grace_period` seconds (default 86400, at most "
        "604800; 0 revokes it at once), so its users can switch without a gap. The caller must hold every scope "
        "of the key; a revoked or expired key cannot be rolled (409 `api_key_inactive`). Answers 201 with the "
        "new key's `Location`.",
        operation_id="roll_api_key",
    )
    async def roll_key(
        self, request: CallerRequest, uow: NamedDependency[UnitOfWork], keys: NamedDependency[KeyService], id: KeyId
    ) -> JsonResponse[NewApiKey]:
        body = await request.body()
        data = await read_json(request, RollApiKey) if body.strip() else RollApiKey()
        return _made(await keys.roll(uow, request.user.org_id, id, data))
