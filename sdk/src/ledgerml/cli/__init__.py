"""The `ledgerml` command line, built on `ledgerml.client`."""
