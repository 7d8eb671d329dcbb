"""The Microsoft Entra ID source: a tenant's users (or a group's, or an app's), roles, sign-ins."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import httpx
import msal  # type: ignore[import-untyped]  # msal ships no type hints

from bot.connectors.facts import Account, FailureKind, SourceError
from bot.connectors.http import TIMEOUT, Budget, JsonApi, parse_instant
from bot.connectors.registry import SourceConfig, SourceType

log = logging.getLogger(__name__)

SYSTEM = "Microsoft Entra ID"
DEFAULT_API = "https://graph.microsoft.com"  # national clouds: graph.microsoft.us, …
DEFAULT_LOGIN = "https://login.microsoftonline.com"  # … login.microsoftonline.us, …
PAGE = 999  # Graph's largest page: fewest requests against its throttling
USER_FIELDS = "id,displayName,userPrincipalName,mail,accountEnabled,userType"
DEFAULT_ACCESS = "00000000-0000-0000-0000-000000000000"  # app role id of plain assignment
# Directory objects other than users, as a group or an app may hold them.
KINDS = {
    "group": "group",
    "servicePrincipal": "service",
    "device": "device",
    "orgContact": "contact",
}
HINTS = {  # what to check, per OAuth error of the token endpoint
    "invalid_client": "check AZURE_CLIENT_SECRET (it may have expired)",
    "unauthorized_client": "check AZURE_CLIENT_ID and AZURE_TENANT_ID",
    "invalid_tenant": "check AZURE_TENANT_ID",
    "invalid_scope": "check the source's api_url",
}

Item = dict[str, Any]


def pull(config: SourceConfig) -> list[Account]:
    """Every account in scope, with its directory roles and last interactive sign-in."""
    group, app = config.settings.get("group_id"), config.settings.get("app_id")
    if group and app:
        raise SourceError(SYSTEM, "set group_id or app_id, not both", kind="missing_setting")
    api_url = (config.settings.get("api_url") or DEFAULT_API).rstrip("/")
    with contextlib.ExitStack() as stack:
        # One client for the token and for Graph: one place for TLS, proxies and timeouts.
        client = config.client or stack.enter_context(httpx.Client(timeout=TIMEOUT))
        token = _token(client, config, api_url)
        api = JsonApi(
            api_url,
            system=SYSTEM,
            headers={"Authorization": f"Bearer {token}"},
            client=client,
            budget=Budget(max_wait=config.max_wait),
            sleep=config.sleep,
        )
        # The scope first: a wrong group or app id fails before the (long) user list.
        scope = _group(api, group) if group else _app(api, app) if app else None
        users, roles = _users(api), _directory_roles(api)
    chosen = list(users.values()) if scope is None else [_known(p, users) for p in scope]
    return [replace(a, privileges=roles.get(a.id, ())) for a in chosen]


class _MsalHttp:
    """msal's HTTP client interface (`get`, `post`, `close`) over the pull's httpx client."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def get(self, url: str, params: Any = None, headers: Any = None, **_: Any) -> httpx.Response:
        return self._client.get(url, params=params, headers=headers)

    def post(
        self, url: str, params: Any = None, data: Any = None, headers: Any = None, **_: Any
    ) -> httpx.Response:
        if isinstance(data, str | bytes):  # msal may send a ready-encoded body
            return self._client.post(url, params=params, content=data, headers=headers)
        return self._client.post(url, params=params, data=data, headers=headers)

    def close(self) -> None:
        """The client belongs to the pull, which closes it."""


def _token(client: httpx.Client, config: SourceConfig, api_url: str) -> str:
    """An app-only access token for Graph (client credentials), or SourceError."""
    login = (config.settings.get("login_url") or DEFAULT_LOGIN).rstrip("/")
    if not login.startswith("https://"):  # msal refuses any other authority
        raise SourceError(SYSTEM, "login_url must start with https://", kind="missing_setting")
    tenant = quote(config.env["AZURE_TENANT_ID"].strip(), safe="")
    app = _signing_in(
        lambda: msal.ConfidentialClientApplication(
            config.env["AZURE_CLIENT_ID"].strip(),
            client_credential=config.env["AZURE_CLIENT_SECRET"],
            authority=f"{login}/{tenant}",
            http_client=_MsalHttp(client),
            # msal would ask login.microsoftonline.com whether an authority host it does not
            # know is genuine; the tenant's own OpenID configuration is checked either way.
            instance_discovery=False,
        ),
        # msal reads the tenant's OpenID configuration here: a 400/404 is an unknown tenant.
        ("not_found", "the tenant's sign-in configuration was not found: check AZURE_TENANT_ID"),
    )
    result = _signing_in(
        lambda: app.acquire_token_for_client(scopes=[f"{api_url}/.default"]),
        ("bad_response", "sign-in answered something that is not a token response"),
    )
    token = result.get("access_token") if isinstance(result, dict) else None
    if isinstance(token, str) and token:
        return token
    raise _refused(result if isinstance(result, dict) else {})


