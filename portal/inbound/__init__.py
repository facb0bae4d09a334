"""The inbound mail receiver: an SMTP server (aiosmtpd) that a deployment points its reply
domain's MX and its bounce address at (README, "Inbound mail")."""
