// The number of unread notifications beside the "Notifications" link (the server counts the
// ones newer than the person's read marker).
const badge = document.querySelector("[data-unread]");
if (badge) {
  fetch("/api/v1/notifications/unread_count", { credentials: "same-origin" })
    .then((res) => (res.ok ? res.json() : null))
    .then((body) => {
      if (!body || !body.count) return;
      // The link's name keeps the visible number (axe: label-content-name-mismatch):
      // "Notifications 3 unread".
      badge.textContent = body.count > 99 ? "99+" : String(body.count);
      badge.hidden = false;
      if (!badge.nextElementSibling?.matches(".dir-sr")) {
        badge.after(Object.assign(document.createElement("span"), { className: "dir-sr", textContent: " unread" }));
      }
    })
    .catch(() => {});
}
