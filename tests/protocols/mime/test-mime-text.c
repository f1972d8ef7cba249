/* test-mime-text.c: charset conversion, format=flowed, HTML to text
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "mime/pf-mime-headers.h"
#include "mime/pf-mime-text.h"

static void
assert_convert (const char *data,
                gssize      length,
                const char *charset,
                const char *expected)
{
  g_autofree char *utf8 = pf_mime_convert_to_utf8 (data, length, charset);

  g_assert_true (g_utf8_validate (utf8, -1, NULL));
  g_assert_cmpstr (utf8, ==, expected);
}

static void
test_convert_declared (void)
{
  assert_convert ("Gr\xfc\xdf" "e", -1, "ISO-8859-1", "Grüße");
  assert_convert ("\xa4 5", -1, "iso-8859-15", "€ 5");
  assert_convert ("\x93" "a" "\x94", -1, "windows-1252", "“a”");
  /* Declared Latin-1 with windows-1252 quotes, as browsers read it. */
  assert_convert ("\x93" "a" "\x94", -1, "iso-8859-1", "“a”");
  assert_convert ("\x93\xfa\x96\x7b", -1, "Shift_JIS", "日本");
  assert_convert ("\x1b$BF|K\\\x1b(B", -1, "ISO-2022-JP", "日本");
  assert_convert ("\xc4\xe3\xba\xc3", -1, "gb2312", "你好");
  assert_convert ("\xf0\xd2\xc9\xd7\xc5\xd4", -1, "koi8-r", "Привет");
  assert_convert ("", 0, "utf-8", "");
}

static void
test_convert_fallback (void)
{
  /* Unknown charset: valid UTF-8 stays, else windows-1252. */
  assert_convert ("caf\xc3\xa9", -1, "x-unknown", "café");
  assert_convert ("caf\xe9", -1, "x-unknown", "café");
  /* No charset, 8-bit: UTF-8 if it is, else windows-1252. */
  assert_convert ("\xc3\xa4", -1, NULL, "ä");
  assert_convert ("\x80 \xe4", -1, NULL, "€ ä");
  /* US-ASCII is often a lie. */
  assert_convert ("\xc3\xa4", -1, "us-ascii", "ä");
  /* A byte windows-1252 leaves undefined becomes U+FFFD. */
  assert_convert ("\x81\xe4", -1, NULL, "\xef\xbf\xbdä");
  /* Declared UTF-8 with a bad byte: only that byte is replaced. */
  assert_convert ("g\xc3\xbcltig \xff ok", -1, "utf-8", "gültig \xef\xbf\xbd ok");
  /* Mostly wrong for the declared charset: the fallback wins. */
  assert_convert ("\xe4\xf6\xfc\xe4\xf6\xfc\xe4\xf6\xfc\xe4\xf6", -1, "utf-8", "äöüäöüäöüäö");
  assert_convert ("\xe4 \xf6 \xfc \xe4 \xf6 \xfc ", -1, "Shift_JIS", "ä ö ü ä ö ü ");
  /* A NUL byte cannot end up in a C string. */
  assert_convert ("a\0b", 3, "utf-8", "a\xef\xbf\xbd" "b");
}

