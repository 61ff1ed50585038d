import pytest

# The hostile-input walk's figures, printed at the end of the run (tests/security/conftest.py).
FIGURES = pytest.StashKey[dict]()
