"""The staff check on a restaurant's routes: 404 to a caller who is not a member (the same
answer as for a restaurant that does not exist), 403 to a member whose role is not enough."""

import uuid

PROBLEM = "application/problem+json"


async def test_changing_settings_is_404_for_a_non_member_and_403_for_a_host(
    api, open_restaurant
) -> None:
    place = await open_restaurant({"T1": (4, "available")})
    url = f"/v1/restaurants/{place.id}/waitlist/settings"
    outsider = api.as_staff(uuid.uuid4())

    as_outsider = await api.client.patch(url, headers=outsider, json={"open": False})
    elsewhere = await api.client.patch(
        f"/v1/restaurants/{uuid.uuid4()}/waitlist/settings", headers=outsider, json={"open": False}
    )
    as_host = await api.client.patch(
        url, headers=api.as_staff(place.id, "host"), json={"open": False}
    )

    assert as_outsider.status_code == 404
    assert as_outsider.headers["content-type"].startswith(PROBLEM)
    # Nothing in the answer tells the outsider that the restaurant exists.
    assert as_outsider.json() == elsewhere.json()
    assert as_host.status_code == 403
    assert as_host.headers["content-type"].startswith(PROBLEM)
    shown = await api.client.get(url, headers=api.as_staff(place.id, "host"))
    assert shown.status_code == 200
    assert shown.json()["open"] is True
