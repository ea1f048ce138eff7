#include "mykey/protocol/typed_text.h"

#include "mykey/testing/catch.h"

namespace mykey::protocol {
namespace {

TEST_CASE("full-width ASCII, the ideographic space and dash look-alikes fold to ASCII") {
  CHECK(FoldTypedCharacter(U'Ａ') == U'A');
  CHECK(FoldTypedCharacter(U'ｚ') == U'z');
  CHECK(FoldTypedCharacter(U'０') == U'0');
  CHECK(FoldTypedCharacter(U'９') == U'9');
  CHECK(FoldTypedCharacter(U'！') == U'!');
  CHECK(FoldTypedCharacter(U'～') == U'~');
  CHECK(FoldTypedCharacter(U'\u3000') == U' ');
  for (char32_t dash : {U'‐', U'‑', U'‒', U'–', U'—', U'―', U'−', U'ー', U'ｰ', U'－'}) {
    INFO(static_cast<uint32_t>(dash));
    CHECK(FoldTypedCharacter(dash) == U'-');
  }
  // Everything else stays as it is, case included.
  for (char32_t kept : {U'a', U'Z', U'-', U'ア', U'髙', U'\u3001', U'\uFF5F', U'\U00020BB7'}) {
    CHECK(FoldTypedCharacter(kept) == kept);
  }
}

TEST_CASE("only ASCII whitespace at the ends is trimmed") {
  CHECK(TrimAsciiWhitespace(" \t MKV:ABC\r\n") == "MKV:ABC");
  CHECK(TrimAsciiWhitespace("A B\nC") == "A B\nC");
  CHECK(TrimAsciiWhitespace("\r\n\v\f") == "");
  CHECK(TrimAsciiWhitespace("") == "");
}

TEST_CASE("typed text is folded and trimmed; invalid UTF-8 is kept for the parser to refuse") {
  CHECK(NormalizeTypedText("\u3000ＲＡ１２－３ー４\r\n") == "RA12-3-4");
  CHECK(NormalizeTypedText("髙﨑 Ｒ１") == "髙﨑 R1");
  CHECK(NormalizeTypedText("R1\xFF") == "R1\xFF");
  CHECK(NormalizeTypedText("R\xE3\x80") == "R\xE3\x80");  // truncated sequence
  CHECK(NormalizeTypedText("\xC0\xAF") == "\xC0\xAF");    // overlong '/'
}

}  // namespace
}  // namespace mykey::protocol
