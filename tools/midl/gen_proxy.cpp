#include "gen_proxy.h"

#include <cstdio>

#include "async_plan.h"
#include "builtins.h"
#include "emitter.h"
#include "gen_header.h"
#include "gen_marshal.h"
#include "gen_method.h"

namespace guise::midl {
namespace {

// The interface and its bases up to (excluding) IUnknown, base first: the proxy implements all of
// their methods and the stub dispatches all of their opnums.
std::vector<const ir::Interface*> chain(const ir::Interface& itf) {
  std::vector<const ir::Interface*> out;
  for (const ir::Interface* i = &itf; i != nullptr && !i->predeclared; i = i->base_itf) out.insert(out.begin(), i);
  return out;
}

bool remoted(const ir::Interface& itf) { return itf.object && !itf.local && !itf.imported && !itf.predeclared; }
bool is_rpc(const ir::Interface& itf) { return !itf.object && !itf.local && !itf.imported; }

std::string ifspec_name(const ir::Interface& itf) {
  return itf.name + "_v" + std::to_string(itf.version_major) + "_" + std::to_string(itf.version_minor) + "_s_ifspec";
}

class ProxyGen {
 public:
  ProxyGen(const ir::Module& m, Diagnostics& diags) : m_(m), diags_(diags) {}

  std::string run() {
    out_.line(generated_banner(m_));
    out_.line("//");
    out_.line("// NDR marshaling for " + m_.base_name + ".idl: type functions, [object] proxies and stubs registered by");
    out_.line("// IID, plain-RPC client stubs and server dispatch tables. See ndr/generated_support.h.");
    out_.line("#include <algorithm>");
    out_.line("#include <cstring>");
    out_.line("#include <memory>");
    out_.line("#include <span>");
    out_.line("#include <type_traits>");
    out_.line();
    out_.line("#include \"" + m_.base_name + ".h\"");
    out_.line();
    types();
    for (const auto& itf : m_.interfaces) {
      if (remoted(*itf)) object_interface(*itf);
      if (remoted(*itf) && itf->async_iid) async_interface(*itf);
      if (is_rpc(*itf)) rpc_interface(*itf);
    }
    registration();
    return out_.text();
  }

 private:
  void types() {
    Emitter body;
    MarshalGen gen(body, diags_);
    for (const auto& st : m_.structs) {
      if (!st->imported && !st->cpp_name.empty()) gen.define_struct(*st);
    }
    for (const auto& un : m_.unions) {
      if (!un->imported && !un->cpp_name.empty()) gen.define_union(*un);
    }
    if (body.text().empty()) return;
    out_.line();
    out_.line("namespace guise::ndr::generated {");
    out_.line();
    out_.raw(body.text());
    out_.line();
    out_.line("}  // namespace guise::ndr::generated");
  }

