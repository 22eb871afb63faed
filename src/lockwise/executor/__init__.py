"""The executor: applies migrations that pass the safety gate and records what it did.

    history   the history table (name validated, quoted) and its rows
    checksum  normalized, versioned checksums of migration files
    lock      one runner at a time: a session-level advisory lock on its own connection
    plan      how each pending migration will run, and the linter's verdict on exactly that
    state     files on disk compared with the history
    runner    apply / rollback / repair / baseline / status
"""
