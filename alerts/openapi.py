"""The OpenAPI 3.1 description of `/api/v1/`, served at
`/api/v1/openapi.json`.

Written by hand, and kept honest by tests that check real answers of every
endpoint against it. Vocabularies (levels, kinds, category codes, country
codes) are read from the code and the database when it is served, so the
description cannot list a value the API refuses or miss one it accepts.
"""

from django.conf import settings
from django_countries import countries

from .api_support import DEFAULT_LIMIT, MAX_LIMIT
from .choices import LEVEL_COLOURS, LEVEL_NUMERALS, PUBLIC_KINDS, Direction, NoticeKind
from .models import ProductCategory, RecallEntry

SEARCH_TYPES = ["warning", "recall", "blacklist"]
# The status facet of /api/v1/search: a warning's, a recall's (its model's
# choices) and a listed company's, as the search index stores them.
SEARCH_STATUSES = ["active", "lifted", *RecallEntry.Status.values, "listed"]
SEARCH_MAX_LIMIT = 50


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema):
    return {"anyOf": [schema, {"type": "null"}]}


def _text():
    return {"type": "string"}


def _time():
    return {"type": "string", "format": "date-time"}


def _date():
    return {"type": "string", "format": "date"}


def _bilingual():
    return _ref("BilingualText")


def _object(properties, required=None):
    return {
        "type": "object",
        "properties": properties,
        "required": required if required is not None else list(properties),
    }


def _query(name, schema, description):
    if "enum" in schema:
        # An empty value means "no filter", as on the HTML pages' forms.
        schema = {**schema, "enum": [*schema["enum"], ""]}
        description += " An empty value means no filter."
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _or_empty(schema):
    return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}


def _levels():
    return [str(v) for v in LEVEL_NUMERALS] + list(LEVEL_NUMERALS.values())


def _category_codes():
    return list(ProductCategory.objects.values_list("code", flat=True))


def _country_codes():
    return [code for code, _name in countries]


def _warning_filters():
    return [
        _query(
            "level",
            {"type": "string", "enum": _levels()},
            "Level 1-4 or I-IV (I is the most serious).",
        ),
        _query(
            "kind",
            {"type": "string", "enum": [str(k) for k in PUBLIC_KINDS]},
            "Kind of warning. Port bulletins are never public.",
        ),
        _category(),
        _origin(),
        _query(
            "status",
            {"type": "string", "enum": ["active", "lifted"]},
            "Whether the warning still applies.",
        ),
    ]


def _category():
    return _query(
        "category",
        {"type": "string", "enum": _category_codes()},
        "Product category code; a category includes its children.",
    )


def _origin():
    return _query(
        "origin",
        {"type": "string", "enum": _country_codes()},
        "Country of origin, ISO 3166-1 alpha-2.",
    )


def _paging(max_limit=MAX_LIMIT):
    return [
        _query(
            "cursor",
            {"type": "string"},
            "Opaque position from `next_cursor` of the previous page.",
        ),
        _query(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": max_limit},
            f"Rows per page, {DEFAULT_LIMIT} unless given.",
        ),
    ]


def _text_query(description):
    return _query("q", {"type": "string", "maxLength": 200}, description)


def _rate_headers():
    return {
        "X-RateLimit-Limit": {
            "description": "Requests a client may make per window.",
            "required": True,
            "schema": {"type": "integer"},
        },
        "X-RateLimit-Remaining": {
            "description": "Requests left in the current window.",
            "required": True,
            "schema": {"type": "integer"},
        },
        "Access-Control-Allow-Origin": {
            "description": "Always `*`: anyone may read.",
            "required": True,
            "schema": {"type": "string", "enum": ["*"]},
        },
    }


def _etag_header():
    return {
        "ETag": {
            "description": "A tag of this answer; send it back in If-None-Match "
            "to be told 304 when the answer has not changed.",
            "required": True,
            "schema": {"type": "string"},
        }
    }


def _if_none_match():
    return {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "The ETag of an answer the client holds: a 304 without "
        "a body if it is still the answer.",
        "schema": {"type": "string"},
    }


def _json(schema):
    return {"application/json": {"schema": schema}}


def _not_modified():
    return {
        "description": "The answer has not changed since the ETag the client "
        "sent in If-None-Match; no body.",
        "headers": {**_etag_header(), **_rate_headers()},
    }


