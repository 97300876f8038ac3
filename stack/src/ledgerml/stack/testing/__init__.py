"""Test scaffolding every service's tests share: a pytest plugin (`plugin.py`, registered by the repository's
root conftest) with the stack's endpoints, throwaway PostgreSQL databases, a migrated SQLite engine and the
consortium PKI; a readiness check; hand-written fakes of the shared ports. Test code only: no service imports
this package."""
