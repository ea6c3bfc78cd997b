"""The study's clock, moved to `fisoko.clock`: this name stays for the modules importing it here."""

from fisoko.clock import (  # noqa: F401 - re-exported
    MOSCOW,
    REHEARSAL_START,
    ZONE_SOURCE,
    deadline_text,
    local_text,
    now,
    now_local,
    now_utc,
    rehearsal_start,
    today,
    use_zone,
    wall,
    zone_label,
    zone_name,
    zone_of,
)
