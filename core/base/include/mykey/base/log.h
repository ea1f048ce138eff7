#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace mykey::log {

enum class Level : uint8_t { kTrace, kDebug, kInfo, kWarning, kError, kOff };

const char* LevelName(Level level) noexcept;
/// Parses "trace", "debug", "info", "warning", "error", "off".
bool ParseLevel(std::string_view text, Level& out) noexcept;

/// Where log records go. The default sink writes "LEVEL module: message" to
/// stderr. Records never contain PINs or keys; identifiers are masked by the
/// caller (see mask.h).
using Sink = std::function<void(Level, std::string_view module, std::string_view message)>;

/// Sets the process-wide minimum level (default kWarning) and sink.
/// Thread safety: safe to call from any thread; records in flight may use
/// the old sink.
void SetLevel(Level level) noexcept;
Level GetLevel() noexcept;
void SetSink(Sink sink);

/// Writes one record if `level` is enabled.
void Write(Level level, std::string_view module, std::string_view message);
inline bool Enabled(Level level) noexcept {
  return level >= GetLevel();
}

}  // namespace mykey::log
