"""`lockwise verify`: run migrations on a real scratch PostgreSQL.

Reversibility (up, down, up again, with a catalog diff), the locks and rewrites each statement
really takes compared with lockwise's own effect model, a read-only data pre-flight against a
real database, and synthetic seeding so rewrites and validations run on data.
"""

from lockwise.verify.run import VerifyOptions, VerifyResult, verify_migrations

__all__ = ["VerifyOptions", "VerifyResult", "verify_migrations"]
