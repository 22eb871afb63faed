"""The effect model: what PostgreSQL will actually do for a statement. The only place that knows
PostgreSQL semantics; rules judge these facts and never re-derive them."""
