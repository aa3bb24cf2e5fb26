#include "parser.h"

#include <set>

namespace guise::midl {
namespace {

using namespace ast;

// Thrown inside the parser only, to unwind to the nearest resynchronisation point.
struct SyntaxError {};

const std::set<std::string>& base_type_words() {
  static const std::set<std::string> words = {
      "void",  "byte",   "char",  "small",   "short",  "long",   "int",     "hyper",   "__int64", "__int32",
      "__int16", "__int8", "__int3264", "int8", "uint8", "int16", "uint16", "int32",  "uint32",  "int64",
      "uint64", "float",  "double", "boolean", "wchar_t", "signed", "unsigned", "handle_t"};
  return words;
}

const std::set<std::string>& unsupported_keywords() {
  static const std::set<std::string> words = {"dispinterface", "module", "midl_pragma", "pipe", "__int128"};
  return words;
}

// Where an item appears: what may be declared there.
enum class Context { kFile, kInterface, kLibrary };

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, Diagnostics& diags) : toks_(tokens), diags_(diags) {}

  File run(const std::string& path) {
    File file;
    file.path = path;
    while (!at_end()) {
      try {
        parse_item(file.items, Context::kFile);
      } catch (const SyntaxError&) {
        resync();
      }
    }
    return file;
  }

 private:
  const Token& peek(std::size_t ahead = 0) const {
    std::size_t i = pos_ + ahead;
    return i < toks_.size() ? toks_[i] : toks_.back();
  }
  bool at_end() const { return peek().kind == TokenKind::kEnd; }
  const Token& next() {
    const Token& t = peek();
    if (pos_ < toks_.size() - 1) ++pos_;
    if (t.kind == TokenKind::kPunct && t.text == "{") ++brace_depth_;
    if (t.kind == TokenKind::kPunct && t.text == "}") --brace_depth_;
    return t;
  }
  bool is_punct(const char* p, std::size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::kPunct && peek(ahead).text == p;
  }
  bool is_word(const char* w, std::size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::kIdentifier && peek(ahead).text == w;
  }
  bool accept(const char* p) {
    if (is_punct(p)) {
      next();
      return true;
    }
    return false;
  }
  [[noreturn]] void fail(const SourceLocation& where, std::string message) {
    diags_.error(where, std::move(message));
    throw SyntaxError{};
  }
  static std::string describe(const Token& t) {
    switch (t.kind) {
      case TokenKind::kEnd: return "end of file";
      case TokenKind::kString: return "string \"" + t.text + "\"";
      case TokenKind::kNumber: return "number " + t.text;
      case TokenKind::kUuid: return "uuid " + t.text;
      default: return "'" + t.text + "'";
    }
  }
  void expect(const char* p, const char* context) {
    if (!accept(p)) fail(peek().where, std::string("expected '") + p + "' " + context + ", found " + describe(peek()));
  }
  std::string expect_identifier(const char* context) {
    if (peek().kind != TokenKind::kIdentifier) fail(peek().where, std::string("expected ") + context + ", found " + describe(peek()));
    return next().text;
  }
  // Skips to the end of the definition that failed: a ';' or '}' back at the brace depth
  // `depth` where it started, so one mistake gives one error.
  void resync(int depth = 0) {
    while (!at_end()) {
      const Token& t = next();
      if (t.kind != TokenKind::kPunct) continue;
      if (t.text == "}" && brace_depth_ <= depth) {
        if (brace_depth_ < depth) return;  // closed the enclosing body: let its owner finish
        while (!at_end() && !is_punct(";") && !is_punct("}") && brace_depth_ == depth &&
               peek().kind == TokenKind::kIdentifier) {
          next();  // "} Name, *PName;" of a typedef
        }
        accept(";");
        return;
      }
      if (t.text == ";" && brace_depth_ == depth) return;
    }
  }

