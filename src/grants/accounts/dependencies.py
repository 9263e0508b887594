"""The accounts feature's dependencies: the token policy and the login-throttle limits, both
built once in ``create_app`` and kept on the application state."""

from litestar.datastructures import State
from litestar.di import Provide

from grants.accounts.signin import TokenPolicy
from grants.accounts.throttle import ThrottleLimits


def provide_token_policy(state: State) -> TokenPolicy:
    policy: TokenPolicy = state.token_policy
    return policy


def provide_throttle_limits(state: State) -> ThrottleLimits:
    limits: ThrottleLimits = state.throttle_limits
    return limits


DEPENDENCIES = {
    "token_policy": Provide(provide_token_policy, sync_to_thread=False),
    "throttle_limits": Provide(provide_throttle_limits, sync_to_thread=False),
}
