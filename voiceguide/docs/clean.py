"""What is not article content, recognised line by line and sentence by sentence.

Scraped pages keep their furniture as text: link syntax, navigation made of links,
author boxes, bylines, share buttons, adverts, calls to action, contact details and
comment threads. None of it may reach a spoken answer, so it is removed here with
patterns that name what they catch; everything else is left as the author wrote it.
"""

from __future__ import annotations

import html
import re

from voiceguide.sentences import split_sentences

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?[^)\s>]*>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_LINK_DEFINITION = re.compile(r"^\s*\[[^\]]+\]:\s*\S+")
_URL = re.compile(r"<?\b(?:https?://|www\.)[^\s<>)\]]+>?", re.IGNORECASE)
_LINK_TEXT_ACROSS_LINES = re.compile(r"\[([^\[\]]{0,500})\]\(")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_EMBED = re.compile(r"<(script|style|iframe|noscript)\b.*?(?:</\1\s*>|$)", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][\w-]*(?:\s[^<>]*)?/?>")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

_DOMAIN = re.compile(
    r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|edu|gov|io|ai|co|uk|vn|info|biz|us|"
    r"ca|au|de|fr|in|health)\b(?!\.\w)", re.IGNORECASE)
_ATTRIBUTION = re.compile(
    r",?\s*(?:explains|explain|says|say|notes|note|according to)\s+[^,.;]*?"
    + _DOMAIN.pattern + r"[^,.;]*", re.IGNORECASE)

_CONTACT = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.-]+"                                   # e-mail address
    r"|\+\d[\d\s().-]{6,}\d|\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b"  # phone number
    r"|\b\d{1,6}\s+(?:[A-Z][\w'.-]*\s+){0,4}(?:Street|St|Lane|Ln|Road|Rd|Avenue|Ave|"
    r"Boulevard|Blvd|Drive|Dr|Way|Court|Ct|Place|Pl|Square|Sq|Highway|Hwy|Parkway|Suite)\b"
    r"|\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b"                           # US state and ZIP code
    r"|\bP\.?\s?O\.?\s+Box\b"
    r"|^\W*(?i:address|phone|tel|telephone|fax|e-?mail|whatsapp|website|web|trang web|"
    r"contact|hotline)\s*:")
"""Addresses, phone numbers and e-mail: never advice, and never to be read aloud."""

_CALL_TO_ACTION = re.compile(
    r"\b(?:click|tap) here\b|\bcheck out (?:the|our|this) (?:article|post|guide|page|site)"
    r"|\bread more\b|\bsign up\b|\bsubscribe\b|\bcontact us\b|\breach out to\b"
    r"|\bvisit (?:our|the) (?:website|site|page)|\bfollow us\b|\bshare (?:this|on)\b"
    r"|\binstant answer\b|\btry [\w ]{1,30} for free\b|\bdownload (?:our|the) app\b"
    r"|\blet us help\b|\bfor further reading\b|\bto learn more\b|\blearn more (?:about|at|here)"
    r"|\bnot intended to be a substitute\b|\bsubmit (?:it|your question) here\b",
    re.IGNORECASE)
"""Adverts and invitations to click, visit, sign up or ask the site's own tool."""

_JUNK_LINE = re.compile(
    r"^(?:advertisement|sponsored(?: content)?|ads?|continue reading(?: below)?|ask question"
    r"|skip to (?:main )?content|menu|search|home|back to top|print|email|share"
    r"|share this(?: article| post| page)?|tweet|pin it|facebook|twitter|instagram|linkedin"
    r"|pinterest|whatsapp|reddit|telegram|youtube|tiktok)\W*$"
    r"|^(?:author|authors|written by|reviewed by|medically reviewed by|fact[- ]checked by"
    r"|posted by|published(?: on)?|updated(?: on)?|by)\b[^.!?]{0,50}$"
    r"|\b\d+\s+min(?:ute)?s?\s+read\b|©|\bcopyright\b|\ball rights reserved\b"
    r"|^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}\W*$",
    re.IGNORECASE)
