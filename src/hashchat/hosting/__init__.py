"""Hosting a chat: sessions, question scripts, answers under questions, the Q&A board, polls,
moderation and the roles that allow each."""
