"""The record of processing activities (``docs/processing-activities.md``) stays in step with the models.

Every concrete model of the project's own apps has a section headed ``### app_label.ModelName``
that names every field (as ``field_name`` in backticks) and states purpose, legal basis,
retention and who sees it. Sections of models that no longer exist fail too, and every
retention category the apps declare must be described.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps

from mobility.privacy.retention import retention_rules

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "docs" / "processing-activities.md"
HEADING = re.compile(r"^### ([a-z_]+\.[A-Za-z0-9_]+)\s*$", re.MULTILINE)
REQUIRED_ITEMS = ("**Purpose**", "**Legal basis**", "**Retention**", "**Who sees it**")


def project_models() -> dict[str, list[str]]:
    """``app_label.ModelName`` -> field names, for every concrete model of the project's apps."""
    result: dict[str, list[str]] = {}
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if ROOT not in path.parents or ".venv" in path.parts:
            continue
        for model in config.get_models():
            if model._meta.abstract or model._meta.proxy:
                continue
            fields = [
                f.name
                for f in model._meta.get_fields()
                if (f.concrete or (f.many_to_many and not f.auto_created))
                and not (f.auto_created and f.primary_key)
                and f.name != "pk"
            ]
            result[f"{config.label}.{model.__name__}"] = fields
    return result


def record_sections(text: str | None = None) -> dict[str, str]:
    """Heading -> its text, up to the next heading of any level."""
    text = RECORD.read_text(encoding="utf-8") if text is None else text
    matches = list(HEADING.finditer(text))
    sections = {}
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[match.end() : end]
        next_heading = re.search(r"^#{1,3} ", body, re.MULTILINE)
        sections[match.group(1)] = body[: next_heading.start()] if next_heading else body
    return sections


def test_the_record_exists():
    assert RECORD.is_file(), f"missing {RECORD}"


def test_every_model_and_field_is_in_the_record():
    models = project_models()
    sections = record_sections()
    assert len(models) > 20
    problems = []
    for name, fields in sorted(models.items()):
        if name not in sections:
            problems.append(f"no section '### {name}' (fields: {', '.join(fields)})")
            continue
        body = sections[name]
        missing = [f for f in fields if f"`{f}`" not in body]
        if missing:
            problems.append(f"{name}: fields not described: {', '.join(missing)}")
        absent = [item for item in REQUIRED_ITEMS if item not in body]
        if absent:
            problems.append(f"{name}: section lacks {', '.join(absent)}")
    stale = sorted(set(sections) - set(models))
    if stale:
        problems.append(f"sections for models that do not exist: {', '.join(stale)}")
    assert not problems, "docs/processing-activities.md is out of step with the models:\n  " + "\n  ".join(problems)


def test_every_retention_category_is_in_the_record():
    text = RECORD.read_text(encoding="utf-8")
    categories = sorted({rule.category for rule in retention_rules()})
    assert "ride_exact_places" in categories
    missing = [c for c in categories if f"`{c}`" not in text]
    assert not missing, f"retention categories not described in docs/processing-activities.md: {missing}"


def test_the_section_parser_is_strict():
    """A field named only in another model's section, or after the last one, does not count."""
    sections = record_sections("# Title\n### a.One\n- `x`\n### a.Two\n- `y`\n## Other\n`z`\n")
    assert sorted(sections) == ["a.One", "a.Two"]
    assert "`x`" in sections["a.One"] and "`y`" not in sections["a.One"]
    assert "`y`" in sections["a.Two"] and "`z`" not in sections["a.Two"]