  void object_interface(const ir::Interface& itf) {
    const std::string& n = itf.name;
    const auto bases = chain(itf);
    out_.line();
    out_.line("namespace {");
    out_.line();
    out_.line("// " + n + "'s proxy: IUnknown goes to the proxy manager (outer); every other method is marshaled.");
    out_.open("class " + n + "_Proxy final : public " + n + " {");
    out_.middle(" public:");
    out_.line(n + "_Proxy(IUnknown* outer, ::guise::ndr::ProxyChannel& channel) : outer_(outer), channel_(channel) {}");
    out_.line("using IUnknown::QueryInterface;");
    out_.line("HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override { return outer_->QueryInterface(riid, ppv); }");
    out_.line("ULONG STDMETHODCALLTYPE AddRef() override { return outer_->AddRef(); }");
    out_.line("ULONG STDMETHODCALLTYPE Release() override { return outer_->Release(); }");
    for (const ir::Interface* b : bases) {
      for (const auto& m : b->methods) out_.line(m.cpp_return + " STDMETHODCALLTYPE " + m.name + method_parameters(m) + " override;");
    }
    out_.line();
    out_.middle(" private:");
    out_.line("IUnknown* outer_;");
    out_.line("::guise::ndr::ProxyChannel& channel_;");
    out_.close("};");
    for (const ir::Interface* b : bases) {
      for (const auto& m : b->methods) {
        out_.line();
        out_.line("// " + b->name + "::" + m.name + ", opnum " + std::to_string(m.opnum));
        out_.open(m.cpp_return + " STDMETHODCALLTYPE " + n + "_Proxy::" + m.name + method_parameters(m) + " {");
        MethodGen gen(out_, diags_);
        gen.client_body(m, "channel_.invoke(IID_" + n + ", " + std::to_string(m.opnum) + ", ndr_w.bytes())",
                        "channel_.interface_marshaler()", "channel_.limits()", "");
        out_.close();
      }
    }
    // Stubs.
    for (const ir::Interface* b : bases) {
      for (const auto& m : b->methods) {
        out_.line();
        out_.open("::guise::Status " + n + "_Stub_" + m.name + "(" + n +
                  "* ndr_self, std::span<const std::byte> ndr_in, ::guise::ndr::Writer& ndr_w, ::guise::ndr::CallContext& ndr_ctx) {");
        MethodGen gen(out_, diags_);
        gen.server_body(m, "ndr_self->");
        out_.close();
      }
    }
    out_.line();
    out_.open("::guise::Status " + n + "_Stub(IUnknown* ndr_object, std::uint16_t ndr_opnum, std::span<const std::byte> ndr_in, ::guise::ndr::Writer& ndr_w, ::guise::ndr::CallContext& ndr_ctx) {");
    out_.line(n + "* ndr_self = static_cast<" + n + "*>(ndr_object);");
    out_.open("switch (ndr_opnum) {");
    for (const ir::Interface* b : bases) {
      for (const auto& m : b->methods) {
        out_.line("case " + std::to_string(m.opnum) + ": return " + n + "_Stub_" + m.name + "(ndr_self, ndr_in, ndr_w, ndr_ctx);");
      }
    }
    out_.line("default: break;");
    out_.close();
    out_.line("// nca_s_op_rng_error: no such method in " + n + ".");
    out_.line("return ::guise::Status(::guise::StatusCode::kInvalidInput, \"ndr: opnum out of range for " + n + "\", static_cast<HRESULT>(0x1C010002u));");
    out_.close();
    out_.line();
    out_.open("::guise::ndr::ProxyPtr " + n + "_CreateProxy(IUnknown* outer, ::guise::ndr::ProxyChannel& channel) {");
    out_.line("auto* proxy = new " + n + "_Proxy(outer, channel);");
    out_.line("return ::guise::ndr::ProxyPtr(static_cast<IUnknown*>(static_cast<" + n + "*>(proxy)),");
    out_.line("                              ::guise::ndr::ProxyDeleter{[](IUnknown* p) { delete static_cast<" + n +
              "_Proxy*>(static_cast<" + n + "*>(p)); }});");
    out_.close();
    out_.line();
    out_.line("}  // namespace");
  }

  // The value a saved [in] parameter is read from, in a scope where the parameter is in scope.
  static std::string saved_source(const SavedParam& sp) { return (sp.pointee ? "*" : "") + sp.param->name; }

  // Finish_'s view of a saved [in] parameter, from `holder` (an lvalue of the saved structure).
  void saved_locals(const AsyncSplit& split, const std::string& holder) {
    for (const auto& sp : split.saved) {
      const std::string& name = sp.param->name;
      if (sp.pointee) out_.line("[[maybe_unused]] const auto* const " + name + " = &" + holder + "." + name + ";");
      else out_.line("[[maybe_unused]] const auto& " + name + " = " + holder + "." + name + ";");
    }
  }

