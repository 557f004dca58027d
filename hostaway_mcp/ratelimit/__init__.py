"""Hostaway's rate limits, kept so that Hostaway never has to answer 429.

- `gates.py`: the model (general per account and per IP, endpoint buckets; current and legacy
  profiles) and which gates a request takes;
- `state.py`: every gate's sliding window as plain data, and the changes to it;
- `limiter.py`: waiting for a slot in every gate at once, 429 feedback, switching to legacy;
- `feedback.py`: Hostaway's `X-RateLimit-*` headers;
- one module per backend behind `store.StateStore`: `memory.py`, `file.py`, `redis_store.py`;
- `coordination.py`: the backend the settings ask for.

Only the small shared types live here, so importing this package stays cheap.
"""

from hostaway_mcp.ratelimit.base import (
    Clock,
    GateBudget,
    LimiterBudget,
    RateLimiter,
    Sleep,
    Ticket,
    report_waits_to,
)

__all__ = ["Clock", "GateBudget", "LimiterBudget", "RateLimiter", "Sleep", "Ticket", "report_waits_to"]
