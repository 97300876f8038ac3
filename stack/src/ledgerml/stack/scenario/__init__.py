"""The consortium scenario `make demo` runs through the SDK against every organisation's services."""
