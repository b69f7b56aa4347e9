"""Demo data for a fresh install: the province's listed sellers with demo products.

``make run`` loads it through ``manage.py load_demo``; see ``market.demo.loader``.
"""
