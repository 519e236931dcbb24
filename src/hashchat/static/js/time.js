// Shows <time data-local> in the reader's time zone: the profile's when signed in (the same zone
// the server wrote), else the browser's.
const zone = document.body.dataset.zone || undefined;
const format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", timeZone: zone });
export function localise(root = document) {
  for (const el of root.querySelectorAll("time[data-local]")) {
    const when = new Date(el.getAttribute("datetime"));
    if (!Number.isNaN(when.valueOf())) el.textContent = format.format(when);
  }
}
localise();