  // Async<itf>: the proxy a client call object marshals Begin_/Finish_ through, and the stub halves
  // driving a server call object (ndr/async_proxy.h). Begin_/Finish_ reuse the synchronous client
  // and server bodies on the split methods (async_plan.h), so the bytes are the synchronous call's.
  void async_interface(const ir::Interface& itf) {
    const std::string& n = itf.name;
    const std::string an = "Async" + n;
    const auto bases = async_chain(itf);
    struct Entry {
      const ir::Interface* owner;
      const ir::Method* m;
      AsyncSplit split;
      std::string saved_type;  // empty when nothing is saved
    };
    std::vector<Entry> entries;
    for (const ir::Interface* b : bases) {
      for (const auto& m : b->methods) {
        Entry e{b, &m, split_async(m), {}};
        if (!e.split.saved.empty()) e.saved_type = an + "_Saved_" + std::to_string(m.opnum);
        entries.push_back(std::move(e));
      }
    }
    out_.line();
    out_.line("namespace {");
    for (const auto& e : entries) {
      if (e.saved_type.empty()) continue;
      out_.line();
      out_.line("// What Finish_" + e.m->name + " needs from Begin_" + e.m->name + ": the [in] values its [out] parameters depend on.");
      out_.open("struct " + e.saved_type + " {");
      for (const auto& sp : e.split.saved) out_.line(sp.value_type + " " + sp.param->name + "{};");
      out_.close("};");
    }
    out_.line();
    out_.line("// " + an + "'s proxy: IUnknown goes to the call object (outer); Begin_/Finish_ marshal M's request and");
    out_.line("// response through the channel under " + n + "'s IID and opnums.");
    out_.open("class " + an + "_Proxy final : public " + an + " {");
    out_.middle(" public:");
    out_.line(an + "_Proxy(IUnknown* outer, ::guise::ndr::AsyncProxyChannel& channel) : outer_(outer), channel_(channel) {}");
    out_.line("using IUnknown::QueryInterface;");
    out_.line("HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override { return outer_->QueryInterface(riid, ppv); }");
    out_.line("ULONG STDMETHODCALLTYPE AddRef() override { return outer_->AddRef(); }");
    out_.line("ULONG STDMETHODCALLTYPE Release() override { return outer_->Release(); }");
    for (const auto& e : entries) {
      out_.line("HRESULT STDMETHODCALLTYPE " + e.split.begin.name + method_parameters(e.split.begin) + " override;");
      out_.line("HRESULT STDMETHODCALLTYPE " + e.split.finish.name + method_parameters(e.split.finish) + " override;");
    }
    out_.line();
    out_.middle(" private:");
    out_.line("IUnknown* outer_;");
    out_.line("::guise::ndr::AsyncProxyChannel& channel_;");
    for (const auto& e : entries) {
      if (!e.saved_type.empty()) out_.line(e.saved_type + " saved_" + std::to_string(e.m->opnum) + "_{};");
    }
    out_.close("};");
    for (const auto& e : entries) {
      const std::string op = std::to_string(e.m->opnum);
      const std::string where = "// " + e.owner->name + "::" + e.m->name + ", opnum " + op;
      out_.line();
      out_.line(where + ": the request");
      out_.open("HRESULT STDMETHODCALLTYPE " + an + "_Proxy::" + e.split.begin.name + method_parameters(e.split.begin) + " {");
      {
        MethodGen gen(out_, diags_);
        gen.client_prelude(e.split.begin, "");
        // Kept before anything can fail: Finish_ sizes the caller's buffers by what this Begin_ was given.
        for (const auto& sp : e.split.saved) out_.line("saved_" + op + "_." + sp.param->name + " = " + saved_source(sp) + ";");
        gen.client_encode(e.split.begin, "channel_.interface_marshaler()", "");
      }
      out_.line("return channel_.begin(IID_" + n + ", " + op + ", ndr_w.bytes());");
      out_.close();
      out_.line();
      out_.line(where + ": the response");
      out_.open("HRESULT STDMETHODCALLTYPE " + an + "_Proxy::" + e.split.finish.name + method_parameters(e.split.finish) + " {");
      if (!e.saved_type.empty()) {
        // Taken once: a second Finish_ (RPC_E_CALL_COMPLETE) sizes nothing by a finished call.
        out_.line("const " + e.saved_type + " ndr_saved = saved_" + op + "_;");
        out_.line("saved_" + op + "_ = {};");
        saved_locals(e.split, "ndr_saved");
      }
      {
        MethodGen gen(out_, diags_);
        gen.client_prelude(e.split.finish, "");
        out_.line("std::vector<std::byte> ndr_reply;");
        out_.line("const HRESULT ndr_hr = channel_.finish(" + op + ", ndr_reply);");
        out_.line("if (ndr_hr != S_OK) return ndr_hr;");
        gen.client_decode(e.split.finish, "ndr_reply", "channel_.interface_marshaler()", "channel_.limits()", "");
      }
      out_.close();
    }
    // Server halves.
    for (const auto& e : entries) {
      const std::string op = std::to_string(e.m->opnum);
      out_.line();
      out_.open("::guise::Status " + an + "_Begin_" + e.m->name + "(" + an +
                "* ndr_self, IUnknown* ndr_object, std::span<const std::byte> ndr_in, ::guise::ndr::CallContext& ndr_ctx, HRESULT* ndr_begin_result) {");
      out_.line("static_cast<void>(ndr_object);");
      out_.line("::guise::ndr::Writer ndr_w;  // Begin_ has no response");
      MethodGen::ServerCall how;
      how.result = "*ndr_begin_result";
      if (!e.saved_type.empty()) {
        std::string init;
        for (const auto& sp : e.split.saved) init += (init.empty() ? "" : ", ") + saved_source(sp);
        how.after_call.push_back("if (SUCCEEDED(*ndr_begin_result)) ::guise::ndr::AsyncStubState::save(ndr_object, " + op +
                                 ", std::make_shared<" + e.saved_type + ">(" + e.saved_type + "{" + init + "}));");
      }
      {
        MethodGen gen(out_, diags_);
        gen.server_body(e.split.begin, "ndr_self->", how);
      }
      out_.close();
      out_.line();
      out_.open("::guise::Status " + an + "_Finish_" + e.m->name + "(" + an +
                "* ndr_self, IUnknown* ndr_object, ::guise::ndr::Writer& ndr_w, ::guise::ndr::CallContext& ndr_ctx) {");
      out_.line("static_cast<void>(ndr_object);");
      if (!e.saved_type.empty()) {
        out_.line("const auto ndr_saved = std::static_pointer_cast<" + e.saved_type +
                  ">(::guise::ndr::AsyncStubState::take(ndr_object, " + op + "));");
        out_.open("if (ndr_saved == nullptr) {");
        out_.line("return ::guise::Status(::guise::StatusCode::kFailedPrecondition, \"ndr: " + an + "::Finish_" + e.m->name +
                  " without a successful Begin_" + e.m->name + "\", RPC_E_CALL_COMPLETE);");
        out_.close();
        saved_locals(e.split, "(*ndr_saved)");
      }
      out_.line("const std::span<const std::byte> ndr_in;  // Finish_ receives nothing");
      {
        MethodGen gen(out_, diags_);
        gen.server_body(e.split.finish, "ndr_self->");
      }
      out_.close();
    }
    auto opnum_error = [&]() {
      out_.line("default: break;");
      out_.close();
      out_.line("// nca_s_op_rng_error: no such method in " + n + ".");
      out_.line("return ::guise::Status(::guise::StatusCode::kInvalidInput, \"ndr: opnum out of range for " + an +
                "\", static_cast<HRESULT>(0x1C010002u));");
      out_.close();
    };
    out_.line();
    out_.open("::guise::Status " + an + "_InvokeBegin(IUnknown* ndr_object, std::uint16_t ndr_opnum, std::span<const std::byte> ndr_in, ::guise::ndr::CallContext& ndr_ctx, HRESULT* ndr_begin_result) {");
    out_.line(an + "* ndr_self = static_cast<" + an + "*>(ndr_object);");
    out_.line("HRESULT ndr_ignored = S_OK;");
    out_.line("if (ndr_begin_result == nullptr) ndr_begin_result = &ndr_ignored;");
    out_.open("switch (ndr_opnum) {");
    for (const auto& e : entries) {
      out_.line("case " + std::to_string(e.m->opnum) + ": return " + an + "_Begin_" + e.m->name +
                "(ndr_self, ndr_object, ndr_in, ndr_ctx, ndr_begin_result);");
    }
    opnum_error();
    out_.line();
    out_.open("::guise::Status " + an + "_InvokeFinish(IUnknown* ndr_object, std::uint16_t ndr_opnum, ::guise::ndr::Writer& ndr_w, ::guise::ndr::CallContext& ndr_ctx) {");
    out_.line(an + "* ndr_self = static_cast<" + an + "*>(ndr_object);");
    out_.open("switch (ndr_opnum) {");
    for (const auto& e : entries) {
      out_.line("case " + std::to_string(e.m->opnum) + ": return " + an + "_Finish_" + e.m->name + "(ndr_self, ndr_object, ndr_w, ndr_ctx);");
    }
    opnum_error();
    out_.line();
    out_.open("::guise::ndr::AsyncProxyPtr " + an + "_CreateProxy(IUnknown* outer, ::guise::ndr::AsyncProxyChannel& channel) {");
    out_.line("auto* proxy = new " + an + "_Proxy(outer, channel);");
    out_.line("return ::guise::ndr::AsyncProxyPtr(static_cast<IUnknown*>(static_cast<" + an + "*>(proxy)),");
    out_.line("                                   ::guise::ndr::AsyncProxyDeleter{[](IUnknown* p) { delete static_cast<" + an +
              "_Proxy*>(static_cast<" + an + "*>(p)); }});");
    out_.close();
    out_.line();
    out_.line("}  // namespace");
  }

