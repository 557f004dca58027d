"""A faithful in-process fake Hostaway account: the demo mode and the test bed for every tool.

    sandbox = Sandbox(seed=7, today=date(2026, 11, 21), clock=fake_clock, token_not_before_s=0)
    client = httpx.AsyncClient(base_url="https://api.hostaway.com/v1", transport=sandbox.transport())

The same Sandbox can be served over loopback HTTP (`http_server.serve_sandbox` / `run_forever`).
Data is deterministic in (seed, today, listings): same inputs, byte-identical responses. Besides
listings, calendars, reservations and conversations, the account has a team (users in groups),
their tasks (a turnover clean per departure, some unassigned, some late) and the guest charges
of direct bookings, all consistent with the reservations.

Planted secrets (tools must withhold them; tests grep tool output for these markers):
- listing `doorSecurityCode`: "KEYPAD-" + 4 digits + "#", e.g. "KEYPAD-4821#";
- listing `keyPickup` (about 60% of listings): contains "LOCKBOX-" + 4 digits;
- listing `wifiPassword`: "WIFI-SECRET-" + 8 letters/digits (`wifiUsername` is a network name);
- reservation `doorCode`: "DOOR-" + 4 digits on every booking that holds nights; about 30% also
  repeat it in `doorCodeInstruction`;
- automated "Check-in instructions" messages (subject) contain the booking's DOOR- code and the
  listing's WIFI-SECRET- password, as real automations do;
- "Meet and greet" check-in tasks carry the booking's DOOR- code in their description;
- every user's email is on catalog.TEAM_EMAIL_DOMAIN (tools name people, never show an email
  unless asked);
- reservation `guestNote` on 4 confirmed (mostly direct) bookings: a Luhn-valid card number, one
  in each way guests write them (catalog.NOTE_CARD_STYLES: spaced, run together, dashed, Amex);
- guest charges of cards taken by phone: the `description` holds a Luhn-valid card number, its
  expiry and CVC (catalog.CHARGE_CARD_STYLES);
- exactly one unanswered, unread guest message contains a prompt injection starting with
  "IGNORE PREVIOUS INSTRUCTIONS" (catalog.PROMPT_INJECTION_MARKER).

These are demo data, shown withheld. Card numbers are generated from the seed; the test suite's
own planted values (API secret, token, fixed card numbers) and its scripted faults live in tests/.
"""

from hostaway_mcp.sandbox.sandbox import LoggedRequest, Sandbox

__all__ = ["LoggedRequest", "Sandbox"]
