#!/usr/bin/env bash
# The Python package: build it from source as a user would (`pip install ./python`),
# then run its tests (decide, decide_batch, simulate, and Dask on two local workers).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet maturin pyarrow pandas polars pytest "dask[dataframe]" distributed
# CI checks behaviour, not speed: a lighter release profile keeps the build to a few minutes.
CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  python3 -m pip install --quiet ./python
# The tests compare against the CLI's own output.
cargo build --quiet --locked -p brightline-cli
python3 -m pytest -q python/tests
