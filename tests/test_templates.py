import pytest

from voiceguide.kb.templates import TemplateError, expand


@pytest.mark.parametrize(("template", "sentences"), [
    ("my calf", ["my calf"]),
    ("[my] calf", ["my calf", "calf"]),
    ("(charley|charlie) horse", ["charley horse", "charlie horse"]),
    ("cramp in my [(left|right)] leg",
     ["cramp in my left leg", "cramp in my right leg", "cramp in my leg"]),
])
def test_expand(template: str, sentences: list[str]) -> None:
    assert expand(template) == sentences


@pytest.mark.parametrize("template", ["(a|b", "a)", "[a", "((a|b)(c|d)(e|f)(g|h)(i|j)(k|l)(m|n))"])
def test_bad_templates_are_refused(template: str) -> None:
    with pytest.raises(TemplateError):
        expand(template)
