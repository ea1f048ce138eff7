// mykey-testjpki: makes a deterministic test JPKI (CA generations, personalised
// emulated cards, CRLs). Exit codes: 0 ok, 1 failure, 2 usage error.

#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/crypto/x509.h"
#include "mykey/jpki_emulator/personalisation.h"
#include "mykey/testjpki/test_pki.h"

namespace {

using namespace std::chrono;
using mykey::testjpki::CaKind;
using mykey::testjpki::TestPki;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr const char* kMainHelp = R"(usage: mykey-testjpki <command> [options]

Makes a deterministic test JPKI with the real profile (TEST in the DN). Test
material only: the seed is the private keys.

commands:
  init   create the CA hierarchy (auth and signature CAs, several generations)
  card   issue certificates and write an emulated card's personalisation file
  crl    write a DER CRL signed by one CA generation

Run 'mykey-testjpki <command> --help' for a command's options.
Exit codes: 0 ok, 1 failure, 2 usage error.
)";

constexpr const char* kInitHelp =
    R"(usage: mykey-testjpki init --seed TEXT --out DIR [--generations 2015,2019,2023]

Writes DIR/auth-ca-<gen>.der and .pem, DIR/sign-ca-<gen>.der and .pem, the CA
private keys in DIR/private/ (mode 0600) and DIR/testjpki.json.
)";

constexpr const char* kCardHelp =
    R"(usage: mykey-testjpki card --pki DIR --out card.json --index N [options]

Issues an auth and a signature certificate for holder N and writes a
personalisation file for the JPKI card emulator. Prints the auth
certificate's serial (hex), CN and validity.

options:
  --pin 1234                 auth PIN, 4 digits (default 1234)
  --sign-password ABC123     signature password, 6-16 of A-Z 0-9 (default ABC123)
  --token TYPE               plastic-card | android-phone | iphone (default plastic-card)
  --generation YEAR          CA generation (default: latest started by the issue date)
  --expired                  issued 6 years before --now: already expired
  --not-yet-valid            issued 30 days after --now
  --tries-left N             auth PIN tries left, 0..3 (0: blocked)
  --sign-tries-left N        signature password tries left, 0..5
  --counter-file PATH        where the emulator persists PIN counters
  --issued YYYY-MM-DD        issue date (default --now)
  --birthday MM-DD           holder's birthday (default derived from the seed)
  --card-expires YYYY-MM-DD  card expiry (default 10th birthday after issue)
  --now YYYY-MM-DD           today, for defaults (default: the system date)
)";

constexpr const char* kCrlHelp = R"(usage: mykey-testjpki crl --pki DIR --out crl.der [options]

Writes a DER X.509 v2 CRL.

options:
  --revoke SERIALHEX         revoke this serial (repeatable)
  --revoke-card card.json    revoke the auth certificate of this card (repeatable)
  --random N                 also revoke N random serials (from the seed)
  --ca auth|sign             which hierarchy (default auth)
  --generation YEAR          signing CA generation (default: latest)
  --this-update YYYY-MM-DD   thisUpdate (default --now)
  --next-update YYYY-MM-DD   nextUpdate (default thisUpdate + 1 day)
  --crl-number N             cRLNumber (default: days since 1970 of thisUpdate)
  --now YYYY-MM-DD           today, for defaults (default: the system date)
)";

/// Parsed command line: options with values (repeatable) and flags.
struct Args {
  std::map<std::string, std::vector<std::string>> values;
  std::set<std::string> flags;
  bool help = false;

  bool Has(const std::string& name) const { return values.count(name) || flags.count(name); }
  const std::string* Get(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second.back();
  }
};

int Usage(const std::string& message, const char* help) {
  std::cerr << "mykey-testjpki: " << message << "\n\n" << help;
  return kExitUsage;
}

int Failure(const std::string& what, const mykey::Error& error) {
  std::cerr << "mykey-testjpki: " << what << ": " << error.ToString() << "\n";
  return kExitFailure;
}

