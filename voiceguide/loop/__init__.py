"""The loops that run a conversation: the session with its timers, the live voice loop,
the typed chat, a scripted night, one recording asked about, and the kiosk."""
