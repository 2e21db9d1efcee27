"""views: what a person reads, rendered from what the jobs return. Nothing here queries.

- ``tables``: the look every table shares, and tables of amounts fitted to the console's width;
- ``aging``: aging reports as tables, CSV and JSON;
- ``orgs``: the orgs listing;
- ``progress``: the live sync display, retry lines and the sync summary;
- ``reconciliation``: a reconciliation's verdict as plain lines;
- ``measures``: customers' payment records and an org's months (DSO) as tables, CSV and JSON.

The statement PDF and the HTML report come here too.
"""