  // ---- items ---------------------------------------------------------------------------------
  void parse_item(std::vector<Item>& items, Context context) {
    const bool in_interface = context == Context::kInterface;
    const Token& t = peek();
    if (t.kind == TokenKind::kIdentifier && unsupported_keywords().count(t.text)) {
      fail(t.where, "'" + t.text + "' is not supported by guise-midl (see docs/idl.md for the supported subset)");
    }
    if (is_word("import")) {
      Import imp;
      imp.where = next().where;
      do {
        if (peek().kind != TokenKind::kString) fail(peek().where, "expected a file name string after 'import'");
        imp.files.push_back(next().text);
      } while (accept(","));
      expect(";", "after import");
      items.push_back(std::move(imp));
      return;
    }
    if (is_word("importlib")) {
      ImportLib lib;
      lib.where = next().where;
      if (context != Context::kLibrary) fail(lib.where, "importlib may only appear inside a library");
      expect("(", "after importlib");
      if (peek().kind != TokenKind::kString) fail(peek().where, "importlib takes one file name string");
      lib.file = next().text;
      expect(")", "after the importlib file name");
      expect(";", "after importlib");
      items.push_back(std::move(lib));
      return;
    }
    if (is_word("cpp_quote")) {
      CppQuote q;
      q.where = next().where;
      expect("(", "after cpp_quote");
      if (peek().kind != TokenKind::kString) fail(peek().where, "cpp_quote takes one string");
      q.text = next().text;
      expect(")", "after the cpp_quote string");
      accept(";");
      items.push_back(std::move(q));
      return;
    }
    if (is_word("typedef")) {
      items.push_back(parse_typedef());
      return;
    }
    if (is_word("const")) {
      items.push_back(parse_const());
      return;
    }
    if ((is_word("struct") || is_word("union") || is_word("enum")) && (is_punct("{", 1) || is_punct("{", 2) || is_word("switch", 2))) {
      TypeDefinition def;
      def.type = parse_type_spec(Attributes{});
      expect(";", "after the type definition");
      items.push_back(std::move(def));
      return;
    }
    Attributes attrs;
    if (is_punct("[")) attrs = parse_attributes();
    if (is_word("interface")) {
      if (in_interface) fail(peek().where, "interfaces cannot be nested");
      items.push_back(parse_interface(std::move(attrs)));
      return;
    }
    if (is_word("library")) {
      if (context != Context::kFile) fail(peek().where, "a library may only appear at file level");
      items.push_back(parse_library(std::move(attrs)));
      return;
    }
    if (is_word("coclass")) {
      if (in_interface) fail(peek().where, "a coclass cannot appear inside an interface");
      items.push_back(parse_coclass(std::move(attrs)));
      return;
    }
    if (peek().kind == TokenKind::kIdentifier && unsupported_keywords().count(peek().text)) {
      fail(peek().where, "'" + peek().text + "' is not supported by guise-midl (see docs/idl.md for the supported subset)");
    }
    if (in_interface) {
      items.push_back(parse_method(std::move(attrs)));
      return;
    }
    if (!attrs.empty()) {
      fail(peek().where, "expected 'interface', 'library' or 'coclass' after attributes, found " + describe(peek()));
    }
    fail(peek().where, "expected a definition (import, cpp_quote, interface, library, coclass, typedef, const, struct, "
                       "union, enum), found " + describe(peek()));
  }

  std::shared_ptr<Interface> parse_interface(Attributes attrs) {
    auto itf = std::make_shared<Interface>();
    itf->attrs = std::move(attrs);
    itf->where = next().where;  // 'interface'
    itf->name = expect_identifier("an interface name");
    if (accept(";")) {
      itf->forward = true;
      return itf;
    }
    if (accept(":")) itf->base = expect_identifier("a base interface name");
    expect("{", "to open the interface body");
    const int body_depth = brace_depth_;
    while (!is_punct("}")) {
      if (at_end()) fail(peek().where, "unterminated interface '" + itf->name + "'");
      try {
        parse_item(itf->items, Context::kInterface);
      } catch (const SyntaxError&) {
        resync(body_depth);
        if (brace_depth_ < body_depth) return itf;
      }
    }
    next();
    accept(";");
    return itf;
  }

