"""Who someone is in the system: the one role vocabulary.

- ``StaffRole``: roles at the granting authority, held by a user (evaluator, programme
  manager, admin).
- ``OrganisationRole``: a user's role in an applicant organisation.
- ``Role``: the side that takes a lifecycle step (DOMAIN.md §5.7): the applicant, a programme
  manager or the system itself. Staff roles map onto it: admins act as programme managers.
- ``ApplicantType``: kinds of applicant organisation (DOMAIN.md §5.2).
"""

from enum import StrEnum


class StaffRole(StrEnum):
    EVALUATOR = "evaluator"
    PROGRAMME_MANAGER = "programme_manager"
    ADMIN = "admin"


# The staff who run a programme's calls: they see every submitted application.
MANAGER_ROLES = (StaffRole.PROGRAMME_MANAGER.value, StaffRole.ADMIN.value)


class OrganisationRole(StrEnum):
    ADMIN = "admin"  # Nutzeradministrator: manages the organisation and its users
    MEMBER = "member"


class Role(StrEnum):
    APPLICANT = "applicant"
    PROGRAMME_MANAGER = "programme_manager"
    SYSTEM = "system"


class ApplicantType(StrEnum):
    """Kinds of applicant (DOMAIN.md §5.2). Whether a kind is eligible is the guideline's
    business, not the account's: registration accepts all of them."""

    # Kommune: Gemeinde, Stadt, Landkreis, Zweckverband; also for its schools (as
    # Schulträger) and its public library, which are not legal persons of their own
    MUNICIPALITY = "municipality"
    PUBLIC_BODY = "public_body"  # other juristische Person des öffentlichen Rechts
    NONPROFIT = "nonprofit"  # rechtsfähiger Verein (e. V.), gGmbH, rechtsfähige Stiftung
    COMPANY = "company"  # GmbH, UG, AG (KMU or larger); not a sole trader
    PARTNERSHIP = "partnership"  # rechtsfähige Personengesellschaft (GbR, OHG, KG)
    FREELANCER = "freelancer"  # freiberuflich tätige natürliche Person
    # Einzelunternehmen (e. K.): registers like anyone (an application is always accepted,
    # § 24 Abs. 3 VwVfG); the guideline says why it is not eligible
    SOLE_TRADER = "sole_trader"
    NATURAL_PERSON = "natural_person"  # sonstige natürliche Person / informelle Gruppe
