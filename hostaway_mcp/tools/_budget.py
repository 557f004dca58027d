"""The context budget: what a tool costs in the model's context, in its definition and its results.

Hosts put every tool definition (`tools/list`) in front of the model on every turn, and many
forward both blocks of a result (the text and the structured content). So:

- **A tool is its name**, its description and its schemas: no display title (the catalogue's
  titles serve the command line and summaries; hosts show the name), annotations by kind.
- **Input schemas** keep what the model needs to call the tool (types, constraints, each
  parameter's description) and lose what pydantic adds for humans: a `title` on every schema.
  An optional parameter is written as its type alone (`{"type": "string"}`, not `anyOf` with
  `null`): leaving it out is how a model says "none", and single types are the spelling every
  tool dialect reads. The server still accepts an explicit null.
- **Output schemas** say the shape of the result: its field names and how they nest (lists,
  objects; a nested model used twice is one shared `$defs` entry, one used once is written in
  place, a model that extends another refers to it),
  enums and the defaults of fields a result leaves out; a field that holds text a guest wrote
  (a name, a message) says `"description": "guest-written"`. Leaf types and formats, titles and
  other prose are left out: validators, not models, read these schemas, and what a field means is said
  once, in the tool's description or in the result itself (`note`, `next_step`, `definitions`).
  A slim schema is lenient on purpose (no `required`, no `additionalProperties: false`): it
  accepts every result the full one did, and the server checks each result against the full
  model before it is sent.
- **The text block** of a result is the result itself as compact JSON (no indentation, whole
  amounts without `.0`): Claude Desktop, and agent frameworks built on the text block, show the
  model nothing else. Hosts that show the model the structured content (and those that show it
  both) are better served by `HOSTAWAY_RESULT_TEXT=summary`: then a result over a few hundred
  bytes says only what it is in its text ("Search bookings: 25 items, total 26, next_offset
  25."), and the structured content carries it once.

`tests/test_tool_surface.py` holds the budget: the default set's `tools/list` bytes, and every
tool's result bytes against the raw API bytes behind them.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

# A schema keyword whose value is a map of names to subschemas: the names are not keywords.
_SCHEMA_MAPS = ("properties", "$defs", "patternProperties", "dependentSchemas")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_VALUES = ("items", "additionalProperties", "not", "if", "then", "else", "contains")
_NULL = {"type": "null"}
GUEST_WRITTEN = "guest-written"
_DEFS = "#/$defs/"
_LEAF_TYPES = ("string", "integer", "number", "boolean")
# Constraints pydantic leaves under its own names when a custom validator hides the type from it;
# a bound at the edge of exact JSON integers (2**53) only says "any id", so it is left out.
_PYDANTIC_BOUNDS = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum"}
_EXACT_INTEGERS = 2**53 - 1

# Above this size, the text block of a result is a summary instead of the JSON itself.
TEXT_JSON_MAX_BYTES = 256


def compact_json(value: Any) -> str:
    """JSON without indentation or spaces: what results put on the wire."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def slim_input_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The input schema without titles, optional parameters as their type (see the module docstring)."""
    slim: dict[str, Any] = _walk(schema, output=False)
    return slim


def slim_output_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The output schema reduced to the result's shape (see the module docstring)."""
    slim: dict[str, Any] = _walk(schema, output=True)
    defs = slim.pop("$defs", None)
    if isinstance(defs, dict):
        shared = _share_defs(defs)
        uses = _ref_counts(slim) + _ref_counts(shared)
        once = {name: body for name, body in shared.items() if uses.get(name, 0) <= 1}
        slim = _inline(slim, once)
        kept = {name: _inline(body, once) for name, body in shared.items() if name not in once}
        if kept:
            slim["$defs"] = kept
    slim["type"] = "object"  # MCP: an output schema describes an object
    return slim


def _ref_counts(node: Any) -> Counter[str]:
    """How often each `#/$defs/<name>` is referred to below `node`."""
    counts: Counter[str] = Counter()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_DEFS):
            counts[ref.removeprefix(_DEFS)] += 1
        for value in node.values():
            counts += _ref_counts(value)
    elif isinstance(node, list):
        for item in node:
            counts += _ref_counts(item)
    return counts


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """A model used once is written where it is used: a `$defs` entry saves nothing then."""
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.removeprefix(_DEFS) in defs and len(node) == 1:
        return _inline(defs[ref.removeprefix(_DEFS)], defs)
    return {key: _inline(value, defs) for key, value in node.items()}