  std::shared_ptr<Library> parse_library(Attributes attrs) {
    auto lib = std::make_shared<Library>();
    lib->attrs = std::move(attrs);
    lib->where = next().where;  // 'library'
    lib->name = expect_identifier("a library name");
    expect("{", "to open the library body");
    const int body_depth = brace_depth_;
    while (!is_punct("}")) {
      if (at_end()) fail(peek().where, "unterminated library '" + lib->name + "'");
      try {
        parse_item(lib->items, Context::kLibrary);
      } catch (const SyntaxError&) {
        resync(body_depth);
        if (brace_depth_ < body_depth) return lib;
      }
    }
    next();
    accept(";");
    return lib;
  }

  Coclass parse_coclass(Attributes attrs) {
    Coclass c;
    c.attrs = std::move(attrs);
    c.where = next().where;  // 'coclass'
    c.name = expect_identifier("a coclass name");
    expect("{", "to open the coclass body");
    while (!accept("}")) {
      if (at_end()) fail(c.where, "unterminated coclass '" + c.name + "'");
      CoclassMember m;
      if (is_punct("[")) m.attrs = parse_attributes();
      m.where = peek().where;
      if (is_word("dispinterface")) {
        m.dispinterface = true;
      } else if (!is_word("interface")) {
        fail(peek().where, "expected 'interface' in the coclass, found " + describe(peek()));
      }
      next();
      m.name = expect_identifier("an interface name");
      expect(";", "after the coclass member");
      c.members.push_back(std::move(m));
    }
    accept(";");
    return c;
  }

  Method parse_method(Attributes attrs) {
    Method m;
    m.attrs = std::move(attrs);
    m.ret = parse_type_spec(Attributes{});
    while (accept("*")) ++m.ret_pointers;
    if (is_punct("(")) fail(peek().where, "function pointers and calling conventions are not supported");
    m.where = peek().where;
    m.name = expect_identifier("a method name");
    if (!is_punct("(")) {
      fail(m.where, "expected '(' after '" + m.name + "': only methods, typedefs, constants and type definitions may appear in an interface");
    }
    next();
    if (is_word("void") && is_punct(")", 1)) {
      next();
    } else if (!is_punct(")")) {
      do {
        Field p;
        if (is_punct("[")) p.attrs = parse_attributes();
        p.type = parse_type_spec(p.attrs);
        p.decl = parse_declarator(/*allow_abstract=*/true);
        m.params.push_back(std::move(p));
      } while (accept(","));
    }
    expect(")", "to close the parameter list");
    expect(";", "after the method declaration");
    return m;
  }

  Typedef parse_typedef() {
    Typedef td;
    td.where = next().where;
    if (is_punct("[")) td.attrs = parse_attributes();
    td.type = parse_type_spec(td.attrs);
    do {
      td.decls.push_back(parse_declarator(false));
    } while (accept(","));
    expect(";", "after the typedef");
    return td;
  }

  ConstDef parse_const() {
    ConstDef c;
    c.where = next().where;
    c.type = parse_type_spec(Attributes{});
    c.decl = parse_declarator(false);
    expect("=", "in the constant definition");
    c.value = parse_expr();
    expect(";", "after the constant");
    return c;
  }

