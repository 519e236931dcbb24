"""Text parsing for hashchat: a Python port of twitter-text 3.

* Extraction of hashtags, mentions (and lists), URLs and cashtags, with code point indices.
* Weighted length and validity of a text (``parse_text``, twitter-text's ``parseTweet``)
  under the twitter-text configurations ``V1``, ``V2`` and ``V3`` (the default).
* Validators for usernames, lists, hashtags, URLs and texts.
* ``render_html``: the text escaped as HTML, with its entities linked.
* ``normalize_tag``: the key by which hashtags match case-insensitively.

It passes the twitter-text conformance suite (``extract.yml`` and ``validate.yml``), and
agrees with twitter-text 3.1.0 (JavaScript) on randomised texts, except:

* Emoji (for ``V3`` weighting) are those of Twemoji 17 (@twemoji/parser 17.0.2), not the
  older twemoji-parser 11 that twitter-text 3.1.0 bundles: newer emoji sequences weigh 2.
* JavaScript regexes work on UTF-16 code units and can start a URL match in the middle of a
  supplementary character (e.g. a domain right after an emoji or a math letter); this port
  works on whole characters, so a few such URLs differ.
* Indices are code point indices (twitter-text's JavaScript conversion to code points gets an
  index right after a supplementary character wrong); :func:`parse_text` ranges are UTF-16,
  as in twitter-text.

The hashtag, TLD and emoji tables are generated from the reference packages by
``tests/text/regenerate_data.py``.
"""

from .extract import (
    Entity,
    EntityKind,
    extract_cashtags,
    extract_cashtags_with_indices,
    extract_entities,
    extract_hashtags,
    extract_hashtags_with_indices,
    extract_mentions,
    extract_mentions_or_lists_with_indices,
    extract_mentions_with_indices,
    extract_reply_screen_name,
    extract_urls,
    extract_urls_with_indices,
    normalize_tag,
    remove_overlapping_entities,
    utf16_length,
)
from .render import LINK_REL, Link, render_html, render_links, url_href
from .validate import (
    V1,
    V2,
    V3,
    Config,
    ParsedText,
    WeightRange,
    has_invalid_characters,
    is_valid_hashtag,
    is_valid_list,
    is_valid_tweet_text,
    is_valid_url,
    is_valid_username,
    parse_text,
    utf16_to_index,
)

__all__ = [
    "LINK_REL",
    "V1",
    "V2",
    "V3",
    "Config",
    "Entity",
    "EntityKind",
    "Link",
    "ParsedText",
    "WeightRange",
    "extract_cashtags",
    "extract_cashtags_with_indices",
    "extract_entities",
    "extract_hashtags",
    "extract_hashtags_with_indices",
    "extract_mentions",
    "extract_mentions_or_lists_with_indices",
    "extract_mentions_with_indices",
    "extract_reply_screen_name",
    "extract_urls",
    "extract_urls_with_indices",
    "has_invalid_characters",
    "is_valid_hashtag",
    "is_valid_list",
    "is_valid_tweet_text",
    "is_valid_url",
    "is_valid_username",
    "normalize_tag",
    "parse_text",
    "remove_overlapping_entities",
    "render_html",
    "render_links",
    "url_href",
    "utf16_length",
    "utf16_to_index",
]
