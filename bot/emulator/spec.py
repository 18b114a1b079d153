"""Conformance checks against Discord's OpenAPI 3.1 description.

The spec is loaded once per process and each (path, method) validator is compiled once. Snowflakes:
the spec types them as strings, while Discord's API also accepts JSON integers (discord.py sends some
ids as ints, e.g. ``allowed_mentions.users`` and ``message_reference.message_id``). We accept both, as
Discord does, by widening ``SnowflakeType`` to "numeric string or non-negative integer" at load time.
Permission bit sets are the reverse case: Discord documents them as strings (and discord.py sends
strings) while the spec's request schemas type them as integers, so those properties accept both.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import jsonschema

SPEC_ENV = "REBOUND_DISCORD_SPEC"
MEMO_SIZE = 4096
_SNOWFLAKE_INT = {"type": "integer", "minimum": 0}
_NUMERIC_STRING = {"type": "string", "pattern": "^[0-9]+$"}
_PERMISSION_FIELDS = frozenset({"permissions", "allow", "deny", "default_member_permissions"})


def default_spec_path() -> Path | None:
    """The spec named by ``REBOUND_DISCORD_SPEC``, else ``shared/discord-api-spec`` beside the repo."""
    env = os.environ.get(SPEC_ENV)
    if env:
        path = Path(env)
        return path if path.is_file() else None
    repo_root = Path(__file__).resolve().parents[2]
    candidate = repo_root.parent / "shared" / "discord-api-spec" / "openapi.json"
    return candidate if candidate.is_file() else None


@functools.lru_cache(maxsize=4)
def load_spec(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        spec = json.load(handle)
    snowflake = spec["components"]["schemas"].get("SnowflakeType")
    if snowflake is not None:
        spec["components"]["schemas"]["SnowflakeType"] = {"anyOf": [dict(snowflake), _SNOWFLAKE_INT]}
    for name, schema in spec["components"]["schemas"].items():
        if name.endswith(("Request", "RequestPartial")):
            _widen_permission_fields(schema)
    return spec


def _widen_permission_fields(node: Any) -> None:
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            for key in _PERMISSION_FIELDS & properties.keys():
                field = properties[key]
                kinds = field.get("type")
                if kinds == "integer" or (isinstance(kinds, list) and "integer" in kinds):
                    properties[key] = {"anyOf": [field, _NUMERIC_STRING]}
        for value in node.values():
            _widen_permission_fields(value)
    elif isinstance(node, list):
        for value in node:
            _widen_permission_fields(value)


def _pointer_escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


class SpecValidator:
    """Validates request and response bodies; validators are compiled lazily and kept."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._validators: dict[tuple[str, ...], jsonschema.protocols.Validator | None] = {}
        self._memo: dict[tuple[str, str, str], list[tuple[tuple[str | int, ...], str]]] = {}

    def _compile(self, key: tuple[str, ...], pointer: list[str]) -> jsonschema.protocols.Validator | None:
        if key in self._validators:
            return self._validators[key]
        node: Any = self.spec
        for part in pointer:
            if not isinstance(node, dict) or part not in node:
                self._validators[key] = None
                return None
            node = node[part]
        # The whole document is the root so that "#/components/..." references resolve; a top-level
        # $ref picks the schema to apply and the OpenAPI keywords beside it are ignored as unknown.
        root = dict(self.spec)
        root["$ref"] = "#/" + "/".join(_pointer_escape(p) for p in pointer)
        validator = jsonschema.Draft202012Validator(root)
        self._validators[key] = validator
        return validator

    def has_path(self, path: str, method: str) -> bool:
        return method.lower() in self.spec.get("paths", {}).get(path, {})

    def request_errors(self, path: str, method: str, body: Any) -> list[str]:
        return [text for _, text in self.request_problems(path, method, body)]

    def request_problems(self, path: str, method: str, body: Any) -> list[tuple[tuple[str | int, ...], str]]:
        """(location in the body, description) for each violation of the request schema."""
        try:
            # Benchmarks send the same bodies thousands of times; a bounded memo keeps validation cheap.
            key = (path, method.lower(), json.dumps(body, sort_keys=True))
        except (TypeError, ValueError):
            key = None
        if key is not None and key in self._memo:
            return self._memo[key]
        pointer = ["paths", path, method.lower(), "requestBody", "content", "application/json", "schema"]
        validator = self._compile(("req", path, method.lower()), pointer)
        problems = _located_errors(validator, body)
        if key is not None:
            if len(self._memo) >= MEMO_SIZE:
                self._memo.pop(next(iter(self._memo)))
            self._memo[key] = problems
        return problems

    def response_errors(self, path: str, method: str, status: int, body: Any) -> list[str]:
        pointer = ["paths", path, method.lower(), "responses", str(status), "content", "application/json", "schema"]
        validator = self._compile(("resp", path, method.lower(), str(status)), pointer)
        return _errors(validator, body)


def _errors(validator: jsonschema.protocols.Validator | None, body: Any) -> list[str]:
    return [text for _, text in _located_errors(validator, body)]


def _located_errors(
    validator: jsonschema.protocols.Validator | None, body: Any
) -> list[tuple[tuple[str | int, ...], str]]:
    if validator is None:
        return []
    errors = list(validator.iter_errors(body))
    if not errors:
        return []
    # best_match descends into anyOf/oneOf branches, which is where the spec's unions hide the cause.
    best = jsonschema.exceptions.best_match(errors)
    chosen = [best] if best is not None else []
    chosen.extend(e for e in errors if e is not best and not e.context)
    return [(tuple(e.absolute_path), _describe(e)) for e in chosen]


def _describe(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(body)"
    message = error.message if len(error.message) <= 300 else error.message[:297] + "..."
    return f"{where}: {message}"


@functools.lru_cache(maxsize=4)
def _validator_for(path: str) -> SpecValidator:
    return SpecValidator(load_spec(path))


def get_validator(path: str | Path | None = None) -> SpecValidator | None:
    """The process-wide validator for the given (or default) spec file, or None when there is no spec."""
    resolved = Path(path) if path is not None else default_spec_path()
    if resolved is None or not resolved.is_file():
        return None
    return _validator_for(str(resolved))
