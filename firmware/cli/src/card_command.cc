#include "card_command.h"

#include <getopt.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "card_session.h"
#include "exit_code.h"
#include "mykey/base/base64.h"
#include "mykey/base/log.h"
#include "mykey/base/mask.h"
#include "mykey/crypto/random.h"
#include "mykey/crypto/sha256.h"
#include "mykey/crypto/x509.h"
#include "mykey/jpki/pin.h"
#include "mykey/jpki/pin_guard.h"
#include "mykey/json/json.h"
#include "mykey/pcsc/pcsc_reader.h"
#include "pin_entry.h"

namespace mykey::cli {
namespace {

using json::OrderedJson;

constexpr char kStatusHelp[] = R"(usage: mykey card status [options]

Lists the readers and, for the first reader with a card (or --reader), whether
the card has the JPKI applet, its token type and the auth PIN's tries left.
Reading the tries left uses no try.

Options:
  --reader NAME     use this reader (default: the first one with a card)
  --wait SECONDS    wait this long for a card (default 0)
  --json            machine-readable output
  --trace           print the APDU trace (PINs redacted) to stderr
  --log-level L     trace|debug|info|warning|error|off (default warning)
  -h, --help        this help
)";

constexpr char kCertHelp[] = R"(usage: mykey card cert [options]

Reads the card's user-authentication certificate (EF 000A), or with --ca the
user-authentication CA certificate (EF 000B). On a smartphone token the
certificate needs the auth PIN first: use "mykey card auth --out-cert".

Options:
  --ca              the auth CA certificate instead
  --format F        pem (default), der or text
  --out FILE        write to FILE instead of standard output
  --reader NAME, --wait SECONDS, --json, --trace, --log-level L   as for status
  -h, --help        this help
)";

constexpr char kAuthHelp[] = R"(usage: mykey card auth [options]

Proves the holder: shows the auth PIN's tries left, asks for the PIN (without
echo), VERIFYs it, and has the card sign SHA-256(challenge) with its
user-authentication key. The signature and the certificate are printed and
verified locally (signature with the certificate's key; the certificate's
chain against --anchor certificates, or else against the card's own CA
certificate, which proves consistency, not trust).

The PIN is never retried: a wrong PIN ends the command with the tries left.
With one try left the command refuses unless --confirm-last-try is given (or
the holder confirms at the terminal).

Options:
  --challenge HEX       the challenge (default: 32 random bytes)
  --challenge-file F    read the challenge bytes from F
  --pin-stdin           read the PIN from standard input (one line)
  --confirm-last-try    allow the VERIFY that would block the PIN if wrong
  --anchor FILE         trust anchor certificate (PEM or DER); repeatable
  --out-signature FILE  write the raw signature
  --out-cert FILE       write the certificate (DER)
  --reader NAME, --wait SECONDS, --json, --trace, --log-level L   as for status
  -h, --help            this help
)";

struct CommonOptions {
  ReaderOptions reader;
  bool json = false;
};

enum OptionId : int {
  kOptReader = 1000,
  kOptWait,
  kOptJson,
  kOptTrace,
  kOptLogLevel,
  kOptCa,
  kOptFormat,
  kOptOut,
  kOptChallenge,
  kOptChallengeFile,
  kOptPinStdin,
  kOptConfirm,
  kOptAnchor,
  kOptOutSignature,
  kOptOutCert,
};

// Handles an option shared by every card command. Returns false if `id` is not one.
bool HandleCommon(int id, const char* arg, CommonOptions& common, int& error) {
  switch (id) {
    case kOptReader: common.reader.reader = arg; return true;
    case kOptWait: {
      char* end = nullptr;
      double seconds = std::strtod(arg, &end);
      if (end == arg || *end != '\0' || seconds < 0 || seconds > 86400) {
        std::fprintf(stderr, "mykey: --wait takes seconds (0-86400)\n");
        error = kExitUsage;
      }
      common.reader.wait = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
      return true;
    }
    case kOptJson: common.json = true; return true;
    case kOptTrace: common.reader.trace = true; return true;
    case kOptLogLevel: {
      log::Level level{};
      if (!log::ParseLevel(arg, level)) {
        std::fprintf(stderr, "mykey: unknown log level '%s'\n", arg);
        error = kExitUsage;
      }
      log::SetLevel(level);
      return true;
    }
    default: return false;
  }
}

