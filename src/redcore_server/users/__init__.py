"""Users of an organization: the Users part of the contract."""
