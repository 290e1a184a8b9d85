#include "cli/table.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace fargo::cli {

namespace {

// Display width of UTF-8 text: one column per code point; ANSI colour
// escapes ("\033[...m") take none.
size_t Width(const std::string& s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == 0x1B && i + 1 < s.size() && s[i + 1] == '[') {
      while (i < s.size() && s[i] != 'm') ++i;
      continue;
    }
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace

void Table::AddRow(std::vector<Cell> row) {
  row.resize(headers_.size());
  rows_.push_back(std::move(row));
}

std::string Table::Render(bool colour) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = Width(headers_[i]);
  for (const auto& r : rows_)
    for (size_t i = 0; i < r.size(); ++i) widths[i] = std::max(widths[i], Width(r[i].text));
  auto line = [&](const std::vector<Cell>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      bool last = i + 1 == cells.size();
      std::string text = colour ? Paint(cells[i].text, cells[i].colour) : cells[i].text;
      out += text;
      if (!last) out += std::string(widths[i] - Width(cells[i].text) + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::vector<Cell> head;
  for (const auto& h : headers_) head.emplace_back(h);
  std::string out = line(head);
  for (const auto& r : rows_) out += line(r);
  return out;
}

Colour StatusColour(const std::string& s) {
  static const char* green[] = {"RUNNING", "HEALTHY", "ACTIVE", "COMPLETED", "healthy", "active", "PRIMARY"};
  static const char* yellow[] = {"PROVISIONING", "PENDING", "ACTIVATING", "IN_PROGRESS", "initial", "provisioning",
                                 "DRAINING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "active_impaired"};
  static const char* red[] = {"STOPPED", "FAILED", "UNHEALTHY", "unhealthy", "failed", "INACTIVE"};
  static const char* grey[] = {"UNKNOWN", "draining", "unused", "unavailable"};
  for (const char* g : green)
    if (s == g) return Colour::kGreen;
  for (const char* y : yellow)
    if (s == y) return Colour::kYellow;
  for (const char* r : red)
    if (s == r) return Colour::kRed;
  for (const char* g : grey)
    if (s == g) return Colour::kGrey;
  return Colour::kNone;
}

std::string Paint(const std::string& text, Colour colour) {
  const char* code = nullptr;
  switch (colour) {
    case Colour::kNone: return text;
    case Colour::kGreen: code = "32"; break;
    case Colour::kYellow: code = "33"; break;
    case Colour::kRed: code = "31"; break;
    case Colour::kGrey: code = "90"; break;
  }
  return "\033[" + std::string(code) + "m" + text + "\033[0m";
}

bool UseColor(bool is_tty, const char* no_color, const char* term) {
  if (!is_tty) return false;
  if (no_color && *no_color) return false;
  if (term && std::string(term) == "dumb") return false;
  return true;
}

bool UseColor(FILE* stream) {
  return UseColor(::isatty(::fileno(stream)) == 1, std::getenv("NO_COLOR"), std::getenv("TERM"));
}

}  // namespace fargo::cli
