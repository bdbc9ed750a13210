import re

import aerospike_py


def test_native_module_reports_the_cargo_version() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", aerospike_py.__version__)
