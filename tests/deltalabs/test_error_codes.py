"""Error codes: one enum per app, the shared ones in ``deltalabs.errors.ErrorCode``,
no code defined twice, and every code written down in the contract (docs/api.md)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from enum import StrEnum

import apps
from config.env import BASE_DIR
from deltalabs.errors import ErrorCode


def _app_enums() -> dict[str, list[type[StrEnum]]]:
    found = {}
    for app in pkgutil.iter_modules(apps.__path__):
        try:
            module = importlib.import_module(f"apps.{app.name}.errors")
        except ModuleNotFoundError:
            continue  # an app with no codes of its own
        found[app.name] = [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, StrEnum) and value.__module__ == module.__name__
        ]
    return found


def _all_codes() -> list[str]:
    codes = [member.value for member in ErrorCode]
    for enums in _app_enums().values():
        codes += [member.value for enum in enums for member in enum]
    return codes


def test_each_app_declares_its_codes_in_one_enum_and_nothing_else():
    for app, enums in _app_enums().items():
        assert len(enums) == 1, app
        module = importlib.import_module(f"apps.{app}.errors")
        loose = [name for name, value in vars(module).items() if name.isupper() and isinstance(value, str)]
        assert loose == [], f"apps.{app}.errors: codes outside the enum {loose}"


def test_no_code_is_defined_twice():
    codes = _all_codes()
    assert len(codes) > 40
    assert sorted({code for code in codes if codes.count(code) > 1}) == []


def test_codes_are_snake_case():
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", code) for code in _all_codes())


def test_every_code_is_in_the_contract_document():
    contract = (BASE_DIR / "docs" / "api.md").read_text(encoding="utf-8")
    missing = sorted(code for code in _all_codes() if f"`{code}`" not in contract)
    assert missing == [], f"document these codes in docs/api.md: {missing}"


def test_codes_render_as_their_plain_value():
    # StrEnum members go into error bodies, logs and stored rows as plain strings.
    assert f"{ErrorCode.COURSE_FULL}" == str(ErrorCode.COURSE_FULL) == "course_full"
