"""German wording for every validation message that reaches a client, so that every endpoint's
422 reads the same: "Pflichtfeld fehlt (Field required)". Two sources: Pydantic's errors (request
bodies; the rule name stays Pydantic's own, stable and machine-readable) and msgspec's, which
Litestar produces for query, path and header parameters ("Expected `int` <= 100"); those get
the rule name Pydantic would have used. The English original follows in brackets."""

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Template = str | Callable[[Mapping[str, Any]], str]


def _ambiguous_amount(ctx: Mapping[str, Any]) -> str:
    text = "Mehrdeutiger Betrag „{value}“; erwartet: {expected} – ohne Tausendertrennzeichen, "
    text += "Punkt nur vor den Cent"
    return text + ("; {other}, falls das gemeint ist" if ctx.get("other") else "")


_GERMAN: Mapping[str, Template] = {
    "missing": "Pflichtfeld fehlt",
    "extra_forbidden": "Feld hier nicht erlaubt: unbekannt oder nicht änderbar",
    "string_type": "Text erwartet",
    "string_too_short": "Zu kurz: mindestens {min_length} Zeichen",
    "string_too_long": "Zu lang: höchstens {max_length} Zeichen",
    "string_pattern_mismatch": "Ungültiges Format",
    "too_short": "Zu wenige Einträge: mindestens {min_length}",
    "too_long": "Zu viele Einträge: höchstens {max_length}",
    "list_type": "Liste erwartet",
    "dict_type": "Objekt erwartet",
    "model_type": "Objekt erwartet",
    "model_attributes_type": "Objekt erwartet",
    "bool_type": "Ja/Nein (true/false) erwartet",
    "bool_parsing": "Ja/Nein (true/false) erwartet",
    "int_type": "Ganze Zahl erwartet",
    "int_parsing": "Ganze Zahl erwartet",
    "int_from_float": "Ganze Zahl erwartet",
    "float_type": "Zahl erwartet",
    "float_parsing": "Zahl erwartet",
    "finite_number": "Endliche Zahl erwartet",
    "multiple_of": "Muss ein Vielfaches von {multiple_of} sein",
    "decimal_type": 'Betrag erwartet, z. B. "1250.00"',
    "decimal_parsing": 'Betrag erwartet, z. B. "1250.00"',
    "decimal_max_places": "Höchstens {decimal_places} Nachkommastellen",
    "decimal_max_digits": "Zu viele Stellen: höchstens {max_digits}",
    "decimal_whole_digits": "Zu viele Stellen vor dem Komma",
    "ambiguous_amount": _ambiguous_amount,
    "greater_than": "Muss größer als {gt} sein",
    "greater_than_equal": "Muss mindestens {ge} sein",
    "less_than": "Muss kleiner als {lt} sein",
    "less_than_equal": "Darf höchstens {le} sein",
    "date_type": "Datum erwartet im Format JJJJ-MM-TT",
    "date_parsing": "Datum erwartet im Format JJJJ-MM-TT",
    "date_from_datetime_parsing": "Datum erwartet im Format JJJJ-MM-TT",
    "date_from_datetime_inexact": "Datum ohne Uhrzeit erwartet, Format JJJJ-MM-TT",
    "datetime_type": "Zeitpunkt mit Zeitzone erwartet, ISO 8601",
    "datetime_parsing": "Zeitpunkt mit Zeitzone erwartet, ISO 8601",
    "datetime_from_date_parsing": "Zeitpunkt mit Zeitzone erwartet, ISO 8601",
    "datetime_without_time": "Nur ein Datum; bitte Uhrzeit und Zeitzone angeben, z. B. {example}",
    "timezone_aware": "Zeitpunkt mit Zeitzone erwartet, z. B. 2027-01-15T23:59:59+01:00",
    "time_type": "Uhrzeit erwartet, Format HH:MM:SS",
    "time_parsing": "Uhrzeit erwartet, Format HH:MM:SS",
    "uuid_type": "Kennung (UUID) erwartet",
    "uuid_parsing": "Kennung (UUID) erwartet",
    "url_type": "Adresse (URL) erwartet",
    "url_parsing": "Adresse (URL) erwartet",
    "url_scheme": "Adresse (URL) mit erlaubtem Schema erwartet",
    "enum": "Unbekannter Wert; erlaubt: {expected}",
    "literal_error": "Unbekannter Wert; erlaubt: {expected}",
    "union_tag_invalid": "Unbekannte Art; erlaubt: {expected_tags}",
    "union_tag_not_found": "Angabe der Art fehlt: {discriminator}",
    "value_error": "Ungültiger Wert",
    "assertion_error": "Ungültiger Wert",
    "json_invalid": "Kein gültiges JSON",
    "json_type": "Gültiges JSON erwartet",
    "value_error.email": "Keine gültige E-Mail-Adresse",
    "unknown": "Ungültiger Wert",
}

