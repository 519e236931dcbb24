// The chat directory's pages, made a little friendlier; every page works without this file.
//  * Guests see times in their browser's time zone: it goes into a cookie the server reads,
//    and a page rendered before the server knew it is loaded once more.
//  * The listing form shows only the recurrence fields that apply.
//  * Buttons and forms with data-confirm ask first.

const ZONE_COOKIE = "hc_tz";

function cookie(name) {
  const found = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

function guessZone() {
  if (document.body.dataset.zone) return; // signed in: the profile's zone is used
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone || cookie(ZONE_COOKIE) === zone) return;
  // IANA names (Area/City_Name) are safe in a cookie as they are.
  document.cookie = `${ZONE_COOKIE}=${zone}; Path=/; Max-Age=31536000; SameSite=Lax`;
  const line = document.querySelector("[data-zone-source]");
  const asked = new URLSearchParams(location.search).has("tz");
  if (line && !asked && ["default", "browser"].includes(line.dataset.zoneSource)
      && !sessionStorage.getItem("hc_tz_reloaded")) {
    sessionStorage.setItem("hc_tz_reloaded", "1");
    location.reload();
  }
}

function recurrencePicker(form) {
  const radios = [...form.querySelectorAll("input[data-repeat]")];
  const parts = [...form.querySelectorAll("[data-show-for]")];
  const show = () => {
    const chosen = radios.find((r) => r.checked)?.value || "";
    for (const part of parts) part.hidden = !part.dataset.showFor.split(" ").includes(chosen);
  };
  radios.forEach((r) => r.addEventListener("change", show));
  show();
  // The weekday follows the first date until someone picks a weekday themselves.
  const date = form.querySelector("#starts_on");
  const weekday = form.querySelector("#weekday");
  let touched = false;
  weekday?.addEventListener("change", () => { touched = true; });
  date?.addEventListener("change", () => {
    if (touched || !weekday || !date.value) return;
    const day = new Date(date.value + "T12:00:00").getDay(); // 0 = Sunday
    weekday.value = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"][day];
  });
}

function confirmations() {
  for (const el of document.querySelectorAll("button[data-confirm]")) {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  }
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
}

guessZone();
for (const form of document.querySelectorAll("form[data-chat-form]")) recurrencePicker(form);
confirmations();
