#include "mykey/protocol/voucher_serial.h"

#include <random>
#include <set>

#include "mykey/protocol/errors.h"
#include "mykey/testing/catch.h"

namespace mykey::protocol {
namespace {

std::vector<VoucherSerial> SampleSerials() {
  std::vector<VoucherSerial> serials = {
      VoucherSerial(), VoucherSerial::FromValue(1).value(),
      VoucherSerial::FromValue(VoucherSerial::kValueLimit - 1).value()};
  std::mt19937_64 generator(31);
  std::uniform_int_distribution<uint64_t> value(0, VoucherSerial::kValueLimit - 1);
  while (serials.size() < 300)
    serials.push_back(VoucherSerial::FromValue(value(generator)).value());
  return serials;
}

TEST_CASE("a voucher serial prints as three groups with the check symbol last") {
  const VoucherSerial zero;
  CHECK(zero.ToString() == "2222-2222-22");
  const VoucherSerial serial = VoucherSerial::FromValue(123'456'789'012).value();
  const std::string text = serial.ToString();
  REQUIRE(text.size() == 12);
  CHECK(text[4] == '-');
  CHECK(text[9] == '-');
  CHECK(serial.Symbols() == text.substr(0, 4) + text.substr(5, 4) + text.substr(10));
  CHECK(VoucherSerial::CheckSymbol(serial.Symbols().substr(0, 9)).value() == text.back());
  CHECK(VoucherSerial::FromValue(VoucherSerial::kValueLimit - 1).value().ToString().substr(0, 11) ==
        "ZZZZ-ZZZZ-Z");
}

TEST_CASE("a voucher serial's alphabet has no look-alike characters") {
  CHECK(VoucherSerial::kAlphabet.size() == 31);
  for (char excluded : {'0', '1', 'I', 'O', 'U'}) {
    CHECK(VoucherSerial::kAlphabet.find(excluded) == std::string_view::npos);
  }
}

TEST_CASE("voucher serials round-trip through their text, ignoring case and separators") {
  for (const VoucherSerial& serial : SampleSerials()) {
    const std::string text = serial.ToString();
    REQUIRE(VoucherSerial::Parse(text).value() == serial);
    std::string typed;
    for (char c : serial.Symbols()) {
      typed.push_back(static_cast<char>(c >= 'A' ? c - 'A' + 'a' : c));
      typed.push_back(' ');
    }
    REQUIRE(VoucherSerial::Parse(typed).value() == serial);
  }
}

TEST_CASE("the check symbol catches every single substitution over a sample") {
  size_t tried = 0;
  for (const VoucherSerial& serial : SampleSerials()) {
    const std::string symbols = serial.Symbols();
    for (size_t at = 0; at < symbols.size(); ++at) {
      for (char replacement : VoucherSerial::kAlphabet) {
        if (replacement == symbols[at]) continue;
        std::string typo = symbols;
        typo[at] = replacement;
        auto parsed = VoucherSerial::Parse(typo);
        ++tried;
        INFO(symbols << " -> " << typo);
        REQUIRE_FALSE(parsed);
        REQUIRE(IsVoucherSerialCheckMismatch(parsed.error()));
      }
    }
  }
  CHECK(tried == 300 * 10 * 30);
}

TEST_CASE("the check symbol catches every adjacent transposition over a sample") {
  size_t tried = 0;
  for (const VoucherSerial& serial : SampleSerials()) {
    const std::string symbols = serial.Symbols();
    for (size_t at = 0; at + 1 < symbols.size(); ++at) {
      if (symbols[at] == symbols[at + 1]) continue;
      std::string swapped = symbols;
      std::swap(swapped[at], swapped[at + 1]);
      auto parsed = VoucherSerial::Parse(swapped);
      ++tried;
      INFO(symbols << " -> " << swapped);
      REQUIRE_FALSE(parsed);
      REQUIRE(IsVoucherSerialCheckMismatch(parsed.error()));
    }
  }
  CHECK(tried > 2000);
}

TEST_CASE("a serial with a character outside the alphabet is refused with its position") {
  for (std::string_view text : {"0KQ4-MX2P-R9", "7KQ4-MX2P-R1", "7KQ4-MXOP-R9", "7KQ4_MX2P-R9"}) {
    INFO(text);
    auto parsed = VoucherSerial::Parse(text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code() == ErrorCode::kInvalidArgument);
    CHECK(parsed.error().domain() == ErrorDomain::kParse);
    CHECK_FALSE(IsVoucherSerialCheckMismatch(parsed.error()));
  }
  CHECK(VoucherSerial::Parse("7KQ4-MXOP-R9").error().detail() == 7);
}

// The full-width form of an ASCII string, as a Japanese IME types it.
std::string FullWidth(std::string_view ascii) {
  std::string out;
  for (char c : ascii) {
    const char32_t wide = 0xFF01 + static_cast<char32_t>(c - 0x21);
    out.push_back(static_cast<char>(0xE0 | (wide >> 12)));
    out.push_back(static_cast<char>(0x80 | ((wide >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (wide & 0x3F)));
  }
  return out;
}

TEST_CASE("a serial typed with a Japanese IME or pasted with a line end parses") {
  const VoucherSerial serial = VoucherSerial::FromValue(9'876'543'210'123).value();
  const std::string symbols = serial.Symbols();
  const std::string a = symbols.substr(0, 4), b = symbols.substr(4, 4), c = symbols.substr(8);
  std::vector<std::string> typed = {
      FullWidth(a) + "－" + FullWidth(b) + "－" + FullWidth(c),  // all full-width
      a + "\u3000" + b + "\u3000" + c,                           // ideographic spaces
      a + "ー" + b + "ｰ" + c,                                    // katakana prolonged marks
      a + "\u2212" + b + "\u2010" + c,                           // minus sign, hyphen
      a + "\u2011" + b + "\u2013" + c,                           // non-breaking hyphen, en dash
      a + "\u2014" + b + "-" + c,                                // em dash
      serial.ToString() + "\n",                                  // pasted with LF
      serial.ToString() + "\r\n",                                // pasted with CR LF
      " \t" + serial.ToString() + " \r\n",                       // whitespace at both ends
      "\u3000" + serial.ToString() + "\u3000",                   // ideographic spaces around
  };
  std::string lower;
  for (char ch : symbols) lower += ch >= 'A' ? static_cast<char>(ch - 'A' + 'a') : ch;
  typed.push_back(FullWidth(lower));  // full-width lower case
  for (const std::string& text : typed) {
    INFO(text);
    auto parsed = VoucherSerial::Parse(text);
    REQUIRE(parsed);
    CHECK(*parsed == serial);
  }
  CHECK(VoucherSerial::Parse("ＨＸＫＨ－ＤＹＲ２－ＭＺ").value().ToString() == "HXKH-DYR2-MZ");
}

TEST_CASE("whitespace inside a serial other than spaces, and bytes that are not UTF-8, refuse") {
  const std::string text = VoucherSerial::FromValue(42).value().ToString();
  for (const std::string& bad :
       {text.substr(0, 4) + "\n" + text.substr(4), text.substr(0, 4) + "\t" + text.substr(5),
        text.substr(0, 4) + "\xE3\x80" + text.substr(5), text + "\xFF", text + "\u3001"}) {
    INFO(bad);
    auto parsed = VoucherSerial::Parse(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().domain() == ErrorDomain::kParse);
  }
  // The offset is the byte offset in the text as given, past full-width characters.
  auto parsed = VoucherSerial::Parse(" " + FullWidth("7KQ4") + "-MXOP-R9");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().detail() == 1 + 12 + 3);
}

TEST_CASE("a serial with too few or too many symbols is refused, not as a check mismatch") {
  const std::string symbols = VoucherSerial::FromValue(42).value().Symbols();
  for (const std::string& text : {std::string(), symbols.substr(0, 9), symbols + "2"}) {
    INFO(text);
    auto parsed = VoucherSerial::Parse(text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code() == ErrorCode::kInvalidArgument);
    CHECK_FALSE(IsVoucherSerialCheckMismatch(parsed.error()));
  }
}

TEST_CASE("serial values at or above 31^9 are refused") {
  CHECK(VoucherSerial::FromValue(VoucherSerial::kValueLimit).error().code() ==
        ErrorCode::kInvalidArgument);
}

TEST_CASE("generated serials are in range, repeatable from a seed, and spread out") {
  auto random_a = crypto::DeterministicRandom::Create(ViewOf("serial"), ViewOf("a"));
  auto random_b = crypto::DeterministicRandom::Create(ViewOf("serial"), ViewOf("a"));
  std::set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const VoucherSerial a = VoucherSerial::Generate(**random_a).value();
    const VoucherSerial b = VoucherSerial::Generate(**random_b).value();
    REQUIRE(a == b);
    REQUIRE(a.value() < VoucherSerial::kValueLimit);
    seen.insert(a.value());
  }
  CHECK(seen.size() == 1000);
}

}  // namespace
}  // namespace mykey::protocol