#define MYKEY_COMMON_LONG_OPTIONS                                                               \
  {"reader", required_argument, nullptr, kOptReader},                                           \
      {"wait", required_argument, nullptr, kOptWait}, {"json", no_argument, nullptr, kOptJson}, \
      {"trace", no_argument, nullptr, kOptTrace},                                               \
      {"log-level", required_argument, nullptr, kOptLogLevel}, {                                \
    "help", no_argument, nullptr, 'h'                                                           \
  }

int PrintError(const Error& error, bool as_json, std::string_view what) {
  int code = ExitCodeFor(error);
  if (as_json) {
    OrderedJson out;
    out["ok"] = false;
    out["error"] = {{"code", ErrorCodeName(error.code())},
                    {"domain", ErrorDomainName(error.domain())},
                    {"detail", error.detail()},
                    {"message", error.message()},
                    {"exit_code", code}};
    std::printf("%s\n", json::Dump(out, 2).c_str());
  }
  std::fprintf(stderr, "mykey: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
               error.ToString().c_str());
  return code;
}

std::string FormatTime(std::chrono::sys_seconds t) {
  auto days = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{days};
  auto rest = std::chrono::hh_mm_ss(t - days);
  char buf[48];  // the longest the format can give, so that GCC sees nothing truncated
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()),
                static_cast<long long>(rest.hours().count()),
                static_cast<long long>(rest.minutes().count()),
                static_cast<long long>(rest.seconds().count()));
  return buf;
}

OrderedJson PinStatusJson(const jpki::PinStatus& s) {
  return {{"tries_left", s.tries_left}, {"verified", s.verified}, {"blocked", s.blocked}};
}

std::string PinStatusText(const jpki::PinStatus& s) {
  if (s.blocked) return "BLOCKED (only the municipal office can reset it)";
  if (s.verified) return "verified in this session";
  std::string text =
      std::to_string(s.tries_left) + (s.tries_left == 1 ? " try left" : " tries left");
  if (s.tries_left == 1) text += " (the next wrong PIN blocks the card)";
  return text;
}

Status WriteFile(const std::string& path, ByteView data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    return Fail(ErrorCode::kUnavailable, "cannot open the output file", ErrorDomain::kOs, errno);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out)
    return Fail(ErrorCode::kDataLoss, "cannot write the output file", ErrorDomain::kOs, errno);
  return Ok();
}

Result<Bytes> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kNotFound, "cannot open the file", ErrorDomain::kOs, errno);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Result<crypto::Certificate> LoadCertificate(const std::string& path) {
  MYKEY_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path));
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.find("-----BEGIN") != std::string_view::npos) return crypto::Certificate::FromPem(text);
  return crypto::Certificate::FromDer(bytes);
}

std::chrono::sys_seconds Now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

