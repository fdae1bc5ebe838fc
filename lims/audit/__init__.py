"""The audit log: who did what, append-only (see :mod:`lims.audit.services`)."""
