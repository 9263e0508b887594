"""What the applicant does next, per state of an application: the dashboard's last column.
Portal copy, no rule: who may do what is the lifecycle's (``core.lifecycle``) business."""

from collections.abc import Mapping
from types import MappingProxyType

from grants.core.lifecycle import STATE_LABELS, State
from grants.web.templating import N_, local, translate

NEXT_STEP: Mapping[State, str] = MappingProxyType(
    {
        State.DRAFT: N_("Entwurf vervollständigen und vor Ablauf der Frist einreichen"),
        State.SUBMITTED: N_("Nichts zu tun: Die Bewilligungsstelle prüft den Eingang"),
        State.FORMAL_CHECK: N_("Nichts zu tun: Die Formalprüfung läuft"),
        State.INFORMATION_REQUESTED: N_("Nachforderung beantworten – Frist beachten"),
        State.FORMALLY_REJECTED: N_("Bescheid lesen; Rechtsbehelfsbelehrung beachten"),
        State.IN_REVIEW: N_("Nichts zu tun: Die Skizze wird bewertet"),
        State.REVIEWED: N_("Nichts zu tun: Die Jury berät"),
        State.JURY_DECIDED: N_("Nichts zu tun: Die Bewilligungsstelle teilt das Ergebnis mit"),
        State.INVITED: N_("Förmlichen Antrag stellen – Frist in der Aufforderung"),
        State.NOT_SELECTED: N_("Keine weiteren Schritte"),
        State.WITHDRAWN: N_("Keine weiteren Schritte"),
        State.DISCARDED: N_("Keine weiteren Schritte"),
        State.APPLICATION_DRAFT: N_("Förmlichen Antrag vervollständigen und einreichen"),
        State.APPLICATION_SUBMITTED: N_("Nichts zu tun: Der Antrag ist eingegangen"),
        State.APPLICATION_CHECK: N_("Nichts zu tun: Der Antrag wird geprüft"),
        State.APPLICATION_INFORMATION_REQUESTED: N_("Nachforderung zum Antrag beantworten"),
        State.APPROVED: N_("Bescheid lesen; Mittel abrufen, Verwendung nachweisen"),
        State.PARTIALLY_APPROVED: N_("Bescheid lesen; Mittel abrufen, Verwendung nachweisen"),
        State.REJECTED: N_("Bescheid lesen; Rechtsbehelfsbelehrung beachten"),
    }
)


def status_label(status: str) -> str:
    """In the page's language (called while a page renders); the English labels are written
    for running text ("draft"), a table cell starts with a capital."""
    label = local(STATE_LABELS[State(status)])
    return label[:1].upper() + label[1:]


def next_step(status: str) -> str:
    return translate(NEXT_STEP[State(status)])
