"""Safe rewrites: turn an unsafe migration into the zero-downtime sequence of migrations.

The rule sets below are here, not in `patterns`, so that lint can tell whether a finding has a
rewrite without importing the rewrites (0.8% of a one-file lint that needs none)."""

#: Rules with a mechanical rewrite.
FIXABLE = frozenset({
    "index-without-concurrently", "drop-index-without-concurrently",
    "reindex-without-concurrently", "add-foreign-key-validated", "add-check-validated",
    "add-unique-constraint", "set-not-null", "add-column-volatile-default",
    "add-column-with-constraint", "column-type-change-rewrites", "rename-column",
    "validate-in-combined-alter", "concurrently-in-transaction",
})

#: Rules whose `instead` is the statement's rewrite (`fix.alternative`). An expand/contract
#: change (type change, column rename) spans application deploys: its template says so in a
#: few lines, where the rewrite is some forty (trigger function, batched backfill, contract
#: step) that `lockwise fix` writes out.
#: Rules whose finding offers another rule's rewrite of the same statement, where that
#: rewrite applies (else their template): a NOT NULL column without a default that has an
#: inline key, CHECK or REFERENCES gets the same nullable -> backfill -> constrain steps from
#: both of its findings.
REWRITTEN_AS = {"add-column-not-null-without-default": "add-column-with-constraint"}

#: (concurrently-in-transaction's rewrite is the statement as written, in a step of its own:
#: its template says how each tool runs one outside a transaction.)
REWRITTEN = FIXABLE - {"column-type-change-rewrites", "rename-column",
                       "concurrently-in-transaction"} | REWRITTEN_AS.keys()
