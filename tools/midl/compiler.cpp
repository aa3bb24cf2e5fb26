#include "compiler.h"

#include <filesystem>
#include <memory>

#include "check.h"
#include "gen_header.h"
#include "gen_proxy.h"
#include "lexer.h"
#include "parser.h"
#include "preprocess.h"

namespace guise::midl {
namespace {

std::optional<CompileOutput> generate(std::shared_ptr<ast::File> file, const std::string& base,
                                      const ImportLoader& loader, Diagnostics& diags) {
  auto module = check(std::move(file), base, loader, diags);
  if (diags.has_errors()) return std::nullopt;
  CompileOutput out;
  out.header = generate_header(*module, diags);
  out.proxy = generate_proxy(*module, diags);
  out.iid = generate_iid(*module);
  out.fuzz = generate_fuzz(*module);
  if (diags.has_errors()) return std::nullopt;
  return out;
}

}  // namespace

std::string base_name_of(const std::string& path) {
  std::string stem = std::filesystem::path(path).filename().string();
  if (auto dot = stem.rfind('.'); dot != std::string::npos && dot > 0) stem.resize(dot);
  return stem;
}

std::optional<CompileOutput> compile_text(std::string_view text, const std::string& file_name, Diagnostics& diags) {
  auto tokens = lex(text, file_name, diags);
  if (diags.has_errors()) return std::nullopt;
  auto file = std::make_shared<ast::File>(parse(tokens, file_name, diags));
  if (diags.has_errors()) return std::nullopt;
  return generate(std::move(file), base_name_of(file_name), ImportLoader{}, diags);
}

std::optional<CompileOutput> compile_file(const std::string& path, const CompileOptions& options, Diagnostics& diags) {
  auto load = [&](const std::string& file_path) -> std::shared_ptr<ast::File> {
    std::string text;
    if (options.preprocess) {
      auto pre = preprocess(file_path, options, diags);
      if (!pre) return nullptr;
      text = std::move(*pre);
    } else {
      std::FILE* f = std::fopen(file_path.c_str(), "rb");
      if (f == nullptr) return nullptr;
      char buf[65536];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
      std::fclose(f);
    }
    auto tokens = lex(text, file_path, diags);
    return std::make_shared<ast::File>(parse(tokens, file_path, diags));
  };
  if (!std::filesystem::exists(path)) {
    diags.error(SourceLocation{std::make_shared<const std::string>(path), 1, 1}, "no such file");
    return std::nullopt;
  }
  auto main_file = load(path);
  if (main_file == nullptr || diags.has_errors()) return std::nullopt;
  ImportLoader loader = [&](const std::string& name, const SourceLocation& where) -> std::shared_ptr<ast::File> {
    std::vector<std::filesystem::path> dirs;
    if (where.file) dirs.push_back(std::filesystem::path(*where.file).parent_path());
    dirs.push_back(std::filesystem::path(path).parent_path());
    for (const auto& d : options.include_dirs) dirs.emplace_back(d);
    for (const auto& d : dirs) {
      auto candidate = d / name;
      if (std::filesystem::exists(candidate)) return load(candidate.string());
    }
    return nullptr;
  };
  return generate(std::move(main_file), base_name_of(path), loader, diags);
}

}  // namespace guise::midl
