"""The document parser: the sample articles' structure and FAQ pairs found (and, where
the seed articles are beside the checkout, theirs), page furniture gone, summaries made
of whole sentences, curated sources resolvable, and bad files refused in one line each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support import DATA, SHARED
from voiceguide.docs import (
    MAX_BYTES,
    Document,
    DocumentError,
    Section,
    parse_file,
    parse_text,
    speakable,
)
from voiceguide.docs.questions import question_forms
from voiceguide.kb import load_knowledge_base
from voiceguide.sentences import is_whole_sentence, split_sentences

ARTICLES = DATA / "articles"
"""Sample articles written for the tests, one in each style the parser reads."""
SEEDS = SHARED / "seeds"
"""The seed articles, beside a working checkout only: an extra layer of tests."""
LEG_NUMBNESS = "000_236902f35d5e36cc.txt"
NIGHT_CRAMPS, NUMB_LEGS, HIPS = ("night_cramps.txt", "numb_legs.txt",
                                 "hips_and_restless_legs.txt")

SAMPLE_SECTION_COUNTS = {NIGHT_CRAMPS: 21, NUMB_LEGS: 19, HIPS: 13}

SECTION_COUNTS = {
    "000_236902f35d5e36cc.txt": range(100, 130),
    "001_2bf8a98fa6391494.txt": range(14, 25),
    "002_9c9fde24420cbfdf.txt": range(3, 7),
    "003_268f40e4dc2bd92c.txt": range(40, 60),
    "004_242a1c97277a2153.txt": range(3, 5),
}


JUNK = re.compile(
    r"https?:|www\.|<iframe|\biframe\b|leave a reply|\]\(|!\["
    r"|[\w.+-]+@[\w-]+\.\w"                                        # e-mail
    r"|\+\d[\d\s().-]{6,}\d|\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b"   # phone
    r"|\b\d{1,6}\s+(?:[A-Z]\w*\s+){0,3}(?:Street|Lane|Road|Avenue)\b|\b[A-Z]{2}\s+\d{5}\b",
    re.IGNORECASE)


@pytest.fixture(scope="module")
def samples() -> dict[str, Document]:
    return {path.name: parse_file(path) for path in sorted(ARTICLES.glob("*.txt"))}


@pytest.fixture(scope="module")
def seeds() -> dict[str, Document]:
    return {path.name: parse_file(path) for path in sorted(SEEDS.glob("*.txt"))}


def all_sections(docs: dict[str, Document]) -> list[Section]:
    return [section for doc in docs.values() for section in doc.sections]


def check_plausible_sections(name: str, doc: Document) -> None:
    assert doc.title and doc.file == name
    ids = [s.id for s in doc.sections]
    assert len(ids) == len(set(ids)), name
    prefix = Path(name).stem.lower().replace("_", "-") + "/"
    for section in doc.sections:
        assert section.id.startswith(prefix) and re.fullmatch(r"[a-z0-9-]+/[a-z0-9-]+",
                                                               section.id), section.id
        assert section.doc == name and section.path[-1] == section.title
        assert section.kind in {"section", "faq"}
        assert all(k == k.lower() for k in section.keywords) and section.keywords


def check_no_junk(sections: list[Section]) -> None:
    for section in sections:
        for field in (section.title, section.text, section.summary, *section.questions):
            found = JUNK.search(field)
            assert found is None, (section.id, found and found.group())
        assert not re.search(r"why\.edu\.vn|docus", section.text, re.IGNORECASE), section.id
    titles = {s.title.lower() for s in sections}
    assert not titles & {"comments", "recommended topics", "have questions?", "contents",
                         "sources"}
    assert not any("one click away" in t for t in titles)


def check_summaries(sections: list[Section]) -> None:
    with_text = [s for s in sections if s.text]
    for section in with_text:
        assert len(section.summary.split()) <= 65, section.id
        spoken = " ".join(speakable(section.text).split())
        for sentence in split_sentences(section.summary):
            assert is_whole_sentence(sentence), (section.id, sentence)
            if sentence not in spoken:  # a list read out: its and its title's words
                listed = set(re.findall(r"[a-z'-]+", sentence.lower())) - {"and"}
                allowed = re.findall(r"[a-z'-]+", (section.title + " " + spoken).lower())
                assert listed <= set(allowed), (
                    section.id, sentence)
                assert "\n" in section.text, section.id
            assert not re.search(r"[()]|\be\.g\.|&|\w/\w", sentence), (section.id, sentence)
    summarised = sum(1 for s in with_text if s.summary)
    assert summarised >= 0.9 * len(with_text)


# The sample articles: always run.

def test_the_sample_articles_parse_into_their_sections(
        samples: dict[str, Document]) -> None:
    assert {name: len(doc.sections) for name, doc in samples.items()} == (
        SAMPLE_SECTION_COUNTS)
    for name, doc in samples.items():
        check_plausible_sections(name, doc)
    assert samples[NIGHT_CRAMPS].title == "Night Leg Cramps: What Happens and What Helps"
    assert samples[NUMB_LEGS].title == "When a Leg Goes Numb at Night"
    assert samples[HIPS].title == "Hip Pain and Restless Legs at Night"  # the one "#" line


def test_numbered_sample_headings_keep_their_numbers_and_nesting(
        samples: dict[str, Document]) -> None:
    sections = {s.heading: s for s in samples[NIGHT_CRAMPS].sections}
    calf = sections["3.1.1. Calf Stretch at the Wall"]
    assert calf.title == "Calf Stretch at the Wall"
    assert calf.path == ("Easing a Cramp Right Now", "Stretch the Muscle",
                         "Calf Stretch at the Wall")
    assert calf.id == "night-cramps/calf-stretch-at-the-wall"
    assert sections["2.5. Health Conditions"].questions == ("what are the health conditions",)
    assert sections["1. What Is a Night Cramp?"].questions == ("what is a night cramp",)
    # A heading with no text of its own is kept when it groups sections that have some.
    assert sections["3. Easing a Cramp Right Now"].text == ""
    assert sections["4. Keeping Cramps Away"].path == ("Keeping Cramps Away",)


def test_plain_sample_title_lines_group_the_headings_after_them(
        samples: dict[str, Document]) -> None:
    numb = {s.title: s for s in samples[NUMB_LEGS].sections}
    assert numb["Pressure on a Nerve"].path == ("Why Does a Leg Fall Asleep?",
                                                "Pressure on a Nerve")
    assert numb["Why Does a Leg Fall Asleep?"].text == ""
    assert numb["Warm Compresses"].path == ("Easing a Numb Leg", "Warm Compresses")
    # The last group runs to the end of the article, past its six headings.
    assert numb["When Numbness Is Urgent"].path == ("Seeing a Doctor",
                                                    "When Numbness Is Urgent")
    assert numb["Sciatica"].text.startswith("The sciatic nerve is the largest nerve")
    assert numb["Multiple Sclerosis"].text.endswith("patches of numbness.")


def test_markdown_sample_headings_nest_and_keep_their_lists(
        samples: dict[str, Document]) -> None:
    hips = {s.title: s for s in samples[HIPS].sections}
    relaxin = hips["Relaxin and Looser Joints"]
    assert relaxin.path == ("Hip Pain in Pregnancy", "Relaxin and Looser Joints")
    assert relaxin.id == "hips-and-restless-legs/relaxin-and-looser-joints"
    assert hips["What Are Restless Legs?"].questions == ("what are restless legs",)
    side = hips["Hip Pain When You Sleep on Your Side"].text.split("\n")
    assert "Put a pillow between your knees to keep your hips level." in side
    assert len(side) == 9  # a paragraph, two bold lead-ins and their six bullets


def test_the_sample_faq_pairs_are_found_with_their_answers(
        samples: dict[str, Document]) -> None:
    for name, count, numbered in ((NIGHT_CRAMPS, 3, True), (HIPS, 2, False)):
        raw = (ARTICLES / name).read_text(encoding="utf-8")
        faqs = [s for s in samples[name].sections if s.kind == "faq"]
        assert len(faqs) == count, name
        prefix = Path(name).stem.replace("_", "-") + "/faq-"
        for number, faq in enumerate(faqs, start=1):
            assert faq.heading == (f"{number}. {faq.title}" if numbered else faq.title)
            assert faq.title.endswith("?") and faq.questions == (faq.title,)
            assert faq.id.startswith(prefix)
            # The answer is the paragraph right after its question, and only that one.
            assert "\n" not in faq.text and len(faq.text.split()) > 15
            question_at = raw.index(faq.title)
            assert raw.index(faq.text) - question_at - len(faq.title) in range(1, 5), faq.title
            assert faq.summary
    # "Yes." opening an answer is dropped from what is read out, not from the text.
    stretch = next(s for s in samples[NIGHT_CRAMPS].sections if s.title.startswith("Should I"))
    assert stretch.text.startswith("Yes. ") and stretch.summary.startswith("A slow, steady")


def test_the_sample_articles_sources_part_is_dropped(samples: dict[str, Document]) -> None:
    for name, doc in samples.items():
        assert "Sources" in (ARTICLES / name).read_text(encoding="utf-8"), name
        for section in doc.sections:
            assert ".txt" not in section.text and "Sources" not in section.path, section.id
    check_no_junk(all_sections(samples))


def test_sample_summaries_are_short_whole_sentences_from_the_section(
        samples: dict[str, Document]) -> None:
    check_summaries(all_sections(samples))


def test_a_sample_list_with_a_lead_in_is_read_out_as_one(
        samples: dict[str, Document]) -> None:
    by_title = {s.title: s for s in samples[NIGHT_CRAMPS].sections}
    medicines = by_title["Medicines Linked with Cramps"]
    assert medicines.text.count("\n") == 3   # the lead-in and three bullets
    summary = medicines.summary
    # The lead-in's colon goes, the bullets are joined and the last takes an "and".
    assert summary.startswith("Medicines that can bring on cramps in some people include "
                              "diuretics, ")
    assert summary.count("; ") == 2 and "; and some tablets for high blood pressure" in summary
    assert summary.endswith(".") and "\n" not in summary and ":" not in summary
    habits = by_title["Keeping Cramps Away"].summary
    assert habits.startswith("To make night cramps less likely, it helps to sip water")
    assert habits.count("; ") == 3 and habits.endswith("leafy greens.")


# The seed articles: an extra layer, run where ../shared is beside the checkout.

def test_all_five_seeds_parse_into_plausible_sections(seeds: dict[str, Document]) -> None:
    assert {name: len(doc.sections) for name, doc in seeds.items()}.keys() == SECTION_COUNTS.keys()
    for name, doc in seeds.items():
        assert len(doc.sections) in SECTION_COUNTS[name], (name, len(doc.sections))
        check_plausible_sections(name, doc)


def test_numbered_headings_keep_their_numbers_and_nesting(seeds: dict[str, Document]) -> None:
    sections = {s.heading: s for s in seeds[LEG_NUMBNESS].sections}
    symptoms = sections["2.2.3. Accompanying Symptoms"]
    assert symptoms.title == "Accompanying Symptoms"
    assert symptoms.questions == ("what are the accompanying symptoms",)
    assert len(symptoms.path) == 3 and symptoms.path[1] == "When to Seek Medical Attention"
    assert symptoms.id == "000-236902f35d5e36cc/accompanying-symptoms"


def test_plain_title_lines_group_the_headings_after_them(seeds: dict[str, Document]) -> None:
    cramps = {s.title: s for s in seeds["001_2bf8a98fa6391494.txt"].sections}
    assert cramps["Stretching"].path == ("Prevention and Treatment of Leg Cramps During Sleep",
                                        "Stretching")
    assert cramps["Medications and Side Effects"].text == ""
    # "Neuropathy" was glued onto the end of the paragraph before it.
    assert cramps["Neuropathy"].text.startswith("Neuropathy, or nerve damage")
    assert cramps["Peripheral Artery Disease"].text.endswith("treatment.")


def test_the_ten_faq_pairs_are_found_with_their_answers(seeds: dict[str, Document]) -> None:
    raw = (SEEDS / LEG_NUMBNESS).read_text(encoding="utf-8")
    faqs = [s for s in seeds[LEG_NUMBNESS].sections if s.kind == "faq"]
    assert len(faqs) == 10
    for number, faq in enumerate(faqs, start=1):
        assert faq.heading == f"{number}. {faq.title}"
        assert faq.title.endswith("?") and faq.questions == (faq.title,)
        assert faq.id.startswith("000-236902f35d5e36cc/faq-")
        # The answer is the paragraph right after its question, and only that one.
        assert "\n" not in faq.text and len(faq.text.split()) > 15
        question_at = raw.index(faq.title)
        assert raw.index(faq.text) - question_at - len(faq.title) in range(1, 5), faq.title
        assert faq.summary


def test_no_links_iframes_addresses_or_comment_threads_remain(
        seeds: dict[str, Document]) -> None:
    check_no_junk(all_sections(seeds))


def test_the_made_up_metrics_table_is_dropped(seeds: dict[str, Document]) -> None:
    assert not any("|" in s.text for s in all_sections(seeds))


def test_summaries_are_short_whole_sentences_from_the_section(
        seeds: dict[str, Document]) -> None:
    check_summaries(all_sections(seeds))


def test_a_section_that_is_only_a_list_is_read_out_as_one(
        seeds: dict[str, Document]) -> None:
    """No sentence of "Symptoms of Sciatica" stands alone, yet it is worth hearing."""
    by_title = {s.title: s for s in seeds[LEG_NUMBNESS].sections}
    sciatica = by_title["Symptoms of Sciatica"].summary
    # The lead-in's colon goes, the bullets are joined and the last takes an "and".
    assert sciatica.startswith("Besides numbness, sciatica can cause sharp,")
    assert sciatica.count("; ") == 2 and "; and muscle weakness" in sciatica
    assert sciatica.endswith(".") and "\n" not in sciatica
    vascular = by_title["Symptoms of Vascular Issues"].summary
    assert vascular.startswith("Symptoms of vascular issues: numbness")  # no lead-in
    asked = by_title["Questions to Ask Your Doctor"].summary
    assert asked.startswith("Questions to ask your doctor: What is")
    assert asked.count("?") == 5


def _curated_sources() -> list[tuple[str, str]]:
    kb = load_knowledge_base()
    sources = {(s.file, s.section) for i in kb.intents.values() for s in i.sources
               if not s.page}
    sources |= {(s.file, s.section) for r in kb.routines.values() for s in r.sources}
    return sorted(sources)


def _comparable(heading: str) -> str:
    text = re.sub(r"^\d+(?:\.\d+)*\.?\s+", "", heading.strip())
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.replace("\u201c", '"').replace("\u201d", '"').lower().split())


@pytest.mark.parametrize(
    ("file", "section"),
    [pytest.param(file, section, id=f"{file[:3]}:{section}")
     for file, section in _curated_sources()] if SEEDS.exists() else
    # Without the seeds one test, left out, stands for the lot.
    [pytest.param("", "", id="seeds-absent")])
def test_every_curated_source_names_a_section_the_parser_finds(
        seeds: dict[str, Document], file: str, section: str) -> None:
    # A long heading may be cited by its first words: the content must not copy ten
    # words of an article in a row, headings included.
    cited = _comparable(section)
    found = {_comparable(h) for s in seeds[file].sections for h in (s.heading, s.title)}
    assert any(h == cited or h.startswith(cited + " ") for h in found)


@pytest.mark.parametrize(("content", "problem"), [
    (b"", "empty"),
    (b"  \n\n ", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ("Crampe nocturne: \u00e9tirez le mollet.".encode("latin-1"), "not UTF-8"),
    ("heat pack".encode("utf-16"), "UTF-16"),
])
def test_bad_files_raise_one_line_naming_the_file(
        tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    with pytest.raises(DocumentError) as caught:
        parse_file(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and problem in message


def test_a_huge_or_missing_file_is_refused(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: no real 5 MB written
    with pytest.raises(DocumentError, match=r"huge\.txt: .*over the 5 MB limit"):
        parse_file(huge)
    with pytest.raises(DocumentError, match=r"gone\.txt: cannot be read"):
        parse_file(tmp_path / "gone.txt")


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Heat\n\nA warm towel relaxes a tight calf muscle.\n")
    (tmp_path / "b.txt").write_bytes(b"")
    (tmp_path / "c.md").write_text("# Cold\n\nIce wrapped in cloth numbs a sore spot.\n")
    built, errors = [], []
    for path in sorted(tmp_path.iterdir()):
        try:
            built.append(parse_file(path).file)
        except DocumentError as error:
            errors.append(str(error))
    assert built == ["a.txt", "c.md"] and len(errors) == 1 and "b.txt" in errors[0]


MARKDOWN = """\
# Night Cramps at Home

