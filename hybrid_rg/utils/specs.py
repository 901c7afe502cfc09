"""The one spec layer: typed pydantic models, one TOML reader, one error format.

Every spec file of hybrid-rg (OLRG experiments, MLRG runs, CORA runs, calibration campaigns, exact requests) is a
`SpecModel`: unknown fields are refused (`extra="forbid"`), numbers must be finite, a bool is never taken for an
int, choices are `Literal`s and ranges are `Field(ge=…, le=…)`. Model validators are kept for the physics
cross-checks only (n0 < N, χ ≤ 2^(N−1), …).

`load_spec_file(path, Model)` reads the TOML and validates it; any problem becomes one `SpecError` line:

    experiments/olrg/order.toml: map.chi = 0: must be >= 1 (fix the value in [map])

Code then reads attributes (`spec.map.chi`), never `spec.section["key"]`.

Resume safety: `spec.result_fields()` is the spec without the fields that change no stored result (each model lists
its own in `non_result_fields`: names, descriptions, plot labels, budgets, storage), `result_digest()` hashes it,
and `changed_fields(old, new)` names what differs ("target.h 1.0 -> 0.5"). Every checkpoint or resumable artefact
records the fields it was made from, so a resume under a changed spec is refused instead of mixing two specs.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from ..errors import SpecError

M = TypeVar("M", bound="SpecModel")


class SpecModel(BaseModel):
    """Base of every spec section: strict, closed, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False, validate_default=True)

    # The fields of this model that change no stored result (a name, a description, a plot label, an output or
    # progress setting, a budget, a storage location): left out of `result_fields`, so changing them never makes
    # a resume stale. Each model decides for its own fields; nested sections decide for theirs.
    non_result_fields: ClassVar[frozenset[str]] = frozenset()

    def result_fields(self) -> dict[str, Any]:
        """The fields that determine what a run of this spec computes, as JSON values (sections as nested dicts),
        without each section's `non_result_fields`."""
        return {
            name: _plain(getattr(self, name)) for name in type(self).model_fields if name not in self.non_result_fields
        }

    def result_digest(self) -> str:
        """A short hash of `result_fields()`: equal digests, equal results (for the same code)."""
        return fields_digest(self.result_fields())


def _plain(value: Any) -> Any:
    if isinstance(value, SpecModel):
        return value.result_fields()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Path):
        return str(value)
    return value


def fields_digest(fields: dict) -> str:
    """sha256 of the fields as canonical JSON (sorted keys), first 16 hex digits."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()[:16]


def changed_fields(old: dict, new: dict, prefix: str = "") -> list[str]:
    """What differs between two `result_fields()` dicts, one 'path old -> new' per field, e.g.
    ['target.h 1.0 -> 0.5', 'map.chi 4 -> 8'] (a field one side lacks shows as '(none)')."""
    out = []
    for key in sorted(set(old) | set(new), key=str):
        a, b = old.get(key, _NONE), new.get(key, _NONE)
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += changed_fields(a, b, path)
        elif a != b:
            out.append(f"{path} {_short(a)} -> {_short(b)}")
    return out


_NONE = object()


def _short(value: Any) -> str:
    text = "(none)" if value is _NONE else json.dumps(value, default=str)
    return text if len(text) <= 160 else text[:157] + "..."  # a path is shown whole, a long list is cut


def read_toml_text(path: str | Path, example: str = "") -> tuple[dict, str]:
    """The TOML table of a spec file and its text; SpecError if it is missing, not text or not valid TOML."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        hint = f"; pass a TOML file such as {example}" if example else ""
        raise SpecError(f"spec file {str(path)!r} not found{hint}") from None
    except PermissionError:
        raise SpecError(f"spec file {str(path)!r} cannot be read (permission denied)") from None
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a text file (a spec is UTF-8 TOML); pass the .toml file") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{path}: not valid TOML ({err}); fix the file") from None
    except ValueError:  # an integer of more than 4300 digits (Python's int-string limit): name its field
        line = next((ln for ln in text.splitlines() if re.search(r"\d{4000}", ln)), "")
        key = line.split("=")[0].strip() or "a value"
        raise SpecError(f"{path}: {key} = an integer of more than 4000 digits; fix the value") from None


def read_toml(path: str | Path, example: str = "") -> dict:
    """The TOML table of a spec file; SpecError if it is missing, not text or not valid TOML."""
    return read_toml_text(path, example)[0]


# What to do about each kind of pydantic error, in words a spec author understands.
_FIXES = {
    "extra_forbidden": "remove it or check its spelling",
    "missing": "add it",
    "literal_error": "use one of the listed values",
    "int_type": "write a whole number",
    "float_type": "write a number",
    "bool_type": "write true or false",
    "string_type": "write a quoted string",
    "finite_number": "write a finite number",
    "greater_than": "raise it",
    "greater_than_equal": "raise it",
    "less_than": "lower it",
    "less_than_equal": "lower it",
    "too_short": "give more entries",
    "too_long": "give fewer entries",
    "model_type": "write it as a TOML table",
    "dict_type": "write it as a TOML table",
    "tuple_type": "write a list",
    "list_type": "write a list",
}


