"""Loading and checking the content files.

Every check names the file, the intent or routine, and the field in one line, because
the person fixing it is a clinician editing TOML, not a programmer reading a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn

from voiceguide import validate
from voiceguide.errors import KnowledgeBaseError
from voiceguide.kb.model import (
    Branch,
    Intent,
    KnowledgeBase,
    Lexicon,
    Routine,
    Source,
    Step,
)
from voiceguide.kb.templates import TemplateError, expand
from voiceguide.validate import suggestion

MIN_EXAMPLES = 10
MAX_SPOKEN_WORDS = 70
"""The brief asks for about sixty words before offering more; this leaves slack."""
MUSCLES = ("calf", "thigh", "hamstring", "foot")
REQUIRED_PROMPTS = (
    "welcome", "out_of_scope", "not_caught", "clarify", "more_offer", "stopped",
    "paused", "resumed", "nothing_paused", "nothing_to_repeat", "nothing_to_skip",
    "slower", "faster", "louder", "quieter", "goodbye", "help_idle", "help_routine",
    "help_checkin", "help_offer", "help_paused", "yes_idle", "no_idle", "better_idle",
    "worse_idle", "declined", "checkin_again", "better_during_hold",
    "worse_during_hold", "start_over_idle", "cue_minutes",
    "cue_one_minute", "cue_seconds", "cue_count", "from_document", "time_left",
    "time_left_paused", "time_left_none", "intro", "emergency", "emergency_nearby",
    "emergency_reminder", "emergency_no_routine", "emergency_better", "emergency_insist",
    "emergency_stopped", "emergency_call_yes", "emergency_waiting", "emergency_calling",
    "help_emergency", "safety_net", "safety_net_paused",
    "confirm_danger", "confirm_misheard", "checkin_silent", "yes_during_hold",
    "no_during_hold", "paused_still", "worse_paused", "help_confirm", "elsewhere", "waiting",
)
ID_PATTERN = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")
SEED_FILE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
UNSPOKEN = (
    (re.compile(r"\d"), "digits (write numbers as words)"),
    (re.compile(r"https?:|www\.|\.com\b", re.I), "a web address"),
    (re.compile(r"\b(e\.g|i\.e|etc)\b\.?", re.I), "an abbreviation"),
)
INTENT_KEYS = {
    "id", "group", "label", "examples", "response", "more", "routine",
    "muscle_routines", "follow_up", "offer", "sources",
}
STEP_KINDS = ("say", "hold", "wait", "ask")
STEP_KEYS = {"say", "hold", "wait", "ask", "label", "cues", "done", "yes", "no",
             "no_again"}


class Where:
    """Builds the one-line error for a place in a file."""

    def __init__(self, path: Path, what: str = "") -> None:
        self.path = path
        self.what = what

    def at(self, what: str) -> Where:
        return Where(self.path, what)

    def fail(self, field: str, problem: str) -> NoReturn:
        place = f"{self.path.name}: {self.what}: " if self.what else f"{self.path.name}: "
        raise KnowledgeBaseError(
            f"{place}field '{field}': {problem} (fix {self.path} and start again)"
        )

    def text(self, table: Mapping[str, Any], key: str, *, required: bool = True,
             spoken: bool = False) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                self.fail(key, "is missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "must be non-empty text")
        if spoken:
            check_spoken(self, key, value)
        return value.strip()

    def unknown_keys(self, table: Mapping[str, Any], allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                hint = suggestion(key, allowed) or f" (known: {', '.join(sorted(allowed))})"
                self.fail(key, f"is not a known field{hint}")


def check_spoken(where: Where, key: str, text: str) -> None:
    words = len(text.split())
    if words > MAX_SPOKEN_WORDS:
        where.fail(key, f"has {words} words; keep it under {MAX_SPOKEN_WORDS} and "
                        "move the rest to 'more'")
    for pattern, name in UNSPOKEN:
        if pattern.search(text):
            where.fail(key, f"contains {name}, which a speech engine reads badly")


def read_toml(path: Path) -> dict[str, Any]:
    return validate.read_toml(path, KnowledgeBaseError,
                              "restore it from the shipped content folder")


CLINICAL_PAGE = re.compile(r"^https?://[a-z0-9.-]+\.[a-z]{2,}(/\S*)?$")
"""A public clinical page a sign or piece of advice comes from, where no seed has it."""


def read_sources(where: Where, raw: object, required: bool = False
                 ) -> tuple[Source, ...]:
    """``sources``: each the ``{file, section}`` of a seed article, or the ``{page,
    title}`` of a public clinical page (kept as a Source whose file is the address)."""
    if not isinstance(raw, list) or (required and not raw):
        where.fail("sources", "must list where the facts come from: {file, section} "
                              "tables, or {page, title} for a clinical web page")
    sources = []
    for item in raw:
        if not isinstance(item, dict) or set(item) not in ({"file", "section"},
                                                             {"page", "title"}):
            where.fail("sources", "each entry needs exactly 'file' and 'section', or "
                                  "'page' and 'title'")
        if "page" in item:
            if not CLINICAL_PAGE.match(str(item["page"])):
                where.fail("sources", f"'{item['page']}' is not a web page's address")
            sources.append(Source(str(item["page"]), str(item["title"]).strip()))
            continue
        if not SEED_FILE.match(str(item["file"])):
            where.fail("sources", f"'{item['file']}' is not a seed article's file name")
        if not str(item["section"]).strip():
            where.fail("sources", "a section name is empty")
        sources.append(Source(str(item["file"]), str(item["section"]).strip()))
    return tuple(sources)


def _sources(where: Where, table: Mapping[str, Any]) -> tuple[Source, ...]:
    return read_sources(where, table.get("sources"))


def _examples(where: Where, table: Mapping[str, Any]) -> tuple[str, ...]:
    raw = table.get("examples")
    if not isinstance(raw, list) or not all(isinstance(e, str) for e in raw):
        where.fail("examples", "must be a list of sentences")
    if len(raw) < MIN_EXAMPLES:
        where.fail("examples", f"has {len(raw)}; write at least {MIN_EXAMPLES}")
    expanded: dict[str, None] = {}
    for template in raw:
        try:
            for sentence in expand(template.lower()):
                expanded.setdefault(sentence, None)
        except TemplateError as error:
            where.fail("examples", str(error))
    return tuple(expanded)


def _intent(where: Where, table: Mapping[str, Any]) -> Intent:
    where.unknown_keys(table, INTENT_KEYS)
    # Controls and the out-of-scope examples are answered from dialogue.toml, and
    # need neither a response nor sources of their own.
    answered_by_dialogue = str(table.get("id", "")).startswith("control.") or \
        table.get("id") == "out_of_scope"
    muscles = table.get("muscle_routines", {})
    if not isinstance(muscles, dict) or not set(muscles) <= set(MUSCLES):
        where.fail("muscle_routines", f"keys must be among {', '.join(MUSCLES)}")
    return Intent(
        id=str(table["id"]),
        group=where.text(table, "group", required=False),
        label=where.text(table, "label") or "",
        examples=_examples(where, table),
        response=where.text(table, "response", required=not answered_by_dialogue,
                            spoken=True) or "",
        more=where.text(table, "more", required=False, spoken=True),
        routine=where.text(table, "routine", required=False),
        muscle_routines=MappingProxyType({k: str(v) for k, v in muscles.items()}),
        follow_up=where.text(table, "follow_up", required=False),
        offer=where.text(table, "offer", required="follow_up" in table,
                         spoken=True),
        sources=(_sources(where, table) if not answered_by_dialogue or "sources" in table
                 else ()),
    )


def load_intents(directory: Path) -> tuple[dict[str, Intent], dict[str, Path]]:
    """The intents, and the file each came from (for errors found later)."""
    intents: dict[str, Intent] = {}
    files_of: dict[str, Path] = {}
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise KnowledgeBaseError(f"no intent files in {directory} (reinstall voiceguide)")
    for path in files:
        data = read_toml(path)
        where = Where(path)
        where.unknown_keys(data, {"intent"})
        for number, table in enumerate(data.get("intent", []), start=1):
            name = table.get("id")
            if not isinstance(name, str) or not ID_PATTERN.match(name):
                where.at(f"intent number {number}").fail(
                    "id", "must be a dotted lowercase id such as 'cramp.relief'")
            if name in intents:
                where.at(f"intent '{name}'").fail("id", "is defined twice")
            intents[name] = _intent(where.at(f"intent '{name}'"), table)
            files_of[name] = path
    return intents, files_of


def _branch(where: Where, step: Mapping[str, Any], key: str) -> Branch | None:
    raw = step.get(key)
    if raw is None:
        return None
    if not isinstance(raw, dict) or "go" not in raw or set(raw) - {"go", "say"}:
        where.fail(key, "must be a table with 'go' and an optional 'say'")
    return Branch(go=str(raw["go"]), say=where.text(raw, "say", required=False,
                                                    spoken=True))


def _step(where: Where, raw: Mapping[str, Any]) -> Step:
    where.unknown_keys(raw, STEP_KEYS)
    kinds = [k for k in ("hold", "wait", "ask") if k in raw] or (
        ["say"] if "say" in raw else [])
    if len(kinds) != 1:
        where.fail("say/hold/wait/ask", "a step must be exactly one of these")
    kind = kinds[0]
    seconds = raw.get(kind, 0) if kind in ("hold", "wait") else 0
    if kind in ("hold", "wait") and (not isinstance(seconds, int) or seconds <= 0):
        where.fail(kind, "must be a whole number of seconds above zero")
    cues = raw.get("cues", [])
    if kind != "hold" and ("cues" in raw or "done" in raw):
        where.fail("cues", "only a 'hold' step has cues and done")
    if not isinstance(cues, list) or any(
        not isinstance(c, int) or not 0 < c < seconds for c in cues
    ):
        where.fail("cues", f"must be seconds left, each between zero and {seconds}")
    if kind != "ask" and any(k in raw for k in ("yes", "no", "no_again")):
        where.fail("yes", "only an 'ask' step has answers")
    step = Step(
        kind=kind,
        say=where.text(raw, "say", required=kind == "say", spoken=True),
        label=where.text(raw, "label", required=False),
        seconds=seconds,
        cues=tuple(sorted(set(cues), reverse=True)),
        done=where.text(raw, "done", required=kind == "hold", spoken=True),
        ask=where.text(raw, "ask", required=kind == "ask", spoken=True),
        yes=_branch(where, raw, "yes"),
        no=_branch(where, raw, "no"),
        no_again=_branch(where, raw, "no_again"),
    )
    if kind == "ask" and (step.yes is None or step.no is None):
        where.fail("yes/no", "a check-in needs both a 'yes' and a 'no' answer")
    return step


def load_routines(directory: Path) -> tuple[dict[str, Routine], dict[str, Path]]:
    """The routines, and the file each came from (for errors found later)."""
    routines: dict[str, Routine] = {}
    files_of: dict[str, Path] = {}
    for path in sorted(directory.glob("*.toml")):
        data = read_toml(path)
        Where(path).unknown_keys(data, {"routine"})
        for name, table in data.get("routine", {}).items():
            where = Where(path, f"routine '{name}'")
            if name in routines:
                where.fail("name", "is defined twice")
            where.unknown_keys(table, {"title", "sources", "steps", "silent"})
            raw_steps = table.get("steps")
            if not isinstance(raw_steps, list) or not raw_steps:
                where.fail("steps", "needs at least one step")
            steps = tuple(
                _step(Where(path, f"routine '{name}' step {n}"), raw)
                for n, raw in enumerate(raw_steps, start=1)
            )
            routines[name] = Routine(
                name=name,
                title=where.text(table, "title") or name,
                steps=steps,
                sources=_sources(where, table),
                silent=where.text(table, "silent", required=False, spoken=True),
            )
            files_of[name] = path
    return routines, files_of


def _check_links(intents: Mapping[str, Intent], intent_files: Mapping[str, Path],
                 routines: Mapping[str, Routine], routine_files: Mapping[str, Path]
                 ) -> None:
    for intent in intents.values():
        where = Where(intent_files[intent.id], f"intent '{intent.id}'")
        for name in (intent.routine, *intent.muscle_routines.values()):
            if name is not None and name not in routines:
                where.fail("routine", f"names '{name}', which no routine file defines")
        if intent.follow_up is not None and intent.follow_up not in intents:
            where.fail("follow_up", f"names '{intent.follow_up}', which is not an intent")
        if intent.group is not None and intent.group not in intents:
            where.fail("group", f"names '{intent.group}', which is not an intent")
    for routine in routines.values():
        labels = {s.label for s in routine.steps if s.label}
        for number, step in enumerate(routine.steps, start=1):
            where = Where(routine_files[routine.name],
                           f"routine '{routine.name}' step {number}")
            for key in ("yes", "no", "no_again"):
                branch = getattr(step, key)
                if branch is None or branch.go in ("next", "end") or branch.go in labels:
                    continue
                target = branch.go.removeprefix("routine:")
                if branch.go.startswith("routine:") and target in routines:
                    continue
                where.fail(key, f"goes to '{branch.go}', which is not next, end, a "
                                "step label or routine:<name>")


def _prompts(path: Path) -> dict[str, str]:
    data = read_toml(path)
    where = Where(path, "prompts")
    for key in REQUIRED_PROMPTS:
        where.text(data, key)
    for key, value in data.items():
        if not isinstance(value, str):
            where.fail(key, "must be text")
        check_spoken(where, key, value)
    return {key: " ".join(value.split()) for key, value in data.items()}


def _lexicon(path: Path) -> Lexicon:
    data = read_toml(path)
    where = Where(path, "lexicon")
    where.unknown_keys(data, {"fillers", "negations", "synonyms", "muscles", "sides",
                              "elsewhere", "legs", "function_words", "passing",
                              "handling", "vague", "leg_conditions"})

    def inverted(key: str) -> dict[str, str]:
        table = data.get(key, {})
        if not isinstance(table, dict):
            where.fail(key, "must be a table of lists")
        return {variant: canon for canon, variants in table.items()
                for variant in variants}

    for key in ("muscles",):
        if not set(data.get(key, {})) <= set(MUSCLES):
            where.fail(key, f"keys must be among {', '.join(MUSCLES)}")
    return Lexicon(
        fillers=frozenset(data.get("fillers", [])),
        synonyms=MappingProxyType(inverted("synonyms")),
        muscles=MappingProxyType(inverted("muscles")),
        sides=MappingProxyType(inverted("sides")),
        negations=frozenset(data.get("negations", [])),
        elsewhere=frozenset(data.get("elsewhere", [])),
        legs=frozenset(data.get("legs", [])),
        function_words=frozenset(data.get("function_words", [])),
        passing=frozenset(data.get("passing", [])),
        handling=frozenset(data.get("handling", [])),
        leg_conditions=frozenset(data.get("leg_conditions", [])),
        vague=frozenset(data.get("vague", [])),
    )


def load(directory: Path) -> KnowledgeBase:
    """Read and check every content file under ``directory``."""
    from voiceguide.safety.content import load_dangers

    if not directory.is_dir():
        raise KnowledgeBaseError(f"content folder {directory} does not exist "
                                 "(pass --content with a folder that does)")
    intents, intent_files = load_intents(directory / "intents")
    routines, routine_files = load_routines(directory / "routines")
    _check_links(intents, intent_files, routines, routine_files)
    return KnowledgeBase(
        intents=MappingProxyType(intents),
        routines=MappingProxyType(routines),
        prompts=MappingProxyType(_prompts(directory / "dialogue.toml")),
        dangers=load_dangers(directory / "danger.toml"),
        lexicon=_lexicon(directory / "lexicon.toml"),
    )