# Pydantic lists the allowed values in English ("'gross' or 'net'").
_OR = re.compile(r"' or '")


def _context(rule: str, context: Mapping[str, Any] | None) -> dict[str, Any]:
    values = dict(context or {})
    for key in ("expected", "expected_tags"):
        if isinstance(values.get(key), str):
            values[key] = _OR.sub("' oder '", values[key])
    return values


def german(rule: str, english: str, context: Mapping[str, Any] | None = None) -> str:
    """``Deutsch (English)``. A rule without German words gets the generic "Ungültiger Wert"
    first, so that no message reaches a client in English alone."""
    template = _GERMAN.get(rule, _GERMAN["unknown"])
    values = _context(rule, context)
    if callable(template):
        template = template(values)
    try:
        text = template.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError):
        text = template.split(":")[0].split(";")[0]
    return f"{text} ({english})"


# msgspec's messages for parameters (query, path, header), as Litestar passes them on: the
# rule Pydantic would name and the context its German template needs.
_MSGSPEC: Sequence[tuple[re.Pattern[str], str, Callable[[re.Match[str]], dict[str, str]]]] = (
    (re.compile(r"Invalid enum value '(.*)'"), "enum", lambda m: {"value": m[1]}),
    (
        re.compile(r"Expected `str` of length >= (\d+)"),
        "string_too_short",
        lambda m: {"min_length": m[1]},
    ),
    (
        re.compile(r"Expected `str` of length <= (\d+)"),
        "string_too_long",
        lambda m: {"max_length": m[1]},
    ),
    (re.compile(r"Expected `str` matching regex"), "string_pattern_mismatch", lambda m: {}),
    (re.compile(r"Expected `\w+` >= (\S+)"), "greater_than_equal", lambda m: {"ge": m[1]}),
    (re.compile(r"Expected `\w+` > (\S+)"), "greater_than", lambda m: {"gt": m[1]}),
    (re.compile(r"Expected `\w+` <= (\S+)"), "less_than_equal", lambda m: {"le": m[1]}),
    (re.compile(r"Expected `\w+` < (\S+)"), "less_than", lambda m: {"lt": m[1]}),
    (re.compile(r"Expected `int`"), "int_parsing", lambda m: {}),
    (re.compile(r"Expected `(?:float|number)`"), "float_parsing", lambda m: {}),
    (re.compile(r"Expected `bool`"), "bool_parsing", lambda m: {}),
    (re.compile(r"Expected `array`"), "list_type", lambda m: {}),
    (re.compile(r"Expected `str`"), "string_type", lambda m: {}),
    (re.compile(r"Invalid UUID"), "uuid_parsing", lambda m: {}),
    (re.compile(r"Invalid decimal string"), "decimal_parsing", lambda m: {}),
    (re.compile(r"Invalid RFC3339 encoded datetime"), "datetime_parsing", lambda m: {}),
    (re.compile(r"Invalid RFC3339 encoded date"), "date_parsing", lambda m: {}),
    (re.compile(r"Invalid RFC3339 encoded time"), "time_parsing", lambda m: {}),
)


def parameter_problem(message: str, allowed: Sequence[str] = ()) -> tuple[str, str]:
    """(rule, German message) for msgspec's text about a parameter; ``allowed`` lists the
    values of an enum or literal parameter, named in the message."""
    for pattern, rule, context_of in _MSGSPEC:
        if match := pattern.match(message):
            context = context_of(match)
            if rule == "enum":
                listed = ", ".join(allowed) if allowed else "siehe API-Dokumentation"
                return rule, f"Unbekannter Wert „{context['value']}“; erlaubt: {listed} ({message})"
            return rule, german(rule, message, context)
    return "invalid", german("unknown", message)


