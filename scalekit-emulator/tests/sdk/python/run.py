"""Runs the official Scalekit Python SDK against a Scalekit endpoint (the
emulator in the tests) and prints one JSON object: each call's result or the
error the SDK raised. Driven by ../../sdk_python.rs.

    python run.py calls     every call of the check, in order
    python run.py faults    a portal link refused with 429, then a call
                            answered 503 once (the SDK retries it)
    python run.py admin     the organization and domain calls of the
                            admin-portal scope: update, session policy,
                            user management, domains, delete

Environment: SCALEKIT_ENVIRONMENT_URL, SCALEKIT_CLIENT_ID,
SCALEKIT_CLIENT_SECRET, ORGANIZATION_ID (an existing organization); over
TLS, GRPC_DEFAULT_SSL_ROOTS_FILE_PATH and REQUESTS_CA_BUNDLE name the CA.
"""

import enum
import json
import os
import sys

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from scalekit import ScalekitClient
from scalekit.v1.commons.commons_pb2 import TimeUnit
from scalekit.v1.organizations.organizations_pb2 import (
    CreateOrganization,
    Feature,
    SessionPolicyType,
    UpdateOrganization,
)


def plain(value):
    """JSON-ready form of an SDK answer (protobuf messages as protojson)."""
    if isinstance(value, tuple):
        value = value[0]
    if isinstance(value, Message):
        return MessageToDict(value)
    return value


def status_number(status):
    """An HTTP or gRPC status as a number (enums hold it in value or value[0])."""
    if status is None:
        return None
    if isinstance(status, enum.Enum):
        status = status.value
    if isinstance(status, tuple):
        status = status[0]
    return int(status)


def describe_error(error):
    return {
        "class": type(error).__name__,
        "message": str(getattr(error, "message", error))[:500],
        "grpcStatus": status_number(getattr(error, "grpc_status", None)),
        "httpStatus": status_number(getattr(error, "http_status", None)),
        "errorCode": getattr(error, "error_code", None),
    }


def record(results, name, call):
    try:
        results[name] = {"ok": True, "value": plain(call())}
    except Exception as error:  # the check reports what the SDK raised
        results[name] = {"ok": False, "error": describe_error(error)}


def client(secret=None):
    return ScalekitClient(
        os.environ["SCALEKIT_ENVIRONMENT_URL"],
        os.environ["SCALEKIT_CLIENT_ID"],
        secret if secret is not None else os.environ["SCALEKIT_CLIENT_SECRET"],
    )


def calls():
    results = {}
    scalekit = client()
    org = os.environ["ORGANIZATION_ID"]
    record(results, "generate_portal_link", lambda: scalekit.organization.generate_portal_link(org))
    record(
        results,
        "generate_portal_link_with_features",
        lambda: scalekit.organization.generate_portal_link(org, [Feature.sso]),
    )
    record(results, "get_organization", lambda: scalekit.organization.get_organization(org))
    record(results, "list_organization", lambda: scalekit.organization.list_organizations(page_size=10))
    record(
        results,
        "create_organization",
        lambda: scalekit.organization.create_organization(
            CreateOrganization(display_name="Python SDK Corp", external_id="tenant-python-sdk")
        ),
    )
    created = org
    if results["create_organization"]["ok"]:
        created = results["create_organization"]["value"]["organization"]["id"]
    record(
        results,
        "update_organization_settings",
        lambda: scalekit.organization.update_organization_settings(
            created, [{"name": "sso", "enabled": True}, {"name": "dir_sync", "enabled": True}]
        ),
    )
    record(
        results,
        "get_organization_by_external_id",
        lambda: scalekit.organization.get_organization_by_external_id("tenant-python-sdk"),
    )
    record(results, "list_connections", lambda: scalekit.connection.list_connections(org))
    record(results, "list_directories", lambda: scalekit.directory.list_directories(org))
    record(results, "list_domains", lambda: scalekit.domain.list_domains(org))
    record(results, "unknown_organization", lambda: scalekit.organization.get_organization("org_missing"))
    record(results, "invalid_organization_id", lambda: scalekit.organization.get_organization("acme"))
    record(
        results,
        "wrong_credentials",
        lambda: client("wrong-secret").organization.get_organization(org),
    )
    return results


def faults():
    results = {}
    scalekit = client()
    org = os.environ["ORGANIZATION_ID"]
    record(results, "rate_limited", lambda: scalekit.organization.generate_portal_link(org))
    record(results, "unavailable_then_retried", lambda: scalekit.organization.get_organization(org))
    return results


def admin():
    results = {}
    orgs = client().organization
    domains = client().domain
    record(
        results,
        "create",
        lambda: orgs.create_organization(
            CreateOrganization(
                display_name="Python Admin Corp",
                external_id="tenant-python-admin",
                slug="python-admin",
                logo_url="https://cdn.example/py.png",
            )
        ),
    )
    org = "org_missing"
    if results["create"]["ok"]:
        org = results["create"]["value"]["organization"]["id"]
    record(
        results,
        "update",
        lambda: orgs.update_organization(org, UpdateOrganization(display_name="Python Admin Renamed")),
    )
    record(
        results,
        "update_by_external_id",
        lambda: orgs.update_organization_by_external_id(
            "tenant-python-admin", UpdateOrganization(metadata={"plan": "gold"})
        ),
    )
    record(
        results,
        "update_unknown",
        lambda: orgs.update_organization("org_missing", UpdateOrganization(display_name="x")),
    )
    record(
        results,
        "session_policy_update",
        lambda: orgs.update_organization_session_policy(
            org,
            SessionPolicyType.CUSTOM,
            absolute_session_timeout=2,
            absolute_session_timeout_unit=TimeUnit.DAYS,
            idle_session_timeout_enabled=False,
        ),
    )
    record(results, "session_policy", lambda: orgs.get_organization_session_policy(org))
    record(
        results,
        "session_policy_invalid",
        lambda: orgs.update_organization_session_policy(org, SessionPolicyType.CUSTOM),
    )
    record(results, "user_management", lambda: orgs.upsert_user_management_settings(org, 7))
    record(results, "create_domain", lambda: domains.create_domain(org, "python-admin.example"))
    domain = "dom_missing"
    if results["create_domain"]["ok"]:
        domain = results["create_domain"]["value"]["domain"]["id"]
    record(results, "create_domain_without_dot", lambda: domains.create_domain(org, "localhost"))
    record(results, "get_domain", lambda: domains.get_domain(org, domain))
    record(results, "delete_domain", lambda: domains.delete_domain(org, domain))
    record(results, "get_deleted_domain", lambda: domains.get_domain(org, domain))
    record(results, "delete", lambda: orgs.delete_organization(org))
    record(results, "get_deleted", lambda: orgs.get_organization(org))
    return results


MODES = {"admin": admin, "calls": calls, "faults": faults}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in MODES:
        sys.exit(f"usage: python run.py {'|'.join(MODES)}")
    print(json.dumps(MODES[sys.argv[1]]()))
