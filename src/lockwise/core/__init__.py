"""The core types every stage shares: plain dataclasses and enums, no behaviour beyond ordering."""