// Reads the readers and, if a card is there, its JPKI state.
int ShowStatus(const CommonOptions& common) {
  hal::PcscReaderMonitor monitor;
  if (common.reader.wait.count() > 0) {
    // Wait first, so that the listing shows the card that arrived.
    auto waited = monitor.WaitForCard(common.reader.reader, common.reader.wait);
    if (!waited && waited.error().code() != ErrorCode::kDeadlineExceeded) {
      return PrintError(waited.error(), common.json, "cannot wait for a card");
    }
  }
  auto readers = monitor.ListReaders();
  if (!readers) return PrintError(readers.error(), common.json, "cannot list the readers");

  OrderedJson out;
  out["ok"] = true;
  out["readers"] = OrderedJson::array();
  for (const auto& r : *readers) {
    out["readers"].push_back(
        {{"name", r.name}, {"card_present", r.card_present}, {"atr", ToHex(r.atr)}});
  }
  if (!common.json) {
    std::printf("Readers:%s\n", readers->empty() ? " none" : "");
    for (const auto& r : *readers) {
      std::printf(
          "  %-24s %s\n", r.name.c_str(),
          r.card_present ? ("card present (ATR " + ToSpacedHex(r.atr) + ")").c_str() : "empty");
    }
  }

  bool any_card = false;
  for (const auto& r : *readers) {
    any_card = any_card ||
               (r.card_present && (common.reader.reader.empty() || r.name == common.reader.reader));
  }
  if (!any_card) {
    out["card"] = nullptr;
    if (common.json) {
      std::printf("%s\n", json::Dump(out, 2).c_str());
    } else {
      std::printf("No card.\n");
    }
    return readers->empty() ? kExitNoCard : kExitOk;
  }

  auto session = CardSession::Open(monitor, common.reader);
  if (!session) {
    if (session.error().code() == ErrorCode::kNotFound &&
        session.error().domain() == ErrorDomain::kCardStatus) {
      std::fprintf(stderr, "mykey: the card has no JPKI applet\n");
      return kExitNotJpki;
    }
    return PrintError(session.error(), common.json, "cannot open the card");
  }
  auto& applet = (*session)->applet();
  OrderedJson card;
  card["reader"] = (*session)->reader_name();
  card["atr"] = ToHex((*session)->atr());
  card["jpki"] = true;
  auto token = applet.ReadTokenType();
  if (!token) return PrintError(token.error(), common.json, "cannot read the token type");
  card["token_type"] = std::string(jpki::TokenTypeName(*token));
  auto pin = applet.AuthPinTriesLeft();
  if (!pin) return PrintError(pin.error(), common.json, "cannot read the PIN tries left");
  card["auth_pin"] = PinStatusJson(*pin);

  std::optional<crypto::Certificate> cert;
  if (!jpki::AuthCertificateNeedsPin(*token)) {
    auto der = applet.ReadAuthCertificate();
    if (!der) return PrintError(der.error(), common.json, "cannot read the auth certificate");
    auto parsed = crypto::Certificate::FromDer(*der);
    if (!parsed)
      return PrintError(parsed.error(), common.json, "the auth certificate is not valid");
    cert = std::move(*parsed);
    card["auth_certificate"] = {{"serial", MaskIdentifier(cert->SerialHex(), 4)},
                                {"not_before", FormatTime(cert->not_before())},
                                {"not_after", FormatTime(cert->not_after())},
                                {"expired", Now() > cert->not_after()}};
  }
  out["card"] = card;

  if (common.json) {
    std::printf("%s\n", json::Dump(out, 2).c_str());
    return kExitOk;
  }
  std::printf("Card in \"%s\":\n", (*session)->reader_name().c_str());
  std::printf("  JPKI applet:    present\n");
  std::printf("  Token:          %s (%s)\n", std::string(jpki::TokenTypeName(*token)).c_str(),
              std::string(jpki::TokenLabel(*token)).c_str());
  std::printf("  Auth PIN:       %s\n", PinStatusText(*pin).c_str());
  if (cert) {
    std::printf("  Auth cert:      serial %s, valid %s to %s%s\n",
                MaskIdentifier(cert->SerialHex(), 4).c_str(),
                FormatTime(cert->not_before()).c_str(), FormatTime(cert->not_after()).c_str(),
                Now() > cert->not_after() ? " (EXPIRED)" : "");
  } else {
    std::printf("  Auth cert:      needs the auth PIN on this token (mykey card auth)\n");
  }
  return kExitOk;
}

}  // namespace

int RunCardStatus(int argc, char** argv) {
  static const option kLong[] = {MYKEY_COMMON_LONG_OPTIONS, {nullptr, 0, nullptr, 0}};
  CommonOptions common;
  int error = 0;
  int c;
  while ((c = getopt_long(argc, argv, "h", kLong, nullptr)) != -1) {
    if (c == 'h') {
      std::fputs(kStatusHelp, stdout);
      return kExitOk;
    }
    if (!HandleCommon(c, optarg, common, error)) {
      std::fputs(kStatusHelp, stderr);
      return kExitUsage;
    }
    if (error != 0) return error;
  }
  if (optind != argc) {
    std::fprintf(stderr, "mykey: unexpected argument '%s'\n", argv[optind]);
    return kExitUsage;
  }
  return ShowStatus(common);
}

