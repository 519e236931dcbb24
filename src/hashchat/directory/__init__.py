"""The chat directory: listings with schedules in every time zone, search, calendar feeds,
reminders, chat health, import and export."""
