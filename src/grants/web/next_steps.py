"""What the applicant does next, per state of an application: the dashboard's last column.
Portal copy, no rule: who may do what is the lifecycle's (``core.lifecycle``) business."""

from collections.abc import Mapping
from types import MappingProxyType

from grants.core.lifecycle import STATE_LABELS, State

NEXT_STEP: Mapping[State, str] = MappingProxyType(
    {
        State.DRAFT: "Entwurf vervollständigen und vor Ablauf der Frist einreichen",
        State.SUBMITTED: "Nichts zu tun: Die Bewilligungsstelle prüft den Eingang",
        State.FORMAL_CHECK: "Nichts zu tun: Die Formalprüfung läuft",
        State.INFORMATION_REQUESTED: "Nachforderung beantworten – Frist beachten",
        State.FORMALLY_REJECTED: "Bescheid lesen; Rechtsbehelfsbelehrung beachten",
        State.IN_REVIEW: "Nichts zu tun: Die Skizze wird bewertet",
        State.REVIEWED: "Nichts zu tun: Die Jury berät",
        State.JURY_DECIDED: "Nichts zu tun: Die Bewilligungsstelle teilt das Ergebnis mit",
        State.INVITED: "Förmlichen Antrag stellen – Frist in der Aufforderung",
        State.NOT_SELECTED: "Keine weiteren Schritte",
        State.WITHDRAWN: "Keine weiteren Schritte",
        State.DISCARDED: "Keine weiteren Schritte",
        State.APPLICATION_DRAFT: "Förmlichen Antrag vervollständigen und einreichen",
        State.APPLICATION_SUBMITTED: "Nichts zu tun: Der Antrag ist eingegangen",
        State.APPLICATION_CHECK: "Nichts zu tun: Der Antrag wird geprüft",
        State.APPLICATION_INFORMATION_REQUESTED: "Nachforderung zum Antrag beantworten",
        State.APPROVED: "Bescheid lesen; Mittel abrufen, Verwendung nachweisen",
        State.PARTIALLY_APPROVED: "Bescheid lesen; Mittel abrufen, Verwendung nachweisen",
        State.REJECTED: "Bescheid lesen; Rechtsbehelfsbelehrung beachten",
    }
)


def status_label(status: str) -> str:
    return STATE_LABELS[State(status)].de


def next_step(status: str) -> str:
    return NEXT_STEP[State(status)]