  // ---- attributes ----------------------------------------------------------------------------
  Attributes parse_attributes() {
    Attributes attrs;
    expect("[", "to open attributes");
    if (accept("]")) return attrs;
    do {
      Attribute a;
      a.where = peek().where;
      a.name = expect_identifier("an attribute name");
      if (accept("(")) {
        if (a.name == "uuid" || a.name == "async_uuid") {
          if (peek().kind != TokenKind::kUuid) fail(peek().where, "expected a UUID in " + a.name + "(...)");
          a.uuid = next().text;
        } else if (a.name == "pointer_default" || a.name == "switch_type" || a.name == "version" ||
                   a.name == "helpstring" || a.name == "endpoint" || a.name == "transmit_as" ||
                   a.name == "wire_marshal" || a.name == "user_marshal" || a.name == "represent_as" ||
                   a.name == "implicit_handle" || a.name == "call_as" || a.name == "custom" ||
                   a.name == "helpcontext" || a.name == "context_handle") {
          // Word or raw-token arguments: keep their text.
          int depth = 0;
          std::string word;
          while (!(depth == 0 && is_punct(")"))) {
            if (at_end()) fail(a.where, "unterminated attribute '" + a.name + "'");
            const Token& t = next();
            if (t.kind == TokenKind::kPunct && t.text == "(") ++depth;
            if (t.kind == TokenKind::kPunct && t.text == ")") --depth;
            if (t.kind == TokenKind::kPunct && t.text == "," && depth == 0) {
              a.words.push_back(word);
              word.clear();
              continue;
            }
            if (!word.empty() && t.kind == TokenKind::kIdentifier) word += ' ';
            word += t.text;
          }
          a.words.push_back(word);
        } else if (!is_punct(")")) {
          do {
            if (is_punct(",") || is_punct(")")) {
              a.args.push_back(nullptr);
            } else {
              a.args.push_back(parse_expr());
            }
          } while (accept(","));
        }
        expect(")", "to close the attribute arguments");
      }
      attrs.push_back(std::move(a));
    } while (accept(","));
    expect("]", "to close attributes");
    return attrs;
  }

  // ---- types ---------------------------------------------------------------------------------
  TypeSpec parse_type_spec(const Attributes&) {
    if (++type_depth_ > 64) fail(peek().where, "type definitions nested too deeply");
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{type_depth_};
    TypeSpec ts;
    ts.where = peek().where;
    while (is_word("const")) {
      next();
      ts.is_const = true;
    }
    if (is_word("struct")) {
      next();
      ts.kind = TypeSpec::Kind::kStruct;
      ts.struct_def = parse_struct_body();
      ts.name = ts.struct_def->tag;
    } else if (is_word("union")) {
      next();
      ts.kind = TypeSpec::Kind::kUnion;
      ts.union_def = parse_union_body();
      ts.name = ts.union_def->tag;
    } else if (is_word("enum")) {
      next();
      ts.kind = TypeSpec::Kind::kEnum;
      ts.enum_def = parse_enum_body();
      ts.name = ts.enum_def->tag;
    } else if (peek().kind == TokenKind::kIdentifier && base_type_words().count(peek().text)) {
      ts.kind = TypeSpec::Kind::kBase;
      ts.name = parse_base_type();
    } else if (peek().kind == TokenKind::kIdentifier) {
      ts.kind = TypeSpec::Kind::kNamed;
      ts.name = next().text;
    } else {
      fail(peek().where, "expected a type, found " + describe(peek()));
    }
    while (is_word("const")) {
      next();
      ts.is_const = true;
    }
    return ts;
  }

  std::string parse_base_type() {
    SourceLocation where = peek().where;
    bool is_unsigned = false;
    bool is_signed = false;
    std::string core;
    while (peek().kind == TokenKind::kIdentifier && base_type_words().count(peek().text)) {
      std::string w = next().text;
      if (w == "unsigned") {
        is_unsigned = true;
      } else if (w == "signed") {
        is_signed = true;
      } else if (core.empty()) {
        core = w;
      } else if ((core == "long" || core == "short") && w == "int") {
        // "long int", "short int": the int is redundant.
      } else if (core == "long" && w == "long") {
        fail(where, "'long long' is not an IDL type; use hyper or __int64");
      } else {
        fail(where, "invalid type '" + core + " " + w + "'");
      }
    }
    if (core.empty()) core = "int";
    static const std::set<std::string> signable = {"char", "small", "short", "long", "int", "hyper", "__int64",
                                                   "__int32", "__int16", "__int8", "__int3264"};
    if ((is_unsigned || is_signed) && !signable.count(core)) {
      fail(where, std::string("'") + (is_unsigned ? "unsigned" : "signed") + "' cannot qualify '" + core + "'");
    }
    return is_unsigned ? "unsigned " + core : core;
  }

