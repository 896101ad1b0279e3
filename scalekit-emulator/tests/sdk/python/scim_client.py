"""Drives the emulator's SCIM 2.0 server with scim2-client, an outside SCIM
client implementation (python-scim), and prints what it returned as JSON.

Environment: SCIM_BASE_URL (the directory_endpoint) and SCIM_TOKEN (the
directory's secret).
"""

import json
import os

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import (
    Email,
    Error,
    Group,
    GroupMember,
    ListResponse,
    Name,
    PatchOp,
    PatchOperation,
    SearchRequest,
    User,
)


def main():
    http = Client(
        base_url=os.environ["SCIM_BASE_URL"],
        headers={"Authorization": "Bearer " + os.environ["SCIM_TOKEN"]},
        timeout=10,
    )
    scim = SyncSCIMClient(http)
    scim.discover()
    out = {
        "resource_types": sorted(t.name for t in scim.provider.resource_types),
        "patch_supported": scim.provider.config.patch.supported,
    }

    user = scim.create(
        User(
            user_name="bjensen@acmecorp.com",
            external_id="bjensen",
            name=Name(given_name="Barbara", family_name="Jensen"),
            emails=[Email(value="bjensen@acmecorp.com", primary=True, type="work")],
            display_name="Barbara Jensen",
            active=True,
        )
    )
    out["created"] = {"id": user.id, "user_name": user.user_name}

    duplicate = scim.create(
        User(user_name="BJensen@acmecorp.com"), raise_scim_errors=False
    )
    out["duplicate"] = (
        {"status": duplicate.status, "scim_type": duplicate.scim_type}
        if isinstance(duplicate, Error)
        else "accepted"
    )

    found = scim.query(
        User, query_parameters=SearchRequest(filter='userName eq "bjensen@acmecorp.com"')
    )
    out["found"] = [u.id for u in found.resources or []] if isinstance(found, ListResponse) else None

    user.name.given_name = "Babs"
    replaced = scim.replace(user)
    out["replaced_given_name"] = replaced.name.given_name

    scim.modify(
        User,
        user.id,
        PatchOp[User](
            operations=[PatchOperation(op="replace", path="active", value=False)]
        ),
    )
    out["active_after_patch"] = scim.query(User, user.id).active

    group = scim.create(
        Group(display_name="Admins", members=[GroupMember(value=user.id)])
    )
    read = scim.query(Group, group.id)
    out["group"] = {
        "id": group.id,
        "display_name": read.display_name,
        "members": [m.value for m in read.members or []],
    }

    scim.delete(Group, group.id)
    scim.delete(User, user.id)
    missing = scim.query(User, user.id, raise_scim_errors=False)
    out["after_delete"] = missing.status if isinstance(missing, Error) else "still there"
    print(json.dumps(out))


main()
