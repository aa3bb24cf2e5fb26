// The marshaling entry points of objbase.h: CoMarshalInterface and friends, over the ComMarshaler.
#include <array>
#include <cstring>

#include "com/apartment.h"
#include "com/memory_stream.h"
#include "com/object_exporter.h"
#include "com/objref.h"
#include "com/runtime.h"
#include "guise/objbase.h"

namespace guise::com {
namespace {

HRESULT read_exactly(IStream* stream, void* out, ULONG size) {
  ULONG got = 0;
  const HRESULT hr = stream->Read(out, size, &got);
  if (FAILED(hr)) return hr;
  return got == size ? S_OK : STG_E_READFAULT;
}

// Reads one OBJREF from the stream's current position (the layout tells its length).
Result<ObjRef> read_objref(IStream* stream) {
  std::vector<std::byte> bytes(kObjrefHeaderSize + kStdObjrefSize + 4);
  if (HRESULT hr = read_exactly(stream, bytes.data(), kObjrefHeaderSize); FAILED(hr)) {
    return Status(StatusCode::kInvalidInput, "com: the stream holds no complete OBJREF", hr);
  }
  // Signature and kind first: bytes that are no OBJREF are said so, not read on as if they were.
  GUISE_RETURN_IF_ERROR(check_objref_header(std::span(bytes).first(kObjrefHeaderSize)));
  if (HRESULT hr = read_exactly(stream, bytes.data() + kObjrefHeaderSize,
                                static_cast<ULONG>(bytes.size() - kObjrefHeaderSize));
      FAILED(hr)) {
    return Status(StatusCode::kInvalidInput, "com: the stream holds no complete OBJREF", hr);
  }
  const std::size_t at = kObjrefHeaderSize + kStdObjrefSize;
  const std::size_t units = std::to_integer<std::size_t>(bytes[at]) | (std::to_integer<std::size_t>(bytes[at + 1]) << 8);
  bytes.resize(bytes.size() + units * 2);
  if (units > 0) {
    if (HRESULT hr = read_exactly(stream, bytes.data() + at + 4, static_cast<ULONG>(units * 2)); FAILED(hr)) {
      return Status(StatusCode::kInvalidInput, "com: the stream holds no complete OBJREF", hr);
    }
  }
  return decode_objref(bytes, Runtime::instance().limits());
}

Result<MarshalKind> kind_of(DWORD mshlflags) {
  switch (mshlflags & ~static_cast<DWORD>(MSHLFLAGS_NOPING)) {
    case MSHLFLAGS_NORMAL: return MarshalKind::kNormal;
    case MSHLFLAGS_TABLESTRONG: return MarshalKind::kTableStrong;
    case MSHLFLAGS_TABLEWEAK: return MarshalKind::kTableWeak;
    default: return Status(StatusCode::kInvalidInput, "com: unknown MSHLFLAGS", E_INVALIDARG);
  }
}

Status not_initialized() {
  return Status(StatusCode::kFailedPrecondition, "com: CoInitializeEx was not called on this thread",
                CO_E_NOTINITIALIZED);
}

}  // namespace
}  // namespace guise::com

using namespace guise;
using namespace guise::com;

extern "C" HRESULT CoMarshalInterface(IStream* pStm, REFIID riid, IUnknown* pUnk, DWORD, LPVOID, DWORD mshlflags) {
  if (pStm == nullptr || pUnk == nullptr) return E_INVALIDARG;
  if (!thread_in_apartment()) return status_to_hresult(not_initialized());
  auto kind = kind_of(mshlflags);
  if (!kind.ok()) return status_to_hresult(kind.status());
  auto objref = Runtime::instance().marshaler().marshal(pUnk, riid, *kind);
  if (!objref.ok()) return status_to_hresult(objref.status());
  const std::vector<std::byte> bytes = encode_objref(*objref);
  ULONG written = 0;
  const HRESULT hr = pStm->Write(bytes.data(), static_cast<ULONG>(bytes.size()), &written);
  if (FAILED(hr) || written != bytes.size()) {
    (void)Runtime::instance().marshaler().release(*objref);
    return FAILED(hr) ? hr : STG_E_MEDIUMFULL;
  }
  return S_OK;
}

extern "C" HRESULT CoUnmarshalInterface(IStream* pStm, REFIID riid, LPVOID* ppv) {
  if (ppv == nullptr) return E_INVALIDARG;
  *ppv = nullptr;
  if (pStm == nullptr) return E_INVALIDARG;
  if (!thread_in_apartment()) return status_to_hresult(not_initialized());
  auto objref = read_objref(pStm);
  if (!objref.ok()) return status_to_hresult(objref.status());
  // IID_NULL asks for the interface the OBJREF was marshaled for.
  const IID wanted = riid == IID_NULL ? objref->iid : riid;
  auto object = Runtime::instance().marshaler().unmarshal(*objref, wanted);
  if (!object.ok()) return status_to_hresult(object.status());
  *ppv = object->Detach();
  return S_OK;
}

extern "C" HRESULT CoReleaseMarshalData(IStream* pStm) {
  if (pStm == nullptr) return E_INVALIDARG;
  if (!thread_in_apartment()) return status_to_hresult(not_initialized());
  auto objref = read_objref(pStm);
  if (!objref.ok()) return status_to_hresult(objref.status());
  return status_to_hresult(Runtime::instance().marshaler().release(*objref));
}

extern "C" HRESULT CoGetMarshalSizeMax(ULONG* pulSize, REFIID riid, IUnknown* pUnk, DWORD, LPVOID, DWORD) {
  if (pulSize == nullptr || pUnk == nullptr) return E_INVALIDARG;
  *pulSize = 0;
  if (!thread_in_apartment()) return status_to_hresult(not_initialized());
  auto size = Runtime::instance().marshaler().marshal_size(pUnk, riid);
  if (!size.ok()) return status_to_hresult(size.status());
  *pulSize = static_cast<ULONG>(*size);
  return S_OK;
}

extern "C" HRESULT CoMarshalInterThreadInterfaceInStream(REFIID riid, LPUNKNOWN pUnk, LPSTREAM* ppStm) {
  if (ppStm == nullptr) return E_INVALIDARG;
  *ppStm = nullptr;
  IStream* stream = nullptr;
  if (HRESULT hr = CreateStreamOnHGlobal(nullptr, TRUE, &stream); FAILED(hr)) return hr;
  HRESULT hr = CoMarshalInterface(stream, riid, pUnk, MSHCTX_INPROC, nullptr, MSHLFLAGS_NORMAL);
  if (SUCCEEDED(hr)) {
    LARGE_INTEGER zero{};
    hr = stream->Seek(zero, STREAM_SEEK_SET, nullptr);
  }
  if (FAILED(hr)) {
    stream->Release();
    return hr;
  }
  *ppStm = stream;
  return S_OK;
}

extern "C" HRESULT CoGetInterfaceAndReleaseStream(LPSTREAM pStm, REFIID iid, LPVOID* ppv) {
  if (pStm == nullptr) return E_INVALIDARG;
  const HRESULT hr = CoUnmarshalInterface(pStm, iid, ppv);
  pStm->Release();
  return hr;
}

extern "C" HRESULT CoDisconnectObject(LPUNKNOWN pUnk, DWORD) {
  if (pUnk == nullptr) return E_INVALIDARG;
  if (!thread_in_apartment()) return status_to_hresult(not_initialized());
  Runtime::instance().exporter().disconnect(pUnk);
  return S_OK;
}