def _walk(node: Any, *, output: bool) -> Any:
    if isinstance(node, list):
        return [_walk(item, output=output) for item in node]
    if not isinstance(node, dict):
        return node
    slim: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "default" and value is None:
            continue
        if output and key == "description" and isinstance(value, str) and GUEST_WRITTEN in value:
            slim[key] = GUEST_WRITTEN  # the one thing an output schema says in words
            continue
        if output and (
            (key in ("description", "format") and isinstance(value, str))
            or (key == "additionalProperties" and value is False)
            or key == "required"
        ):
            continue
        if key in _PYDANTIC_BOUNDS:  # a bound pydantic could not write as JSON Schema: say it in JSON Schema
            if not (isinstance(value, int | float) and abs(value) >= _EXACT_INTEGERS) and not output:
                slim[_PYDANTIC_BOUNDS[key]] = value
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            slim[key] = {name: _walk(sub, output=output) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS or key in _SCHEMA_VALUES:
            slim[key] = _walk(value, output=output)
        else:
            slim[key] = value  # enum, const, default, examples: values, not schemas
    if output and slim.get("additionalProperties") == {}:  # any value: what an object allows anyway
        del slim["additionalProperties"]
    items = slim.get("items")
    if "description" in slim and isinstance(items, dict) and "description" in items:
        slim["items"] = {key: value for key, value in items.items() if key != "description"}  # said above
    if output:
        return _shape_only(_nullable_leaf(slim))
    return _without_null_branch(slim) if node.get("default", ...) is None else slim


def _null_branch(node: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """For `{"anyOf": [X, {"type": "null"}], ...rest}`: (X, rest); otherwise None."""
    branches = node.get("anyOf")
    if not (isinstance(branches, list) and len(branches) == 2 and _NULL in branches):
        return None
    other = branches[0] if branches[1] == _NULL else branches[1]
    if not isinstance(other, dict):
        return None
    return other, {key: value for key, value in node.items() if key != "anyOf"}


def _without_null_branch(node: dict[str, Any]) -> dict[str, Any]:
    """An optional parameter: `{"anyOf": [X, {"type": "null"}]}` -> `X` (leaving it out means none)."""
    split = _null_branch(node)
    return node if split is None else {**split[0], **split[1]}


def _nullable_leaf(node: dict[str, Any]) -> dict[str, Any]:
    """A nullable leaf of an output: one schema that also accepts null, instead of `anyOf`.

    Its branch has already lost its type (`_shape_only`), so what is left (a format, an enum)
    either ignores null or takes null as one more enum value. Nullable objects stay `anyOf`.
    """
    split = _null_branch(node)
    if split is None:
        return node
    other, rest = split
    if "enum" in other:
        return {**rest, **other, "enum": [*other["enum"], None]}
    if other.keys() & {"type", "$ref", "properties", "items", "additionalProperties", "anyOf"}:
        return node
    return {**rest, **other}


def _shape_only(node: dict[str, Any]) -> dict[str, Any]:
    """Leave out the `type` of leaves (and of objects and arrays, which their keywords imply)."""
    kind = node.get("type")
    implied = (kind == "object" and "properties" in node) or (kind == "array" and "items" in node)
    if implied or kind in _LEAF_TYPES:
        return {key: value for key, value in node.items() if key != "type"}
    return node


def _share_defs(defs: dict[str, Any]) -> dict[str, Any]:
    """A model that extends another (all its fields, the same) refers to it with `allOf`."""
    shared = dict(defs)
    for name, schema in defs.items():
        own = schema.get("properties")
        if not isinstance(own, dict):
            continue
        bases = [
            (base, base_schema["properties"])
            for base, base_schema in defs.items()
            if base != name
            and isinstance(base_schema.get("properties"), dict)
            and len(base_schema["properties"]) < len(own)
            and all(own.get(field) == sub for field, sub in base_schema["properties"].items())
        ]
        if not bases:
            continue
        base, inherited = max(bases, key=lambda found: len(found[1]))
        rest = {key: value for key, value in schema.items() if key not in ("properties", "type")}
        extra = {field: sub for field, sub in own.items() if field not in inherited}
        shared[name] = {"allOf": [{"$ref": f"#/$defs/{base}"}, {"properties": extra}], **rest}
    return shared


# The page facts a summary of a list names, when a result has them.
_PAGE_FIELDS = ("total", "next_offset")


def result_text(data: dict[str, Any], *, title: str, summary: bool = False) -> str:
    """The text block of a result: its compact JSON, or with `summary` a line once it is large.

    The summary names the result and, for lists, how many items came and how many there are:
    "Search bookings: 25 items, total 26, next_offset 25." The structured content holds it all.
    """
    text = compact_json(data)
    if not summary or len(text.encode()) <= TEXT_JSON_MAX_BYTES:
        return text
    facts = [f"{len(value)} {key}" for key, value in data.items() if isinstance(value, list) and value]
    if facts:
        facts += [f"{key} {data[key]}" for key in _PAGE_FIELDS if isinstance(data.get(key), int)]
    return f"{title}: {', '.join(facts[:4])}." if facts else f"{title}."


def whole_numbers(value: Any) -> Any:
    """`124.0` -> `124` throughout a result: the same JSON number, two bytes shorter."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {key: whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [whole_numbers(item) for item in value]
    return value
