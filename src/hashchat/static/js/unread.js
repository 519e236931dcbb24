// The number of unread notifications beside the "Notifications" link (the server counts the
// ones newer than the person's read marker), kept up to date from the person's notification
// stream: Mastodon's types arrive as "notification" events, hashchat's own as
// "chat.notification".
const TYPES = ["mention", "status", "reblog", "follow", "favourite", "poll", "update", "chat.*"];
const badge = document.querySelector("[data-unread]");

function show(count) {
  if (!count) return;
  badge.textContent = count > 99 ? "99+" : String(count);
  badge.hidden = false;
  // The link's name keeps the visible number (axe: label-content-name-mismatch):
  // "Notifications 3 unread".
  if (!badge.nextElementSibling?.matches(".dir-sr")) {
    badge.after(Object.assign(document.createElement("span"), { className: "dir-sr", textContent: " unread" }));
  }
}

if (badge) {
  let count = 0;
  const query = TYPES.map((t) => `types[]=${encodeURIComponent(t)}`).join("&");
  fetch(`/api/v1/notifications/unread_count?${query}`, { credentials: "same-origin" })
    .then((res) => (res.ok ? res.json() : null))
    .then((body) => {
      if (!body) return;
      count += body.count;
      show(count);
    })
    .catch(() => {});
  if (window.EventSource && !location.pathname.startsWith("/notifications")) {
    const stream = new EventSource("/api/v1/streaming/user/notification");
    const arrived = () => show(++count);
    stream.addEventListener("notification", arrived);
    stream.addEventListener("chat.notification", arrived);
  }
}
