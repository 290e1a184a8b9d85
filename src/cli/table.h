// Table: rows of text as `docker ps` prints them: upper-case headers,
// columns left-aligned and two spaces apart, no trailing blanks. A cell may
// carry a colour, applied after alignment (so escapes never skew widths)
// and only when asked (a terminal, NO_COLOR unset: UseColor).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace fargo::cli {

enum class Colour { kNone, kGreen, kYellow, kRed, kGrey };

class Table {
 public:
  struct Cell {
    std::string text;
    Colour colour = Colour::kNone;
    Cell(std::string t = "", Colour c = Colour::kNone) : text(std::move(t)), colour(c) {}
    Cell(const char* t) : text(t) {}
  };

  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

  void AddRow(std::vector<Cell> row);
  size_t rows() const { return rows_.size(); }

  // The whole table, one line per row, each ending in '\n'.
  std::string Render(bool colour) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<Cell>> rows_;
};

// The colour a status word is shown in: RUNNING/HEALTHY/ACTIVE/COMPLETED/
// healthy green, PENDING/IN_PROGRESS/initial... yellow, STOPPED/FAILED/
// unhealthy red, UNKNOWN/draining/unused grey.
Colour StatusColour(const std::string& status);

// `text` wrapped in the colour's ANSI escapes.
std::string Paint(const std::string& text, Colour colour);

// Colours for output to `stream`: only on a terminal, never when NO_COLOR
// is set (https://no-color.org) or TERM is "dumb".
bool UseColor(FILE* stream);
// The same decision from its inputs (tests).
bool UseColor(bool is_tty, const char* no_color, const char* term);

}  // namespace fargo::cli
