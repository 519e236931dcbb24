// Posting to Bluesky from the room (crosspost.js does the box, the status and following the post
// out): Bluesky counts graphemes, as Intl.Segmenter splits them, 300 at most.
import { attachCrossPost } from "./crosspost.js";

const segmenter = typeof Intl.Segmenter === "function" ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
export function graphemes(text) {
  if (!segmenter) return [...text].length;
  let n = 0;
  for (const _ of segmenter.segment(text)) n += 1;
  return n;
}

const compose = document.querySelector("[data-live-compose]");
const box = compose?.querySelector("[data-bluesky-out]");
if (compose && box) {
  attachCrossPost(compose, box, { network: "bluesky", label: "Bluesky", length: graphemes, limit: () => 300 });
}
