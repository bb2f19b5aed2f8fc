"""``Module``: the base class of everything with parameters (neurons, layers, networks).

A module finds its parameters the way PyTorch's does: by looking at its attributes. Every
attribute that is a :class:`~autograd_engine.Value` is a parameter, every attribute that is a
``Module`` contributes its own parameters, and lists or tuples of either are searched in
order. Names record the path, so the second weight of neuron 3 of layer 0 of an MLP is
``"layers.0.neurons.3.w.1"``. Attribute order is assignment order, so the order of
``parameters()`` is stable from run to run.

The state of a module is nothing but these numbers: ``state_dict()`` maps each name to a
float (plain data that ``json`` can write), and ``save``/``load`` store it as JSON. JSON
rather than pickle, because loading a pickle can run arbitrary code and loading JSON cannot.

Files are handled defensively, because a model file may come from anywhere: ``load`` reads
at most ``MAX_STATE_FILE_BYTES`` and turns every way a file can be malformed into one
documented ``ValueError`` (changing nothing), and ``save`` replaces the file atomically, so
even ``kill -9`` mid-save leaves either the old model or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import json
import math
import numbers
import os
import secrets
from collections.abc import Iterator, Mapping
from typing import Any

from autograd_engine import Value
from autograd_engine.scope import call_in_scope

__all__ = ["Module"]

#: Written into every saved file, and checked when loading one.
STATE_FORMAT = "autograd-engine/state_dict"
STATE_VERSION = 1
#: The largest state file :meth:`Module.load` reads (64 MiB: over a million parameters,
#: at about 50 bytes each).
MAX_STATE_FILE_BYTES = 64 * 1024 * 1024

StrPath = str | os.PathLike[str]


def _walk(prefix: str, obj: object) -> Iterator[tuple[str, Value]]:
    """(name, parameter) pairs inside ``obj``: a Value, a Module, or a list/tuple of them."""
    if isinstance(obj, Value):
        yield prefix, obj
    elif isinstance(obj, Module):
        for name, attribute in vars(obj).items():
            yield from _walk(f"{prefix}.{name}" if prefix else name, attribute)
    elif isinstance(obj, list | tuple):
        for index, item in enumerate(obj):
            yield from _walk(f"{prefix}.{index}" if prefix else str(index), item)


def _name_children(module: Module) -> None:
    """Tell each sub-module its name inside ``module`` (``neurons.3``), once, for scopes."""
    for name, attribute in list(vars(module).items()):
        _name_modules(name, attribute)
    module.__dict__["_scope_kind"] = type(module).__name__.lower()
    module.__dict__["_children_named"] = True


def _name_modules(prefix: str, obj: object) -> None:
    if isinstance(obj, Module):
        obj.__dict__["_scope_name"] = prefix
    elif isinstance(obj, list | tuple):
        for index, item in enumerate(obj):
            _name_modules(f"{prefix}.{index}", item)


def _check_number(name: str, number: object) -> float:
    """``number`` as a float, or a ValueError naming the parameter it was meant for."""
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise ValueError(
            f"state_dict[{name!r}] must be a number, not {type(number).__name__}: {number!r}"
        )
    try:
        value = float(number)
    except OverflowError:  # an int beyond the largest float (about 1.8e308)
        raise ValueError(
            f"state_dict[{name!r}] is an integer of {len(str(abs(number)))} digits, "
            "too large for a float"
        ) from None
    if not math.isfinite(value):
        raise ValueError(f"state_dict[{name!r}] is {value!r}; parameters must be finite")
    return value


class Module:
    """Base class for neural-network pieces: parameters, gradients, state, and calling.

    Subclasses assign their parameters (Values) and sub-modules as attributes in
    ``__init__`` and define ``forward``; calling the module calls ``forward``.
    """

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output. Subclasses define this."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call :meth:`forward` inside a scope named by this module's path.

        The path is the one its parameters are named by (``layers.0.neurons.3``), and the
        scope's kind is the class name in lower case (``"neuron"``), so drawings can name
        the outputs and collapse each neuron or layer into one box
        (:mod:`autograd_engine.scope`). It costs a tuple per call and a weakly keyed entry
        per output.
        """
        state = self.__dict__
        if "_children_named" not in state:
            _name_children(self)
        return call_in_scope(
            state.get("_scope_name", ""), state["_scope_kind"], self.forward, args, kwargs
        )

    # --- parameters ---------------------------------------------------------------------

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name, in a stable order; a shared one appears once."""
        seen: set[Value] = set()
        named = []
        for name, parameter in _walk("", self):
            if parameter not in seen:
                seen.add(parameter)
                named.append((name, parameter))
        return named

    def parameters(self) -> list[Value]:
        """Every parameter (the Values an optimizer updates), in a stable order."""
        return [parameter for _, parameter in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.

        Leaves *accumulate* gradients across ``backward()`` calls, so a training loop zeroes
        them before each backward pass.
        """
        for parameter in self.parameters():
            parameter.grad = 0.0

    # --- state --------------------------------------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """Every parameter's value by name: ``{"layers.0.neurons.0.w.0": 0.23, ...}``."""
        return {name: parameter.data for name, parameter in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from ``state`` (as made by :meth:`state_dict`). Strict.

        Everything is checked before any parameter changes, so on error the module is
        untouched.

        Raises:
            ValueError: ``state`` is not a dict of names to finite numbers.
            KeyError: a parameter is missing from ``state``, or ``state`` has a name this
                module does not have.
        """
        if not isinstance(state, Mapping):
            raise ValueError(
                f"load_state_dict expects a dict of parameter name -> number, "
                f"not {type(state).__name__}"
            )
        for key in state:
            if not isinstance(key, str):
                raise ValueError(f"state_dict keys must be parameter names (str), not {key!r}")
        named = self.named_parameters()
        expected = [name for name, _ in named]
        missing = [name for name in expected if name not in state]
        unexpected = sorted(set(state) - set(expected))
        if missing or unexpected:
            problems = [
                f"{what} keys: {_listing(names)}"
                for what, names in (("missing", missing), ("unexpected", unexpected))
                if names
            ]
            raise KeyError(
                f"state_dict does not match {type(self).__name__}: {'; '.join(problems)}"
            )
        values = [_check_number(name, state[name]) for name in expected]
        for (_, parameter), value in zip(named, values, strict=True):
            parameter.data = value

    def save(self, path: StrPath) -> None:
        """Write the parameters to ``path`` as JSON, atomically.

        The file is written next to its destination under a temporary name
        (``.{name}.tmp-{pid}-{random}``), flushed to disk, and renamed over it
        (``os.replace``), so at every instant the file is either the old complete model or
        the new one, even if the process is killed part-way. Besides that:

        * a ``path`` that is a symbolic link is followed: the link's target is replaced and
          the link stays a link;
        * a new file gets the permissions ``open()`` would give it (0o666 minus the umask),
          an existing file keeps its own;
        * temporary files left by a save that was killed (their process is gone) are
          removed by the next save to the same path.

        Raises:
            FileNotFoundError: the folder of ``path`` does not exist.
            ValueError: a parameter is NaN or infinite (JSON cannot hold it).
            OSError: writing failed (disk full, no permission); any old file is intact.
        """
        state = self.state_dict()
        for name, value in state.items():
            if not math.isfinite(value):
                raise ValueError(f"cannot save: parameter {name!r} is {value!r}")
        text = json.dumps(
            {
                "format": STATE_FORMAT,
                "version": STATE_VERSION,
                "module": type(self).__name__,
                "state_dict": state,
            },
            indent=1,
            allow_nan=False,
        )
        _write_atomically(os.fspath(path), (text + "\n").encode("utf-8"))

    def load(self, path: StrPath) -> None:
        """Set the parameters from a file written by :meth:`save`.

        At most :data:`MAX_STATE_FILE_BYTES` (64 MiB) are read: a larger file (or an endless
        one, such as ``/dev/zero``) is refused without reading it whole. The whole file is
        then checked (valid UTF-8 JSON without duplicate keys or deep nesting, the expected
        layout, exactly this module's parameter names, finite numbers) before any parameter
        changes, so a malformed or truncated file raises and leaves the module untouched.

        Raises:
            ValueError: the file is not a valid state file: too large, not UTF-8, malformed
                or truncated JSON, nested too deeply, a duplicate key, a number that is not
                finite (NaN, Infinity, 1e999, a 400-digit integer), the wrong layout or
                version. The message names the file and says why.
            ValueError: also when its parameter names do not match this module's (another
                architecture: a missing or an extra layer, neuron or weight), naming them.
            OSError: the file cannot be opened (missing, a folder, no permission).
        """
        target = os.fspath(path)
        payload = _parse_state_file(target, _read_bounded(target, MAX_STATE_FILE_BYTES))
        if not isinstance(payload, dict) or payload.get("format") != STATE_FORMAT:
            raise ValueError(
                f"{target!r} is not a state file written by Module.save "
                f"(expected a JSON object with format {STATE_FORMAT!r})"
            )
        if payload.get("version") != STATE_VERSION:
            raise ValueError(
                f"{target!r} has state file version {payload.get('version')!r}; "
                f"this library reads version {STATE_VERSION}"
            )
        state = payload.get("state_dict")
        if not isinstance(state, dict):
            raise ValueError(f"{target!r} has no 'state_dict' object")
        try:
            self.load_state_dict(state)
        except KeyError as error:  # a file of another model: as wrong as a malformed one
            raise ValueError(
                f"{target!r} is not a state file of this model: {error.args[0]}"
            ) from None
        except ValueError as error:  # say which file held the bad number
            raise ValueError(f"{target!r} is not a valid state file: {error}") from None


def _read_bounded(target: str, limit: int) -> bytes:
    """The bytes of ``target``, or a ValueError once it proves longer than ``limit``.

    At most ``limit + 1`` bytes are read (one more than allowed is how a file too long is
    told from one exactly at the limit), whatever the file claims its size is: a device or
    a pipe has no size.
    """
    with open(target, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        data = file.read(limit + 1) if size <= limit else b""
    if size > limit or len(data) > limit:
        raise ValueError(
            f"{target!r} is not a valid state file: larger than the limit of {limit} bytes "
            "(Module.load reads at most MAX_STATE_FILE_BYTES)"
        )
    return data


def _parse_state_file(target: str, data: bytes) -> Any:
    """The JSON value in ``data``; every way it can be malformed is a ValueError."""
    problem = f"{target!r} is not a valid state file"
    try:
        return json.loads(
            data.decode("utf-8"),
            parse_constant=_reject_constant,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as error:
        raise ValueError(f"{problem}: malformed or truncated JSON ({error})") from None
    except RecursionError:
        raise ValueError(f"{problem}: its JSON is nested too deeply") from None
    except ValueError as error:  # not UTF-8, a non-finite number, a duplicate key
        raise ValueError(f"{problem}: {error}") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict; a key given twice is an error (``json`` keeps the last)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r} in a JSON object")
        result[key] = value
    return result


def _temporary_prefix(target: str) -> str:
    """The start of every temporary name a save of ``target`` uses: ``.{name}.tmp-``."""
    return f".{os.path.basename(target)}.tmp-"


def _process_is_gone(pid: int) -> bool:
    """True when no process ``pid`` exists (so a temporary file it left is stale)."""
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # it exists but belongs to someone else (EPERM)
        return False
    return False


def _remove_stale_temporaries(target: str) -> None:
    """Delete ``.{name}.tmp-{pid}-{random}`` files next to ``target`` whose pid is gone."""
    folder, prefix = os.path.dirname(target), _temporary_prefix(target)
    try:
        entries = os.listdir(folder)
    except OSError:  # a folder we may write but not list: cleaning up is only a courtesy
        return
    for entry in entries:
        if not entry.startswith(prefix):
            continue
        pid, _, rest = entry[len(prefix) :].partition("-")
        if pid.isdigit() and rest and _process_is_gone(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, entry))


def _write_atomically(path: str, data: bytes) -> None:
    """Replace the file at ``path`` (following symlinks) by ``data``, all or nothing."""
    target = os.path.realpath(path)  # through a symlink: replace its target, keep the link
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot save to {path!r}: folder {folder!r} does not exist")
    _remove_stale_temporaries(target)
    try:
        mode: int | None = os.stat(target).st_mode & 0o777
    except FileNotFoundError:
        mode = None  # a new file: os.open's 0o666 minus the umask, as open() would give
    temporary = os.path.join(
        folder, f"{_temporary_prefix(target)}{os.getpid()}-{secrets.token_hex(4)}"
    )
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)


def _sync_folder(folder: str) -> None:
    """Flush the folder entry of the rename to disk, where the platform allows it."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open a folder
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _listing(names: list[str], shown: int = 5) -> str:
    """The first few names, and how many more there are."""
    more = f" (and {len(names) - shown} more)" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _reject_constant(name: str) -> float:
    raise ValueError(f"state files hold finite numbers only, found {name}")
