#include <algorithm>
#include <string>
#include <vector>

#include "mykey/receipt/text.h"
#include "mykey/testing/catch.h"

namespace mykey::receipt {
namespace {

using Lines = std::vector<std::string>;

// Wraps `utf8` with the East Asian widths and returns the lines as UTF-8.
Lines Wrap(std::string_view utf8, int columns) {
  auto text = DecodeUtf8(utf8);
  REQUIRE(text);
  std::vector<int> widths;
  for (char32_t c : *text) widths.push_back(EastAsianWidth(c));
  Lines lines;
  for (const LineSpan& span : WrapParagraph(*text, widths, columns)) {
    REQUIRE(span.begin <= span.end);
    lines.push_back(
        EncodeUtf8(std::u32string_view(*text).substr(span.begin, span.end - span.begin)));
  }
  return lines;
}

TEST_CASE(
    "Japanese wraps between kana and kanji and fills the line instead of breaking at a space") {
  // Breaking at the last space left 11 of 32 columns on the first line.
  const char* conditions =
      "ご利用条件: さくら市内の加盟店でご利用いただけます。現金との引き換えはできません。";
  CHECK(Wrap(conditions, 32) == Lines{"ご利用条件: さくら市内の加盟店で",
                                      "ご利用いただけます。現金との引き", "換えはできません。"});
  CHECK(Wrap(conditions, 48) == Lines{"ご利用条件: さくら市内の加盟店でご利用いただけま",
                                      "す。現金との引き換えはできません。"});
}

TEST_CASE("。 never starts a line: the character before it moves down with it") {
  CHECK(Wrap("現金との引き換えはできませんので。", 32) ==
        Lines{"現金との引き換えはできませんの", "で。"});
}

TEST_CASE("Small kana and ー never start a line") {
  CHECK(Wrap("当店のおすすめはスペシャルブレンドコーヒーです。", 22) ==
        Lines{"当店のおすすめはスペ", "シャルブレンドコーヒー", "です。"});
  CHECK(Wrap("ショッピングセンターでのお買い物にご利用いただけます。", 18) ==
        Lines{"ショッピングセン", "ターでのお買い物に", "ご利用いただけま", "す。"});
  CHECK(Wrap("キャッシュレス決済でポイントが貯まります", 8) ==
        Lines{"キャッ", "シュレス", "決済でポ", "イントが", "貯まりま", "す"});
}

TEST_CASE("An opening bracket never ends a line and a closing one never starts one") {
  CHECK(
      Wrap("有効期限（2025年9月30日）を過ぎた券はご利用いただけません。", 10) ==
      Lines{"有効期限", "（2025年9", "月30日）を", "過ぎた券は", "ご利用いた", "だけませ", "ん。"});
  CHECK(Wrap("本券は「さくらプレミアムポイント」の加盟店でのみご利用いただけます。", 32) ==
        Lines{"本券は「さくらプレミアムポイン", "ト」の加盟店でのみご利用いただけ", "ます。"});
}

TEST_CASE("¥ stays with its amount and digits stay together") {
  CHECK(Wrap("合計金額は税込み¥1,210です", 16) == Lines{"合計金額は税込み", "¥1,210です"});
  CHECK(Wrap("有効期限（2025年9月30日）", 12) == Lines{"有効期限", "（2025年9月", "30日）"});
}

TEST_CASE("Half-width katakana break like kana, never before ｰ, ﾞ, ﾟ or small ｬ ｯ") {
  CHECK(Wrap("ｷｬｯｼｭﾚｽ ﾎﾟｲﾝﾄ ｻｰﾋﾞｽ", 10) == Lines{"ｷｬｯｼｭﾚｽ ﾎﾟ", "ｲﾝﾄ ｻｰﾋﾞｽ"});
  CHECK(Wrap("ｺｰﾋｰｺｰﾋｰ", 3) == Lines{"ｺｰ", "ﾋｰ", "ｺｰ", "ﾋｰ"});
}

TEST_CASE("ASCII breaks after spaces; no wrapped line starts or ends with one") {
  CHECK(Wrap("aaaaaaaaaa bbbbbbbbbb cccccccccc     dddddddddd   ", 32) ==
        Lines{"aaaaaaaaaa bbbbbbbbbb cccccccccc", "dddddddddd"});
  CHECK(Wrap("  indented text that goes on and on and on", 32) ==
        Lines{"  indented text that goes on and", "on and on"});
  CHECK(Wrap("Sakura Books 駅前店 ご来店ありがとうございました", 32) ==
        Lines{"Sakura Books 駅前店 ご来店ありが", "とうございました"});
}

TEST_CASE("A line with no break opportunity breaks before the character that overflows") {
  CHECK(Wrap("https://example.jp/vouchers/ABCDEFGHIJKLMNOPQRSTUVWXYZ", 32) ==
        Lines{"https://example.jp/vouchers/ABCD", "EFGHIJKLMNOPQRSTUVWXYZ"});
  CHECK(Wrap("。。。。。", 4) == Lines{"。。", "。。", "。"});
}

TEST_CASE("Zero-width characters stay with the character before them; U+200B is a break") {
  CHECK(Wrap("abcdefghij\u200Bklmnop", 12) == Lines{"abcdefghij\u200B", "klmnop"});
  // か + combining semi-voiced mark: never split.
  CHECK(Wrap("か\u309Aか\u309Aか\u309A", 4) == Lines{"か\u309Aか\u309A", "か\u309A"});
  // Nothing breaks around a zero-width joiner.
  CHECK(Wrap("家族\u200D族", 4) == Lines{"家", "族\u200D族"});
}

TEST_CASE("An empty paragraph is one empty line, spaces only too") {
  CHECK(Wrap("", 32) == Lines{""});
  CHECK(Wrap("   ", 32) == Lines{""});
}

TEST_CASE("Every wrapped line fits and keeps the rules, over sentences and paper widths") {
  const char* sentences[] = {
      "ご利用条件: さくら市内の加盟店でご利用いただけます。現金との引き換えはできません。",
      "本券は「さくらプレミアムポイント」の加盟店でのみご利用いただけます。おつりは出ません。",
      "ポイントカードをお持ちの方は、レジでスタッフにお申し付けください！（一部店舗を除く）",
      "ｷｬｯｼｭﾚｽ ﾎﾟｲﾝﾄ ｻｰﾋﾞｽ｡ ﾁｬｰｼﾞ ｼﾞｭｰﾌﾞﾝ ﾃﾞｽ｡",
      "Sakura Books 駅前店 (Tel. 012-345-6789) 営業時間: 10:00～20:00、年中無休。"};
  for (const char* sentence : sentences) {
    for (int columns = 16; columns <= 48; ++columns) {
      INFO(sentence << " at " << columns << " columns");
      const std::u32string text = *DecodeUtf8(sentence);
      std::vector<int> widths;
      for (char32_t c : text) widths.push_back(EastAsianWidth(c));
      const std::vector<LineSpan> lines = WrapParagraph(text, widths, columns);
      for (size_t i = 0; i < lines.size(); ++i) {
        const LineSpan& line = lines[i];
        REQUIRE(line.begin < line.end);
        int used = 0;
        for (size_t k = line.begin; k < line.end; ++k) used += widths[k];
        CHECK(used <= columns);
        CHECK(text[line.begin] != U' ');
        CHECK(text[line.end - 1] != U' ');
        if (i + 1 < lines.size()) {
          const size_t next = lines[i + 1].begin;
          // Either the break dropped spaces or it is an allowed opportunity.
          const bool spaces = std::all_of(text.begin() + static_cast<std::ptrdiff_t>(line.end),
                                          text.begin() + static_cast<std::ptrdiff_t>(next),
                                          [](char32_t c) { return c == U' '; });
          CHECK(((line.end < next && spaces) ||
                 (line.end == next && IsLineBreakAllowed(text[line.end - 1], text[next]))));
        }
      }
    }
  }
}

TEST_CASE("Break rules: after spaces, around wide characters, never before 。 or after 「") {
  CHECK(IsLineBreakAllowed(U' ', U'a'));
  CHECK_FALSE(IsLineBreakAllowed(U'a', U' '));
  CHECK_FALSE(IsLineBreakAllowed(U'a', U'b'));
  CHECK(IsLineBreakAllowed(U'有', U'効'));
  CHECK(IsLineBreakAllowed(U'a', U'有'));
  CHECK(IsLineBreakAllowed(U'有', U'1'));
  CHECK_FALSE(IsLineBreakAllowed(U'有', U'。'));
  CHECK_FALSE(IsLineBreakAllowed(U' ', U'。'));
  CHECK_FALSE(IsLineBreakAllowed(U'「', U'有'));
  CHECK_FALSE(IsLineBreakAllowed(U'(', U'有'));
  CHECK_FALSE(IsLineBreakAllowed(U'￥', U'1'));
  CHECK_FALSE(IsLineBreakAllowed(U'シ', U'ャ'));
  CHECK_FALSE(IsLineBreakAllowed(U'コ', U'ー'));
  CHECK_FALSE(IsLineBreakAllowed(U'ｺ', U'ｰ'));
  CHECK_FALSE(IsLineBreakAllowed(U'1', U'%'));
  CHECK(IsLineBreakAllowed(U'。', U'現'));
}

}  // namespace
}  // namespace mykey::receipt
