"""A Griffe extension for the API reference: doctest examples shown as code.

The docstrings here teach with ``>>>`` sessions anywhere in their text (``make test`` runs
them all), not only under an ``Examples:`` heading. Markdown would read such a session as a
paragraph, and ``[0.5, 2.0]`` in its output as a link. This wraps every session (from a
``>>>`` line to the next blank line) in a ```` ```pycon ```` fence before the docstring is
parsed, so it renders as the highlighted session it is.
"""

from __future__ import annotations

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


class DoctestFences(Extension):
    """Fence every doctest session in every docstring (see :func:`fence_sessions`)."""

    def on_object(self, *, obj: Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_sessions(obj.docstring.value)