/// Parses argv[2..]; returns false (and prints) on an unknown option.
bool Parse(int argc, char** argv, const std::set<std::string>& value_options,
           const std::set<std::string>& flag_options, const char* help, Args& out) {
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      continue;
    }
    std::string value;
    bool has_inline_value = false;
    if (const size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_inline_value = true;
    }
    if (value_options.count(arg)) {
      if (!has_inline_value) {
        if (i + 1 >= argc) {
          Usage(arg + " needs a value", help);
          return false;
        }
        value = argv[++i];
      }
      out.values[arg].push_back(value);
    } else if (flag_options.count(arg) && !has_inline_value) {
      out.flags.insert(arg);
    } else {
      Usage("unknown option " + arg, help);
      return false;
    }
  }
  return true;
}

template <typename T>
bool ParseNumber(const std::string& text, T& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

/// --now or today's date (UTC).
bool Now(const Args& args, sys_days& out, const char* help) {
  if (const std::string* now = args.Get("--now")) {
    auto day = mykey::testjpki::ParseDate(*now);
    if (!day) {
      Usage("--now: " + std::string(day.error().message()), help);
      return false;
    }
    out = *day;
  } else {
    out = floor<days>(system_clock::now());
  }
  return true;
}

int Init(int argc, char** argv) {
  Args args;
  if (!Parse(argc, argv, {"--seed", "--out", "--generations"}, {}, kInitHelp, args)) {
    return kExitUsage;
  }
  if (args.help) {
    std::cout << kInitHelp;
    return kExitOk;
  }
  const std::string* seed = args.Get("--seed");
  const std::string* out = args.Get("--out");
  if (!seed || seed->empty()) return Usage("--seed is required", kInitHelp);
  if (!out || out->empty()) return Usage("--out is required", kInitHelp);
  std::vector<int> generations = mykey::testjpki::kDefaultGenerations;
  if (const std::string* list = args.Get("--generations")) {
    generations.clear();
    size_t start = 0;
    while (start <= list->size()) {
      const size_t comma = list->find(',', start);
      const std::string item =
          list->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      int year = 0;
      if (!ParseNumber(item, year)) return Usage("--generations: not a year: " + item, kInitHelp);
      generations.push_back(year);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  auto pki = TestPki::Create(*seed, generations);
  if (!pki) {
    if (pki.error().code() == mykey::ErrorCode::kInvalidArgument) {
      return Usage(pki.error().message(), kInitHelp);
    }
    return Failure("cannot create the hierarchy", pki.error());
  }
  if (auto saved = pki->Save(*out); !saved) return Failure("cannot write " + *out, saved.error());
  for (int generation : pki->generations()) {
    auto ca = pki->Ca(CaKind::kAuth, generation);
    std::cout << "auth-ca-" << generation << " " << (*ca)->certificate.SerialHex() << "\n";
  }
  return kExitOk;
}

int Card(int argc, char** argv) {
  Args args;
  if (!Parse(argc, argv,
             {"--pki", "--out", "--index", "--pin", "--sign-password", "--token", "--generation",
              "--tries-left", "--sign-tries-left", "--counter-file", "--issued", "--birthday",
              "--card-expires", "--now"},
             {"--expired", "--not-yet-valid"}, kCardHelp, args)) {
    return kExitUsage;
  }
  if (args.help) {
    std::cout << kCardHelp;
    return kExitOk;
  }
  const std::string* pki_dir = args.Get("--pki");
  const std::string* out = args.Get("--out");
  const std::string* index = args.Get("--index");
  if (!pki_dir) return Usage("--pki is required", kCardHelp);
  if (!out) return Usage("--out is required", kCardHelp);
  if (!index) return Usage("--index is required", kCardHelp);

  mykey::testjpki::CardOptions options;
  if (!ParseNumber(*index, options.index)) return Usage("--index: not a number", kCardHelp);
  if (!Now(args, options.now, kCardHelp)) return kExitUsage;
  if (const std::string* v = args.Get("--pin")) options.auth_pin = *v;
  if (const std::string* v = args.Get("--sign-password")) options.sign_password = *v;
  if (const std::string* v = args.Get("--token")) {
    auto type = mykey::jpki::TokenTypeFromName(*v);
    if (!type || *type == mykey::jpki::TokenType::kJukiCard) {
      return Usage("--token: plastic-card, android-phone or iphone", kCardHelp);
    }
    options.token_type = *type;
  }
  if (const std::string* v = args.Get("--generation")) {
    if (!ParseNumber(*v, options.generation)) return Usage("--generation: not a year", kCardHelp);
  }
  if (args.Has("--expired") && args.Has("--not-yet-valid")) {
    return Usage("--expired and --not-yet-valid exclude each other", kCardHelp);
  }
  if (args.Has("--expired")) options.validity = mykey::testjpki::CardValidity::kExpired;
  if (args.Has("--not-yet-valid")) options.validity = mykey::testjpki::CardValidity::kNotYetValid;
  if (const std::string* v = args.Get("--tries-left")) {
    if (!ParseNumber(*v, options.auth_pin_tries_left)) {
      return Usage("--tries-left: not a number", kCardHelp);
    }
  }
  if (const std::string* v = args.Get("--sign-tries-left")) {
    if (!ParseNumber(*v, options.sign_password_tries_left)) {
      return Usage("--sign-tries-left: not a number", kCardHelp);
    }
  }
  if (const std::string* v = args.Get("--counter-file")) options.counter_file = *v;
  for (const char* name : {"--issued", "--card-expires"}) {
    if (const std::string* v = args.Get(name)) {
      auto day = mykey::testjpki::ParseDate(*v);
      if (!day) return Usage(std::string(name) + ": " + day.error().message(), kCardHelp);
      (std::string_view(name) == "--issued" ? options.issued : options.card_expiry) = *day;
    }
  }
  if (const std::string* v = args.Get("--birthday")) {
    auto birthday = mykey::testjpki::ParseMonthDay(*v);
    if (!birthday)
      return Usage("--birthday: " + std::string(birthday.error().message()), kCardHelp);
    options.birthday = *birthday;
  }

  auto pki = TestPki::Load(*pki_dir);
  if (!pki) return Failure("cannot load the test PKI from " + *pki_dir, pki.error());
  auto card = pki->IssueCard(options);
  if (!card) {
    if (card.error().code() == mykey::ErrorCode::kInvalidArgument) {
      return Usage(card.error().message(), kCardHelp);
    }
    return Failure("cannot issue the card", card.error());
  }
  if (auto saved = mykey::jpki::SavePersonalisation(card->personalisation, *out); !saved) {
    return Failure("cannot write " + *out, saved.error());
  }
  const mykey::crypto::Certificate& cert = card->auth_certificate;
  std::cout << "serial " << cert.SerialHex() << "\n"
            << "cn " << cert.subject_common_name() << "\n"
            << "generation " << card->generation << "\n"
            << "not-before " << mykey::testjpki::FormatDate(floor<days>(cert.not_before())) << "\n"
            << "not-after " << mykey::testjpki::FormatDate(floor<days>(cert.not_after())) << "\n";
  return kExitOk;
}

int Crl(int argc, char** argv) {
  Args args;
  if (!Parse(argc, argv,
             {"--pki", "--out", "--revoke", "--revoke-card", "--random", "--ca", "--generation",
              "--this-update", "--next-update", "--crl-number", "--now"},
             {}, kCrlHelp, args)) {
    return kExitUsage;
  }
  if (args.help) {
    std::cout << kCrlHelp;
    return kExitOk;
  }
  const std::string* pki_dir = args.Get("--pki");
  const std::string* out = args.Get("--out");
  if (!pki_dir) return Usage("--pki is required", kCrlHelp);
  if (!out) return Usage("--out is required", kCrlHelp);

  mykey::testjpki::CrlOptions options;
  sys_days now{};
  if (!Now(args, now, kCrlHelp)) return kExitUsage;
  options.this_update = now;
  if (const std::string* v = args.Get("--ca")) {
    if (*v == "auth") {
      options.kind = CaKind::kAuth;
    } else if (*v == "sign") {
      options.kind = CaKind::kSign;
    } else {
      return Usage("--ca: auth or sign", kCrlHelp);
    }
  }
  if (const std::string* v = args.Get("--generation")) {
    if (!ParseNumber(*v, options.generation)) return Usage("--generation: not a year", kCrlHelp);
  }
  if (const std::string* v = args.Get("--this-update")) {
    auto day = mykey::testjpki::ParseDate(*v);
    if (!day) return Usage("--this-update: " + std::string(day.error().message()), kCrlHelp);
    options.this_update = *day;
  }
  if (const std::string* v = args.Get("--next-update")) {
    auto day = mykey::testjpki::ParseDate(*v);
    if (!day) return Usage("--next-update: " + std::string(day.error().message()), kCrlHelp);
    options.next_update = sys_seconds(*day);
  }
  if (const std::string* v = args.Get("--crl-number")) {
    uint64_t number = 0;
    if (!ParseNumber(*v, number)) return Usage("--crl-number: not a number", kCrlHelp);
    options.crl_number = number;
  }
  if (const std::string* v = args.Get("--random")) {
    if (!ParseNumber(*v, options.random_count)) return Usage("--random: not a number", kCrlHelp);
  }
  if (auto it = args.values.find("--revoke"); it != args.values.end()) {
    for (const std::string& hex : it->second) {
      auto serial = mykey::FromHex(hex);
      if (!serial || serial->empty() || serial->size() > 20) {
        return Usage("--revoke: not a serial in hex: " + hex, kCrlHelp);
      }
      options.serials.push_back(std::move(*serial));
    }
  }
  if (auto it = args.values.find("--revoke-card"); it != args.values.end()) {
    for (const std::string& path : it->second) {
      auto card = mykey::jpki::LoadPersonalisation(path);
      if (!card) return Failure("cannot read " + path, card.error());
      auto cert = mykey::crypto::Certificate::FromDer(card->auth_certificate);
      if (!cert) return Failure("bad auth certificate in " + path, cert.error());
      options.serials.push_back(cert->serial());
    }
  }

  auto pki = TestPki::Load(*pki_dir);
  if (!pki) return Failure("cannot load the test PKI from " + *pki_dir, pki.error());
  auto der = pki->MakeCrl(options);
  if (!der) {
    if (der.error().code() == mykey::ErrorCode::kNotFound) {
      return Usage("--generation: no such CA generation", kCrlHelp);
    }
    return Failure("cannot make the CRL", der.error());
  }
  FILE* file = std::fopen(out->c_str(), "wb");
  if (file == nullptr || std::fwrite(der->data(), 1, der->size(), file) != der->size()) {
    if (file) std::fclose(file);
    std::cerr << "mykey-testjpki: cannot write " << *out << "\n";
    return kExitFailure;
  }
  if (std::fclose(file) != 0) {
    std::cerr << "mykey-testjpki: cannot write " << *out << "\n";
    return kExitFailure;
  }
  std::cout << "revoked " << options.serials.size() + options.random_count << "\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kMainHelp;
    return kExitUsage;
  }
  const std::string_view command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kMainHelp;
    return kExitOk;
  }
  if (command == "init") return Init(argc, argv);
  if (command == "card") return Card(argc, argv);
  if (command == "crl") return Crl(argc, argv);
  return Usage("unknown command " + std::string(command), kMainHelp);
}
