"""A sole trader (Einzelunternehmen, e. K.) registers as what it is, drafts and is told why it
is not eligible (only freelancers among natural persons; FRL LIfD call text). The engine's
verdict is advice: the proposal could still be submitted (§ 24 Abs. 3 VwVfG)."""

import httpx

from tests.applications_factories import applicant, draft


async def test_a_sole_trader_registers_and_is_told_why_it_is_not_eligible(
    client: httpx.AsyncClient,
) -> None:
    organisation = {
        "legal_name": "3D-Druck Müller e. K.",
        "legal_form": "eingetragener Kaufmann",
        "applicant_type": "sole_trader",
        "street": "Markt 1",
        "postal_code": "08289",
        "city": "Schneeberg",
        "municipality_key": "14521530",
    }
    trader = await applicant(client, organisation=organisation)
    assert trader["organisation"]["applicant_type"] == "sole_trader"
    created = await draft(client, trader["headers"])
    check = await client.get(
        f"/api/applications/{created['id']}/eligibility", headers=trader["headers"]
    )
    assert check.status_code == 200, check.text
    results = {r["rule"]: r for r in check.json()["verdict"]["results"]}
    eligible_type = next(r for r in results.values() if r["facts"].get("applicant_type"))
    assert eligible_type["outcome"] == "fail"
    assert "freiberuflich" in eligible_type["message"]["de"]
    assert "freelancers" in eligible_type["message"]["en"]
