"""The blocking client drives its own I/O while it waits; between calls it still tends the
cluster, and it serves many threads at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

import aerospike_py
from aerospike_py.devserver import DevServer
from tests.polling import wait_until


@pytest.mark.devserver_only
def test_an_idle_client_still_sees_a_node_join() -> None:
    """No call is made after connect: only the idle driver can run the tend that finds it."""
    with DevServer(nodes=2) as server:
        server.stop_node(1)
        config = {"hosts": server.hosts[:1], "tend_interval": 50}
        with aerospike_py.Client(config).connect() as client:
            assert len(client.get_node_names()) == 1
            server.start_node(1)
            assert wait_until(lambda: len(client.get_node_names()) == 2, 5)
            for i in range(40):
                client.put(("test", "blocking", i), {"i": i})
    assert all(served > 0 for served in server.commands_served)


def test_many_threads_share_one_client(client: aerospike_py.Client, set_name: str) -> None:
    def put_then_get(i: int) -> object:
        client.put(("test", set_name, i), {"i": i})
        return client.get(("test", set_name, i)).bins

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(put_then_get, range(400)))
    assert answers == [{"i": i} for i in range(400)]
