"""The bare baseline for ``bench/http_bench.py``: a Litestar app with one synchronous JSON
route and nothing else (no middleware, no dependencies, no database, no OpenAPI config).

Served with the same uvicorn settings as the real app::

    uvicorn --app-dir bench hello_app:app --loop uvloop --http httptools --no-access-log
"""

from litestar import Litestar, get


@get("/hello", sync_to_thread=False)
def hello() -> dict[str, str]:
    return {"hello": "world"}


app = Litestar(route_handlers=[hello])