int RunCardCert(int argc, char** argv) {
  static const option kLong[] = {MYKEY_COMMON_LONG_OPTIONS,
                                 {"ca", no_argument, nullptr, kOptCa},
                                 {"format", required_argument, nullptr, kOptFormat},
                                 {"out", required_argument, nullptr, kOptOut},
                                 {nullptr, 0, nullptr, 0}};
  CommonOptions common;
  bool ca = false;
  std::string format = "pem";
  std::string out_path;
  int error = 0;
  int c;
  while ((c = getopt_long(argc, argv, "h", kLong, nullptr)) != -1) {
    switch (c) {
      case 'h': std::fputs(kCertHelp, stdout); return kExitOk;
      case kOptCa: ca = true; break;
      case kOptFormat: format = optarg; break;
      case kOptOut: out_path = optarg; break;
      default:
        if (!HandleCommon(c, optarg, common, error)) {
          std::fputs(kCertHelp, stderr);
          return kExitUsage;
        }
        if (error != 0) return error;
    }
  }
  if (optind != argc) {
    std::fprintf(stderr, "mykey: unexpected argument '%s'\n", argv[optind]);
    return kExitUsage;
  }
  if (format != "pem" && format != "der" && format != "text") {
    std::fprintf(stderr, "mykey: --format is pem, der or text\n");
    return kExitUsage;
  }
  if (format == "der" && out_path.empty() && isatty(STDOUT_FILENO)) {
    std::fprintf(stderr, "mykey: DER is binary: use --out FILE or redirect standard output\n");
    return kExitUsage;
  }

  hal::PcscReaderMonitor monitor;
  auto session = CardSession::Open(monitor, common.reader);
  if (!session) return PrintError(session.error(), common.json, "cannot open the card");
  auto& applet = (*session)->applet();
  auto der = ca ? applet.ReadAuthCaCertificate() : applet.ReadAuthCertificate();
  if (!der) {
    if (der.error().code() == ErrorCode::kPermissionDenied && !ca) {
      std::fprintf(stderr,
                   "mykey: this token needs the auth PIN before its certificate can be read "
                   "(mykey card auth --out-cert FILE)\n");
    }
    return PrintError(der.error(), common.json, "cannot read the certificate");
  }
  auto cert = crypto::Certificate::FromDer(*der);
  if (!cert) return PrintError(cert.error(), common.json, "the certificate is not valid DER");

  std::string text;
  Bytes bytes;
  if (format == "pem") {
    text = cert->ToPem();
  } else if (format == "text") {
    text = cert->ToText();
  } else {
    bytes = *der;
  }
  if (common.json) {
    OrderedJson out = {{"ok", true},
                       {"which", ca ? "auth-ca" : "auth"},
                       {"subject", cert->subject()},
                       {"issuer", cert->issuer()},
                       {"serial", cert->SerialHex()},
                       {"not_before", FormatTime(cert->not_before())},
                       {"not_after", FormatTime(cert->not_after())},
                       {"der_base64", Base64Encode(*der)}};
    std::printf("%s\n", json::Dump(out, 2).c_str());
    if (out_path.empty()) return kExitOk;
  }
  ByteView payload = format == "der" ? ByteView(bytes) : ViewOf(text);
  if (!out_path.empty()) {
    if (auto w = WriteFile(out_path, payload); !w) {
      return PrintError(w.error(), common.json, "cannot write the certificate");
    }
  } else {
    std::fwrite(payload.data(), 1, payload.size(), stdout);
  }
  return kExitOk;
}