def _field_path(loc: tuple) -> str:
    """pydantic's location tuple as a TOML path: ('map', 'chi') → map.chi, ('training', 'orders', 0) →
    training.orders[0]."""
    path = ""
    for item in loc:
        if isinstance(item, int):
            path += f"[{item}]"
        elif not str(item).startswith(("function-", "tagged-union[")):
            path += f".{item}" if path else str(item)
    return path or "(spec)"


def describe(err: ValidationError, model: type[BaseModel] | None = None, source: str | Path | None = None) -> str:
    """One line for the first problem of a pydantic ValidationError (and how many more there are)."""
    first = err.errors(include_url=False)[0]
    where = _field_path(first["loc"])
    msg = first["msg"]
    if msg.startswith(("Value error, ", "Assertion failed, ")):
        msg = msg.split(", ", 1)[1]
    kind = first["type"]
    cross_check = kind in ("value_error", "assertion_error")
    if cross_check:
        # a validator of ours: its message already names the fields, their values and the fix
        text = msg if where in msg or where == "(spec)" else f"{where}: {msg}"
    elif kind == "extra_forbidden":
        text = f"unknown field '{where}'"
        allowed = _allowed_here(model, first["loc"]) if model is not None else []
        if allowed:
            text += f"; allowed here: {', '.join(allowed)}"
    elif kind == "missing":
        text = f"{where}: required field missing"
    else:
        text = f"{where} = {_shown(first.get('input'))}: {msg[:1].lower() + msg[1:]}"
    fix = _FIXES.get(kind)
    if fix:
        text += f" ({fix})"
    described = not cross_check and kind != "extra_forbidden" and model is not None
    about = _field_description(model, first["loc"]) if described else None
    if about:
        text += f"; {where}: {about}"
    more = err.error_count() - 1
    if more:
        text += f" [and {more} more problem{'s' if more > 1 else ''}]"
    return f"{source}: {text}" if source else text


def _shown(value: Any, limit: int = 80) -> str:
    """repr(value), shortened: a spec value can be a 5000-digit integer (whose repr Python refuses) or a long list."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    try:
        text = repr(value)
    except ValueError:
        return f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_file_name(name: str, field: str = "name") -> str:
    """A name that becomes a file or folder name (a run's out/<name>, a study): letters, digits, '-', '_', '.', not
    starting with '.', so it can neither leave its folder ('../x', 'a/b') nor hide; ValueError otherwise."""
    if not name or name.startswith(".") or not all(c.isalnum() or c in "-_." for c in name):
        raise ValueError(
            f"{field} = {_shown(name)}; use letters, digits, '-', '_' and '.' (not first): it names a folder, and "
            f"path separators would write outside it"
        )
    return name


FileName = Annotated[str, AfterValidator(check_file_name)]


def _allowed_here(model: type[BaseModel], loc: tuple) -> list[str]:
    """The field names the model accepts at the place of an unknown field (best effort, for the message)."""
    for key in loc[:-1]:
        field = model.model_fields.get(key) if isinstance(key, str) else None
        ann = getattr(field, "annotation", None)
        sub = _model_in(ann)
        if sub is None:
            return []
        model = sub
    return sorted(model.model_fields)


def _field_description(model: type[BaseModel], loc: tuple) -> str | None:
    """The `description` of the field at `loc`, if it has one (it tells the spec author what the field means)."""
    info = None
    for key in loc:
        if not isinstance(key, str) or model is None:
            continue
        info = model.model_fields.get(key)
        if info is None:
            return None
        model = _model_in(info.annotation)
    return getattr(info, "description", None)


def _model_in(ann: Any):
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def parse_spec(
    raw: dict,
    model: type[M],
    source: str | Path | None = None,
    context: dict | None = None,
    error: type[SpecError] = SpecError,
) -> M:
    """Validate a TOML table against a SpecModel; `error` (a SpecError: one line, file and field) on any
    problem."""
    try:
        return model.model_validate(raw, context=context)
    except ValidationError as err:
        raise error(describe(err, model, source)) from None


def load_spec_file(
    path: str | Path, model: type[M], example: str = "", context: dict | None = None, error: type[SpecError] = SpecError
) -> M:
    """Read a TOML spec file and validate it against `model`. `context` reaches the model's validators (e.g. the
    spec's folder, for paths relative to it); `error` is the SpecError subclass raised."""
    path = Path(path)
    try:
        raw = read_toml(path, example)
    except SpecError as err:
        raise error(str(err)) from None
    ctx = {"spec_path": path, "base": path.parent, **(context or {})}
    return parse_spec(raw, model, source=path, context=ctx, error=error)
