"""The API's OpenAPI description, and a documentation page rendered from it on the server.

Both are public: they describe the API and hold no data. The page needs no script and
no outside resource, for intranets and for the site's Content-Security-Policy.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app, render_template, url_for
from markupsafe import Markup, escape

from tracker.api import DOCS_PAGE, PREFIX
from tracker.api.problems import PROBLEM_TYPES
from tracker.urls import external_url

bp = Blueprint("api_docs", __name__)

METHODS = ("get", "put", "post", "patch", "delete")


def spec() -> dict[str, Any]:
    """Return the OpenAPI description of the API, as a dictionary."""
    return current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()


@bp.get("/openapi.json")
def openapi_json():
    """Send the OpenAPI 3 description of the API."""
    return current_app.response_class(current_app.json.dumps(spec()),
                                      mimetype="application/json")


def paragraphs(text: str) -> list[Markup]:
    """Return the paragraphs of a description, with its `code` and **bold** marks as HTML."""
    result = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        html = str(escape(" ".join(paragraph.split())))
        html = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html)
        html = re.sub(r"`(.+?)`", r"<code>\1</code>", html)
        result.append(Markup(html))  # noqa: S704  (built from escaped text)
    return [p for p in result if p]


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def describe_schema(schema: dict[str, Any]) -> str:
    """Return a short type description of a JSON schema: `integer`, `Action[]`, `string (date)`."""
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    kind = schema.get("type", "object")
    if kind == "array":
        return describe_schema(schema.get("items", {})) + "[]"
    text = kind + (f" ({schema['format']})" if "format" in schema else "")
    if schema.get("nullable"):
        text += " or null"
    return text


def constraints(schema: dict[str, Any]) -> str:
    """Return the constraints of a JSON schema in words: allowed values, bounds, lengths."""
    parts = []
    if "enum" in schema:
        parts.append(", ".join(str(v) for v in schema["enum"]))
    if "minimum" in schema or "maximum" in schema:
        parts.append(f"{schema.get('minimum', '…')} – {schema.get('maximum', '…')}")
    if "maxLength" in schema:
        parts.append(f"≤ {schema['maxLength']} characters")
    if "default" in schema:
        parts.append(f"default {schema['default']}")
    return "; ".join(parts)


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    operations = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            parameters = item.get("parameters", []) + operation.get("parameters", [])
            body = operation.get("requestBody", {}).get("content", {})
            responses = []
            for status, response in operation.get("responses", {}).items():
                if "$ref" in response:
                    response = document["components"]["responses"][_ref_name(response["$ref"])]
                content = response.get("content", {})
                responses.append({
                    "status": status, "description": response.get("description", ""),
                    "types": [(media, describe_schema(c.get("schema", {})))
                              for media, c in content.items()],
                })
            operations.append({
                "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                "method": method.upper(), "path": path,
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": [{"name": p["name"], "in": p["in"],
                                "required": p.get("required", False),
                                "type": describe_schema(p.get("schema", {})),
                                "constraints": constraints(p.get("schema", {})),
                                "description": p.get("description", "")} for p in parameters],
                "body": [(media, describe_schema(c.get("schema", {})))
                         for media, c in body.items()],
                "responses": sorted(responses, key=lambda r: (r["status"] == "default",
                                                              r["status"])),
            })
    return operations


def _schemas(document: dict[str, Any]) -> list[dict[str, Any]]:
    schemas = []
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        required = set(schema.get("required", []))
        schemas.append({"name": name, "description": schema.get("description", ""), "fields": [
            {"name": field, "type": describe_schema(prop), "required": field in required,
             "constraints": constraints(prop), "description": prop.get("description", "")}
            for field, prop in schema.get("properties", {}).items()]})
    return schemas


@bp.get(DOCS_PAGE.removeprefix(PREFIX))
def docs():
    """Show the API documentation, generated from the OpenAPI description."""
    document = spec()
    return render_template(
        "api/docs.html", info=document["info"],
        intro=paragraphs(document["info"].get("description", "")), paragraphs=paragraphs,
        operations=_operations(document),
        schemas=_schemas(document), problem_types=PROBLEM_TYPES,
        base_url=external_url("api.list_events").rsplit("/", 1)[0],
        spec_url=url_for("api_docs.openapi_json"),
    )
