#include "lexer.h"

#include <cctype>
#include <memory>

namespace guise::midl {
namespace {

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Lexer {
 public:
  Lexer(std::string_view text, const std::string& file, Diagnostics& diags)
      : text_(text), file_(std::make_shared<const std::string>(file)), diags_(diags) {}

  std::vector<Token> run() {
    while (true) {
      skip_space_and_directives();
      if (pos_ >= text_.size()) break;
      lex_one();
    }
    Token end;
    end.kind = TokenKind::kEnd;
    end.where = here();
    tokens_.push_back(end);
    return std::move(tokens_);
  }

 private:
  SourceLocation here() const { return SourceLocation{file_, line_, static_cast<int>(pos_ - line_start_) + 1}; }

  void newline() {
    ++line_;
    line_start_ = pos_;
  }

  void skip_space_and_directives() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\n') {
        ++pos_;
        newline();
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (c == '#' && at_line_start()) {
        directive();
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
        SourceLocation start = here();
        pos_ += 2;
        while (pos_ + 1 < text_.size() && !(text_[pos_] == '*' && text_[pos_ + 1] == '/')) {
          if (text_[pos_] == '\n') {
            ++pos_;
            newline();
          } else {
            ++pos_;
          }
        }
        if (pos_ + 1 >= text_.size()) {
          diags_.error(start, "unterminated comment");
          pos_ = text_.size();
        } else {
          pos_ += 2;
        }
      } else {
        break;
      }
    }
  }

  bool at_line_start() const {
    for (std::size_t i = line_start_; i < pos_; ++i) {
      if (!std::isspace(static_cast<unsigned char>(text_[i]))) return false;
    }
    return true;
  }

