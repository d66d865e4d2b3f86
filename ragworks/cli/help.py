"""Help text that reads like a command line's, not like Python.

Typer 0.29 writes each value's Python type into the help: ``--collection <str>``,
``PATH... <list[Path]>``, ``--help <bool>``, and ``{PATH...}...`` in the usage line. Users
read them as syntax to type. Here every parameter shows the conventional placeholder
instead: ``--collection NAME`` when the option names one, else TEXT, INTEGER, NUMBER,
PATH or the choices; flags show nothing; a required argument is written bare in the
usage line (``PATH...``) and an optional one in brackets.

``use_plain_placeholders()`` is called once, when the CLI is built.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any, get_args, get_origin

from typer.core import TyperArgument, TyperOption

_NAMES = {str: "TEXT", int: "INTEGER", float: "NUMBER", Path: "PATH"}


def placeholder(param: Any, ctx: Any = None) -> str | None:
    """The conventional placeholder of a parameter's value (None for a flag)."""
    if isinstance(param, TyperOption) and (param.is_flag or param.count):
        return None
    if param.metavar is not None:
        return str(param.metavar)
    desc = param.type_descriptor
    annotation = desc.annotation
    many = get_origin(annotation) in (list, tuple)
    if many:
        annotation = get_args(annotation)[0]
    if desc.is_choice:
        name = "[" + "|".join(str(getattr(c, "value", c)) for c in desc.choices or ()) + "]"
    elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        name = "[" + "|".join(str(m.value) for m in annotation) + "]"
    else:
        name = _NAMES.get(annotation, "VALUE")
    return name + "..." if many else name


def _argument_name(self: TyperArgument) -> str:
    """An argument by its metavar or its name in capitals: PATH..., QUESTION."""
    name = str(self.metavar or self.name or "ARG").upper()
    return name + "..." if self.nargs != 1 and not name.endswith("...") else name


def _argument_type(self: TyperArgument, ctx: Any = None) -> str | None:
    return None if self.metavar else placeholder(self)


def _usage_name(self: TyperArgument) -> str:
    name = _argument_name(self)
    return name if self.required else f"[{name}]"


def use_plain_placeholders() -> None:
    TyperOption.display_type_rich = placeholder  # type: ignore[method-assign,assignment]
    TyperArgument.display_type_rich = _argument_type  # type: ignore[method-assign,assignment]
    TyperArgument._usage_display_name = _usage_name  # type: ignore[method-assign]
    TyperArgument._rich_display_name = _argument_name  # type: ignore[method-assign]
