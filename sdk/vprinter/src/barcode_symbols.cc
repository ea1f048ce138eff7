#include "barcode_symbols.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>

namespace mykey::vprinter {
namespace {

// EAN/UPC digit patterns, 7 modules each: L (odd parity), G (even), R (right half).
constexpr std::array<const char*, 10> kL = {"0001101", "0011001", "0010011", "0111101", "0100011",
                                            "0110001", "0101111", "0111011", "0110111", "0001011"};
constexpr std::array<const char*, 10> kG = {"0100111", "0110011", "0011011", "0100001", "0011101",
                                            "0111001", "0000101", "0010001", "0001001", "0010111"};
constexpr std::array<const char*, 10> kR = {"1110010", "1100110", "1101100", "1000010", "1011100",
                                            "1001110", "1010000", "1000100", "1001000", "1110100"};
// EAN-13: which of digits 2-7 use G, chosen by the first digit.
constexpr std::array<const char*, 10> kParity = {"LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
                                                 "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"};

// CODE39: 9 elements (bar, space, ...), bit 8 first; 1 = wide.
struct Code39Char {
  char c;
  unsigned pattern;
};
constexpr Code39Char kCode39[] = {
    {'0', 0x034}, {'1', 0x121}, {'2', 0x061}, {'3', 0x160}, {'4', 0x031}, {'5', 0x130},
    {'6', 0x070}, {'7', 0x025}, {'8', 0x124}, {'9', 0x064}, {'A', 0x109}, {'B', 0x049},
    {'C', 0x148}, {'D', 0x019}, {'E', 0x118}, {'F', 0x058}, {'G', 0x00D}, {'H', 0x10C},
    {'I', 0x04C}, {'J', 0x01C}, {'K', 0x103}, {'L', 0x043}, {'M', 0x142}, {'N', 0x013},
    {'O', 0x112}, {'P', 0x052}, {'Q', 0x007}, {'R', 0x106}, {'S', 0x046}, {'T', 0x016},
    {'U', 0x181}, {'V', 0x0C1}, {'W', 0x1C0}, {'X', 0x091}, {'Y', 0x190}, {'Z', 0x0D0},
    {'-', 0x085}, {'.', 0x184}, {' ', 0x0C4}, {'*', 0x094}, {'$', 0x0A8}, {'/', 0x0A2},
    {'+', 0x08A}, {'%', 0x02A},
};

// ITF: 5 elements per digit, 1 = wide.
constexpr std::array<const char*, 10> kItf = {"00110", "10001", "01001", "11000", "00101",
                                              "10100", "01100", "00011", "10010", "01010"};

// CODABAR (NW-7): 7 elements (bar, space, ...), 1 = wide.
struct CodabarChar {
  char c;
  const char* pattern;
};
constexpr CodabarChar kCodabar[] = {
    {'0', "0000011"}, {'1', "0000110"}, {'2', "0001001"}, {'3', "1100000"}, {'4', "0010010"},
    {'5', "1000010"}, {'6', "0100001"}, {'7', "0100100"}, {'8', "0110000"}, {'9', "1001000"},
    {'-', "0001100"}, {'$', "0011000"}, {':', "1000101"}, {'/', "1010001"}, {'.', "1010100"},
    {'+', "0010101"}, {'A', "0011010"}, {'B', "0101001"}, {'C', "0001011"}, {'D', "0001110"},
};

// The wide element for a narrow one of `narrow` dots (Epson's GS w table: 2:5, 3:8, 4:10,
// 5:13, 6:15).
int WideOf(int narrow) {
  static constexpr int kWide[] = {0, 3, 5, 8, 10, 13, 15};
  return kWide[std::clamp(narrow, 1, 6)];
}

// The value of a digit character, as an index into the tables.
size_t Digit(char c) {
  return static_cast<size_t>(c - '0');
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The EAN/UPC check digit of `digits` (without it).
char CheckDigit(std::string_view digits) {
  int sum = 0;
  int weight = 3;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    sum += (*it - '0') * weight;
    weight = 4 - weight;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

// Appends a module pattern ("1" = bar; it starts with a bar) as runs of `module` dots.
void AppendModules(std::vector<int>& runs, std::string_view modules, int module) {
  bool bar = false;
  for (char m : modules) {
    const bool dark = m == '1';
    if (runs.empty() || dark != bar) runs.push_back(0);
    bar = dark;
    runs.back() += module;
  }
}

// Appends elements ("1" = wide) alternating bar/space, starting with a bar, then a narrow gap.
void AppendElements(std::vector<int>& runs, std::string_view elements, int narrow, bool gap) {
  for (char e : elements) runs.push_back(e == '1' ? WideOf(narrow) : narrow);
  if (gap) runs.push_back(narrow);
}

// Full digits (with the check digit) of an EAN/UPC of `length` digits given `data`.
Result<std::string> WithCheckDigit(std::string_view data, size_t length) {
  if (!AllDigits(data) || (data.size() != length - 1 && data.size() != length)) {
    return Fail(ErrorCode::kInvalidArgument, "EAN/UPC data has the wrong length or a non-digit");
  }
  const char check = CheckDigit(data.substr(0, length - 1));
  if (data.size() == length && data.back() != check) {
    return Fail(ErrorCode::kInvalidArgument, "EAN/UPC check digit is wrong");
  }
  return std::string(data.substr(0, length - 1)) + check;
}

Result<BarcodeRuns> Ean13(std::string_view digits13, int module, std::string symbology,
                          std::string hri) {
  BarcodeRuns out;
  out.symbology = std::move(symbology);
  out.hri = std::move(hri);
  std::string modules = "101";
  const char* parity = kParity[Digit(digits13[0])];
  for (size_t i = 1; i <= 6; ++i) {
    const size_t d = Digit(digits13[i]);
    modules += parity[i - 1] == 'L' ? kL[d] : kG[d];
  }
  modules += "01010";
  for (size_t i = 7; i <= 12; ++i) modules += kR[Digit(digits13[i])];
  modules += "101";
  AppendModules(out.runs, modules, module);
  return out;
}

Result<BarcodeRuns> Ean8(std::string_view digits8, int module) {
  BarcodeRuns out;
  out.symbology = "EAN8";
  out.hri = std::string(digits8);
  std::string modules = "101";
  for (size_t i = 0; i < 4; ++i) modules += kL[Digit(digits8[i])];
  modules += "01010";
  for (size_t i = 4; i < 8; ++i) modules += kR[Digit(digits8[i])];
  modules += "101";
  AppendModules(out.runs, modules, module);
  return out;
}

Result<BarcodeRuns> Code39(std::string_view data, int narrow) {
  std::string text(data);
  if (!text.empty() && text.front() == '*') {
    if (text.size() < 2 || text.back() != '*') {
      return Fail(ErrorCode::kInvalidArgument,
                  "CODE39 data starts with * but does not end with it");
    }
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.find('*') != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "CODE39 data is empty or holds a '*' inside");
  }
  BarcodeRuns out;
  out.symbology = "CODE39";
  out.hri = "*" + text + "*";
  for (char c : out.hri) {
    const auto* found = std::find_if(std::begin(kCode39), std::end(kCode39),
                                     [&](const Code39Char& e) { return e.c == c; });
    if (found == std::end(kCode39)) {
      return Fail(ErrorCode::kInvalidArgument, "CODE39 data holds a character it cannot encode");
    }
    char elements[10] = {};
    for (int i = 0; i < 9; ++i) elements[i] = ((found->pattern >> (8 - i)) & 1U) != 0 ? '1' : '0';
    AppendElements(out.runs, elements, narrow, true);
  }
  out.runs.pop_back();  // no gap after the stop character
  return out;
}

Result<BarcodeRuns> Itf(std::string_view data, int narrow) {
  // An odd count: the printer ignores the last digit.
  if (data.size() % 2 != 0) data.remove_suffix(1);
  if (!AllDigits(data)) {
    return Fail(ErrorCode::kInvalidArgument, "ITF data must be pairs of digits");
  }
  BarcodeRuns out;
  out.symbology = "ITF";
  out.hri = std::string(data);
  AppendElements(out.runs, "0000", narrow, false);  // start: narrow bar, space, bar, space
  for (size_t i = 0; i < data.size(); i += 2) {
    const char* bars = kItf[Digit(data[i])];
    const char* spaces = kItf[Digit(data[i + 1])];
    for (int k = 0; k < 5; ++k) {
      out.runs.push_back(bars[k] == '1' ? WideOf(narrow) : narrow);
      out.runs.push_back(spaces[k] == '1' ? WideOf(narrow) : narrow);
    }
  }
  AppendElements(out.runs, "100", narrow, false);  // stop: wide bar, narrow space, narrow bar
  return out;
}

Result<BarcodeRuns> Codabar(std::string_view data, int narrow) {
  auto is_start_stop = [](char c) { return (c >= 'A' && c <= 'D') || (c >= 'a' && c <= 'd'); };
  if (data.size() < 3 || !is_start_stop(data.front()) || !is_start_stop(data.back())) {
    return Fail(ErrorCode::kInvalidArgument, "CODABAR data needs start and stop characters A-D");
  }
  BarcodeRuns out;
  out.symbology = "CODABAR";
  out.hri = std::string(data);
  for (size_t i = 0; i < data.size(); ++i) {
    char c = data[i];
    if (c >= 'a' && c <= 'd') c = static_cast<char>(c - 'a' + 'A');
    const bool edge = i == 0 || i + 1 == data.size();
    if (is_start_stop(c) != edge) {
      return Fail(ErrorCode::kInvalidArgument, "CODABAR start/stop characters inside the data");
    }
    const auto* found = std::find_if(std::begin(kCodabar), std::end(kCodabar),
                                     [&](const CodabarChar& e) { return e.c == c; });
    if (found == std::end(kCodabar)) {
      return Fail(ErrorCode::kInvalidArgument, "CODABAR data holds a character it cannot encode");
    }
    AppendElements(out.runs, found->pattern, narrow, i + 1 < data.size());
  }
  return out;
}

}  // namespace

int BarcodeRuns::width() const {
  return std::accumulate(runs.begin(), runs.end(), 0);
}

std::string BarcodeSystemName(int system) {
  switch (system) {
    case 0:
    case 65: return "UPC-A";
    case 1:
    case 66: return "UPC-E";
    case 2:
    case 67: return "EAN13";
    case 3:
    case 68: return "EAN8";
    case 4:
    case 69: return "CODE39";
    case 5:
    case 70: return "ITF";
    case 6:
    case 71: return "CODABAR";
    case 72: return "CODE93";
    case 73: return "CODE128";
    case 74: return "GS1-128";
    case 75: return "GS1 DataBar Omnidirectional";
    case 76: return "GS1 DataBar Truncated";
    case 77: return "GS1 DataBar Limited";
    case 78: return "GS1 DataBar Expanded";
    case 79: return "CODE128 auto";
    default: return "system " + std::to_string(system);
  }
}

Result<BarcodeRuns> EncodeBarcode(int system, std::string_view data, int module_dots) {
  const int module = std::clamp(module_dots, 1, 6);
  switch (system) {
    case 0:
    case 65: {
      MYKEY_ASSIGN_OR_RETURN(std::string digits, WithCheckDigit(data, 12));
      return Ean13("0" + digits, module, "UPC-A", digits);
    }
    case 2:
    case 67: {
      MYKEY_ASSIGN_OR_RETURN(std::string digits, WithCheckDigit(data, 13));
      return Ean13(digits, module, "EAN13", digits);
    }
    case 3:
    case 68: {
      MYKEY_ASSIGN_OR_RETURN(std::string digits, WithCheckDigit(data, 8));
      return Ean8(digits, module);
    }
    case 4:
    case 69: return Code39(data, module);
    case 5:
    case 70: return Itf(data, module);
    case 6:
    case 71: return Codabar(data, module);
    default: return Fail(ErrorCode::kUnimplemented, "barcode symbology not drawn");
  }
}

}  // namespace mykey::vprinter