  // `# <line> "<file>" flags...` (cpp line marker), `#line`, or `#pragma`.
  void directive() {
    SourceLocation where = here();
    std::size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    std::string_view body = text_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end;
    std::size_t i = 0;
    while (i < body.size() && body[i] == ' ') ++i;
    if (body.substr(i, 4) == "line") i += 4;
    while (i < body.size() && body[i] == ' ') ++i;
    if (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) {
      int number = 0;
      while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) {
        number = number * 10 + (body[i] - '0');
        if (number > 100000000) break;
        ++i;
      }
      while (i < body.size() && body[i] == ' ') ++i;
      if (i < body.size() && body[i] == '"') {
        std::size_t close = body.find('"', i + 1);
        if (close != std::string_view::npos) {
          file_ = std::make_shared<const std::string>(body.substr(i + 1, close - i - 1));
        }
      }
      // The marker names the line that follows it.
      if (pos_ < text_.size()) ++pos_;
      line_ = number;
      line_start_ = pos_;
      return;
    }
    if (body.substr(i, 6) == "pragma") {
      diags_.error(where, "#pragma is not supported by guise-midl (it would change layout or output silently)");
      return;
    }
    diags_.error(where, "unexpected preprocessor directive (the C preprocessor should have consumed it)");
  }

  void push(TokenKind kind, std::string text, SourceLocation where, std::uint64_t number = 0) {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    t.number = number;
    t.where = std::move(where);
    tokens_.push_back(std::move(t));
  }

  // After `uuid (` or `async_uuid (`: the UUID text, optionally quoted.
  bool expecting_uuid() const {
    const std::size_t n = tokens_.size();
    return n >= 2 && tokens_[n - 1].kind == TokenKind::kPunct && tokens_[n - 1].text == "(" &&
           tokens_[n - 2].kind == TokenKind::kIdentifier &&
           (tokens_[n - 2].text == "uuid" || tokens_[n - 2].text == "async_uuid");
  }
  // After `version (`: "1.0" is one token, not a malformed float.
  bool expecting_version() const {
    const std::size_t n = tokens_.size();
    return n >= 2 && tokens_[n - 1].kind == TokenKind::kPunct && tokens_[n - 1].text == "(" &&
           tokens_[n - 2].kind == TokenKind::kIdentifier && tokens_[n - 2].text == "version";
  }

  void lex_one() {
    SourceLocation where = here();
    char c = text_[pos_];
    if (expecting_uuid() && (std::isxdigit(static_cast<unsigned char>(c)) || c == '"')) {
      bool quoted = c == '"';
      if (quoted) ++pos_;
      std::size_t start = pos_;
      while (pos_ < text_.size() && (std::isxdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '-')) ++pos_;
      std::string uuid(text_.substr(start, pos_ - start));
      if (quoted) {
        if (pos_ < text_.size() && text_[pos_] == '"') ++pos_;
        else diags_.error(where, "unterminated quoted uuid");
      }
      push(TokenKind::kUuid, std::move(uuid), where);
      return;
    }
    if (expecting_version() && std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t start = pos_;
      while (pos_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.')) ++pos_;
      push(TokenKind::kIdentifier, std::string(text_.substr(start, pos_ - start)), where);
      return;
    }
    if (is_ident_start(c)) {
      std::size_t start = pos_;
      while (pos_ < text_.size() && is_ident_char(text_[pos_])) ++pos_;
      push(TokenKind::kIdentifier, std::string(text_.substr(start, pos_ - start)), where);
      return;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      lex_number(where);
      return;
    }
    if (c == '"') {
      lex_string(where);
      return;
    }
    if (c == '\'') {
      lex_char(where);
      return;
    }
    static constexpr std::string_view kTwo[] = {"<<", ">>", "==", "!=", "<=", ">=", "&&", "||", "::"};
    for (std::string_view p : kTwo) {
      if (text_.substr(pos_, 2) == p) {
        pos_ += 2;
        push(TokenKind::kPunct, std::string(p), where);
        return;
      }
    }
    static constexpr std::string_view kOne = "{}()[];,=*:<>+-/%&|^~!?.";
    if (kOne.find(c) != std::string_view::npos) {
      ++pos_;
      push(TokenKind::kPunct, std::string(1, c), where);
      return;
    }
    diags_.error(where, std::string("unexpected character '") + (std::isprint(static_cast<unsigned char>(c)) ? std::string(1, c) : std::string("\\x") + "??") + "'");
    ++pos_;
  }

  void lex_number(const SourceLocation& where) {
    std::size_t start = pos_;
    std::uint64_t value = 0;
    bool overflow = false;
    int base = 10;
    if (text_[pos_] == '0' && pos_ + 1 < text_.size() && (text_[pos_ + 1] == 'x' || text_[pos_ + 1] == 'X')) {
      base = 16;
      pos_ += 2;
    } else if (text_[pos_] == '0') {
      base = 8;
    }
    std::size_t digits_start = pos_;
    while (pos_ < text_.size() && std::isxdigit(static_cast<unsigned char>(text_[pos_]))) {
      char d = text_[pos_];
      int v = std::isdigit(static_cast<unsigned char>(d)) ? d - '0' : (std::tolower(static_cast<unsigned char>(d)) - 'a' + 10);
      if (v >= base) break;
      if (value > (UINT64_MAX - static_cast<std::uint64_t>(v)) / static_cast<std::uint64_t>(base)) overflow = true;
      value = value * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(v);
      ++pos_;
    }
    if (base == 16 && pos_ == digits_start) diags_.error(where, "hexadecimal constant has no digits");
    while (pos_ < text_.size() && (text_[pos_] == 'u' || text_[pos_] == 'U' || text_[pos_] == 'l' || text_[pos_] == 'L')) ++pos_;
    if (pos_ < text_.size() && (is_ident_char(text_[pos_]) || text_[pos_] == '.')) {
      diags_.error(where, "malformed number '" + std::string(text_.substr(start, pos_ - start + 1)) + "' (floating-point constants are not supported)");
      while (pos_ < text_.size() && (is_ident_char(text_[pos_]) || text_[pos_] == '.')) ++pos_;
    }
    if (overflow) diags_.error(where, "integer constant is too large");
    push(TokenKind::kNumber, std::string(text_.substr(start, pos_ - start)), where, value);
  }

  bool escape(std::string& out) {
    // pos_ is just past the backslash.
    if (pos_ >= text_.size()) return false;
    char e = text_[pos_++];
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '0': out += '\0'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case '\'': out += '\''; break;
      default: out += '\\'; out += e; break;  // kept verbatim (cpp_quote passes C text through)
    }
    return true;
  }

  void lex_string(const SourceLocation& where) {
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\n') {
      if (text_[pos_] == '\\') {
        ++pos_;
        if (!escape(out)) break;
      } else {
        out += text_[pos_++];
      }
    }
    if (pos_ >= text_.size() || text_[pos_] != '"') {
      diags_.error(where, "unterminated string literal");
    } else {
      ++pos_;
    }
    push(TokenKind::kString, std::move(out), where);
  }

  void lex_char(const SourceLocation& where) {
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '\'' && text_[pos_] != '\n') {
      if (text_[pos_] == '\\') {
        ++pos_;
        if (!escape(out)) break;
      } else {
        out += text_[pos_++];
      }
    }
    if (pos_ >= text_.size() || text_[pos_] != '\'' || out.size() != 1) {
      diags_.error(where, "malformed character constant");
      if (pos_ < text_.size() && text_[pos_] == '\'') ++pos_;
      push(TokenKind::kChar, out, where, 0);
      return;
    }
    ++pos_;
    push(TokenKind::kChar, out, where, static_cast<unsigned char>(out[0]));
  }

  std::string_view text_;
  std::shared_ptr<const std::string> file_;
  Diagnostics& diags_;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::size_t line_start_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> lex(std::string_view text, const std::string& file, Diagnostics& diags) {
  return Lexer(text, file, diags).run();
}

}  // namespace guise::midl
