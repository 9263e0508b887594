"""German wording for Pydantic's validation errors, so that every endpoint's 422 reads the
same: "Pflichtfeld fehlt (Field required)". The rule name stays Pydantic's own (stable and
machine-readable); the English original follows in brackets."""

from collections.abc import Mapping
from typing import Any

_GERMAN: Mapping[str, str] = {
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
    "bool_type": "Ja/Nein (true/false) erwartet",
    "bool_parsing": "Ja/Nein (true/false) erwartet",
    "int_type": "Ganze Zahl erwartet",
    "int_parsing": "Ganze Zahl erwartet",
    "int_from_float": "Ganze Zahl erwartet",
    "decimal_type": 'Betrag erwartet, z. B. "1250.00"',
    "decimal_parsing": 'Betrag erwartet, z. B. "1250.00"',
    "decimal_max_places": "Höchstens {decimal_places} Nachkommastellen",
    "decimal_max_digits": "Zu viele Stellen: höchstens {max_digits}",
    "decimal_whole_digits": "Zu viele Stellen vor dem Komma",
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
    "timezone_aware": "Zeitpunkt mit Zeitzone erwartet, ISO 8601",
    "uuid_type": "Kennung (UUID) erwartet",
    "uuid_parsing": "Kennung (UUID) erwartet",
    "enum": "Unbekannter Wert; erlaubt: {expected}",
    "literal_error": "Unbekannter Wert; erlaubt: {expected}",
    "value_error": "Ungültiger Wert",
    "assertion_error": "Ungültiger Wert",
    "json_invalid": "Kein gültiges JSON",
    "value_error.email": "Keine gültige E-Mail-Adresse",
}


def german(rule: str, english: str, context: Mapping[str, Any] | None = None) -> str:
    """``Deutsch (English)``; unknown rules keep the English text alone."""
    template = _GERMAN.get(rule)
    if template is None:
        return english
    try:
        text = template.format(**(context or {}))
    except (KeyError, IndexError, ValueError):
        text = template.split(":")[0]
    return f"{text} ({english})"