# ---- one language rule for every text a problem carries: German first, English after ----

_GERMAN_MARK = re.compile(
    r"[äöüÄÖÜß„“]|\b(?:der|die|das|den|dem|des|ist|sind|nicht|kein|keine|und|oder|mit|bitte|"
    r"fehlt|angeben|für|nur|noch|schon|wird|wurde|werden|kann|muss|darf|ein|eine|einen|"
    r"zum|zur|im|vom|bei|nach|erlaubt|ungültig|unbekannt|erwartet|gefunden|zu|Anhang|Antrag|"
    r"Frist|Anfrage|Wert|Zeichen|Betrag|Zahl)\b",
    re.IGNORECASE,
)
_PARENTHESISED = re.compile(r"\(([^()]*)\)")
_ENGLISH_LAST = re.compile(r"\)[\s.;:!]*(?:see errors\.?)?$")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

_STATUS_GERMAN: Mapping[int, str] = {
    400: "Ungültige Anfrage",
    401: "Anmeldung erforderlich",
    403: "Nicht erlaubt",
    404: "Nicht gefunden",
    405: "Methode nicht erlaubt",
    406: "Antwortformat nicht lieferbar",
    409: "Widerspricht dem aktuellen Stand",
    412: "Veraltete Version",
    413: "Zu groß",
    415: "Format nicht unterstützt",
    422: "Ungültige Eingabe",
    428: "If-Match fehlt",
    429: "Zu viele Anfragen",
    500: "Interner Fehler",
    503: "Dienst nicht verfügbar",
}


def _is_german(text: str) -> bool:
    return bool(_GERMAN_MARK.search(text))


def _has_english(text: str) -> bool:
    """A bracketed part in English: letters and none of German's marks."""
    return any(
        _LATIN_WORD.search(inner) and not _is_german(inner)
        for inner in _PARENTHESISED.findall(text)
    )


def status_german(status: int) -> str:
    return _STATUS_GERMAN.get(status, _STATUS_GERMAN[500 if status >= 500 else 400])


def bilingual(text: str, *, german_fallback: str, english_fallback: str) -> str:
    """``text`` in the one form every message has: German first, English in brackets. Texts
    already in both languages are returned unchanged; German alone gets ``english_fallback``
    appended, English alone (or words that are no language, such as a signature name) gets
    ``german_fallback`` put in front. A net under the problem builder, so a service's
    monolingual message still reaches the client in both languages; the better words belong
    in the service."""
    stripped = text.strip()
    if not stripped:
        return f"{german_fallback} ({english_fallback})"
    german, english = _is_german(stripped), _has_english(stripped)
    # Our own form, "Deutsch (English)", ends with the English in brackets (maybe followed
    # by punctuation or "; see errors"): trusted even where the German has no common word.
    ends_in_english = english and bool(_ENGLISH_LAST.search(stripped))
    if english and (german or ends_in_english):
        return text
    if german:
        return f"{stripped} ({english_fallback})"
    return f"{german_fallback} ({stripped})"


def rule_english(rule: str) -> str:
    """``not_confirmed`` → ``not confirmed``: the rule's name says in English what was wrong."""
    return rule.replace("_", " ").replace("-", " ").strip() or "invalid"


_RULE_GERMAN: Mapping[str, str] = {
    "malware_found": "Schadsoftware gefunden",
    "unavailable": "Nicht verfügbar",
    "reused": "Schon verwendet",
    "empty": "Leer",
    "required": "Pflichtangabe fehlt",
    "invalid": "Ungültiger Wert",
}


def rule_german(rule: str) -> str:
    """A German label for a rule, for a message that has none: the rule's own template where
    it needs no context, else a plain "Ungültiger Wert"."""
    if rule in _RULE_GERMAN:
        return _RULE_GERMAN[rule]
    template = _GERMAN.get(rule)
    if isinstance(template, str) and "{" not in template:
        return template
    return "Ungültiger Wert"
