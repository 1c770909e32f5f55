"""Rendering a rule's message in a sandbox, falling back to the default when an override fails."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from notifier.domain.rules import Rule

# Staff write these templates: the sandbox keeps them from reaching Python internals, and
# StrictUndefined turns a misspelt variable into an error (then the default is used).
_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
MAX_TEMPLATE_CHARS = 2000


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    error: str | None = None  # why the restaurant's template was not used, if it was not


def template_problem(source: str) -> str | None:
    """Why a template cannot be used (syntax), or None when it compiles."""
    if len(source) > MAX_TEMPLATE_CHARS:
        return f"longer than {MAX_TEMPLATE_CHARS} characters"
    try:
        _compiled(source)
    except TemplateError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@lru_cache(maxsize=1024)
def _compiled(source: str) -> Template:
    """Compiling is most of rendering's cost, and every message of a kind shares its source:
    compiled once per source (a restaurant's override, or a default)."""
    return _ENV.from_string(source)


def _render(source: str, context: dict[str, Any]) -> str:
    return _compiled(source).render(context).strip()


def render(rule: Rule, override: dict[str, str] | None, context: dict[str, Any]) -> Rendered:
    """The message in the restaurant's words, or in the default words if those fail to render."""
    title_source = (override or {}).get("title") or rule.title
    body_source = (override or {}).get("body") or rule.body
    try:
        return Rendered(_render(title_source, context), _render(body_source, context))
    except Exception as exc:  # any template failure, runtime errors included, means "use default"
        error = f"{type(exc).__name__}: {exc}"[:500]
    return Rendered(_render(rule.title, context), _render(rule.body, context), error)
