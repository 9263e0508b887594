"""Where an award stands after its decision, and what is still open, pure (issue 13 item 5).

The application's lifecycle state stays ``approved`` (or ``partially_approved``) after the
grant: the later steps — notification, finality, the project running, reports, a hearing, a
revocation, the reclaim, the final settlement — are facts recorded elsewhere, and the phase
is derived from them on every read, never stored, so it cannot drift from them.

**Closed** only when nothing is open: the grant settled (a final settlement, or revoked in
full) and in force, no report owed, nothing left to pay out, no reclaim outstanding, no
hearing or draft decision pending. "No state is final while money or reports are open."
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from grants.core.guideline import Text
from grants.core.money import ZERO


class Phase(StrEnum):
    AWAITING_NOTIFICATION = "awaiting_notification"  # released, not yet notified
    NOTIFIED = "notified"  # in force; the objection period runs
    FINAL = "final"  # bestandskräftig, the approval period not begun
    IN_PROGRESS = "in_progress"  # the approval period runs
    REPORTS_DUE = "reports_due"  # a report is overdue
    HEARING = "hearing"  # a hearing is open or a follow-on decision is drafted
    RECLAIM = "reclaim"  # money to be refunded is outstanding
    SETTLING = "settling"  # the approval period is over; the final proof or settlement waits
    CLOSED = "closed"


LABELS = {
    Phase.AWAITING_NOTIFICATION: Text(
        "Bescheid erlassen, noch nicht bekanntgegeben", "released, not yet notified"
    ),
    Phase.NOTIFIED: Text(
        "Bekanntgegeben, Widerspruchsfrist läuft", "notified, objection period running"
    ),
    Phase.FINAL: Text("Bestandskräftig", "final"),
    Phase.IN_PROGRESS: Text("Vorhaben läuft", "project running"),
    Phase.REPORTS_DUE: Text("Nachweis überfällig", "report overdue"),
    Phase.HEARING: Text(
        "Anhörung oder Entscheidung in Vorbereitung", "hearing or decision pending"
    ),
    Phase.RECLAIM: Text("Erstattung offen", "refund outstanding"),
    Phase.SETTLING: Text("Abschluss ausstehend", "settlement pending"),
    Phase.CLOSED: Text("Abgeschlossen", "closed"),
}


@dataclass(frozen=True, slots=True)
class AwardFacts:
    today: date
    effective: bool  # the latest decision on the award is notified (in force)
    final: bool  # and bestandskräftig
    period_start: date
    period_end: date
    committed: Decimal
    paid: Decimal  # net of refunds
    reclaim_outstanding: Decimal
    reports_owed: int  # not yet given, due or not
    reports_overdue: int
    hearing_open: bool
    draft_pending: bool
    settled: bool  # a final settlement released, or revoked in full


@dataclass(frozen=True, slots=True)
class AwardPhase:
    phase: Phase
    open_items: tuple[Text, ...] = field(default_factory=tuple)

    @property
    def closed(self) -> bool:
        return self.phase is Phase.CLOSED


def _open_items(f: AwardFacts) -> list[Text]:
    items = []
    if f.reclaim_outstanding > ZERO:
        items.append(
            Text(
                f"Erstattung offen: {f.reclaim_outstanding} EUR",
                f"refund outstanding: {f.reclaim_outstanding} EUR",
            )
        )
    if f.committed - f.paid > ZERO:
        open_money = f.committed - f.paid
        items.append(
            Text(f"Noch auszuzahlen: {open_money} EUR", f"still to be paid: {open_money} EUR")
        )
    if f.reports_owed:
        items.append(Text(f"Nachweise offen: {f.reports_owed}", f"reports owed: {f.reports_owed}"))
    if f.hearing_open or f.draft_pending:
        items.append(Text("Anhörung oder Bescheid in Vorbereitung", "hearing or decision pending"))
    if not f.settled:
        items.append(Text("Schlussbescheid steht aus", "final settlement pending"))
    return items


def award_phase(f: AwardFacts) -> AwardPhase:
    """The award's phase: the most pressing of what is open, in this order — the latest
    decision not yet in force, a hearing or decision pending, a reclaim outstanding, a report
    overdue, the objection period; then closed when nothing is open, else where the project
    stands (before its period, running, awaiting its settlement)."""
    items = tuple(_open_items(f))
    if not f.effective:
        phase = Phase.AWAITING_NOTIFICATION
    elif f.hearing_open or f.draft_pending:
        phase = Phase.HEARING
    elif f.reclaim_outstanding > ZERO:
        phase = Phase.RECLAIM
    elif f.reports_overdue:
        phase = Phase.REPORTS_DUE
    elif not f.final:
        phase = Phase.NOTIFIED
    elif not items:
        phase = Phase.CLOSED
    elif f.today < f.period_start:
        phase = Phase.FINAL
    elif f.today <= f.period_end:
        phase = Phase.IN_PROGRESS
    else:
        phase = Phase.SETTLING
    return AwardPhase(phase, items)
