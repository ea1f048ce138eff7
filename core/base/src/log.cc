#include "mykey/base/log.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>

namespace mykey::log {
namespace {
std::atomic<Level> g_level{Level::kWarning};
std::mutex g_sink_mutex;
std::shared_ptr<Sink> g_sink;  // null: stderr

void StderrSink(Level level, std::string_view module, std::string_view message) {
  std::fprintf(stderr, "%s %.*s: %.*s\n", LevelName(level), static_cast<int>(module.size()),
               module.data(), static_cast<int>(message.size()), message.data());
}
}  // namespace

const char* LevelName(Level level) noexcept {
  switch (level) {
    case Level::kTrace: return "TRACE";
    case Level::kDebug: return "DEBUG";
    case Level::kInfo: return "INFO";
    case Level::kWarning: return "WARNING";
    case Level::kError: return "ERROR";
    case Level::kOff: return "OFF";
  }
  return "?";
}

bool ParseLevel(std::string_view text, Level& out) noexcept {
  static constexpr struct {
    std::string_view name;
    Level level;
  } kNames[] = {{"trace", Level::kTrace},     {"debug", Level::kDebug},  {"info", Level::kInfo},
                {"warning", Level::kWarning}, {"warn", Level::kWarning}, {"error", Level::kError},
                {"off", Level::kOff}};
  for (const auto& n : kNames) {
    if (n.name == text) {
      out = n.level;
      return true;
    }
  }
  return false;
}

void SetLevel(Level level) noexcept {
  g_level.store(level, std::memory_order_relaxed);
}
Level GetLevel() noexcept {
  return g_level.load(std::memory_order_relaxed);
}

void SetSink(Sink sink) {
  std::lock_guard lock(g_sink_mutex);
  g_sink = sink ? std::make_shared<Sink>(std::move(sink)) : nullptr;
}

void Write(Level level, std::string_view module, std::string_view message) {
  if (!Enabled(level) || level == Level::kOff) return;
  std::shared_ptr<Sink> sink;
  {
    std::lock_guard lock(g_sink_mutex);
    sink = g_sink;
  }
  if (sink) {
    (*sink)(level, module, message);
  } else {
    StderrSink(level, module, message);
  }
}

}  // namespace mykey::log
