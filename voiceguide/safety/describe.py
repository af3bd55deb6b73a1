"""The danger signs as a clinician reads them: ``docs/safety.md`` holds this text
between two markers, written by ``python scripts/safety_doc.py`` and checked by a test,
so the document a reviewer signs off is the data the guide runs on."""

from __future__ import annotations

from voiceguide.safety.model import Condition, DangerBook, Rule

BEGIN = "<!-- generated from voiceguide/content/danger.toml: begin -->"
END = "<!-- generated from voiceguide/content/danger.toml: end -->"


def _condition(condition: Condition) -> str:
    where = ""
    if condition.on and condition.elsewhere:
        where = f" not of a {condition.on}"
    elif condition.on:
        count = {"one": "one ", "both": "both "}.get(condition.count, "")
        where = f" of {count}{condition.on}"
    return f"`{condition.concept}`{where}"


def _rule(rule: Rule) -> str:
    said = " and ".join(_condition(c) for c in rule.all)
    if rule.any:
        said += ", with any of " + ", ".join(_condition(c) for c in rule.any)
    return said


def describe(book: DangerBook) -> str:
    lines = [BEGIN, "", "### The dangers, their rules and sources", ""]
    for danger in book.dangers.values():
        lines += [f"#### `emergency.{danger.id}`: {danger.name}", "",
                  f"Advice after \"Please call ... now\": {danger.advice}", "",
                  "Fires on:", ""]
        lines += [f"- {_rule(r)}" for r in book.rules if r.danger == danger.id]
        lines += ["", "Sources:", ""]
        lines += [f"- [{s.section}]({s.file})" if s.page else f"- seed `{s.file}`, "
                  f"\"{s.section}\"" for s in danger.sources]
        lines.append("")
    lines += ["### The words for each concept", "",
              "| concept | kind | said back as | urgent alone | words (first twelve) |",
              "|---|---|---|---|---|"]
    for concept in book.concepts.values():
        words = ", ".join(concept.phrases[:12]) + (" ..." if len(concept.phrases) > 12
                                                    else "")
        extra = f" (explains {', '.join(concept.explains)})" if concept.explains else ""
        lines.append(f"| `{concept.name}` | {concept.kind}{extra} | {concept.said or ''} | "
                     f"{'yes' if concept.urgent else ''} | {words} |")
    return "\n".join([*lines, "", END])
