#pragma once

// The console's screens as text: a large, clear box (box-drawing characters,
// ANSI colour and bold where the output is a terminal), built from the
// operation's state in the site's language. Pure code; Console writes them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/terminal/config.h"
#include "mykey/terminal/operation_desk.h"

namespace mykey::terminal {

/// How a screen should feel.
enum class Tone : uint8_t { kNormal, kAttention, kSuccess, kError };

/// One screen: a title, a few big lines, a footer.
///
/// Thread safety: a value type.
struct Screen {
  std::string title;
  std::vector<std::string> lines;
  std::string footer;
  Tone tone = Tone::kNormal;
};

/// How to draw.
///
/// Thread safety: a value type.
struct ScreenStyle {
  int width = 64;     ///< columns of the box, borders included (>= 20)
  bool ansi = false;  ///< clear the screen and use colour and bold
};

/// Columns `utf8` takes on a terminal (full-width characters count 2;
/// malformed UTF-8 counts one per byte).
int DisplayWidth(std::string_view utf8);

/// The screen as text, ending with a newline. Long lines are cut to fit.
std::string RenderScreen(const Screen& screen, const ScreenStyle& style);

/// The screen shown while nothing runs, for the site's mode; with offline
/// redemptions not yet sent (or the cloud unreachable), a line saying so.
Screen IdleScreen(const TerminalConfig& config,
                  const std::optional<OfflineQueueStatus>& offline_queue = std::nullopt);

/// The screen for an operation: its progress while it runs (the last stage,
/// the PIN tries left), its result once final.
Screen OperationScreen(const TerminalConfig& config, const OperationSnapshot& snapshot);

/// Points with thousands separators: 12345 -> "12,345".
std::string GroupedNumber(int64_t value);

}  // namespace mykey::terminal
