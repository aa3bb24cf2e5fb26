// guise-midl: compiles a MIDL .idl file into foo.h, foo_i.cpp, foo_p.cpp (and foo_fuzz.cpp).
//
// Usage: guise-midl [-o DIR] [-I DIR]... [-D NAME[=VALUE]]... [--cpp PROGRAM] [--no-cpp]
//                   [--check] [--version] FILE.idl
// Exit status: 0 on success, 1 on errors in the input (printed as file:line:col: error: ...),
// 2 on bad usage or unwritable output. Normally called through guise_add_idl() (cmake/GuiseIdl.cmake).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "compiler.h"
#include "ndr/version.h"

namespace {

int usage() {
  std::cerr << "usage: guise-midl [-o DIR] [-I DIR]... [-D NAME[=VALUE]]... [--cpp PROGRAM] [--no-cpp] [--check] FILE.idl\n";
  return 2;
}

bool write_if_changed(const std::filesystem::path& path, const std::string& text) {
  // Rewriting identical output would make the build recompile everything that includes it.
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (old == text) return true;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  guise::midl::CompileOptions options;
  std::string out_dir = ".";
  std::string input;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& dst) -> bool {
      if (a.size() > 2 && (a[1] == 'I' || a[1] == 'D' || a[1] == 'o') && a[0] == '-' && a.size() > 2 && a[2] != '-') {
        dst = a.substr(2);
        return true;
      }
      if (i + 1 >= argc) return false;
      dst = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--version") {
      std::cout << "guise-midl " GUISE_MIDL_VERSION_STRING " (NDR ABI " << GUISE_NDR_ABI_VERSION << ")\n";
      return 0;
    } else if (a == "--check") {
      check_only = true;
    } else if (a == "--no-cpp") {
      options.preprocess = false;
    } else if (a == "--cpp") {
      if (i + 1 >= argc) return usage();
      options.preprocessor = argv[++i];
    } else if (a.rfind("-I", 0) == 0) {
      if (!value(v)) return usage();
      options.include_dirs.push_back(v);
    } else if (a.rfind("-D", 0) == 0) {
      if (!value(v)) return usage();
      options.defines.push_back(v);
    } else if (a == "-o" || a.rfind("-o", 0) == 0) {
      if (!value(v)) return usage();
      out_dir = v;
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "guise-midl: unknown option '" << a << "'\n";
      return usage();
    } else if (input.empty()) {
      input = a;
    } else {
      return usage();
    }
  }
  if (input.empty()) return usage();
  guise::midl::Diagnostics diags;
  auto out = guise::midl::compile_file(input, options, diags);
  if (!out) {
    std::cerr << diags.format();
    return 1;
  }
  if (check_only) return 0;
  const std::string base = guise::midl::base_name_of(input);
  std::filesystem::path dir(out_dir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  bool ok = write_if_changed(dir / (base + ".h"), out->header) && write_if_changed(dir / (base + "_i.cpp"), out->iid) &&
            write_if_changed(dir / (base + "_p.cpp"), out->proxy) && write_if_changed(dir / (base + "_fuzz.cpp"), out->fuzz);
  if (!ok) {
    std::cerr << "guise-midl: cannot write outputs to " << out_dir << "\n";
    return 2;
  }
  return 0;
}
