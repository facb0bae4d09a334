"""What other systems see of the portal's data: the read API (portal/api/) and the webhooks
(services/webhooks/) show the same fields. Depends on the models only."""
