// Posting to Mastodon from the room (crosspost.js does the box, the status and following the post
// out): the server counts characters, a link as 23 and a mention without its domain, up to its
// own limit (read from its instance configuration when the account was linked).
import { attachCrossPost } from "./crosspost.js";

export function mastodonLength(text) {
  return [...text.replace(/https?:\/\/\S+/g, "x".repeat(23)).replace(/@(\w+)@[\w.-]+\w/g, "@$1")].length;
}

const compose = document.querySelector("[data-live-compose]");
const box = compose?.querySelector("[data-mastodon-out]");
if (compose && box) {
  attachCrossPost(compose, box, { network: "mastodon", label: "Mastodon", length: mastodonLength, limit: (linked) => linked.max_characters || 500 });
}
