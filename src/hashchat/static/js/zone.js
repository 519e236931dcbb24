// Pre-selects the browser's time zone in a time-zone <select data-guess-zone> left at UTC.
const select = document.querySelector("select[data-guess-zone]");
if (select && select.value === "UTC") {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && [...select.options].some((o) => o.value === zone)) select.value = zone;
}