int RunCardAuth(int argc, char** argv) {
  static const option kLong[] = {MYKEY_COMMON_LONG_OPTIONS,
                                 {"challenge", required_argument, nullptr, kOptChallenge},
                                 {"challenge-file", required_argument, nullptr, kOptChallengeFile},
                                 {"pin-stdin", no_argument, nullptr, kOptPinStdin},
                                 {"confirm-last-try", no_argument, nullptr, kOptConfirm},
                                 {"anchor", required_argument, nullptr, kOptAnchor},
                                 {"out-signature", required_argument, nullptr, kOptOutSignature},
                                 {"out-cert", required_argument, nullptr, kOptOutCert},
                                 {nullptr, 0, nullptr, 0}};
  CommonOptions common;
  std::string challenge_hex, challenge_file, out_signature, out_cert;
  std::vector<std::string> anchor_files;
  bool pin_stdin = false;
  bool confirm = false;
  int error = 0;
  int c;
  while ((c = getopt_long(argc, argv, "h", kLong, nullptr)) != -1) {
    switch (c) {
      case 'h': std::fputs(kAuthHelp, stdout); return kExitOk;
      case kOptChallenge: challenge_hex = optarg; break;
      case kOptChallengeFile: challenge_file = optarg; break;
      case kOptPinStdin: pin_stdin = true; break;
      case kOptConfirm: confirm = true; break;
      case kOptAnchor: anchor_files.emplace_back(optarg); break;
      case kOptOutSignature: out_signature = optarg; break;
      case kOptOutCert: out_cert = optarg; break;
      default:
        if (!HandleCommon(c, optarg, common, error)) {
          std::fputs(kAuthHelp, stderr);
          return kExitUsage;
        }
        if (error != 0) return error;
    }
  }
  if (optind != argc) {
    std::fprintf(stderr, "mykey: unexpected argument '%s'\n", argv[optind]);
    return kExitUsage;
  }
  if (!challenge_hex.empty() && !challenge_file.empty()) {
    std::fprintf(stderr, "mykey: give --challenge or --challenge-file, not both\n");
    return kExitUsage;
  }

  // Everything that can be checked without the card is checked first.
  Bytes challenge;
  if (!challenge_hex.empty()) {
    auto parsed = FromHex(challenge_hex);
    if (!parsed || parsed->empty()) {
      std::fprintf(stderr, "mykey: --challenge is hex bytes\n");
      return kExitUsage;
    }
    challenge = std::move(*parsed);
  } else if (!challenge_file.empty()) {
    auto read = ReadFile(challenge_file);
    if (!read) return PrintError(read.error(), common.json, "cannot read the challenge file");
    challenge = std::move(*read);
  } else {
    auto random = crypto::SystemRandom::Create();
    if (!random) return PrintError(random.error(), common.json, "no random source");
    challenge.resize(32);
    if (auto f = (*random)->Fill(challenge); !f) {
      return PrintError(f.error(), common.json, "no random source");
    }
  }
  std::vector<crypto::Certificate> anchors;
  for (const auto& file : anchor_files) {
    auto anchor = LoadCertificate(file);
    if (!anchor) return PrintError(anchor.error(), common.json, "cannot load the anchor");
    anchors.push_back(std::move(*anchor));
  }
  bool interactive = !pin_stdin && isatty(STDIN_FILENO);

  hal::PcscReaderMonitor monitor;
  auto session = CardSession::Open(monitor, common.reader);
  if (!session) return PrintError(session.error(), common.json, "cannot open the card");
  auto& applet = (*session)->applet();
  auto token = applet.ReadTokenType();
  if (!token) return PrintError(token.error(), common.json, "cannot read the token type");

  // On the plastic card the certificate is free: read it before the PIN, so
  // that a broken card costs no PIN try.
  std::optional<crypto::Certificate> cert;
  Bytes cert_der;
  auto read_cert = [&]() -> Status {
    MYKEY_ASSIGN_OR_RETURN(cert_der, applet.ReadAuthCertificate());
    MYKEY_ASSIGN_OR_RETURN(auto parsed, crypto::Certificate::FromDer(cert_der));
    cert = std::move(parsed);
    return Ok();
  };
  if (!jpki::AuthCertificateNeedsPin(*token)) {
    if (auto r = read_cert(); !r)
      return PrintError(r.error(), common.json, "cannot read the auth certificate");
  }

  jpki::PinGuard guard(applet);
  auto status = guard.Check();
  if (!status) return PrintError(status.error(), common.json, "cannot read the PIN tries left");
  std::fprintf(stderr, "Auth PIN: %s\n", PinStatusText(*status).c_str());
  if (status->blocked) {
    std::fprintf(stderr, "mykey: the PIN is blocked; the holder must go to the municipal office\n");
    return kExitPinBlocked;
  }
  auto confirmation =
      confirm ? jpki::LastTryConfirmation::kConfirmed : jpki::LastTryConfirmation::kNotConfirmed;
  if (!status->verified && status->tries_left == 1 && !confirm) {
    if (!interactive) {
      std::fprintf(stderr,
                   "mykey: one try left: a wrong PIN blocks the card. Rerun with "
                   "--confirm-last-try if the holder agrees. Nothing was sent.\n");
      return kExitNeedsConfirmation;
    }
    std::fprintf(stderr, "One try left: a wrong PIN blocks the card. Continue? Type yes: ");
    char answer[8] = {};
    if (std::fgets(answer, sizeof answer, stdin) == nullptr ||
        std::string_view(answer) != "yes\n") {
      std::fprintf(stderr, "mykey: not confirmed; nothing was sent\n");
      return kExitNeedsConfirmation;
    }
    confirmation = jpki::LastTryConfirmation::kConfirmed;
  }

  if (!status->verified) {
    auto entered = pin_stdin ? ReadPinFromStdin() : ReadPinFromTerminal("Auth PIN (4 digits): ");
    if (!entered) return PrintError(entered.error(), common.json, "no PIN");
    std::string_view digits(reinterpret_cast<const char*>(entered->view().data()), entered->size());
    auto pin = jpki::Pin::AuthPin(digits);
    entered->Clear();
    if (!pin) {
      std::fprintf(stderr, "mykey: the auth PIN is 4 digits; nothing was sent to the card\n");
      return kExitUsage;
    }
    if (auto v = guard.Verify(std::move(*pin), confirmation); !v) {
      if (auto left = guard.tries_left_after_failure(); left && *left > 0) {
        std::fprintf(stderr, "mykey: wrong PIN: %d %s left\n", *left, *left == 1 ? "try" : "tries");
      }
      return PrintError(v.error(), common.json, "PIN not accepted");
    }
  }
  if (!cert) {
    if (auto r = read_cert(); !r)
      return PrintError(r.error(), common.json, "cannot read the auth certificate");
  }

  const auto digest = crypto::Sha256(challenge);
  auto signature = applet.SignWithAuthKey(digest);
  if (!signature) return PrintError(signature.error(), common.json, "the card did not sign");

  // Verify locally: the signature with the certificate's key, the certificate's chain.
  auto key = cert->PublicKey();
  if (!key) return PrintError(key.error(), common.json, "the certificate has no RSA key");
  if (auto v = key->VerifySha256(digest, *signature); !v) {
    return PrintError(v.error(), common.json, "the signature does not verify");
  }
  std::string chain_source = "anchors";
  if (anchors.empty()) {
    auto ca_der = applet.ReadAuthCaCertificate();
    if (!ca_der)
      return PrintError(ca_der.error(), common.json, "cannot read the auth CA certificate");
    auto ca = crypto::Certificate::FromDer(*ca_der);
    if (!ca) return PrintError(ca.error(), common.json, "the auth CA certificate is not valid");
    anchors.push_back(std::move(*ca));
    chain_source = "card-ca";
  }
  auto chain = crypto::VerifyChain(*cert, anchors, Now());
  if (!chain) return PrintError(chain.error(), common.json, "the certificate does not verify");

  if (!out_signature.empty()) {
    if (auto w = WriteFile(out_signature, *signature); !w)
      return PrintError(w.error(), common.json, "cannot write the signature");
  }
  if (!out_cert.empty()) {
    if (auto w = WriteFile(out_cert, cert_der); !w)
      return PrintError(w.error(), common.json, "cannot write the certificate");
  }
  if (common.json) {
    OrderedJson out = {{"ok", true},
                       {"token_type", std::string(jpki::TokenTypeName(*token))},
                       {"challenge", ToHex(challenge)},
                       {"digest_algorithm", "SHA-256"},
                       {"signature_algorithm", "sha256WithRSAEncryption"},
                       {"signature", Base64Encode(*signature)},
                       {"certificate", Base64Encode(cert_der)},
                       {"serial", MaskIdentifier(cert->SerialHex(), 4)},
                       {"verified", {{"signature", true}, {"chain", chain_source}}}};
    std::printf("%s\n", json::Dump(out, 2).c_str());
  } else {
    std::printf("Challenge:   %s\n", ToHex(challenge).c_str());
    std::printf("Signature:   %s\n", Base64Encode(*signature).c_str());
    std::printf("Certificate: serial %s, %s\n", MaskIdentifier(cert->SerialHex(), 4).c_str(),
                cert->subject().c_str());
    std::printf("%s", cert->ToPem().c_str());
    std::printf("Verified:    signature OK; chain OK against %s\n",
                chain_source == "anchors" ? "the given anchors"
                                          : "the card's own CA certificate (consistency only)");
  }
  return kExitOk;
}

}  // namespace mykey::cli
