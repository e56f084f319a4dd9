import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("BRIGHTLINE_DATA", ROOT.parent / "shared" / "data"))
FY2015 = DATA / "ice-foia-fy2015" / "ice_lea_detainers_FY2015YTD.csv.gz"


@pytest.fixture(scope="session")
def fy2015():
    if not FY2015.exists():
        if os.environ.get("BRIGHTLINE_REQUIRE_DATA"):
            pytest.fail(f"{FY2015} is missing but BRIGHTLINE_REQUIRE_DATA is set")
        pytest.skip("the FY2015 release is not beside the checkout")
    return FY2015


@pytest.fixture(scope="session")
def cli():
    """The brightline binary, built by the workspace's cargo (debug profile)."""
    exe = ROOT / "target" / "debug" / "brightline"
    if not exe.exists():
        import subprocess

        subprocess.run(["cargo", "build", "-q", "-p", "brightline-cli"], cwd=ROOT, check=True)
    return exe