"""Whole lines that are page furniture: ads, share buttons, bylines, dates, copyright."""

_FURNITURE_LENGTH = 200
"""Characters; bylines, buttons, copyright lines and comment headings are short, so
longer lines (most of an article) skip the furniture patterns."""

_COMMENT_WORDS = re.compile(r"comment|repl|respons|discussion", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_TWO_LETTERS = re.compile(r"[^\W\d_]{2}")

_COMMENTS = re.compile(
    r"^(?:\d+\s+)?(?:comments?|responses|replies)\W*$|^(?:leave|post|add|write) a "
    r"(?:reply|comment)\b|^no comments yet\b|^(?:join|start) the discussion\b",
    re.IGNORECASE)


def join_split_links(text: str) -> str:
    """Put link texts that the scraper broke over several lines back on one line, so
    that a card of links is seen as one navigation line."""
    return _LINK_TEXT_ACROSS_LINES.sub(
        lambda m: "[" + " ".join(m.group(1).replace("\\", " ").split()) + "](", text)


def starts_comments(line: str) -> bool:
    """Whether the line opens a comment thread; nothing after it is article text."""
    if len(line) > _FURNITURE_LENGTH or not _COMMENT_WORDS.search(line):
        return False
    return _COMMENTS.match(strip_markup(line).strip()) is not None


def navigation_chars(line: str) -> int:
    """Characters of link text when the line is only links (a menu, tag list, table of
    contents or tracking iframe), else 0."""
    if _LINK_DEFINITION.match(line):
        return len(line.strip())
    if not (_LINK.search(line) or _IMAGE.search(line)):
        return 0
    if re.search(r"\w", _ESCAPE.sub("", _LINK.sub("", _IMAGE.sub("", line)))):
        return 0
    return max(1, sum(len(m.group(1)) for m in _LINK.finditer(_IMAGE.sub("img", line))))


def strip_markup(line: str) -> str:
    """The line's words without link syntax, bare URLs, stray HTML tags and embeds,
    emphasis marks, escapes or HTML entities."""
    line = _TAG.sub("", _EMBED.sub("", line))
    line = _IMAGE.sub("", line)
    line = _LINK.sub(r"\1", line)
    line = _REFERENCE_LINK.sub(r"\1", line)
    line = _URL.sub("", line)
    line = _EMPHASIS.sub(lambda m: m.group(2) or m.group(3), line)
    line = _ESCAPE.sub(r"\1", line)
    line = _INVISIBLE.sub("", html.unescape(line)).replace("\u00a0", " ")
    return re.sub(r"[ \t]+", " ", line).rstrip()


def is_junk_line(line: str) -> bool:
    """Whether a whole (already stripped) line is page furniture."""
    line = line.strip()
    return len(line) <= _FURNITURE_LENGTH and _JUNK_LINE.search(line) is not None


def drop_junk_sentences(text: str) -> str:
    """The text without sentences that give contact details, name the site or ask the
    reader to click; a sentence's attribution to the site ("explains X.com experts")
    is cut rather than the fact it states."""
    if _DOMAIN.search(text):
        text = _ATTRIBUTION.sub("", text)
    kept = []
    for sentence in split_sentences(text):
        # Contact details all hold a digit, an "@" or a "Label:"; most sentences don't,
        # and skipping the costly pattern for them keeps big files quick.
        maybe_contact = "@" in sentence or ":" in sentence or _DIGIT.search(sentence)
        if (maybe_contact and _CONTACT.search(sentence)) or _CALL_TO_ACTION.search(sentence):
            continue
        if _DOMAIN.search(sentence) or not _TWO_LETTERS.search(sentence):
            continue  # a site name, or a stray initial the scraper left ("D.")
        kept.append(sentence)
    return " ".join(kept)
