"""Local stack manager: install, start, probe and stop the engines LedgerML runs on."""