def _read_responses(schema, description):
    """The answers of an endpoint without parameters to get wrong."""
    return {
        "200": {
            "description": description,
            "headers": {**_etag_header(), **_rate_headers()},
            "content": _json(schema),
        },
        "304": _not_modified(),
        "429": _too_many(),
    }


def _list_responses(item_schema, description):
    headers = {**_etag_header(), **_rate_headers()}
    headers["Link"] = {
        "description": 'The next page, `<url>; rel="next"`, when there is one.',
        "required": False,
        "schema": {"type": "string"},
    }
    return {
        "200": {
            "description": description,
            "headers": headers,
            "content": _json(
                _object(
                    {
                        "items": {"type": "array", "items": _ref(item_schema)},
                        "limit": {"type": "integer"},
                        "next_cursor": _nullable(_text()),
                        "next": _nullable({"type": "string", "format": "uri"}),
                    }
                )
            ),
        },
        "304": _not_modified(),
        "400": _error_response("A parameter is wrong; the message says how."),
        "429": _too_many(),
    }


def _error_response(description):
    return {
        "description": description,
        "headers": _rate_headers(),
        "content": _json(_ref("Error")),
    }


def _too_many():
    headers = _rate_headers()
    headers["Retry-After"] = {
        "description": "Seconds to wait before the next request.",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
    return {
        "description": "Too many requests from this client in this window.",
        "headers": headers,
        "content": _json(_ref("Error")),
    }


def _schemas():
    level = _object(
        {
            "value": {"type": "integer", "minimum": 1, "maximum": 4},
            "numeral": {"type": "string", "enum": list(LEVEL_NUMERALS.values())},
            "name": _bilingual(),
            "colour": {"type": "string", "enum": list(LEVEL_COLOURS.values())},
            "colour_name": _bilingual(),
        }
    )
    category = _object({"code": _text(), "name": _bilingual()})
    notice = _object(
        {
            "sequence": {"type": "integer", "minimum": 1},
            "guid": {"type": "string", "description": "Same as the feeds' guid."},
            "kind": {"type": "string", "enum": [str(k) for k in NoticeKind]},
            "level": _ref("Level"),
            "previous_level": _nullable(_ref("Level")),
            "reason": _text(),
            "issued_at": _time(),
            "url": {"type": "string", "format": "uri"},
            "cap_url": {"type": "string", "format": "uri"},
        }
    )
    warning = _object(
        {
            "id": {"type": "integer"},
            "reference": {"type": "string", "pattern": r"^\d{4}-\d{4,}$"},
            "url": {"type": "string", "format": "uri"},
            "cap_url": {"type": "string", "format": "uri"},
            "title": _bilingual(),
            "summary": _bilingual(),
            "advice": _bilingual(),
            "level": _ref("Level"),
            "kind": {"type": "string", "enum": [str(k) for k in PUBLIC_KINDS]},
            "direction": {"type": "string", "enum": [str(d) for d in Direction]},
            "status": {"type": "string", "enum": ["active", "lifted"]},
            "categories": {"type": "array", "items": _ref("Category")},
            "origins": {"type": "array", "items": _text()},
            "hazards": {"type": "array", "items": _text()},
            "measures": {"type": "array", "items": _text()},
            "start_time": _time(),
            "review_date": _nullable(_time()),
            "lifted_at": _nullable(_time()),
            "first_published_at": _nullable(_time()),
            "last_published_at": _nullable(_time()),
            "notices": {"type": "array", "items": _ref("Notice")},
        }
    )
    recall = _object(
        {
            "id": {"type": "integer"},
            "url": {"type": "string", "format": "uri"},
            "source": _text(),
            "source_id": _text(),
            "source_url": _text(),
            "product": _text(),
            "brand": _text(),
            "model": _text(),
            "batch": _text(),
            "barcode": _text(),
            "category": _nullable(_ref("Category")),
            "origin": _nullable(_text()),
            "companies": _text(),
            "defect": _text(),
            "hazard": _nullable(_text()),
            "hazard_text": _text(),
            "remedy": _nullable(_text()),
            "remedy_text": _text(),
            "units": _nullable({"type": "integer"}),
            "recall_type": {"type": "string", "enum": ["voluntary", "ordered"]},
            "recall_date": _nullable(_date()),
            "language": _text(),
            "updated_at": _time(),
        }
    )
    blacklist = _object(
        {
            "id": {"type": "integer"},
            "url": {"type": "string", "format": "uri"},
            "company_name": _text(),
            "credit_code": _text(),
            "region": _text(),
            "violation": _text(),
            "legal_basis": _text(),
            "decision_number": _text(),
            "penalty": _text(),
            "listed_on": _date(),
            "removal_due_on": _nullable(_date()),
            "updated_at": _time(),
        }
    )
    hit = _object(
        {
            "type": {"type": "string", "enum": SEARCH_TYPES},
            "id": {"type": "integer"},
            "title": {
                "type": "string",
                "description": "In the language of Accept-Language: a "
                "warning's English title for English, where it has one, else "
                "the Chinese. Recalls and companies keep their own.",
            },
            "summary": {
                "type": "string",
                "description": "In the same language as the title.",
            },
            "url": {"type": "string", "format": "uri"},
            "date": _nullable(_date()),
            "reference": {
                "type": "string",
                "description": "Warnings only: the reference number.",
            },
            "level": _ref("Level"),
            "highlights": _object(
                {
                    "title": {
                        "type": "string",
                        "description": "The title as HTML, matches in <mark>, "
                        "in the language of `title`.",
                    },
                    "summary": {
                        "type": "string",
                        "description": (
                            "About 240 characters of the summary around the "
                            "first match, as HTML, matches in <mark>."
                        ),
                    },
                }
            ),
        },
        required=["type", "id", "title", "summary", "url", "date", "highlights"],
    )
    hit["allOf"] = [
        {
            "if": {"properties": {"type": {"const": "warning"}}},
            "then": {"required": ["reference", "level"]},
        }
    ]
    facet_value = _object(
        {"value": {"type": ["string", "integer"]}, "count": {"type": "integer"}}
    )
    search_results = _object(
        {
            "items": {"type": "array", "items": _ref("SearchHit")},
            "total": {"type": "integer", "minimum": 0},
            "facets": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": facet_value},
            },
            "corrected_query": _nullable(
                {
                    "type": "string",
                    "description": "The words searched instead, when a typo "
                    "was corrected.",
                }
            ),
            "suggestions": {
                "type": "array",
                "items": _text(),
                "description": "What to try when nothing matched, in the "
                "language of Accept-Language.",
            },
            "limit": {"type": "integer"},
            "next_cursor": _nullable(_text()),
            "next": _nullable({"type": "string", "format": "uri"}),
        }
    )
    error = _object(
        {
            "error": _object(
                {
                    "status": {"type": "integer"},
                    "message": _text(),
                    "parameter": _text(),
                },
                required=["status", "message"],
            )
        }
    )
    uri = {"type": "string", "format": "uri"}
    api_index = _object(
        {
            "name": _text(),
            "openapi": uri,
            "endpoints": _object(
                {"warnings": uri, "recalls": uri, "blacklist": uri, "search": uri}
            ),
            "feeds": uri,
        }
    )
    description = _object(
        {
            "openapi": {"type": "string"},
            "info": {"type": "object"},
            "servers": {"type": "array"},
            "paths": {"type": "object"},
            "components": {"type": "object"},
        },
        required=["openapi", "info", "paths"],
    )
    return {
        "ApiIndex": api_index,
        "OpenApiDescription": description,
        "BilingualText": _object(
            {"zh": _text(), "en": _text()},
        ),
        "Level": level,
        "Category": category,
        "Notice": notice,
        "Warning": warning,
        "Recall": recall,
        "BlacklistEntry": blacklist,
        "SearchHit": hit,
        "SearchResults": search_results,
        "Error": error,
    }


