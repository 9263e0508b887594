"""Storage and scanner as dependencies (``storage``, ``scanner``): built once in
``create_app`` from the settings and kept on the application state, where tests may put
their own."""

from litestar.datastructures import State
from litestar.di import Provide

from grants.applications.attachments.scanner import Scanner
from grants.applications.attachments.storage import Storage

STORAGE_STATE_KEY = "attachment_storage"
SCANNER_STATE_KEY = "attachment_scanner"


def provide_storage(state: State) -> Storage:
    storage: Storage = state[STORAGE_STATE_KEY]
    return storage


def provide_scanner(state: State) -> Scanner:
    scanner: Scanner = state[SCANNER_STATE_KEY]
    return scanner


DEPENDENCIES = {
    "storage": Provide(provide_storage, sync_to_thread=False),
    "scanner": Provide(provide_scanner, sync_to_thread=False),
}
