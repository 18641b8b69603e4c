from __future__ import annotations

from typing import Any


def test_happy(world: Any, holder: Any, make_verifier: Any) -> None:
    runtime, client = make_verifier()
    created = client.post("/api/requests", json={}, headers={"Authorization": "Bearer test-api-key"})
    assert created.status_code == 200, created.text
    wallet = world.wallet(client, holder)
    response = wallet.present(created.json()["uri"])
    print(response.json())
    view = client.get(f"/api/sessions/{created.json()['session_id']}", headers={"X-API-Key": "test-api-key"}).json()
    import json
    print(json.dumps(view["report"], indent=1)[:6000])
    assert response.json()["status"] == "approved"
