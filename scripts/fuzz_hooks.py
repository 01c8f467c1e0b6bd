"""schemathesis hooks for `npm run fuzz` (loaded through SCHEMATHESIS_HOOKS=fuzz_hooks).

The OpenAPI document states every input rule it can (patterns, bounds, enums). A few rules it
cannot state: a target URL's address must be public, header names are HTTP tokens and some are
reserved, map keys are catalogue job types (OpenAPI 3.0 has no propertyNames), rules across fields,
a payload filter's grammar, and numbers and strings inside free-form JSON. For the operations with
such rules, the fuzz config lets `positive_data_acceptance` accept a 422; this check then narrows
that exception to exactly those rules: a schema-valid request refused with 422 must name only the
listed fields with the listed reasons. Any other refusal fails the run, as any 422 on the other
operations already does. The same list is in the README ("Fuzzing").
"""

from __future__ import annotations

import json
import re

import schemathesis
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode

HEADER_RULES = (
    r"HTTP token|is set by Switchyard|duplicates header|headers are allowed|headers must total"
    r"|cannot be set together with auth"
)
URL_RULES = r"only public addresses are allowed|is a loopback name"
JOB_KEY = r"is not a known job type"
SHORTER = r"must be shorter than"
JSON_RULES = r"cannot be represented exactly|unpaired UTF-16 surrogates|levels deep"
# A payload filter's grammar and limits (src/rules/filter.ts, FILTER_MESSAGES): paths, operators,
# operand types, 8 levels, 8 KiB. The document shows a filter as a free-form object.
FILTER_RULES = (
    r"must be a filter: |is a filter of \d+ bytes serialized|nests a filter more than"
    r"|is not a filter path|is not a known combinator|is an operator, not a filter key"
    r"|is not a known operator|must be a non-empty array of filters|^must be an array$"
    r"|^must be a number or a string$|^must be a boolean$|^must be a string$"
)
FILTER = (r"filter(\..*)?", FILTER_RULES + "|" + JSON_RULES)
# Any body: JavaScript would read the key as the prototype (README, "Input rules").
PROTO_KEY = (r".*", r'key "__proto__" is not accepted')

WEBHOOK = [
    (r"target_url", URL_RULES),
    (r"additional_headers(\..*)?", HEADER_RULES),
    (r"goods_owner_id", r"is required for a regular webhook|must be null for an automation webhook"),
    (r"retry_countdown_config", r"is required when retry_policy is countdown|must be null when retry_policy"),
    (r"retry_countdown_config\.kwargs\.max_value", r"must be greater than min_value"),
    FILTER,
]
CHANNEL = [
    (r"connector\.url", URL_RULES),
    (r"connector\.headers(\..*)?", HEADER_RULES),
    (r"(webhook_jobs|recurring_jobs)(\..*)?", JOB_KEY),  # keys may hold dots or be empty
    (r"recurring_jobs", r"is only available on beta channels"),
    (r"recurring_jobs\..*\.(delay|jitter)", SHORTER),
]
FREE_JSON = [(r".*", JSON_RULES)]

# operation label -> [(detail path regex, detail message regex)]
DOCUMENTED_REFUSALS: dict[str, list[tuple[str, str]]] = {
    "POST /v1/webhooks": WEBHOOK,
    "PATCH /v1/webhooks/{id}": WEBHOOK,
    "POST /v1/channels": CHANNEL,
    "PATCH /v1/channels/{id}": CHANNEL,
    "POST /v1/events": FREE_JSON,
    "POST /v1/inbound/{channel_id}/{job_type}": FREE_JSON,
    "PUT /v1/recurring-jobs/{job_type}": [(r"shift|jitter", SHORTER)],
    "POST /v1/filters/evaluate": [FILTER, *FREE_JSON],
}


def undocumented_details(label: str, details: list[dict]) -> list[dict]:
    """The details of a 422 that no documented rule of the operation explains."""
    rules = [*DOCUMENTED_REFUSALS.get(label, []), PROTO_KEY]
    return [
        d
        for d in details
        if not any(
            # DOTALL: generated map keys can hold line breaks.
            re.fullmatch(p, str(d.get("path", "")), re.DOTALL) and re.search(m, str(d.get("message", "")))
            for p, m in rules
        )
    ]


@schemathesis.check
def refusal_is_documented(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    if case.operation.label not in DOCUMENTED_REFUSALS:
        return None  # positive_data_acceptance already fails any 422 here
    try:
        details = json.loads(response.text)["error"]["details"]
    except (ValueError, KeyError, TypeError):
        raise AssertionError("a 422 without the error body's details")
    unexplained = undocumented_details(case.operation.label, details)
    if unexplained or not details:
        raise AssertionError(
            "Schema-valid request refused for a reason the documented exceptions do not cover: "
            + json.dumps(unexplained or details)
        )
    return None


# The fuzz config pins the Authorization header of every operation and the seeded path ids of most
# (scripts/fuzz.ts): a case generated negative only there (the header left out, an id too long) is
# sent with the pinned, valid values, and negative_data_rejection would report its success as a
# schema-violating request accepted (seen as ST201 on POST /v1/accounts/{id}/keys). Such a case
# tests nothing: it is dropped. A case negative anywhere else (body, query, another header, a path
# value that is still invalid as sent) is kept.
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:~-]{1,200}$")


def _path_valid_as_sent(case) -> bool:
    values = (case.path_parameters or {}).values()
    return all(isinstance(v, str) and 1 <= len(v) <= 200 for v in values)


def _headers_valid_as_sent(case) -> bool:
    for name, value in (case.headers or {}).items():
        lower = name.lower()
        if lower == "authorization":
            continue  # pinned by the config
        if lower == "idempotency-key" and isinstance(value, str) and IDEMPOTENCY_KEY.match(value):
            continue
        return False
    return True


def negative_only_where_pinned(case) -> bool:
    meta = getattr(case, "meta", None)
    if meta is None:
        return False
    negative = {loc for loc, info in meta.components.items() if info.mode == GenerationMode.NEGATIVE}
    if not negative or not negative <= {ParameterLocation.PATH, ParameterLocation.HEADER}:
        return False
    if ParameterLocation.PATH in negative and not _path_valid_as_sent(case):
        return False
    if ParameterLocation.HEADER in negative and not _headers_valid_as_sent(case):
        return False
    return True


@schemathesis.hook
def filter_case(ctx, case):
    return not negative_only_where_pinned(case)
