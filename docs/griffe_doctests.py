"""A Griffe extension for the API reference: docstrings written for Python's tools, read
as Markdown.

* The docstrings teach with ``>>>`` sessions anywhere in their text (``make test`` runs them
  all), not only under an ``Examples:`` heading. Markdown would read such a session as a
  quotation, and ``[0.5, 2.0]`` in its output as a link. Every session (from a ``>>>`` line
  to the next blank line) is wrapped in a ```` ```pycon ```` fence, so it renders as the
  highlighted session it is.
* Cross-references in Sphinx's roles (``:func:`grad```, ``:class:`~nn.MLP```) become code.
"""

from __future__ import annotations

import re
from typing import Any

from griffe import Extension, Object


def fence_sessions(text: str) -> str:
    """``text`` with each doctest session outside a code fence wrapped in a pycon fence."""
    lines = text.splitlines()
    out: list[str] = []
    in_fence = in_session = False
    indent = ""
    for line in lines:
        stripped = line.strip()
        if in_session and not stripped:
            out.append(f"{indent}```")
            in_session = False
        if not in_session and stripped.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and not in_session and stripped.startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}```pycon")
            in_session = True
        out.append(line)
    if in_session:
        out.append(f"{indent}```")
    return "\n".join(out)


ROLE = re.compile(r":(?:py:)?(?:mod|func|class|meth|data|attr|exc|obj):`~?([^`]+)`")


def plain_roles(text: str) -> str:
    """Sphinx roles as inline code: ``:func:`~a.b``` becomes ```b```, as Sphinx shows it."""

    def code(match: re.Match[str]) -> str:
        target = match.group(1)
        shown = target.rsplit(".", 1)[-1] if match.group(0).count("~") else target
        return f"`{shown}`"

    return ROLE.sub(code, text)


def _markdown_ready(obj: Object) -> None:
    if obj.docstring is not None:
        obj.docstring.value = plain_roles(fence_sessions(obj.docstring.value))


class DoctestFences(Extension):
    """Every docstring made ready for Markdown (see :func:`fence_sessions`, :func:`plain_roles`)."""

    def on_object(self, *, obj: Object, **kwargs: Any) -> None:
        _markdown_ready(obj)

    def on_package(self, *, pkg: Object, **kwargs: Any) -> None:
        """The package itself, which ``on_object`` is not called for."""
        _markdown_ready(pkg)
