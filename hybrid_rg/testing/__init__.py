"""Test kits shipped with the package: `conformance` is the suite every Device adapter must pass;
`fake_provider` is a fake cloud provider (adapters `fake_remote` and `fake_local`, snapshots `fake_aquila` and
`fake_local` in `snapshots/`) that is an ordinary Device, for tests of the runtime and of calibration campaigns."""
