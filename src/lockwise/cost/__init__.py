"""The cost model: table statistics and a machine profile in, seconds and lock holds out.

- `stats`: the stats file (`lockwise stats` writes it; `collect` reads a live catalog).
- `profile`: machine constants (`lockwise calibrate` measures them; `calibrate`).
- `model`: per operation class, duration, lock hold, disk headroom and WAL.
- `hook`: the model inside `lint` (facts for the lock-held-too-long rule).

Nothing here imports psycopg at module level: `lint` stays light.
"""
