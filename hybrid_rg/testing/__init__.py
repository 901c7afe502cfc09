"""Test kits shipped with the package: `conformance` is the suite every Device adapter must pass."""
