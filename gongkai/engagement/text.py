"""Plain text from what the public types: checked, HTML stripped, bounded.

`plain(value, max_length=…, label=…)` refuses a NUL or a lone surrogate and over-long input
with gongkai.validation's Chinese sentences, removes every HTML tag (nh3 with no allowed tag,
then the entities it leaves are turned back into characters: the text is stored and shown as
text, and Django's templates escape it on the way out), normalises line ends and trims.
"""

from __future__ import annotations

import html
from typing import Any

import nh3

from gongkai import validation


def plain(value: Any, *, max_length: int, label: Any = None) -> str:
    text = validation.check_text(value, max_length=max_length, label=label)
    if "<" in text or "&" in text:
        text = html.unescape(nh3.clean(text, tags=set()))
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    # Unescaping cannot lengthen the text, nor bring back a NUL (nh3 drops it): check anyway.
    return validation.check_text(text, max_length=max_length, label=label)
