"""The audit log's published tree head and inclusion proofs over HTTP: a recipient checks the
record of their submission with nothing but the answers and the public key; nobody else's
application, and no internal entry, is shown."""

from datetime import UTC, datetime
from typing import Any

import httpx
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.audit.sequencer import run_sequencer
from grants.audit.signing import HeadSigner, SignedHead, signature_valid
from grants.core.audit_chain import content_hash
from grants.core.merkle import leaf_hash, verify_inclusion
from grants.core.roles import StaffRole
from tests.applications_factories import applicant, submitted
from tests.factories import staff_headers


async def _sequence(app: Litestar, session_factory: async_sessionmaker[AsyncSession]) -> int:
    signer: HeadSigner = app.state.audit_signer
    return await run_sequencer(session_factory, signer, lambda: datetime.now(UTC))


def _checks_out(proven: dict[str, Any], public_key: bytes) -> bool:
    """What a recipient does: hash the entry's content, walk the path, check the head."""
    entry, proof = proven["entry"], proven["proof"]
    digest = content_hash(
        occurred_at=datetime.fromisoformat(entry["occurred_at"]),
        actor_id=entry["actor_id"],
        actor_label=entry["actor_label"],
        action=entry["action"],
        object_type=entry["object_type"],
        object_id=entry["object_id"],
        before=entry["before"],
        after=entry["after"],
        request_id=entry["request_id"],
    )
    head = proof["head"]
    signed = SignedHead(
        head["tree_size"],
        head["root_hash"],
        datetime.fromisoformat(head["signed_at"]),
        head["key_id"],
        head["signature"],
    )
    return (
        digest == entry["hash"]
        and leaf_hash(digest).hex() == proof["leaf_hash"]
        and verify_inclusion(
            proof["position"],
            head["tree_size"],
            leaf_hash(digest),
            [bytes.fromhex(step) for step in proof["path"]],
            bytes.fromhex(head["root_hash"]),
        )
        and signature_valid(public_key, signed)
    )


async def test_a_recipient_proves_their_submission_is_in_the_signed_log(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    app: Litestar,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    anna = await applicant(client)
    application, receipt = await submitted(client, db_session, anna["headers"])
    url = f"/api/applications/{application['id']}/audit-proofs"

    pending = await client.get(url, headers=anna["headers"])
    assert pending.status_code == 200, pending.text
    [entry] = pending.json()
    assert entry["entry"]["action"] == "application_submitted"
    assert entry["proof"] is None  # not yet in a signed tree head

    assert await _sequence(app, session_factory) > 0
    published = (await client.get("/api/audit/tree-head")).json()  # no login needed
    public_key = bytes.fromhex(published["public_key"])
    assert published["key_id"] == app.state.audit_signer.key_id
    proven = (await client.get(url, headers=anna["headers"])).json()
    [entry] = proven
    assert entry["entry"]["after"]["reference_number"] == receipt["reference_number"]
    assert entry["entry"]["after"]["snapshot_sha256"] == receipt["snapshot_sha256"]
    assert entry["proof"]["head"] == published["head"]
    assert _checks_out(entry, public_key)

    forged = {**entry, "entry": {**entry["entry"], "after": {**entry["entry"]["after"]}}}
    forged["entry"]["after"]["reference_number"] = "LIfD-FAKE-1"
    forged["entry"]["hash"] = content_hash(
        **{k: forged["entry"][k] for k in ("actor_id", "actor_label", "action", "object_type")},
        occurred_at=datetime.fromisoformat(forged["entry"]["occurred_at"]),
        object_id=forged["entry"]["object_id"],
        before=forged["entry"]["before"],
        after=forged["entry"]["after"],
        request_id=forged["entry"]["request_id"],
    )
    assert not _checks_out(forged, public_key)
    assert not _checks_out(entry, HeadSigner(bytes(32)).public_key)


async def test_managers_see_every_entry_of_an_application_and_any_entry_by_number(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    app: Litestar,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    anna = await applicant(client)
    manager = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    application, _ = await submitted(client, db_session, anna["headers"])
    await _sequence(app, session_factory)
    url = f"/api/applications/{application['id']}/audit-proofs"
    mine = [e["entry"]["action"] for e in (await client.get(url, headers=anna["headers"])).json()]
    everything = (await client.get(url, headers=manager)).json()
    actions = [e["entry"]["action"] for e in everything]
    assert mine == ["application_submitted"]
    assert actions[0] == "application_created"  # the draft's steps: internal to the file
    assert "application_submitted" in actions

    seq = everything[0]["entry"]["seq"]
    public_key = app.state.audit_signer.public_key
    one = await client.get(f"/api/audit/entries/{seq}/proof", headers=manager)
    assert one.status_code == 200, one.text
    assert _checks_out(one.json(), public_key)
    missing = await client.get("/api/audit/entries/999999999/proof", headers=manager)
    assert missing.status_code == 404
    assert missing.json()["type"] == "urn:grants:problem:not-found"


async def test_nobody_else_sees_an_applications_audit_entries(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    bert = await applicant(client)
    evaluator = await staff_headers(client, db_session, StaffRole.EVALUATOR)
    application, _ = await submitted(client, db_session, anna["headers"])
    url = f"/api/applications/{application['id']}/audit-proofs"
    for headers in (bert["headers"], evaluator):
        refused = await client.get(url, headers=headers)
        assert refused.status_code == 404, refused.text
    assert (await client.get(url)).status_code == 401
    seq_url = "/api/audit/entries/1/proof"
    for headers in (anna["headers"], bert["headers"], evaluator):
        assert (await client.get(seq_url, headers=headers)).status_code == 403
    assert (await client.get(seq_url)).status_code == 401


async def test_the_tree_head_is_public_and_follows_the_sequencer(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    app: Litestar,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await _sequence(app, session_factory)
    before = (await client.get("/api/audit/tree-head")).json()
    size = 0 if before["head"] is None else before["head"]["tree_size"]
    await applicant(client)  # registration writes audit entries
    await _sequence(app, session_factory)
    response = await client.get("/api/audit/tree-head")
    assert response.status_code == 200
    body = response.json()
    assert len(bytes.fromhex(body["public_key"])) == 32
    assert body["head"]["log"] == "grants-audit-log/v1"
    assert body["head"]["tree_size"] > size
