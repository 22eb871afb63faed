"""Policy: declarative rules (top-level `rules/*.toml`) that judge the effect model's facts."""