static void
test_flowed (void)
{
  struct
  {
    const char *input;
    gboolean    delsp;
    const char *expected;
  } cases[] = {
    { "one \ntwo\n", FALSE, "one two\n" },
    { "lan\ngu\n", FALSE, "lan\ngu\n" },
    { "lan \nge\n", TRUE, "lange\n" },
    { "a \r\nb\r\n", FALSE, "a b\n" },
    /* Space-stuffing is undone (RFC 3676 §4.4). */
    { " From here\n  two\n", FALSE, "From here\n two\n" },
    /* Quote depth: only lines of the same depth join (§4.5). */
    { "> a \n> b\n>> c \n> d\n", FALSE, "> a b\n>> c \n> d\n" },
    { ">> x \n>> y \n>>z\n", FALSE, ">> x y z\n" },
    /* The signature separator is never flowed (§4.3). */
    { "text\n-- \nsig\n", FALSE, "text\n-- \nsig\n" },
    { "no end \n", FALSE, "no end " },
    { "", FALSE, "" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = pf_mime_decode_flowed (cases[i].input, cases[i].delsp);

      g_test_message ("case %u: %s", i, cases[i].input);
      g_assert_cmpstr (out, ==, cases[i].expected);
    }
}

static void
assert_html (const char *html,
             const char *expected)
{
  g_autofree char *text = pf_mime_html_to_text (html, -1);

  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_cmpstr (text, ==, expected);
}

static void
test_html_basic (void)
{
  assert_html ("<p>Hello <b>World</b></p><p>Second</p>", "Hello World\n\nSecond");
  assert_html ("a<br>b<br/><br>c", "a\nb\n\nc");
  assert_html ("<div>one</div><div>two</div>", "one\ntwo");
  assert_html ("  lots   of \n\n  space  ", "lots of space");
  assert_html ("<ul><li>x</li><li>y</li></ul>after", "• x\n• y\n\nafter");
  assert_html ("<table><tr><td>A</td><td>B</td></tr><tr><td>C</td></tr></table>", "A B\nC");
  assert_html ("<pre>  keep\n    this</pre>", "  keep\n    this");
  assert_html ("<h1>Title</h1>Text", "Title\n\nText");
}

static void
test_html_skipped (void)
{
  assert_html ("<html><head><title>T</title><style>p{}</style></head><body>Body</body></html>",
               "Body");
  assert_html ("before<script type=\"text/javascript\">if (a < b) alert('<p>')</script>after",
               "beforeafter");
  assert_html ("x<STYLE>.a{}</STYLE >y", "xy");
  assert_html ("a<!-- <p>hidden</p> -->b", "ab");
  assert_html ("<!DOCTYPE html><?xml version=\"1.0\"?>text", "text");
  /* An unclosed script hides the rest; an unclosed head does not. */
  assert_html ("a<script>never closed", "a");
  assert_html ("<head><meta charset=utf-8>Body without head end", "Body without head end");
  /* '>' inside a quoted attribute value does not end the tag. */
  assert_html ("<a title=\"x > y\" href='>'>link</a>", "link");
}

static void
test_html_entities (void)
{
  assert_html ("&lt;tag&gt; &amp; &quot;q&quot; &apos;", "<tag> & \"q\" '");
  assert_html ("&auml;&ouml;&uuml;&szlig;&euro;&hellip;&mdash;", "äöüß€…—");
  assert_html ("&#8364;&#x263a;&#X41;&#65", "€☺AA");
  assert_html ("a&nbsp;b", "a b");
  assert_html ("&unknown; & &#; &#xZZ;", "&unknown; & &#; &#xZZ;");
  assert_html ("&#0;&#xD800;&#x110000;", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  assert_html ("1 < 2", "1 < 2");
}

static void
test_html_broken (void)
{
  g_autofree char *text = NULL;

  assert_html ("", "");
  assert_html ("<", "<");
  assert_html ("<p", "");
  assert_html ("text<b unterminated", "text");
  assert_html ("<<<>>>", "<<<>>>");
  text = pf_mime_html_to_text ("a\xff<b>b\xc3</b>", -1);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_cmpstr (text, ==, "a\xef\xbf\xbd" "b\xef\xbf\xbd");
}

static void
test_html_linear (void)
{
  /* Pathological input stays linear: many unclosed comments and tags. */
  g_autoptr(GString) html = g_string_new (NULL);
  g_autofree char *text = NULL;
  gint64 start;
  guint i;

  for (i = 0; i < 50000; i++)
    g_string_append (html, "<b>&amp;<!- <td>\"'=");
  start = g_get_monotonic_time ();
  text = pf_mime_html_to_text (html->str, html->len);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_test_message ("%" G_GSIZE_FORMAT " bytes in %" G_GINT64_FORMAT " µs", html->len,
                  g_get_monotonic_time () - start);
}

static void
test_preview (void)
{
  struct
  {
    const char *text;
    guint       max;
    const char *expected;
  } cases[] = {
    { "  Hello\n\n  World\t!  ", 200, "Hello World !" },
    { "> quoted\nOn Monday you wrote:\n> more\nAnswer", 200, "On Monday you wrote: Answer" },
    { "> only quotes\n> here", 200, "> only quotes > here" },
    { "Text\n-- \nSignature", 200, "Text" },
    { "äöüäöü", 3, "äöü" },
    { "", 200, "" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *preview = pf_mime_make_preview (cases[i].text, cases[i].max);

      g_assert_cmpstr (preview, ==, cases[i].expected);
    }
}

static void
test_decode_header_text (void)
{
  struct
  {
    const char *raw;
    const char *expected;
  } cases[] = {
    { "=?ISO-8859-1?Q?Gr=FC=DFe?=", "Grüße" },
    { "=?windows-1252?Q?=93Hi=94?=", "“Hi”" },
    { "=?UTF-8?B?w6TDtsO8?= =?UTF-8?B?w58=?=", "äöüß" },
    { "=?Shift_JIS?B?k/qWe4zq?=", "日本語" },
    { "=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab" },
    { "plain\r\n folded", "plain folded" },
    { "Gr\xfc\xdf" "e", "Grüße" },
    { "Gr\xc3\xbc\xc3\x9f" "e", "Grüße" },
    { "=?utf-8?q?line=0Abreak?=", "line break" },
  };
  guint i;

  /* An unknown charset still gives valid UTF-8. */
  {
    g_autofree char *decoded = pf_mime_decode_header_text ("=?x-unknown?q?caf=E9?= ok");

    g_assert_true (g_utf8_validate (decoded, -1, NULL));
    g_assert_true (g_str_has_prefix (decoded, "caf"));
    g_assert_true (g_str_has_suffix (decoded, " ok"));
  }

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *decoded = pf_mime_decode_header_text (cases[i].raw);
      g_autofree char *escaped = g_strescape (cases[i].raw, NULL);

      g_test_message ("case %u: %s", i, escaped);
      g_assert_cmpstr (decoded, ==, cases[i].expected);
    }
}

static void
test_decode_address_list (void)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *display = NULL;
  PfMimeAddress *address;

  list = pf_mime_address_list_parse ("=?UTF-8?Q?J=C3=B6rg?= <joerg@example.org>, "
                                     "\"Doe, John\" <john@example.com>, plain@example.net, "
                                     "Group: a@example.org, b@example.org;, "
                                     "Gr\xfc\xdf <latin@example.org>");
  g_assert_cmpuint (list->len, ==, 6);
  address = g_ptr_array_index (list, 0);
  g_assert_cmpstr (address->name, ==, "Jörg");
  g_assert_cmpstr (address->address, ==, "joerg@example.org");
  address = g_ptr_array_index (list, 1);
  g_assert_cmpstr (address->name, ==, "Doe, John");
  address = g_ptr_array_index (list, 2);
  g_assert_null (address->name);
  g_assert_cmpstr (address->address, ==, "plain@example.net");
  address = g_ptr_array_index (list, 4);
  g_assert_cmpstr (address->address, ==, "b@example.org");
  address = g_ptr_array_index (list, 5);
  g_assert_cmpstr (address->name, ==, "Grüß");

  display = pf_mime_decode_address_list ("=?ISO-8859-1?Q?Ren=E9?= <rene@example.fr>, x@y.z");
  g_assert_cmpstr (display, ==, "René <rene@example.fr>, x@y.z");

  g_clear_pointer (&list, g_ptr_array_unref);
  list = pf_mime_address_list_parse ("");
  g_assert_cmpuint (list->len, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mime/text/convert/declared", test_convert_declared);
  g_test_add_func ("/mime/text/convert/fallback", test_convert_fallback);
  g_test_add_func ("/mime/text/flowed", test_flowed);
  g_test_add_func ("/mime/text/html/basic", test_html_basic);
  g_test_add_func ("/mime/text/html/skipped", test_html_skipped);
  g_test_add_func ("/mime/text/html/entities", test_html_entities);
  g_test_add_func ("/mime/text/html/broken", test_html_broken);
  g_test_add_func ("/mime/text/html/linear", test_html_linear);
  g_test_add_func ("/mime/text/preview", test_preview);
  g_test_add_func ("/mime/headers/decode-text", test_decode_header_text);
  g_test_add_func ("/mime/headers/decode-address-list", test_decode_address_list);

  return g_test_run ();
}
