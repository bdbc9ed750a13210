"""Refuses to import beside the aerospike-py distribution, which installs the same import name:
with both installed, the files of one overwrite the other's, and what imports is a mix of two
packages that fails in ways that name neither."""

from importlib import metadata


def refuse_a_mix_with_aerospike_py() -> None:
    try:
        other = metadata.distribution("aerospike-py")
    except metadata.PackageNotFoundError:
        return
    if any(file.parts[0] == "aerospike_py" for file in other.files or ()):
        raise ImportError(
            f"aerospike-py {other.version} is installed too, and it installs the same import "
            "name, aerospike_py, as fastapi-aerospike: the two packages' files are mixed. "
            "Run `pip uninstall aerospike-py`, then reinstall fastapi-aerospike."
        )


refuse_a_mix_with_aerospike_py()