  void rpc_interface(const ir::Interface& itf) {
    const std::string& n = itf.name;
    out_.line();
    for (const auto& m : itf.methods) {
      out_.line("// " + n + "::" + m.name + ", opnum " + std::to_string(m.opnum));
      out_.open(m.cpp_return + " " + n + "_Client::" + m.name + method_parameters(m) + " {");
      MethodGen gen(out_, diags_);
      gen.client_body(m, "call_(" + std::to_string(m.opnum) + ", ndr_w.bytes())", "nullptr", "limits_", "last_status_ = ");
      out_.close();
      out_.line();
    }
    out_.line("namespace {");
    for (const auto& m : itf.methods) {
      out_.line();
      out_.open("::guise::Status " + n + "_Dispatch_" + m.name +
                "(void* ndr_server, std::span<const std::byte> ndr_in, ::guise::ndr::Writer& ndr_w, ::guise::ndr::CallContext& ndr_ctx) {");
      out_.line("auto* ndr_self = static_cast<" + n + "_Server*>(ndr_server);");
      MethodGen gen(out_, diags_);
      gen.server_body(m, "ndr_self->");
      out_.close();
    }
    out_.line();
    out_.open("constexpr ::guise::ndr::ServerDispatchFn " + n + "_dispatch[] = {");
    for (const auto& m : itf.methods) out_.line("&" + n + "_Dispatch_" + m.name + ",");
    out_.close("};");
    out_.line();
    out_.line("}  // namespace");
    out_.line();
    out_.open("const ::guise::ndr::RpcServerInterface " + ifspec_name(itf) + " = {");
    out_.line("\"" + n + "\",");
    out_.line("IID_" + n + ",");
    out_.line(std::to_string(itf.version_major) + ",");
    out_.line(std::to_string(itf.version_minor) + ",");
    out_.line(n + "_dispatch,");
    out_.close("};");
  }

