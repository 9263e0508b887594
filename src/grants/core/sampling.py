"""The reproducible random sample of proofs of use (*Verwendungsnachweise*) checked in
detail, pure (DOMAIN.md §3.10, §6 item 3).

§ 44 Abs. 2 SäHO (as amended 2019): where a grant is paid from Land funds only, the proof of
use is checked in detail for a sample of **at least 50 %** of the cases. The caller passes the
cases that rule covers; this module only draws.

The draw must be random (no case can count on being left out) and yet redoable by anyone,
later, from the audit entry alone (the Rechnungshof may ask how the sample came about). So
it is a keyed hash ranking, not a stateful random generator:

1. the case ids are sorted (the input order is irrelevant) and must be unique;
2. each case is ranked by SHA-256 of ``seed + ":" + case_id`` (UTF-8), as a hexadecimal
   string, ascending; ties — practically impossible — by the case id;
3. the first ``ceil(share × n)`` cases are selected.

Rounding **up** is what makes "at least 50 %" hold: 7 cases at 50 % give 3.5, so 4 are
checked (57 %), never 3 (43 %). The seed is recorded with the sample; it should be chosen
where nobody can steer it towards a wanted result (e.g. drawn by ``secrets`` at the moment
of the draw, or a publicly witnessed number) and never reused to re-draw until a wanted
sample comes out — the audit entry shows every draw.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from itertools import pairwise

from grants.core.errors import FieldProblem, InvalidInput
from grants.core.guideline import Text

# § 44 Abs. 2 SäHO (2019): at least half of the cases paid from Land funds only.
LEGAL_MINIMUM_SHARE = Decimal("0.5")
METHOD = "sha256-rank-v1"


@dataclass(frozen=True, slots=True)
class Sample:
    selected: tuple[str, ...]  # sorted
    not_selected: tuple[str, ...]  # sorted
    seed: str
    share: Decimal
    method: Text  # how it was drawn, so anyone can redo it from the audit entry
    method_code: str  # machine-readable name and version of the procedure (``METHOD``)

    @property
    def population(self) -> int:
        return len(self.selected) + len(self.not_selected)


def rank_key(seed: str, case_id: str) -> str:
    """A case's place in the draw: SHA-256 of ``seed:case_id`` (UTF-8), hexadecimal."""
    return hashlib.sha256(f"{seed}:{case_id}".encode()).hexdigest()


def sample_size(n: int, share: Decimal) -> int:
    """``ceil(share × n)``: rounded up, so the share is a minimum (0 for no cases)."""
    return int((share * n).to_integral_value(rounding=ROUND_CEILING))


def select_sample(
    case_ids: Sequence[str], *, seed: str, share: Decimal = LEGAL_MINIMUM_SHARE
) -> Sample:
    """Draw the cases whose proof of use is checked in detail. Deterministic for the same
    set of cases and seed, in whatever order the cases come. ``share`` in (0, 1]; the default
    is the legal minimum for Land-only funding. Raises ``InvalidInput`` for a share outside
    (0, 1], an empty seed or a case listed twice."""
    problems: list[FieldProblem] = []
    if not (share.is_finite() and Decimal(0) < share <= 1):
        problems.append(
            FieldProblem(
                "share",
                "share_range",
                "Der Stichprobenanteil muss größer als 0 und höchstens 1 sein "
                "(the share must be above 0 and at most 1).",
            )
        )
    if not seed:
        problems.append(
            FieldProblem("seed", "required", "Ein Startwert ist erforderlich (a seed is required).")
        )
    ordered = sorted(case_ids)
    duplicates = sorted({a for a, b in pairwise(ordered) if a == b})
    problems.extend(
        FieldProblem("case_ids", "unique", f"Fall doppelt: {case_id} (duplicate case).")
        for case_id in duplicates
    )
    if problems:
        raise InvalidInput(
            "Stichprobe nicht ziehbar (sample cannot be drawn).", problems=tuple(problems)
        )

    ranked = sorted(ordered, key=lambda case_id: (rank_key(seed, case_id), case_id))
    size = sample_size(len(ordered), share)
    return Sample(
        selected=tuple(sorted(ranked[:size])),
        not_selected=tuple(sorted(ranked[size:])),
        seed=seed,
        share=share,
        method=_method(seed, share, len(ordered), size),
        method_code=METHOD,
    )


def _method(seed: str, share: Decimal, n: int, size: int) -> Text:
    return Text(
        de=(
            f"Zufallsstichprobe nach § 44 Abs. 2 SäHO: {size} von {n} Fällen (Anteil {share}, "
            f"aufgerundet). Jeder Fall wird nach dem SHA-256-Hashwert (hexadezimal, UTF-8) von "
            f"„<Startwert>:<Fallnummer>“ aufsteigend geordnet; die ersten {size} sind gezogen. "
            f"Startwert: „{seed}“. Mit demselben Startwert und denselben Fällen ergibt sich "
            f"dieselbe Stichprobe."
        ),
        en=(
            f"Random sample under § 44(2) SäHO: {size} of {n} cases (share {share}, rounded "
            f"up). Each case is ranked by the SHA-256 hash (hexadecimal, UTF-8) of "
            f'"<seed>:<case id>", ascending; the first {size} are drawn. Seed: "{seed}". The '
            f"same seed and the same cases give the same sample."
        ),
    )
