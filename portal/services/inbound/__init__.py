"""Mail that comes in: customers' replies to a case's reply address, and delivery reports to
the bounce address. The receiver (portal/inbound/receiver.py) asks `recipients` whom a message
may be for and hands it to `storing`; the job `inbound.process_message` runs `processing`."""
