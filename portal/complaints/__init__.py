"""The public complaint form, its confirmation link and the customer's status page."""
