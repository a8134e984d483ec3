"""HTTP for imports: ``POST /v1/users/import`` takes a file and queues its job (202), and
``GET /v1/imports/{id}`` shows the job's progress and outcome."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import Parameter, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from redcore_server import errors
from redcore_server.auth.principal import Principal
from redcore_server.auth.scopes import PRODUCTS_WRITE, USERS_WRITE
from redcore_server.db import Database
from redcore_server.db.uow import UnitOfWork
from redcore_server.http.authentication import requires
from redcore_server.http.openapi import READ_ERRORS, WRITE_ERRORS, error_responses
from redcore_server.http.openapi_document import RAW_BODY
from redcore_server.http.responses import JsonResponse
from redcore_server.imports.schemas import Import
from redcore_server.imports.service import ImportService
from redcore_server.kit.importing import Format
from redcore_server.kit.params import text_parameter
from redcore_server.users.importing import ImportOptions, Upsert

CallerRequest = Request[Principal, Any, Any]
ImportId = Annotated[str, text_parameter("The `imp_`-prefixed import id.")]
MEDIA: dict[str, Format] = {"text/csv": "csv", "application/x-ndjson": "jsonl", "application/jsonl": "jsonl"}
PRODUCT_BODY = {
    "text/csv": "CSV with a header row naming the columns",
    "application/x-ndjson": "JSON Lines: one product object per line",
    "application/jsonl": "JSON Lines: one product object per line",
}
BODY = {
    "text/csv": "CSV with a header row naming the columns",
    "application/x-ndjson": "JSON Lines: one user object per line",
    "application/jsonl": "JSON Lines: one user object per line",
}


def _format_of(request: CallerRequest) -> Format:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    fmt = MEDIA.get(media)
    if fmt is None:
        raise errors.UnsupportedMediaType("Send the file as text/csv or application/x-ndjson.")
    return fmt


def import_controllers(max_bytes: int) -> list[type[Controller]]:
    """The import routes, taking files of up to ``max_bytes`` (``REDCORE_IMPORT_MAX_BYTES``)."""

    class UserImportController(Controller):
        path = "/users/import"
        tags = ["Users"]

        @post(
            "/",
            opt={**requires(USERS_WRITE), RAW_BODY: BODY},
            request_max_body_size=max_bytes,
            status_code=HTTP_202_ACCEPTED,
            responses=error_responses(*WRITE_ERRORS),
            summary="Import users from a file (a job)",
            description="The body is the file: CSV (`text/csv`, a header row naming the columns) or JSON Lines "
            "(`application/x-ndjson`), with the fields of `redcore-server users import` (the README's "
            "*Importing users*): `email`, `name`, `role`, `status`, `avatar`, `external_id`, `email_verified`, "
            "`public_metadata`, `private_metadata`, `password_hash`; `id`, `last_login`, `created_at` and "
            f"`updated_at` are ignored. At most {max_bytes} bytes (`REDCORE_IMPORT_MAX_BYTES`; 413 "
            "`payload_too_large` beyond; larger files: the CLI); UTF-8 (400 `validation_error` naming `body` "
            "otherwise); 415 `unsupported_media_type` for another media type. Answers 202 with the import "
            "(`queued`) and a `Location` to follow it: a worker checks every row with the rules of "
            "`POST /v1/users` and writes all of them in one transaction or none (`failed`, with `problems` by "
            "line). The privilege rule holds as for `POST` and `PATCH /v1/users`: the rows may give only roles "
            "whose every scope the caller holds, and update only users whose role the caller holds (else the "
            "job fails with `error` `insufficient_privilege: …`).",
            operation_id="import_users",
        )
        async def import_users(
            self,
            request: CallerRequest,
            uow: NamedDependency[UnitOfWork],
            imports: NamedDependency[ImportService],
            dry_run: Annotated[bool, Parameter(description="Check everything; write nothing.")] = False,
            upsert: Annotated[
                Upsert | None,
                Parameter(description="Update the users rows match by this key (else an existing email is a problem)."),
            ] = None,
            invite: Annotated[
                bool, Parameter(description="Invite the new users without a password hash (email outbox, limits).")
            ] = False,
            per_user_events: Annotated[
                bool,
                QueryParameter(
                    name="events",
                    description="A `user.created`/`user.updated` event per user, not only `import.completed`.",
                ),
            ] = False,
        ) -> JsonResponse[Import]:
            fmt = _format_of(request)
            body = await request.body()
            options = ImportOptions(dry_run=dry_run, upsert=upsert, invite=invite, events=per_user_events)
            item = await imports.create(uow, request.user.org_id, "users", body, fmt, options)
            return JsonResponse(item, status_code=HTTP_202_ACCEPTED, headers={"Location": f"/v1/imports/{item.id}"})

    class ProductImportController(Controller):
        path = "/products/import"
        tags = ["Products"]

        @post(
            "/",
            opt={**requires(PRODUCTS_WRITE), RAW_BODY: PRODUCT_BODY},
            request_max_body_size=max_bytes,
            status_code=HTTP_202_ACCEPTED,
            responses=error_responses(*WRITE_ERRORS),
            summary="Import products from a file (a job)",
            description="The body is the file: CSV (`text/csv`, a header row naming the columns) or JSON Lines "
            "(`application/x-ndjson`), with the fields of `redcore-server products import`: `name`, `sku`, "
            "`price` (required), `currency`, `stock`, `status`, `metadata`; `id`, `created_at` and `updated_at` "
            f"are ignored. At most {max_bytes} bytes (413 `payload_too_large` beyond), UTF-8, else 415 or 400 as "
            "for users. Answers 202 with the import (`queued`) and a `Location` to follow it (`GET /v1/imports/{id}`, "
            "`products:read`): every row is checked with the rules of `POST /v1/products` (SKUs unique in the file "
            "and in the catalog) and all rows are written in one transaction, or none (`failed`, with `problems` "
            "by line).",
            operation_id="import_products",
        )
        async def import_products(
            self,
            request: CallerRequest,
            uow: NamedDependency[UnitOfWork],
            imports: NamedDependency[ImportService],
            dry_run: Annotated[bool, Parameter(description="Check everything; write nothing.")] = False,
        ) -> JsonResponse[Import]:
            fmt = _format_of(request)
            body = await request.body()
            item = await imports.create(uow, request.user.org_id, "products", body, fmt, ImportOptions(dry_run=dry_run))
            return JsonResponse(item, status_code=HTTP_202_ACCEPTED, headers={"Location": f"/v1/imports/{item.id}"})

    class ImportController(Controller):
        path = "/imports"
        tags = ["Users"]

        @get(
            "/{import_id:str}",
            responses=error_responses(*READ_ERRORS, 404),
            summary="Get an import",
            description="An import's status (`queued`, `running`, `succeeded`, `failed`), its counts (`rows`, "
            "`processed`, `created`, `updated`, `unchanged`, `failed`), its first 1,000 `problems` by line and "
            "`problem_count`. Needs the read scope of what it imports (`users:read` or `products:read`). 404 for "
            "an import that is not the organization's.",
            operation_id="get_import",
        )
        async def get_import(
            self,
            request: CallerRequest,
            db: NamedDependency[Database],
            imports: NamedDependency[ImportService],
            import_id: ImportId,
        ) -> JsonResponse[Import]:
            return JsonResponse(await imports.get(db, request.user.org_id, import_id, request.user.scopes))

    return [UserImportController, ProductImportController, ImportController]
