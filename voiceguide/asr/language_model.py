"""A language model built from the knowledge base, so the recogniser expects what the
guide understands.

The generic US English model that ships with PocketSphinx spreads its bets over
130,000 words; the guide needs about 800. A trigram model over the intents' own
examples (the out-of-scope ones included, so television talk has words to land on)
makes "my calf is cramping" far likelier than "op is the". The ``mix`` variant adds
the most common general English words as unigrams, so speech outside the domain can
come out as other words instead of being forced into ours.

Building takes a second or so; the result is cached under a key made from the
sentences, so any content change rebuilds it and nothing else does.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from voiceguide.kb import KnowledgeBase

_LOGGER = logging.getLogger(__name__)

BUILDER_VERSION = "1"
"""Part of the cache key: bump it when the way models are built changes."""
VARIANTS = ("generic", "domain", "mix")
MIX_WORDS = 3000
"""General English words the ``mix`` variant adds, the commonest first."""
EXTRA_DICT = Path(__file__).resolve().parent / "pronunciations.dict"
HEARD_KINDS = frozenset({"sign", "part", "context"})
"""The danger concepts whose phrases the recogniser is taught: the signs, the parts they
are said of and their context. The look-alikes' phrases (a heat pack, a show on the
telly, "thought I was") are for reading typed words; taught to the recogniser, they
gave it more ways to hear a television as a request."""
_NOT_SPOKEN = re.compile(r"[^a-z' ]+")


@dataclass(frozen=True, slots=True)
class LanguageModel:
    """Files a PocketSphinx decoder is configured with; ``None`` means the stock one."""

    variant: str
    lm: Path | None
    dictionary: Path | None
    missing: tuple[str, ...] = ()
    """Content words with no pronunciation; they cannot be recognised."""


def spoken_form(text: str) -> str:
    """Lower case words as a recogniser writes them: apostrophes kept, "can't" stays."""
    text = text.lower().replace("\u2019", "'").replace("-", " ")
    return " ".join(word.strip("'") for word in _NOT_SPOKEN.sub(" ", text).split())


def sentences(kb: KnowledgeBase, extra: Iterable[str] = ()) -> list[str]:
    """Every example utterance of every intent, and every phrase the danger signs are
    read by, in spoken form, once each.

    The danger phrases are there so the recogniser can hear them at all: a word the
    model does not know is never recognised. Measured on the red-team development set
    spoken by flite's kal and awb voices (clean), they raised the emergencies caught or
    asked about from 72 and 103 of 171 to 125 and 148 of 171; the out-of-scope clips of
    spoken.tsv accepted went from 1 and 1 to 4 and 2 of 21. Phrases with a word neither
    dictionary has (the misspellings a typist makes, listed for typed input) are left
    out, since the recogniser never writes them.
    """
    found = {spoken_form(example) for intent in kb.intents.values()
             for example in intent.examples}
    known = _known_words()
    found.update(phrase for concept in kb.dangers.concepts.values()
                 if concept.kind in HEARD_KINDS
                 for phrase in map(spoken_form, concept.phrases)
                 if "*" not in phrase and "#" not in phrase
                 and all(word in known for word in phrase.split()))
    found.update(spoken_form(phrase) for phrase in extra)
    return sorted(s for s in found if s)


@functools.cache
def _known_words() -> frozenset[str]:
    """Every word the recogniser can say: the stock dictionary and the guide's own."""
    return dictionary_words() | set(read_dictionary(EXTRA_DICT))


@functools.cache
def dictionary_words() -> frozenset[str]:
    """The stock pronouncing dictionary's words, without their phones (a tenth of a
    second to read; the phones are read only when a model is built)."""
    with (stock_model_dir() / "cmudict-en-us.dict").open(encoding="utf-8",
                                                          errors="replace") as handle:
        return frozenset(line.split(" ", 1)[0] for line in handle
                         if "(" not in line.split(" ", 1)[0])


