// Keeps "starts in 2 days, 3 h" / "live now" current on the page: every [data-countdown] with
// data-starts and data-ends (ISO instants) is rewritten each 20 seconds by the rules of
// directory/countdown.py. Without JavaScript the server's text stands, right as of the load.
export function countdown(starts, ends, now = Date.now()) {
  if (now >= ends) return "ended";
  if (now >= starts) return "live now";
  let minutes = Math.ceil((starts - now) / 60000);
  if (minutes < 60) return `starts in ${minutes} min`;
  let hours = Math.floor(minutes / 60);
  minutes %= 60;
  if (hours < 24) return `starts in ${hours} h${minutes ? ` ${minutes} min` : ""}`;
  const days = Math.floor(hours / 24);
  hours %= 24;
  return `starts in ${days} day${days !== 1 ? "s" : ""}${hours ? `, ${hours} h` : ""}`;
}

export function refreshCountdowns(root = document) {
  for (const node of root.querySelectorAll("[data-countdown]")) {
    const starts = Date.parse(node.dataset.starts);
    const ends = Date.parse(node.dataset.ends);
    if (Number.isNaN(starts) || Number.isNaN(ends)) continue;
    const text = countdown(starts, ends);
    if (node.textContent !== text) node.textContent = text;
    node.closest("[data-countdown-state]")?.setAttribute("data-countdown-state",
      text === "live now" ? "live" : text === "ended" ? "ended" : "soon");
  }
}

refreshCountdowns();
setInterval(refreshCountdowns, 20_000);