  std::shared_ptr<StructDef> parse_struct_body() {
    auto def = std::make_shared<StructDef>();
    def->where = peek().where;
    if (peek().kind == TokenKind::kIdentifier) def->tag = next().text;
    if (!accept("{")) {
      if (def->tag.empty()) fail(peek().where, "expected a structure tag or body");
      def->members.clear();
      def->has_body = false;
      return def;
    }
    while (!accept("}")) {
      if (at_end()) fail(def->where, "unterminated structure");
      Field f;
      if (is_punct("[")) f.attrs = parse_attributes();
      f.type = parse_type_spec(f.attrs);
      do {
        Field g = f;
        g.decl = parse_declarator(false);
        if (is_punct(":")) fail(peek().where, "bit fields are not supported");
        def->members.push_back(std::move(g));
      } while (accept(","));
      expect(";", "after the structure member");
    }
    return def;
  }

  std::shared_ptr<UnionDef> parse_union_body() {
    auto def = std::make_shared<UnionDef>();
    def->where = peek().where;
    if (peek().kind == TokenKind::kIdentifier && !is_word("switch")) def->tag = next().text;
    if (is_word("switch")) {
      next();
      def->encapsulated = true;
      expect("(", "after 'switch'");
      def->switch_type = parse_type_spec(Attributes{});
      def->switch_name = expect_identifier("the discriminant name");
      expect(")", "after the discriminant");
      if (peek().kind == TokenKind::kIdentifier) def->union_name = next().text;
    }
    if (!accept("{")) {
      if (def->tag.empty() || def->encapsulated) fail(peek().where, "expected a union body");
      def->has_body = false;
      return def;
    }
    while (!accept("}")) {
      if (at_end()) fail(def->where, "unterminated union");
      UnionCase c;
      c.where = peek().where;
      Attributes case_attrs;
      if (is_punct("[")) {
        // MIDL style for non-encapsulated unions: [case(1, 2)] type name;  [default] ;
        case_attrs = parse_attributes();
        for (auto& a : case_attrs) {
          if (a.name == "case") {
            for (auto& e : a.args) c.labels.push_back(e);
          } else if (a.name == "default") {
            c.is_default = true;
          }
        }
        std::erase_if(case_attrs, [](const Attribute& a) { return a.name == "case" || a.name == "default"; });
        if (c.labels.empty() && !c.is_default) fail(c.where, "a union arm needs [case(...)] or [default]");
        if (is_punct("[")) {
          Attributes more = parse_attributes();
          case_attrs.insert(case_attrs.end(), more.begin(), more.end());
        }
      } else {
        bool any = false;
        while (is_word("case") || is_word("default")) {
          any = true;
          if (is_word("default")) {
            next();
            c.is_default = true;
          } else {
            next();
            c.labels.push_back(parse_expr());
          }
          expect(":", "after the case label");
        }
        if (!any) fail(peek().where, "expected 'case' or 'default' in the union, found " + describe(peek()));
        if (is_punct("[")) case_attrs = parse_attributes();
      }
      if (!accept(";")) {
        Field f;
        f.attrs = std::move(case_attrs);
        f.type = parse_type_spec(f.attrs);
        f.decl = parse_declarator(false);
        expect(";", "after the union arm");
        c.arm = std::move(f);
      }
      def->cases.push_back(std::move(c));
    }
    return def;
  }

  std::shared_ptr<EnumDef> parse_enum_body() {
    auto def = std::make_shared<EnumDef>();
    def->where = peek().where;
    if (peek().kind == TokenKind::kIdentifier) def->tag = next().text;
    if (!accept("{")) {
      if (def->tag.empty()) fail(peek().where, "expected an enum tag or body");
      def->has_body = false;
      return def;
    }
    while (!accept("}")) {
      if (at_end()) fail(def->where, "unterminated enum");
      Enumerator e;
      e.where = peek().where;
      e.name = expect_identifier("an enumerator name");
      if (accept("=")) e.value = parse_expr();
      def->values.push_back(std::move(e));
      if (!accept(",")) {
        expect("}", "to close the enum");
        break;
      }
    }
    return def;
  }

