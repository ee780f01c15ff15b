"""The service: watcher, inbox, import services, warehouse and analysis."""
