"""The OpenAPI 3.1 description of the API, served without a token at /api/v1/openapi.json.

Built per request so that the limits it states (body length) are the ones configured. The
input schemas are exact: what they allow is accepted, what they forbid is a 4xx, which the
property-based test (tests/test_api_schemathesis.py) holds the code to."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from ..services.api_tokens import SCOPES
from ..services.pages import RESERVED_SLUGS, max_body_chars
from ..services.tags import MAX_TAG_CHARS, MAX_TAGS
from . import bp
from .inputs import MAX_INT
from .pages import FILTERS, KINDS, MAX_PAGE, MAX_PER_PAGE, STATUSES

JSON = "application/json"
NO_NUL = "^[^\\u0000]*$"
# The characters str.isspace() is true for, as a regex class body.
SPACES = "\\t\\n\\u000b\\u000c\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
SLUG = "^(|[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?)$"
ERRORS = {
    400: "Invalid input; `field` names the part at fault.",
    401: "No token, or a token that is unknown, revoked or of another site.",
    403: "The token lacks the scope, or its member's role does not allow this.",
    404: "No such item on this site.",
    409: "A conflict: a stale `version` (see `current_version`), a slug already in use, or the "
    "site's page quota.",
    413: "The body is larger than the server accepts, or the upload exceeds a quota.",
    410: "The site is suspended or deleted.",
    415: "The body is not of the type this operation takes.",
    429: "Too many requests with this token; see Retry-After.",
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def text(max_length: int, pattern: str = NO_NUL) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length, "pattern": pattern}


def nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


def answer(description: str, schema: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if schema:
        out["content"] = {JSON: {"schema": ref(schema)}}
    return out


def operation(
    summary: str, ok: dict[int, dict], errors: tuple[int, ...], *, scope: str | None = None,
    body: dict | None = None, parameters: list | None = None, operation_id: str,
) -> dict[str, Any]:  # fmt: skip
    responses = {str(code): value for code, value in ok.items()}
    for code in sorted({401, 410, 429, *errors}):
        error = answer(ERRORS[code], "Error")
        if code == 401:
            error["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
        responses[str(code)] = error
    op: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "description": f"Needs a token with the `{scope}` scope." if scope else "Any valid token.",
        "responses": responses,
    }
    if parameters:
        op["parameters"] = parameters
    if body:
        op["requestBody"] = body
    return op


def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


PAGE_ID = {
    "name": "page_id", "in": "path", "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
}  # fmt: skip
PAGING = [
    query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page number."),
    query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20}, "Items per page."),
]  # fmt: skip


def schemas() -> dict[str, Any]:
    # At least one character that str.strip() keeps: spelled out, because regex engines
    # disagree with Python (and each other) on what \\s means.
    title = text(200, f"^[^\\u0000]*[^\\u0000{SPACES}][^\\u0000]*$")
    slug = {**text(100, SLUG), "not": {"enum": sorted(RESERVED_SLUGS)}}
    page_fields = {
        "title": title,
        "body": text(max_body_chars()),
        "slug": slug,
        "description": text(300),
        "status": {"type": "string", "enum": list(STATUSES)},
        "published_at": nullable("string", format="date-time"),
    }
    page_fields["tags"] = {
        "type": "array",
        "maxItems": MAX_TAGS,
        "items": text(MAX_TAG_CHARS),
        "description": "Replaces the page's tags. Each is free text; its address is "
        "/tag/<slug>, the slug made from it. A name without a letter or digit has no "
        "address and is left out.",
    }
    summary = {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": list(KINDS)},
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "status": {"type": "string", "enum": list(STATUSES)},
        "scheduled": {"type": "boolean"},
        "is_home": {"type": "boolean"},
        "version": {"type": "integer"},
        "author_id": nullable("integer"),
        "published_at": nullable("string", format="date-time"),
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "url": {"type": "string", "format": "uri"},
    }

    def obj(properties: dict, required: list | None = None, **extra: Any) -> dict[str, Any]:
        return {"type": "object", "properties": properties,
                "required": required if required is not None else list(properties), **extra}  # fmt: skip

    def page_of(item: str) -> dict[str, Any]:
        return obj({
            "items": {"type": "array", "items": ref(item)},
            "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "total": {"type": "integer"}, "pages": {"type": "integer"},
        })  # fmt: skip

    return {
        "Error": obj(
            {
                "error": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string"},
                "current_version": {"type": "integer"},
            },
            ["error", "message"],
        ),  # fmt: skip
        "PageSummary": obj(summary),
        "Page": obj(
            {
                **summary,
                "body": {"type": "string"},
                "html": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
            }
        ),  # fmt: skip
        "PageList": page_of("PageSummary"),
        "PageCreate": obj(
            {**page_fields, "kind": {"type": "string", "enum": list(KINDS), "default": "page"}},
            ["title"],
            additionalProperties=False,
        ),  # fmt: skip
        "PageUpdate": obj(
            {
                "version": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_INT,
                    "description": "The version the change is based on.",
                },
                **page_fields,
            },
            ["version"],
            additionalProperties=False,
        ),  # fmt: skip
        "Publish": obj(
            {"published_at": nullable("string", format="date-time")}, [], additionalProperties=False
        ),  # fmt: skip
        "Revision": obj(
            {
                "id": {"type": "integer"},
                "page_id": {"type": "integer"},
                "title": {"type": "string"},
                "body": {"type": "string"},
                "reason": {"type": "string"},
                "page_version": {"type": "integer"},
                "author_id": nullable("integer"),
                "created_at": {"type": "string", "format": "date-time"},
            }
        ),  # fmt: skip
        "RevisionList": page_of("Revision"),
        "Media": obj(
            {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "content_type": {"type": "string"},
                "size": {"type": "integer"},
                "sha256": {"type": "string"},
                "width": nullable("integer"),
                "height": nullable("integer"),
                "url": {"type": "string"},
                "web_url": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
            }
        ),  # fmt: skip
        "MediaList": obj({"files": {"type": "array", "items": ref("Media")}}),
        "Site": obj(
            {
                "id": {"type": "integer"},
                "subdomain": {"type": "string"},
                "title": {"type": "string"},
                "tagline": {"type": "string"},
                "description": {"type": "string"},
                "theme": {"type": "string"},
                "noindex": {"type": "boolean"},
                "custom_domain": nullable("string"),
                "url": {"type": "string", "format": "uri"},
                "navigation": {"type": "array", "items": {"type": "integer"}},
                "created_at": {"type": "string", "format": "date-time"},
                "role": {"type": "string"},
                "scopes": {"type": "array", "items": {"type": "string", "enum": list(SCOPES)}},
                "pages_used": {"type": "integer"},
                "max_pages": {"type": "integer"},
                "bytes_used": {"type": "integer"},
                "max_bytes": {"type": "integer"},
            }
        ),  # fmt: skip
    }


def json_body(schema: str, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {JSON: {"schema": ref(schema)}}}


def paths() -> dict[str, Any]:
    page_links = {
        "GetPage": {"operationId": "getPage", "parameters": {"page_id": "$response.body#/id"}},
    }
    created = answer("Created; Location has its address.", "Page")
    created["links"] = page_links
    return {
        "/pages": {
            "get": operation(
                "List pages and posts, newest change first",
                {200: answer("A page of results.", "PageList")},
                (400, 403, 404),
                scope="pages:read",
                operation_id="listPages",
                parameters=[
                    *PAGING,
                    query(
                        "status",
                        {"type": "string", "enum": list(FILTERS)},
                        "Only drafts, published or scheduled.",
                    ),
                    query("kind", {"type": "string", "enum": list(KINDS)}, "Only pages or posts."),
                ],
            ),  # fmt: skip
            "post": operation(
                "Create a page or post (publishing it needs `pages:publish`)",
                {201: created},
                (400, 403, 404, 409, 413, 415),
                scope="pages:write",
                body=json_body("PageCreate"),
                operation_id="createPage",
            ),  # fmt: skip
        },
        "/pages/{page_id}": {
            "get": operation(
                "A page with its Markdown body and rendered HTML",
                {200: answer("The page.", "Page")},
                (403, 404),
                scope="pages:read",
                parameters=[PAGE_ID],
                operation_id="getPage",
            ),  # fmt: skip
            "patch": operation(
                "Change a page; send the `version` you started from (changing what visitors "
                "read on a published page needs `pages:publish`)",
                {200: answer("Saved.", "Page")},
                (400, 403, 404, 409, 413, 415),
                scope="pages:write",
                parameters=[PAGE_ID],
                body=json_body("PageUpdate"),
                operation_id="updatePage",
            ),  # fmt: skip
            "delete": operation(
                "Move a page to the trash (restorable from the dashboard)",
                {204: answer("In the trash.")},
                (403, 404),
                scope="pages:write",
                parameters=[PAGE_ID],
                operation_id="deletePage",
            ),  # fmt: skip
        },
        "/pages/{page_id}/publish": {
            "post": operation(
                "Publish now, or schedule with `published_at`",
                {200: answer("Published.", "Page")},
                (400, 403, 404, 413, 415),
                scope="pages:publish",
                parameters=[PAGE_ID],
                body=json_body("Publish", required=False),
                operation_id="publishPage",
            ),  # fmt: skip
        },
        "/pages/{page_id}/revisions": {
            "get": operation(
                "Every saved text of a page, newest first",
                {200: answer("A page of revisions.", "RevisionList")},
                (400, 403, 404),
                scope="pages:read",
                parameters=[PAGE_ID, *PAGING],
                operation_id="listRevisions",
            ),  # fmt: skip
        },
        "/media": {
            "post": operation(
                "Upload images (PNG, JPEG, GIF, WebP) or PDFs; all or nothing",
                {201: answer("Stored.", "MediaList")},
                (400, 403, 404, 413, 415),
                scope="media:write",
                operation_id="uploadMedia",
                body={
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {
                                        "type": "string",
                                        "contentMediaType": "application/octet-stream",
                                    }
                                },
                            },
                        }
                    },
                },
            ),  # fmt: skip
        },
        "/site": {
            "get": operation(
                "The site's settings, quotas, and this token's role and scopes",
                {200: answer("The site.", "Site")},
                (403, 404),
                operation_id="getSite",
            ),  # fmt: skip
        },
    }


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "sitemaker API",
            "version": "1",
            "description": "Pages, posts and media of one site. Authenticate with "
            "`Authorization: Bearer <token>`; make tokens in the dashboard under API tokens. "
            "A token never grants more than its member's current role. Errors are JSON: "
            '`{"error": ..., "message": ...}`.',
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {**paths(), **stats.openapi_paths(operation, answer, query)},
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal access token.",
                }
            },
            "schemas": {**schemas(), **stats.openapi_schemas()},
        },
    }


from . import stats  # noqa: E402  (imported last: it builds on the helpers above)


@bp.route("/openapi.json")
def openapi():
    return jsonify(document())