def cache_root() -> Path:
    """``$VOICEGUIDE_CACHE``, else the user's cache folder."""
    if env := os.environ.get("VOICEGUIDE_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "voiceguide"


def stock_model_dir() -> Path:
    from pocketsphinx import get_model_path

    return Path(get_model_path("en-us"))


def read_dictionary(path: Path) -> dict[str, list[str]]:
    """Word -> its pronunciation lines, alternatives (``word(2)``) kept."""
    entries: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip() or line.startswith(";;"):
                continue
            head = line.split(maxsplit=1)[0]
            entries.setdefault(head.split("(")[0], []).append(line.rstrip("\n"))
    return entries


def build(kb: KnowledgeBase, variant: str = "domain", extra: Iterable[str] = (),
          cache: Path | None = None) -> LanguageModel:
    """The language model for ``variant``, from the cache when the content is unchanged."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown language model variant {variant!r}")
    if variant == "generic":
        return LanguageModel("generic", None, None)
    corpus = sentences(kb, extra)
    key = hashlib.sha256("\n".join([BUILDER_VERSION, variant, *corpus,
                                    EXTRA_DICT.read_text(encoding="utf-8")]).encode())
    folder = (cache or cache_root()) / f"lm-{variant}-{key.hexdigest()[:16]}"
    lm, dictionary = folder / "guide.lm", folder / "guide.dict"
    missing_file = folder / "missing.txt"
    if lm.exists() and dictionary.exists() and missing_file.exists():
        missing = tuple(missing_file.read_text(encoding="utf-8").split())
        return LanguageModel(variant, lm, dictionary, missing)
    _LOGGER.info("building the %s language model in %s", variant, folder)
    model = write_model(corpus, folder, variant)
    _atomic_write(missing_file, " ".join(model.missing))
    if model.missing:
        _LOGGER.warning("no pronunciation for %s; add them to %s", ", ".join(model.missing),
                        EXTRA_DICT)
    return model


def write_model(corpus: list[str], folder: Path, variant: str = "domain") -> LanguageModel:
    """A trigram model and its dictionary for ``corpus`` (spoken-form sentences)."""
    folder.mkdir(parents=True, exist_ok=True)
    lm, dictionary = folder / "guide.lm", folder / "guide.dict"
    missing = _write(corpus, variant, lm, dictionary)
    return LanguageModel(variant, lm, dictionary, missing)


def _write(corpus: list[str], variant: str, lm_path: Path, dict_path: Path
           ) -> tuple[str, ...]:
    from pocketsphinx.lm import ArpaBoLM

    stock = read_dictionary(stock_model_dir() / "cmudict-en-us.dict")
    stock.update(read_dictionary(EXTRA_DICT))
    words = {word for sentence in corpus for word in sentence.split()}
    missing = tuple(sorted(word for word in words if word not in stock))
    usable = [s for s in corpus if not any(word in missing for word in s.split())]
    model = ArpaBoLM(text="\n".join(usable), add_start=True, case="lower")
    if variant == "mix":
        common = _common_words(stock, MIX_WORDS)
        for word in common:
            model.grams_1[word] += 1
        words.update(common)
    model.compute()
    with tempfile.NamedTemporaryFile("w", dir=lm_path.parent, delete=False,
                                     encoding="utf-8") as handle:
        model.write(handle)
    os.replace(handle.name, lm_path)
    lines = [line for word in sorted(words - set(missing)) for line in stock[word]]
    _atomic_write(dict_path, "\n".join(lines) + "\n")
    return missing


def _common_words(stock: dict[str, list[str]], count: int) -> list[str]:
    """The ``count`` likeliest words of the stock model that have a pronunciation."""
    from pocketsphinx import NGramModel

    generic = NGramModel.readfile(str(stock_model_dir() / "en-us.lm.bin"))
    plain_words = [word for word in stock if word.isalpha()]
    ranked = sorted(plain_words, key=lambda word: -generic.prob([word]))
    return ranked[:count]


def _atomic_write(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False,
                                     encoding="utf-8") as handle:
        handle.write(text)
    os.replace(handle.name, path)
