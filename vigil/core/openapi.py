"""The API's OpenAPI document: every status an operation can answer is documented, and
every schema name belongs to one class.

Errors are not return values of the operations: they are problem details (RFC 9457)
written by `vigil.core.problems` from exceptions, so ninja does not see them. `VigilNinjaAPI`
adds them to the document generically, by what an operation is: any operation can be
refused as malformed (400), forbidden (403), not found (404), in conflict (409) or invalid
(422); one that needs a token can be unauthenticated (401); one that takes a body can get
one too large (413); a PATCH/PUT/DELETE can be stale (412, If-Match); an operation under
admission control can be busy (503).

Ninja names a component after the class (`TaskIn`), so two classes with one name
overwrite each other in `components.schemas` and the document describes the wrong body;
`schema_name_collisions()` finds them (tests/test_openapi.py fails on any)."""

import collections
import enum
import typing

from django.conf import settings
from ninja import NinjaAPI
from pydantic import BaseModel

PROBLEM_SCHEMA = "ProblemDetail"
PROBLEM_MEDIA_TYPE = "application/problem+json"

_PROBLEM = {
    "title": PROBLEM_SCHEMA,
    "description": "RFC 9457 problem details; `errors` names each refused field.",
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status"],
}

_DESCRIPTIONS = {
    400: "Malformed request (JSON, parameters)",
    401: "Missing, invalid or expired token, or a second factor is required",
    403: "Not allowed for this user or token scope",
    404: "Not found, or not visible to this user",
    409: "Conflicts with the current state",
    412: "The object changed since it was read (If-Match)",
    413: "Request body too large",
    422: "Invalid data; `errors` names each field",
    503: "Busy: too many such requests at once; retry later",
}

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def problem_codes(method: str, operation: dict, *, busy: bool) -> list[int]:
    codes = [400, 403, 404, 409, 422]
    if operation.get("security"):
        codes.append(401)
    if "requestBody" in operation:
        codes.append(413)
    if method in ("patch", "put", "delete"):
        codes.append(412)
    if busy:
        codes.append(503)
    return sorted(codes)


def document_problems(schema: dict, *, path_prefix: str = "") -> dict:
    """Add the problem-detail responses to every operation of `schema` (in place)."""
    schema.setdefault("components", {}).setdefault("schemas", {})[PROBLEM_SCHEMA] = _PROBLEM
    ref = {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA}"}
    gates = {(m.lower(), p) for (m, p) in (getattr(settings, "ADMISSION_LIMITS", None) or {})}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            busy = (method, path) in gates or (method, f"{path_prefix}{path}") in gates
            for code in problem_codes(method, operation, busy=busy):
                if code in responses or str(code) in responses:
                    continue
                responses[code] = {
                    "description": _DESCRIPTIONS[code],
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": ref}},
                }
    return schema


class VigilNinjaAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_problems(schema, path_prefix=self.get_root_path(path_params or {}))


# --------------------------------------------------------------------------- name collisions


def _routers(router):
    yield router
    for _prefix, child, *_rest in router._routers:
        yield from _routers(child)


def _operations(api: NinjaAPI):
    seen = set()
    for _prefix, top in api._routers:
        for router in _routers(top):
            if id(router) in seen:
                continue
            seen.add(id(router))
            for view in router.path_operations.values():
                yield from view.operations


def _component_classes(api: NinjaAPI) -> dict[str, set]:
    """Every class that becomes a named component: the models and enums reachable from the
    operations' parameters and responses (ninja's own wrappers are flattened, not named)."""
    found: dict[str, set] = collections.defaultdict(set)
    seen: set = set()

    def walk(annotation):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation in seen:
                return
            seen.add(annotation)
            found[annotation.__name__].add(annotation)
            for f in annotation.model_fields.values():
                walk(f.annotation)
            return
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            found[annotation.__name__].add(annotation)
            return
        for arg in typing.get_args(annotation):
            walk(arg)

    for operation in _operations(api):
        for model in [*operation.models, *operation.response_models.values()]:
            if isinstance(model, type) and issubclass(model, BaseModel):
                for f in model.model_fields.values():  # the wrapper itself is not a component
                    walk(f.annotation)
    return found


def _definition(cls):
    if issubclass(cls, enum.Enum):
        return sorted(str(m.value) for m in cls)
    return cls.model_json_schema(mode="serialization")


def schema_name_collisions(api: NinjaAPI) -> dict[str, list[str]]:
    """Component names claimed by more than one different class: {name: [module.Class, …]}.
    Classes ninja generates per use (the `Paged…` page of a list) count once when they
    describe the same thing."""
    collisions = {}
    for name, classes in _component_classes(api).items():
        if len(classes) < 2:
            continue
        definitions = {repr(_definition(c)) for c in classes}
        if len(definitions) > 1:
            collisions[name] = sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
    return collisions