def document():
    """The description as a dict, addresses from HERALD_BASE_URL."""
    search_responses = _list_responses("SearchHit", "")
    search_responses["200"] = {
        "description": "Matching warnings, recalls and blacklist entries.",
        "headers": search_responses["200"]["headers"],
        "content": _json(_ref("SearchResults")),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Herald open data",
            "version": "1.0.0",
            "description": (
                "Product-safety warnings, recalls and the blacklist of "
                "companies, as JSON. Read-only, open to any origin (CORS), "
                "rate-limited per client (429 with Retry-After). Lists are "
                "newest first in a stable order and paged with `cursor`. "
                "Times are ISO 8601 with their zone. Every answer carries an "
                "ETag: send it back in If-None-Match and an unchanged answer "
                "is a 304 without a body. Port bulletins are never included."
            ),
        },
        "servers": [{"url": settings.HERALD_BASE_URL}],
        "paths": {
            "/api/v1/": {
                "get": {
                    "operationId": "apiIndex",
                    "summary": "Where the endpoints, this description and the "
                    "feeds are",
                    "parameters": [_if_none_match()],
                    "responses": _read_responses(
                        _ref("ApiIndex"), "The addresses of the API."
                    ),
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openApiDescription",
                    "summary": "This description, OpenAPI 3.1",
                    "parameters": [_if_none_match()],
                    "responses": _read_responses(
                        _ref("OpenApiDescription"), "The OpenAPI description."
                    ),
                }
            },
            "/api/v1/warnings": {
                "get": {
                    "operationId": "listWarnings",
                    "summary": "Public warnings, newest start time first",
                    "parameters": _warning_filters() + _paging() + [_if_none_match()],
                    "responses": _list_responses("Warning", "A page of warnings."),
                }
            },
            "/api/v1/recalls": {
                "get": {
                    "operationId": "listRecalls",
                    "summary": "Recall entries, newest recall first",
                    "parameters": [
                        _text_query(
                            "Words in product, brand, model, barcode, company."
                        ),
                        _category(),
                        _origin(),
                    ]
                    + _paging()
                    + [_if_none_match()],
                    "responses": _list_responses("Recall", "A page of recalls."),
                }
            },
            "/api/v1/blacklist": {
                "get": {
                    "operationId": "listBlacklist",
                    "summary": "Listed companies, newest listing first",
                    "parameters": [
                        _text_query(
                            "Words in the company name, credit code, decision."
                        ),
                    ]
                    + _paging()
                    + [_if_none_match()],
                    "responses": _list_responses(
                        "BlacklistEntry", "A page of blacklist entries."
                    ),
                }
            },
            "/api/v1/search": {
                "get": {
                    "operationId": "search",
                    "summary": "One lookup over warnings, recalls and the blacklist",
                    "parameters": [
                        _text_query("Words to find; Chinese needs no spaces."),
                        _query(
                            "type",
                            {"type": "string", "enum": SEARCH_TYPES},
                            "Only this kind of record.",
                        ),
                        _category(),
                        _query(
                            "level",
                            {"type": "string", "enum": _levels()},
                            "Warnings of this level.",
                        ),
                        _origin(),
                        _query(
                            "year",
                            _or_empty(
                                {"type": "integer", "minimum": 1000, "maximum": 9999}
                            ),
                            "Records dated in this year (the year facet). An "
                            "empty value means no filter.",
                        ),
                        _query(
                            "status",
                            {"type": "string", "enum": SEARCH_STATUSES},
                            "Status facet: active or lifted (warnings), "
                            "ongoing, completed or withdrawn (recalls), "
                            "listed (blacklist).",
                        ),
                        _query(
                            "date",
                            {
                                "type": "string",
                                "enum": ["today", "week", "month", "year"],
                            },
                            "Records of the last 1, 7, 30 or 365 days, counted "
                            "in local days (Asia/Shanghai); `from` and `to` "
                            "are not used with it.",
                        ),
                        _query(
                            "from",
                            _or_empty({"type": "string", "format": "date"}),
                            "Records dated on or after this day. An empty "
                            "value means no filter.",
                        ),
                        _query(
                            "to",
                            _or_empty({"type": "string", "format": "date"}),
                            "Records dated on or before this day. An empty "
                            "value means no filter.",
                        ),
                        _query(
                            "sort",
                            {"type": "string", "enum": ["relevance", "date"]},
                            "Best match first (default) or newest first.",
                        ),
                        _query(
                            "cursor",
                            {"type": "string"},
                            "Position from `next_cursor` of the previous page: "
                            "the sort key of its last hit, so the next page "
                            "starts right after it and, while the index does "
                            "not change, no hit repeats or is skipped. Valid "
                            "only with the same parameters and sort.",
                        ),
                        _query(
                            "limit",
                            {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": SEARCH_MAX_LIMIT,
                            },
                            f"Rows per page, {DEFAULT_LIMIT} unless given.",
                        ),
                        _if_none_match(),
                    ],
                    "responses": search_responses,
                }
            },
        },
        "components": {"schemas": _schemas()},
    }
