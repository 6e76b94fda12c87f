"""The console's pages, one module per area."""

from api.console.pages import auth, billing, contracts, dispatch, disputes

__all__ = ["auth", "billing", "contracts", "dispatch", "disputes"]
