"""The product catalog of an organization: the Products part of the contract."""