  void registration() {
    const std::string id = identifier_of(m_.base_name);
    out_.line();
    out_.open("void " + id + "_register_proxy_stubs() {");
    out_.line("auto& ndr_registry = ::guise::ndr::ProxyStubRegistry::instance();");
    out_.line("static_cast<void>(ndr_registry);");
    for (const auto& itf : m_.interfaces) {
      if (!remoted(*itf)) continue;
      const std::string& n = itf->name;
      std::uint16_t count = static_cast<std::uint16_t>(itf->first_opnum + itf->methods.size());
      out_.line("ndr_registry.add(::guise::ndr::ProxyStubEntry{\"" + n + "\", IID_" + n + ", IID_" +
                (itf->base.empty() ? std::string("IUnknown") : itf->base) + ", " + std::to_string(count) + ", &" + n +
                "_CreateProxy, &" + n + "_Stub});");
      if (!itf->async_iid) continue;
      const std::string async_base =
          itf->base_itf != nullptr && itf->base_itf->async_iid ? "Async" + itf->base : std::string("IUnknown");
      out_.line("ndr_registry.add_async(::guise::ndr::AsyncProxyStubEntry{\"Async" + n + "\", IID_Async" + n + ", IID_" + n +
                ", IID_" + async_base + ", " + std::to_string(count) + ", &Async" + n + "_CreateProxy, &Async" + n +
                "_InvokeBegin, &Async" + n + "_InvokeFinish});");
    }
    out_.close();
    out_.line();
    out_.line("namespace {");
    out_.line("// Registration at load time, for programs that link this object file directly.");
    out_.line("[[maybe_unused]] const bool " + id + "_registered = (" + id + "_register_proxy_stubs(), true);");
    out_.line("}  // namespace");
  }