  Declarator parse_declarator(bool allow_abstract) {
    Declarator d;
    while (true) {
      if (accept("*")) {
        ++d.pointers;
      } else if (is_word("const") && d.pointers > 0) {
        next();
        d.const_pointer = true;
      } else if (is_word("__RPC_FAR") || is_word("__stdcall") || is_word("__RPC_USER")) {
        next();
      } else {
        break;
      }
    }
    d.where = peek().where;
    if (is_punct("(")) fail(peek().where, "function pointers are not supported");
    if (peek().kind == TokenKind::kIdentifier) {
      d.name = next().text;
    } else if (!allow_abstract) {
      fail(peek().where, "expected a name, found " + describe(peek()));
    }
    while (accept("[")) {
      if (accept("]")) {
        d.dims.push_back(nullptr);
      } else {
        d.dims.push_back(parse_expr());
        expect("]", "to close the array dimension");
      }
    }
    return d;
  }

  // ---- expressions (C precedence) ------------------------------------------------------------
  ExprPtr make(Expr::Kind kind, std::string text, SourceLocation where, std::vector<ExprPtr> ops = {}) {
    auto e = std::make_shared<Expr>();
    e->kind = kind;
    e->text = std::move(text);
    e->where = std::move(where);
    e->operands = std::move(ops);
    return e;
  }

  ExprPtr parse_expr() {
    ExprPtr cond = parse_binary(0);
    if (is_punct("?")) {
      SourceLocation where = next().where;
      ExprPtr a = parse_expr();
      expect(":", "in the conditional expression");
      ExprPtr b = parse_expr();
      return make(Expr::Kind::kTernary, "?", where, {cond, a, b});
    }
    return cond;
  }

  static int precedence(const std::string& op) {
    static const std::pair<const char*, int> table[] = {
        {"||", 1}, {"&&", 2}, {"|", 3}, {"^", 4}, {"&", 5}, {"==", 6}, {"!=", 6}, {"<", 7}, {">", 7},
        {"<=", 7}, {">=", 7}, {"<<", 8}, {">>", 8}, {"+", 9}, {"-", 9}, {"*", 10}, {"/", 10}, {"%", 10}};
    for (auto& [o, p] : table) {
      if (op == o) return p;
    }
    return -1;
  }

  ExprPtr parse_binary(int min_prec) {
    ExprPtr lhs = parse_unary();
    while (peek().kind == TokenKind::kPunct) {
      int prec = precedence(peek().text);
      if (prec < 0 || prec < min_prec) break;
      const Token& op = next();
      ExprPtr rhs = parse_binary(prec + 1);
      lhs = make(Expr::Kind::kBinary, op.text, op.where, {lhs, rhs});
    }
    return lhs;
  }

  ExprPtr parse_unary() {
    if (++depth_ > 200) fail(peek().where, "expression nested too deeply");
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};
    const Token& t = peek();
    if (t.kind == TokenKind::kPunct && (t.text == "-" || t.text == "~" || t.text == "!" || t.text == "*" || t.text == "+" || t.text == "&")) {
      next();
      return make(Expr::Kind::kUnary, t.text, t.where, {parse_unary()});
    }
    if (accept("(")) {
      ExprPtr e = parse_expr();
      expect(")", "to close the parenthesis");
      return e;
    }
    if (t.kind == TokenKind::kNumber || t.kind == TokenKind::kChar) {
      next();
      auto e = make(t.kind == TokenKind::kNumber ? Expr::Kind::kNumber : Expr::Kind::kChar, t.text, t.where);
      e->number = t.number;
      return e;
    }
    if (t.kind == TokenKind::kString) {
      next();
      return make(Expr::Kind::kString, t.text, t.where);
    }
    if (t.kind == TokenKind::kIdentifier) {
      next();
      if (is_punct(".") || is_punct("->") || is_punct("(")) {
        fail(peek().where, "only names, constants and arithmetic are supported in expressions");
      }
      return make(Expr::Kind::kIdent, t.text, t.where);
    }
    fail(t.where, "expected an expression, found " + describe(t));
  }

  const std::vector<Token>& toks_;
  Diagnostics& diags_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  int type_depth_ = 0;
  int brace_depth_ = 0;
};

}  // namespace

ast::File parse(const std::vector<Token>& tokens, const std::string& path, Diagnostics& diags) {
  return Parser(tokens, diags).run(path);
}

}  // namespace guise::midl
