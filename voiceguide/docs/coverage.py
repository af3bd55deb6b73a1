"""The build report a reviewer reads: which intents each document supports, which
intents no document supports, which sections support none, and where documents
disagree with each other.

Disagreement is found on the topics listed in ``content/topics.toml``: a sentence
mentioning a topic is read as advising for or against it from cue phrases, and a
topic is reported when one document has a sentence for it and another document a
sentence against it. It is a prompt for a person, not a verdict.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from voiceguide.docs import Section
from voiceguide.docs.index import DocIndex
from voiceguide.errors import KnowledgeBaseError
from voiceguide.kb import KnowledgeBase
from voiceguide.sentences import split_sentences

TOPICS_FILE = Path(__file__).resolve().parent.parent / "content" / "topics.toml"


@dataclass(frozen=True)
class Topic:
    name: str
    label: str
    terms: re.Pattern[str]


@dataclass(frozen=True)
class Cues:
    against: re.Pattern[str]
    for_: re.Pattern[str]

    def stance(self, sentence: str) -> str | None:
        sentence = sentence.replace("\u2019", "'")
        if self.against.search(sentence):
            return "against"
        return "for" if self.for_.search(sentence) else None


@dataclass(frozen=True)
class Mention:
    section: Section
    sentence: str
    stance: str


@dataclass(frozen=True)
class Disagreement:
    topic: Topic
    passages: tuple[Mention, ...]


def _words(phrases: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(re.escape(p) for p in phrases) + ")",
                      re.IGNORECASE)


def load_topics(path: Path = TOPICS_FILE) -> tuple[Cues, list[Topic]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise KnowledgeBaseError(f"{path}: cannot be read as TOML ({error})") from None

    def phrases(table: dict[str, object], key: str, where: str) -> list[str]:
        value = table.get(key)
        if not isinstance(value, list) or not value or not all(
                isinstance(v, str) and v.strip() for v in value):
            raise KnowledgeBaseError(f"{path}: {where}: '{key}' must be a list of phrases")
        return [v.strip().lower() for v in value]

    cues = data.get("cues", {})
    topics = []
    for name, table in data.get("topic", {}).items():
        label = table.get("label")
        if not isinstance(label, str) or not label.strip():
            raise KnowledgeBaseError(f"{path}: topic {name}: 'label' must be text")
        topics.append(Topic(name, label, _words(phrases(table, "terms", f"topic {name}"))))
    return (Cues(_words(phrases(cues, "against", "cues")),
                 _words(phrases(cues, "for", "cues"))), topics)


def disagreements(index: DocIndex, topics_file: Path = TOPICS_FILE) -> list[Disagreement]:
    cues, topics = load_topics(topics_file)
    found = []
    for topic in topics:
        passages = [Mention(section, sentence, stance)
                    for section in index.sections()
                    for line in section.text.splitlines()
                    for sentence in split_sentences(line)
                    if topic.terms.search(sentence)
                    and (stance := cues.stance(sentence)) is not None]
        docs: dict[str, set[str]] = defaultdict(set)
        for passage in passages:
            docs[passage.stance].add(passage.section.doc)
        if any(a != b for a in docs["for"] for b in docs["against"]):
            found.append(Disagreement(topic, tuple(passages)))
    return found


def report(index: DocIndex, kb: KnowledgeBase) -> Iterator[str]:
    """The report as lines, for ``voiceguide build --report``."""
    catalogue = sorted({i.public_id for i in kb.intents.values()
                        if not i.public_id.startswith("control.")})
    supported: set[str] = set()
    yield f"# Document coverage: {len(index.documents)} documents, " \
          f"{len(index.sections())} sections"
    for failure in index.failures:
        yield f"not built: {failure}"
    for document in index.documents:
        intents: dict[str, int] = defaultdict(int)
        for section in document.sections:
            link = index.links.get(section.id)
            if link is not None:
                intents[link.intent] += 1
        supported.update(intents)
        yield ""
        yield f"## {document.file}: {document.title}"
        yield "supports: " + (", ".join(f"{i} ({n})" for i, n in sorted(intents.items()))
                              or "no intent")
    yield ""
    missing = [i for i in catalogue if i not in supported]
    yield "## Intents no document supports"
    yield ", ".join(missing) if missing else "none"
    yield ""
    unlinked = index.unlinked()
    yield f"## Sections that support no intent ({len(unlinked)})"
    for section in unlinked:
        yield f"{section.doc}  {section.heading or section.title}"
    yield ""
    found = disagreements(index)
    yield f"## Where documents disagree ({len(found)} topics, for a person to review)"
    for disagreement in found:
        yield f"### {disagreement.topic.label}"
        for passage in disagreement.passages:
            where = passage.section.heading or passage.section.title
            yield f"- {passage.stance:7} {passage.section.doc} [{where}]: {passage.sentence}"
