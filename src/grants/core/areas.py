"""Area categories (*Raumkategorien*) of Saxony's state development plan, the
Landesentwicklungsplan 2013 (LEP 2013, section 1.2 and map 1). LEP 2013 assigns each whole
municipality to one of them.

LEP 2013 has two categories, *Verdichtungsraum* and *ländlicher Raum*. Within the ländlicher
Raum it marks *verdichtete Bereiche*. Those areas are still part of the ländlicher Raum, so
they count as rural. We store all three, so that a guideline that treats the verdichtete
Bereiche differently can tell them apart.

Standard library only: the eligibility engine imports this module and must stay pure.
"""

from enum import StrEnum


class AreaCategory(StrEnum):
    VERDICHTUNGSRAUM = "verdichtungsraum"
    VERDICHTETER_BEREICH_IM_LAENDLICHEN_RAUM = "verdichteter_bereich_im_laendlichen_raum"
    LAENDLICHER_RAUM = "laendlicher_raum"

    @property
    def label(self) -> str:
        """The category's name as LEP 2013 writes it, for letters and messages."""
        return _LABELS[self]


class AreaCategorySource(StrEnum):
    """Where a municipality's area category comes from: checked in LEP 2013 map 1, or an
    assumption (derived from other data, or read off the map without a check). A category
    from an assumption is never shown to a user as fact."""

    LEP2013 = "lep2013"
    ASSUMED = "assumed"


_LABELS = {
    AreaCategory.VERDICHTUNGSRAUM: "Verdichtungsraum",
    AreaCategory.VERDICHTETER_BEREICH_IM_LAENDLICHEN_RAUM: (
        "verdichteter Bereich im ländlichen Raum"
    ),
    AreaCategory.LAENDLICHER_RAUM: "ländlicher Raum",
}

RURAL_CATEGORIES = frozenset(
    {AreaCategory.LAENDLICHER_RAUM, AreaCategory.VERDICHTETER_BEREICH_IM_LAENDLICHEN_RAUM}
)


def is_rural(category: AreaCategory) -> bool:
    """True for the ländlicher Raum, including its verdichtete Bereiche."""
    return category in RURAL_CATEGORIES