def _signing_in(step: Callable[[], Any], unreadable: tuple[FailureKind, str]) -> Any:
    """One msal step, its failures as SourceError (msal's ValueError: `unreadable`)."""
    try:
        return step()
    except httpx.TimeoutException:
        raise SourceError(SYSTEM, "sign-in did not answer in time", kind="timeout") from None
    except httpx.TransportError as exc:
        reason = f"sign-in could not be reached ({type(exc).__name__})"
        raise SourceError(SYSTEM, reason, kind="unreachable") from None
    except ValueError:
        raise SourceError(SYSTEM, unreadable[1], kind=unreadable[0]) from None
    except msal.exceptions.MsalServiceError:  # a 5xx from the sign-in service
        reason = "sign-in failed on Microsoft's side (5xx)"
        raise SourceError(SYSTEM, reason, kind="unreachable") from None


def _refused(result: Mapping[str, Any]) -> SourceError:
    """The token endpoint's refusal, by its codes only: its prose could echo what we sent."""
    error = str(result.get("error") or "")
    error = error if re.fullmatch(r"[a-z_]{1,40}", error) else "no token"
    code = re.search(r"\bAADSTS\d{1,9}\b", str(result.get("error_description") or ""))
    which = f"{error}, {code.group()}" if code else error
    hint = HINTS.get(error, "check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET")
    kind: FailureKind = "not_found" if error == "invalid_tenant" else "unauthorized"
    return SourceError(
        SYSTEM, f"sign-in refused the app's credentials ({which}): {hint}", kind=kind
    )


def _items(api: JsonApi, path: str, params: Mapping[str, Any]) -> Iterator[Item]:
    """Each object of a Graph collection, following `@odata.nextLink` to the last page."""
    next_url: str | None = path
    query: Mapping[str, Any] | None = params
    while next_url:
        page = api.get_json(next_url, query)
        query = None  # the next link carries the query, and its `$skiptoken`
        if not isinstance(page, dict) or not isinstance(page.get("value"), list):
            raise api.fail("bad_response", "answered a page without a list of objects")
        for item in page["value"]:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise api.fail("bad_response", "listed an object without an id")
            yield item
        link = page.get("@odata.nextLink")
        next_url = link if isinstance(link, str) and link else None


def _users(api: JsonApi) -> dict[str, Account]:
    """Every user of the tenant, by object id, with the last interactive sign-in if allowed."""
    params = {"$select": f"{USER_FIELDS},signInActivity", "$top": PAGE}
    try:
        found = list(_items(api, "v1.0/users", params))
    except SourceError as exc:
        # signInActivity needs AuditLog.Read.All and an Entra ID P1/P2 licence: without them
        # Graph refuses the whole list (403); the users still count, their activity unknown.
        if exc.kind != "forbidden":
            raise
        log.warning("Entra ID: no sign-in activity (needs AuditLog.Read.All and P1/P2)")
        found = list(_items(api, "v1.0/users", {"$select": USER_FIELDS, "$top": PAGE}))
    return {user["id"]: _user(user) for user in found}


def _user(user: Item) -> Account:
    activity = user.get("signInActivity")
    name = user.get("userPrincipalName") or user.get("displayName") or user["id"]
    display = user.get("displayName")
    return Account(
        id=user["id"],  # the UPN changes with a rename or a domain move; the object id cannot
        name=str(name),
        email=user["mail"] if isinstance(user.get("mail"), str) and user["mail"] else None,
        # Graph reads MFA registration only from its authentication methods report, which
        # needs AuditLog.Read.All *and* Reports.Read.All on a P1/P2 tenant: left unknown.
        mfa=None,
        # Interactive sign-ins only: non-interactive ones are refreshed tokens, not a person.
        last_active=parse_instant(activity.get("lastSignInDateTime"))
        if isinstance(activity, dict)
        else None,
        active=user.get("accountEnabled") is not False,
        kind="guest" if user.get("userType") == "Guest" else "member",
        attributes={"display_name": display} if isinstance(display, str) and display else {},
    )


