# Read by the flask command only (gunicorn ignores it): local runs default to development.
# Production sets TRACKER_ENV=production in its environment, which takes precedence.
TRACKER_ENV=development