  const ir::Module& m_;
  Diagnostics& diags_;
  Emitter out_;
};

}  // namespace

std::string generate_proxy(const ir::Module& m, Diagnostics& diags) { return ProxyGen(m, diags).run(); }

std::string generate_iid(const ir::Module& m) {
  Emitter out;
  out.line(generated_banner(m));
  out.line("//");
  out.line("// The identifiers of " + m.base_name + ".idl. IID_ constants are inline in " + m.base_name +
           ".h (DEFINE_GUID); LIBID_ and CLSID_");
  out.line("// constants are defined here, as in MIDL's _i.c. The table lists the IIDs for code that enumerates a");
  out.line("// file's interfaces.");
  out.line("#include \"" + m.base_name + ".h\"");
  out.line();
  const std::string id = identifier_of(m.base_name);
  std::vector<std::string> names;
  for (const auto& itf : m.interfaces) {
    if (itf->imported || itf->predeclared || !itf->has_uuid) continue;
    names.push_back(itf->name);
    if (itf->async_iid) names.push_back("Async" + itf->name);
  }
  // LIBID_ and CLSID_ definitions, as MIDL's _i.c has them (the header declares them EXTERN_C).
  bool any_class_ids = false;
  auto define_id = [&](const char* type, const std::string& name, const IID& g) {
    char data4[64];
    std::snprintf(data4, sizeof data4, "{0x%02X, 0x%02X, 0x%02X, 0x%02X, 0x%02X, 0x%02X, 0x%02X, 0x%02X}", g.Data4[0],
                  g.Data4[1], g.Data4[2], g.Data4[3], g.Data4[4], g.Data4[5], g.Data4[6], g.Data4[7]);
    char head[64];
    std::snprintf(head, sizeof head, "0x%08X, 0x%04X, 0x%04X, ", g.Data1, g.Data2, g.Data3);
    out.line(std::string("EXTERN_C const ") + type + " " + name + " = {" + head + data4 + "};");
    any_class_ids = true;
  };
  for (const auto& lib : m.libraries) {
    if (!lib->imported) define_id("IID", "LIBID_" + lib->name, lib->libid);
  }
  for (const auto& c : m.coclasses) {
    if (!c->imported) define_id("CLSID", "CLSID_" + c->name, c->clsid);
  }
  if (any_class_ids) out.line();
  out.line("extern const IID* const " + id + "_interface_ids[];");
  out.open("const IID* const " + id + "_interface_ids[] = {");
  for (const auto& n : names) out.line("&IID_" + n + ",");
  out.line("nullptr,");
  out.close("};");
  return out.text();
}

std::string generate_fuzz(const ir::Module& m) {
  Emitter out;
  out.line(generated_banner(m));
  out.line("//");
  out.line("// libFuzzer driver: the first two bytes choose a method across " + m.base_name +
           ".idl's interfaces, the rest is the request body");
  out.line("// decoded by that method's generated stub against an object that does nothing. Any crash, leak or");
  out.line("// sanitizer report is a bug in the NDR runtime or the generated code.");
  out.line("#include <cstddef>");
  out.line("#include <cstdint>");
  out.line("#include <span>");
  out.line();
  out.line("#include \"" + m.base_name + ".h\"");
  out.line();
  out.line("namespace {");
  struct Target {
    std::string call;
    std::size_t methods;
  };
  std::vector<Target> targets;
  for (const auto& itf : m.interfaces) {
    if (itf->imported || itf->local || itf->predeclared) continue;
    const std::string& n = itf->name;
    std::vector<const ir::Interface*> bases;
    for (const ir::Interface* i = itf.get(); i != nullptr && !i->predeclared; i = i->base_itf) bases.insert(bases.begin(), i);
    std::size_t count = 0;
    for (const auto* b : bases) count += b->methods.size();
    if (count == 0) continue;
    if (itf->object) {
      out.line();
      out.open("class " + n + "_FuzzObject final : public " + n + " {");
      out.middle(" public:");
      out.line("HRESULT STDMETHODCALLTYPE QueryInterface(REFIID, void** ppv) override {");
      out.line("  if (ppv != nullptr) *ppv = nullptr;");
      out.line("  return E_NOINTERFACE;");
      out.line("}");
      out.line("ULONG STDMETHODCALLTYPE AddRef() override { return 1; }");
      out.line("ULONG STDMETHODCALLTYPE Release() override { return 1; }");
      for (const auto* b : bases) {
        for (const auto& meth : b->methods) {
          out.line(meth.cpp_return + " STDMETHODCALLTYPE " + meth.name + method_parameters(meth, false) + " override { return" +
                   (meth.cpp_return == "void" ? std::string() : " " + meth.cpp_return + "{}") + "; }");
        }
      }
      out.close("};");
      targets.push_back({"  static " + n + "_FuzzObject object;\n"
                         "  const auto* entry = ::guise::ndr::ProxyStubRegistry::instance().find(IID_" + n + ");\n"
                         "  if (entry == nullptr) return 0;\n"
                         "  static_cast<void>(entry->invoke_stub(&object, static_cast<std::uint16_t>(" +
                             std::to_string(bases.front()->first_opnum) + " + method), body, out, ctx));\n",
                         count});
      if (itf->async_iid && itf->object) {
        // The asynchronous decoders: invoke_begin on the same bytes, then invoke_finish when it took them.
        const auto async_bases = async_chain(*itf);
        std::size_t async_count = 0;
        for (const auto* b : async_bases) async_count += b->methods.size();
        out.line();
        out.open("class Async" + n + "_FuzzObject final : public Async" + n + " {");
        out.middle(" public:");
        out.line("HRESULT STDMETHODCALLTYPE QueryInterface(REFIID, void** ppv) override {");
        out.line("  if (ppv != nullptr) *ppv = nullptr;");
        out.line("  return E_NOINTERFACE;");
        out.line("}");
        out.line("ULONG STDMETHODCALLTYPE AddRef() override { return 1; }");
        out.line("ULONG STDMETHODCALLTYPE Release() override { return 1; }");
        for (const auto* b : async_bases) {
          for (const auto& meth : b->methods) {
            const AsyncSplit split = split_async(meth);
            for (const ir::Method* half : {&split.begin, &split.finish}) {
              out.line("HRESULT STDMETHODCALLTYPE " + half->name + method_parameters(*half, false) + " override { return S_OK; }");
            }
          }
        }
        out.close("};");
        targets.push_back({"  static Async" + n + "_FuzzObject object;\n"
                           "  const auto* entry = ::guise::ndr::ProxyStubRegistry::instance().find_async(IID_Async" + n + ");\n"
                           "  if (entry == nullptr) return 0;\n"
                           "  const auto opnum = static_cast<std::uint16_t>(" +
                               std::to_string(async_bases.front()->first_opnum) + " + method);\n"
                           "  HRESULT begun = E_FAIL;\n"
                           "  if (entry->invoke_begin(&object, opnum, body, ctx, &begun).ok() && SUCCEEDED(begun)) {\n"
                           "    static_cast<void>(entry->invoke_finish(&object, opnum, out, ctx));\n"
                           "  }\n",
                           async_count});
      }
    } else {
      out.line();
      out.open("class " + n + "_FuzzServer final : public " + n + "_Server {");
      out.middle(" public:");
      for (const auto& meth : itf->methods) {
        out.line(meth.cpp_return + " " + meth.name + method_parameters(meth, false) + " override { return" +
                 (meth.cpp_return == "void" ? std::string() : " " + meth.cpp_return + "{}") + "; }");
      }
      out.close("};");
      targets.push_back({"  static " + n + "_FuzzServer server;\n"
                         "  static_cast<void>(::guise::ndr::dispatch_rpc_call(" + ifspec_name(*itf) +
                             ", &server, static_cast<std::uint16_t>(method), body, out, ctx));\n",
                         count});
    }
  }
  // Types-only files (orpc.idl) still have decoders worth fuzzing: each named structure on its own.
  for (const auto& st : m.structs) {
    if (st->imported || st->cpp_name.empty()) continue;
    if (st->conformant) {
      targets.push_back({"  " + st->cpp_name + "* value = nullptr;\n"
                         "  ::guise::ndr::Reader r(body, ctx.limits);\n"
                         "  if (::guise::ndr::generated::ndr_get_conformant(r, value).ok()) {\n"
                         "    static_cast<void>(::guise::ndr::generated::ndr_put_flat(out, *value));\n"
                         "    static_cast<void>(::guise::ndr::generated::ndr_put_deferred(out, *value));\n"
                         "    ::guise::ndr::Freer f;\n"
                         "    ::guise::ndr::generated::ndr_free(*value, f);\n"
                         "    ::guise::ndr::free_block(value);\n"
                         "  }\n",
                         1});
    } else {
      targets.push_back({"  " + st->cpp_name + " value{};\n"
                         "  ::guise::ndr::Reader r(body, ctx.limits);\n"
                         "  ::guise::ndr::Freer f;\n"
                         "  if (::guise::ndr::generated::ndr_get_flat(r, value).ok() &&\n"
                         "      ::guise::ndr::generated::ndr_get_deferred(r, value).ok()) {\n"
                         "    static_cast<void>(::guise::ndr::generated::ndr_put_flat(out, value));\n"
                         "    static_cast<void>(::guise::ndr::generated::ndr_put_deferred(out, value));\n"
                         "  }\n"
                         "  ::guise::ndr::generated::ndr_free(value, f);\n",
                         1});
    }
  }
  out.line();
  out.line("}  // namespace");
  out.line();
  out.open("extern \"C\" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {");
  out.line(identifier_of(m.base_name) + "_register_proxy_stubs();");
  out.line("if (size < 2) return 0;");
  std::size_t total = 0;
  for (const auto& t : targets) total += t.methods;
  if (total == 0) {
    out.line("static_cast<void>(data);");
    out.line("return 0;");
    out.close();
    return out.text();
  }
  out.line("std::size_t method = (static_cast<std::size_t>(data[0]) | (static_cast<std::size_t>(data[1]) << 8)) % " +
           std::to_string(total) + ";");
  out.line("const auto body = std::as_bytes(std::span(data + 2, size - 2));");
  out.line("::guise::ndr::CallContext ctx;");
  out.line("ctx.limits.max_allocation = 1u << 20;");
  out.line("::guise::ndr::Writer out;");
  for (const auto& t : targets) {
    out.open("if (method < " + std::to_string(t.methods) + ") {");
    out.raw(t.call);
    out.line("return 0;");
    out.close();
    out.line("method -= " + std::to_string(t.methods) + ";");
  }
  out.line("return 0;");
  out.close();
  return out.text();
}

}  // namespace guise::midl
