// check.h: name resolution, attribute validation and lowering of the AST to the IR (ir.h).
//
// This is the compiler's only judge of meaning: every construct the back ends will see has passed
// here, and every construct guise-midl does not support is reported at its position with
// `file:line:col: error: ...` rather than ignored. Imports are resolved through `load_import`, which
// the driver implements by preprocessing and parsing the named file (or returning null when it
// cannot be found); a few system imports (unknwn.idl, wtypes.idl, objidl.idl, oaidl.idl...) are
// built in and map to include/guise headers. Not thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "ast.h"
#include "diagnostics.h"
#include "ir.h"

namespace guise::midl {

using ImportLoader = std::function<std::shared_ptr<ast::File>(const std::string& name, const SourceLocation& where)>;

// Builds the module for `file` (whose base name, "foo" for foo.idl, names the outputs).
std::unique_ptr<ir::Module> check(std::shared_ptr<ast::File> file, const std::string& base_name,
                                  const ImportLoader& load_import, Diagnostics& diags);

}  // namespace guise::midl