def _directory_roles(api: JsonApi) -> dict[str, tuple[str, ...]]:
    """Directory role names (Global Administrator…) by principal id; {} when not allowed.

    Active assignments only: PIM-eligible ones are not listed by this API. Without
    RoleManagement.Read.Directory (403) the review goes on without privileges.
    """
    roles: dict[str, set[str]] = {}
    path = "v1.0/roleManagement/directory/roleAssignments"
    try:
        for assignment in _items(api, path, {"$expand": "roleDefinition"}):
            definition = assignment.get("roleDefinition")
            name = definition.get("displayName") if isinstance(definition, dict) else None
            principal = assignment.get("principalId")
            if isinstance(principal, str) and isinstance(name, str):
                roles.setdefault(principal, set()).add(name)
    except SourceError as exc:
        if exc.kind != "forbidden":
            raise
        log.warning("Entra ID: no admin roles (needs RoleManagement.Read.Directory)")
        return {}
    return {principal: tuple(sorted(names)) for principal, names in roles.items()}


def _group(api: JsonApi, group: str) -> list[Account]:
    """The group's direct members: users (filled in from the user list) and other objects."""
    path = f"v1.0/groups/{quote(group.strip(), safe='')}/members"
    members = []
    for item in _items(api, path, {"$select": "id,displayName", "$top": PAGE}):
        kind = str(item.get("@odata.type") or "").rpartition(".")[2]
        name = str(item.get("displayName") or item["id"])
        members.append(Account(item["id"], name, kind=KINDS.get(kind, "member")))
    return members


def _app(api: JsonApi, app: str) -> list[Account]:
    """Who is assigned to the enterprise app (by object id or application id), with roles."""
    key = quote(app.strip(), safe="")
    try:
        about = api.get_json(f"v1.0/servicePrincipals/{key}", {"$select": "id,appRoles"})
    except SourceError as exc:
        if exc.kind != "not_found":
            raise
        # The portal shows both ids; the application (client) id is the one people copy.
        about = api.get_json(f"v1.0/servicePrincipals(appId='{key}')", {"$select": "id,appRoles"})
    if not isinstance(about, dict) or not isinstance(about.get("id"), str):
        raise api.fail("bad_response", "answered an application without an id")
    names = {DEFAULT_ACCESS: "Default Access"}
    for role in about.get("appRoles") or []:
        if isinstance(role, dict) and isinstance(role.get("id"), str):
            names[role["id"]] = str(role.get("displayName") or role.get("value") or role["id"])
    granted: dict[str, tuple[str, str, set[str]]] = {}
    path = f"v1.0/servicePrincipals/{quote(about['id'], safe='')}/appRoleAssignedTo"
    for grant in _items(api, path, {"$top": PAGE}):
        principal = grant.get("principalId")
        if not isinstance(principal, str):
            raise api.fail("bad_response", "listed an app role assignment without a principal")
        kind = {"Group": "group", "ServicePrincipal": "service"}.get(
            str(grant.get("principalType")), "member"
        )
        name = str(grant.get("principalDisplayName") or principal)
        role = str(grant.get("appRoleId") or DEFAULT_ACCESS)
        granted.setdefault(principal, (kind, name, set()))[2].add(names.get(role, role))
    return [
        Account(principal, name, kind=kind, attributes={"app_roles": ", ".join(sorted(roles))})
        for principal, (kind, name, roles) in granted.items()
    ]


def _known(principal: Account, users: Mapping[str, Account]) -> Account:
    """A group member or app assignee, with the user's details when it is a user."""
    user = users.get(principal.id)
    if user is None:
        return principal
    return replace(user, attributes={**user.attributes, **principal.attributes})


def describe(settings: Mapping[str, str]) -> str:
    if settings.get("group_id"):
        return f"{SYSTEM} group {settings['group_id']}"
    if settings.get("app_id"):
        return f"{SYSTEM} app {settings['app_id']}"
    return f"{SYSTEM} (all users)"


SOURCE = SourceType(
    name="entra",
    system=SYSTEM,
    required=(),
    optional=("group_id", "app_id", "api_url", "login_url"),
    # Least privilege, application permissions with admin consent: User.Read.All; plus
    # GroupMember.Read.All for group_id, Application.Read.All for app_id, AuditLog.Read.All
    # for last sign-ins (P1/P2 tenants) and RoleManagement.Read.Directory for admin roles.
    credentials=(("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"),),
    describe=describe,
    pull=pull,
)
