"""A local SQLite mirror of the account: big questions answered without re-downloading it.

- `store.py`: the one SQLite file (WAL, busy timeout, 0600 in a 0700 folder, never a symlink), its
  tables and the projections written into them (never door codes, Wi-Fi or card numbers);
- `lock.py`: one writer at a time across every process on the machine;
- `sync.py`: the resumable backfill, the watermark syncs and the full reconciliation
  (hostaway-api-2026.md §4.3);
- `service.py`: what a running server uses: "is it fresh enough?" (a watermark check at most
  every `HOSTAWAY_MIRROR_MAX_AGE_S`), the background backfill, and rows a confirmed write touched;
- `demo.py`: the demo's own mirror, filled from its in-process account and deleted after.

Availability, prices, quotes and writes never read the mirror: they always go to Hostaway.
"""
