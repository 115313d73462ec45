"""Events other apps may react to, so crm never has to import them.

Each is sent only after the transaction that caused it commits; receivers should
enqueue work rather than do it, since they run inside the request that made the change.
"""

from __future__ import annotations

from django.dispatch import Signal

# An opportunity's outcome became "won" (created won, or moved to won from open or
# lost). Not sent when a deal that is already won is edited again.
# Keyword arguments: ``opportunity`` (the Opportunity), ``actor`` (User or None).
opportunity_won = Signal()
