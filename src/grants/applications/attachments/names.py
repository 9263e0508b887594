"""Display names of attachments (``http.downloads`` builds the ``Content-Disposition`` that
carries them).

The user's filename is only ever a label: it is shown and offered as the download name, never
used as a path (storage keys are chosen by the server). Still, it is cleaned so that nothing
a browser, a mail client or a spreadsheet of the Förderstelle might interpret survives:
directories, control and bidi-override characters, reserved punctuation, misleading
extensions. All letters are kept (German umlauts, but also the é of a French partner), since
the header carries them percent-encoded and an ASCII fallback exists for old clients.
"""

import re
import unicodedata

from grants.applications.attachments.filetypes import EXTENSIONS

MAX_NAME_LENGTH = 100
DEFAULT_STEM = "anhang"

_KEPT_PUNCTUATION = frozenset(".-_")
_OLD_EXTENSION = re.compile(r"^(?P<stem>.*)\.[A-Za-z]{1,5}$")
_EDGE = " ._-"


def _cleaned_char(char: str) -> str:
    category = unicodedata.category(char)
    if category[0] == "L" or category == "Nd" or char in _KEPT_PUNCTUATION:
        return char
    if category in {"Zs", "Zl", "Zp"}:
        return " "
    if category[0] in {"C", "M"}:  # control, format (bidi overrides, zero width), marks
        return ""
    return "_"


def display_name(raw: str | None, media_type: str) -> str:
    """A safe, readable name ending in the extension of the *detected* type."""
    extension = EXTENSIONS[media_type]
    text = unicodedata.normalize("NFC", raw or "")
    # Only the last path segment, whichever separator the client's system uses.
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(_cleaned_char(char) for char in text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"_+", "_", text)
    text = re.sub(r"\.{2,}", ".", text).strip()
    old = _OLD_EXTENSION.match(text)
    stem = (old.group("stem") if old else text).strip(_EDGE)
    stem = stem[: MAX_NAME_LENGTH - len(extension)].rstrip(_EDGE)
    return (stem or DEFAULT_STEM) + extension
