// The number of unread notifications beside the "Notifications" link (the server counts the
// ones newer than the person's read marker).
const badge = document.querySelector("[data-unread]");
if (badge) {
  fetch("/api/v1/notifications/unread_count", { credentials: "same-origin" })
    .then((res) => (res.ok ? res.json() : null))
    .then((body) => {
      if (!body || !body.count) return;
      badge.textContent = body.count > 99 ? "99+" : String(body.count);
      badge.hidden = false;
      badge.parentElement.setAttribute("aria-label", `Notifications, ${body.count} unread`);
    })
    .catch(() => {});
}