Most night cramps pass within a few minutes. Stretching the muscle helps it let go.

## Stretch the Calf

Pull your toes towards your knee and hold the stretch gently.

### Hold It

Keep holding until the muscle feels soft again.

## Warmth & Rest

- A warm towel relaxes the muscle.
* A hot shower can help as well.
  \u2022 Rest the leg on a pillow afterwards.
"""


def test_markdown_headings_and_each_kind_of_bullet() -> None:
    doc = parse_text(MARKDOWN, "home_care.md")
    assert doc.title == "Night Cramps at Home"
    by_title = {s.title: s for s in doc.sections}
    assert list(by_title) == ["Night Cramps at Home", "Stretch the Calf", "Hold It",
                              "Warmth & Rest"]
    assert by_title["Hold It"].path == ("Stretch the Calf", "Hold It")
    assert by_title["Hold It"].id == "home-care/hold-it"
    assert by_title["Warmth & Rest"].text.split("\n") == [
        "A warm towel relaxes the muscle.", "A hot shower can help as well.",
        "Rest the leg on a pillow afterwards."]


HTML = """\
<html><head><title>Heat</title><script>var tracking = 1;</script></head>
<body><nav><a href="/">Home</a> <a href="/about">About us</a></nav>
<article><h1>Heat &amp; Cramps</h1>
<p>Warmth relaxes a tight muscle &mdash; try a warm towel for ten minutes.</p>
<h2>How to Use Heat</h2>
<ul><li>Wrap the pack in a cloth, e.g. a tea towel.</li><li>Keep it on for a while.</li></ul>
<iframe src="https://ads.example.com/frame"></iframe>
<div class="share-buttons"><a href="https://facebook.com/share">Share on Facebook</a></div>
<div class="author-box">Written by a staff writer</div>
</article>
<footer>&copy; 2025 Example Inc., 12 Main Street, Springfield, IL 62701</footer>
</body></html>
"""


def test_html_ish_input_loses_tags_entities_iframes_and_furniture() -> None:
    doc = parse_text(HTML, "heat.html")
    assert [s.title for s in doc.sections] == ["Heat & Cramps", "How to Use Heat"]
    first, second = doc.sections
    assert first.text == "Warmth relaxes a tight muscle \u2014 try a warm towel for ten minutes."
    assert second.text.split("\n") == ["Wrap the pack in a cloth, e.g. a tea towel.",
                                       "Keep it on for a while."]
    everything = " ".join(s.text + s.summary for s in doc.sections)
    for junk in ("Home", "About", "tracking", "Share", "Facebook", "staff", "Main Street",
                 "<", "&amp;", "&copy;"):
        assert junk not in everything, junk
    assert "for example" in second.summary


SCRAPED = """\
[MAGAZINE](https://example.com/magazine)

# Restless Legs at Night

Author

[Jane Writer](https://example.com/jane)

May 1, 2024\\| 4 min read

[Sleep](https://example.com/tags/sleep) [Legs](https://example.com/tags/legs)

Restless legs make you want to move them, mostly in the evening. Walking eases the urge \
for a while; see [our guide](https://example.com/guide) for more.

<iframe src="https://tracker.example.com/pixel"></iframe>

## Easing the Urge

Massage the calves before bed. Visit our website at example.com for more tips. \
Call us on +1 (555) 010-2000 or write to help@example.com.

## Related Articles

- [Cramps explained](https://example.com/cramps)
- [Sleep hygiene](https://example.com/sleep)

Comments

Leave a Reply

Great article, thanks!
"""


def test_scraped_markdown_loses_links_bylines_contacts_and_comments() -> None:
    doc = parse_text(SCRAPED, "rls.md")
    assert [s.title for s in doc.sections] == ["Restless Legs at Night", "Easing the Urge"]
    intro, easing = doc.sections
    assert intro.text.endswith("see our guide for more.")
    assert easing.text == "Massage the calves before bed."
    for section in doc.sections:
        assert not JUNK.search(section.text) and "Jane" not in section.text
        assert "min read" not in section.text and "Great article" not in section.text


PLAIN = """\
Cramp Basics
Cramps are sudden tightenings of a muscle and they usually pass on their own.
Causes
Tired Muscles
Muscles that worked hard during the day cramp more easily at night.
Low Fluids
Too little to drink can make cramps more likely.
Relief
What Helps Most
Stretching the tight muscle slowly is the quickest relief.
"""


def test_plain_text_title_lines_and_their_grouping() -> None:
    doc = parse_text(PLAIN, "basics.txt")
    paths = [s.path for s in doc.sections]
    assert paths == [("Cramp Basics",), ("Causes",), ("Causes", "Tired Muscles"),
                     ("Causes", "Low Fluids"), ("Relief",), ("Relief", "What Helps Most")]
    assert doc.sections[1].text == "" and doc.sections[1].kind == "section"


FAQ = """\
## Frequently Asked Questions

### Does heat help a cramp?

Yes. Warmth relaxes the muscle, so a warm towel can ease it.

**Q: Should I stretch during a cramp?**

A: Yes, gently. Pull the toes up towards the knee.

## Sources

A list of places.
"""


def test_markdown_faq_pairs() -> None:
    doc = parse_text(FAQ, "faq.md")
    faqs = [s for s in doc.sections if s.kind == "faq"]
    assert [f.title for f in faqs] == ["Does heat help a cramp?",
                                       "Should I stretch during a cramp?"]
    assert faqs[1].text == "Yes, gently. Pull the toes up towards the knee."
    assert faqs[0].id == "faq/faq-does-heat-help-a-cramp"
    assert not any(s.title == "Sources" for s in doc.sections)


def test_repeated_headings_get_distinct_ids() -> None:
    text = ("Guide\n\n1. Heat\n\nWarmth helps a tight muscle.\n\n2. Rest\n\nLie still a while."
            "\n\n2.1. Heat\n\nA warm bath helps too.\n")
    ids = [s.id for s in parse_text(text, "Guide_Two.txt").sections]
    assert ids == ["guide-two/heat", "guide-two/rest", "guide-two/heat-2"]


@pytest.mark.parametrize(("title", "questions"), [
    ("Accompanying Symptoms", ("what are the accompanying symptoms",)),
    ("Causes of Sciatica", ("what are the causes of sciatica",)),
    ("What Is Peripheral Neuropathy?", ("what is peripheral neuropathy",)),
    ("Change Positions Frequently", ("how do i change positions frequently",)),
    ("Adjust Your Chair", ("how do i adjust my chair",)),
    ("Managing Spinal Stenosis", ("how do i manage spinal stenosis",)),
    ("Understanding the Sciatic Nerve", ("what is the sciatic nerve",)),
    ("Leg Pain When Sleeping: Causes", ("what are the causes of leg pain when sleeping",)),
    ("Multiple Sclerosis (MS)", ("what is multiple sclerosis",)),
    ("Impact of Fluid Intake", ("what is the impact of fluid intake",)),
    ("Key Takeaways", ()),
])
def test_headings_become_questions(title: str, questions: tuple[str, ...]) -> None:
    assert question_forms(title) == questions


@pytest.mark.parametrize(("text", "spoken"), [
    ("Hold it for 15-30 seconds (PAD).", "Hold it for 15 to 30 seconds."),
    ("Use heat, e.g. a towel & a pillow.", "Use heat, for example a towel and a pillow."),
    ("About 5% of people use ice/heat.", "About 5 percent of people use ice or heat."),
    ("Additionally, rest helps.", "Rest helps."),
])
def test_speakable_writes_out_what_reads_badly(text: str, spoken: str) -> None:
    assert speakable(text) == spoken
