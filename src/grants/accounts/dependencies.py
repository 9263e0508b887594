"""The accounts feature's dependencies: the token policy and the login-throttle limits, both
built once in ``create_app`` and kept on the application state; the account policy (token
lifetimes, throttles, the public base URL of e-mail links), read from the settings; and the
optional principal of the routes where signing in is optional."""

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from grants.accounts.middleware import principal_from_header
from grants.accounts.policy import AccountPolicy
from grants.accounts.signin import TokenPolicy
from grants.accounts.throttle import ThrottleLimits
from grants.core.access import Principal


def provide_token_policy(state: State) -> TokenPolicy:
    policy: TokenPolicy = state.token_policy
    return policy


def provide_throttle_limits(state: State) -> ThrottleLimits:
    limits: ThrottleLimits = state.throttle_limits
    return limits


def provide_account_policy(state: State) -> AccountPolicy:
    # A handful of attribute reads, so built per request rather than wired in create_app.
    return AccountPolicy.from_settings(state.settings)


async def provide_optional_principal(request: Request[Any, Any, Any]) -> Principal | None:
    """None without an ``Authorization`` header; a header that does not authenticate is a
    401, not a silent fall-back to anonymous."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    principal, _ = await principal_from_header(header, request.app.state)
    return principal


DEPENDENCIES = {
    "token_policy": Provide(provide_token_policy, sync_to_thread=False),
    "throttle_limits": Provide(provide_throttle_limits, sync_to_thread=False),
    "account_policy": Provide(provide_account_policy, sync_to_thread=False),
    "optional_principal": Provide(provide_optional_principal),
}
