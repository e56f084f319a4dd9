#!/usr/bin/env bash
# The Python package: build it from source as a user would (`pip install ./python`),
# then run its tests (decide, decide_batch, simulate, and Dask on two local workers).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --upgrade pip
python3 -m pip install --quiet maturin pyarrow pandas pytest "dask[dataframe]" distributed
python3 -m pip install --quiet ./python
# The tests compare against the CLI's own output.
cargo build --quiet --locked -p brightline-cli
python3 -m pytest -q python/tests
