"""HTTP for products: parse, call the service, shape the response. No SQL, no commits here."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, route
from litestar.di import NamedDependency, Provide
from litestar.enums import HttpMethod
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from redcore_server.auth.middleware import requires
from redcore_server.auth.principal import Principal
from redcore_server.auth.scopes import PRODUCTS_READ, PRODUCTS_WRITE
from redcore_server.db import Database
from redcore_server.db.listing import PageRequest
from redcore_server.db.uow import UnitOfWork
from redcore_server.http.body import documents_body, read_json
from redcore_server.http.fast_reads import FastRead
from redcore_server.http.listing import list_meta, provide_page_request, search_text
from redcore_server.http.openapi import ETAG_HEADER, LOCATION_HEADER, READ_ERRORS, WRITE_ERRORS, error_responses
from redcore_server.http.responses import JsonResponse
from redcore_server.products import service
from redcore_server.products.schemas import Product, ProductCreate, ProductList, ProductUpdate, Status
from redcore_server.versioning import etag_for, parse_if_match

ProductRequest = Request[Principal, Any, Any]
ProductId = Annotated[str, Parameter(description="The `prod_`-prefixed product id.")]


def product_headers(product: Product) -> dict[str, str]:
    return {"ETag": etag_for(product.updated_at)}


# GET /v1/products/{id} on the lean path (http/fast_reads.py); ProductController.get_product documents it.
FAST_READ = FastRead(scope=PRODUCTS_READ, fetch=service.get, headers=product_headers)


class ProductController(Controller):
    path = "/products"
    tags = ["Products"]

    @get(
        "/",
        opt=requires(PRODUCTS_READ),
        dependencies={"page_request": Provide(provide_page_request, sync_to_thread=False)},
        responses=error_responses(*READ_ERRORS),
        summary="List products",
    )
    async def list_products(
        self,
        request: ProductRequest,
        db: NamedDependency[Database],
        page_request: NamedDependency[PageRequest],
        status: Annotated[Status | None, Parameter(description="Only products with this status.")] = None,
        q: Annotated[
            str | None, Parameter(max_length=200, description="Partial, case-insensitive match on name or SKU.")
        ] = None,
    ) -> JsonResponse[ProductList]:
        """The catalog, newest first unless `sort`/`order` say otherwise.
        Sortable by `created_at`, `name`, `price`, `sku`."""
        if status is not None:
            page_request.filters["status"] = status
        page_request.search = search_text(q)
        products, result = await service.list_products(db, request.user.org_id, page_request)
        return JsonResponse(ProductList(data=products, meta=list_meta(page_request, result)))

    @post(
        "/",
        opt=requires(PRODUCTS_WRITE),
        dependencies=documents_body(ProductCreate),
        responses=error_responses(*WRITE_ERRORS, 409),
        response_headers=[LOCATION_HEADER, ETAG_HEADER],
        status_code=HTTP_201_CREATED,
        summary="Create a product",
    )
    async def create_product(self, request: ProductRequest, uow: NamedDependency[UnitOfWork]) -> JsonResponse[Product]:
        """Add a product. `currency` defaults to the organization's base currency; `stock` to 0;
        `status` to `available`. Answers 201 with a `Location` header; 409 `duplicate_sku`."""
        data = await read_json(request, ProductCreate)
        product = await service.create(uow, request.user.org_id, data)
        headers = {"Location": f"/v1/products/{product.id}", **product_headers(product)}
        return JsonResponse(product, status_code=HTTP_201_CREATED, headers=headers)

    @get(
        "/{product_id:str}",
        opt=requires(PRODUCTS_READ),
        responses=error_responses(*READ_ERRORS, 404),
        response_headers=[ETAG_HEADER],
        summary="Retrieve a product",
    )
    async def get_product(
        self, request: ProductRequest, db: NamedDependency[Database], product_id: ProductId
    ) -> JsonResponse[Product]:
        """One product, with an `ETag` to send back as `If-Match` on a later write."""
        product = await service.get(db, request.user.org_id, product_id)
        return JsonResponse(product, headers=product_headers(product))

    @route(
        "/{product_id:str}",
        http_method=[HttpMethod.PATCH, HttpMethod.PUT],
        opt=requires(PRODUCTS_WRITE),
        dependencies=documents_body(ProductUpdate),
        responses=error_responses(*WRITE_ERRORS, 404, 409, 412),
        response_headers=[ETAG_HEADER],
        summary="Update a product",
    )
    async def update_product(
        self, request: ProductRequest, uow: NamedDependency[UnitOfWork], product_id: ProductId
    ) -> JsonResponse[Product]:
        """Change only the fields given. `PUT` is accepted with the same partial semantics.
        With `If-Match: <ETag>` the change applies only if the product is unchanged since (else 412)."""
        data = await read_json(request, ProductUpdate)
        if_match = parse_if_match(request.headers.get("if-match"))
        product = await service.update(uow, request.user.org_id, product_id, data, if_match)
        return JsonResponse(product, headers=product_headers(product))

    @delete(
        "/{product_id:str}",
        opt=requires(PRODUCTS_WRITE),
        responses=error_responses(*READ_ERRORS, 404, 412),
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete a product",
    )
    async def delete_product(
        self, request: ProductRequest, uow: NamedDependency[UnitOfWork], product_id: ProductId
    ) -> None:
        """Remove the product from the catalog. Honours `If-Match` like updates."""
        await service.delete(uow, request.user.org_id, product_id, parse_if_match(request.headers.get("if-match")))
