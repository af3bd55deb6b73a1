"""Running unattended: the heartbeat and health check, the turn log, keys, the systemd
notifications, and the kiosk process's set-up and exit codes."""
