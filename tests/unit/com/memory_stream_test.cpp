// CreateStreamOnHGlobal's IStream and the HGLOBAL calls under it, checked against Windows'
// documented behaviour (reads stop at the end, writes grow, seek past the end then write zero-fills,
// clones share the bytes but not the position).
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "guise/objbase.h"

namespace {

struct StreamPtr {
  IStream* p = nullptr;
  ~StreamPtr() {
    if (p != nullptr) p->Release();
  }
};

ULONGLONG seek(IStream* s, LONGLONG offset, DWORD origin, HRESULT* hr_out = nullptr) {
  LARGE_INTEGER move{};
  move.QuadPart = offset;
  ULARGE_INTEGER at{};
  const HRESULT hr = s->Seek(move, origin, &at);
  if (hr_out != nullptr) *hr_out = hr;
  return at.QuadPart;
}

std::string read_all(IStream* s) {
  seek(s, 0, STREAM_SEEK_SET);
  std::string out(256, '\0');
  ULONG got = 0;
  EXPECT_EQ(s->Read(out.data(), static_cast<ULONG>(out.size()), &got), S_OK);
  out.resize(got);
  return out;
}

TEST(MemoryStream, WritesReadsAndStopsReadingAtTheEnd) {
  StreamPtr s;
  ASSERT_EQ(CreateStreamOnHGlobal(nullptr, TRUE, &s.p), S_OK);
  ULONG written = 0;
  ASSERT_EQ(s.p->Write("hello", 5, &written), S_OK);
  EXPECT_EQ(written, 5u);
  EXPECT_EQ(seek(s.p, 0, STREAM_SEEK_CUR), 5u);
  char buf[16] = {};
  ULONG got = 99;
  EXPECT_EQ(s.p->Read(buf, sizeof buf, &got), S_OK);
  EXPECT_EQ(got, 0u) << "at the end a read returns S_OK with no bytes";
  EXPECT_EQ(read_all(s.p), "hello");
}

TEST(MemoryStream, SeekingPastTheEndThenWritingFillsTheGapWithZeros) {
  StreamPtr s;
  ASSERT_EQ(CreateStreamOnHGlobal(nullptr, TRUE, &s.p), S_OK);
  ASSERT_EQ(s.p->Write("ab", 2, nullptr), S_OK);
  EXPECT_EQ(seek(s.p, 3, STREAM_SEEK_END), 5u);
  ASSERT_EQ(s.p->Write("z", 1, nullptr), S_OK);
  EXPECT_EQ(read_all(s.p), std::string("ab\0\0\0z", 6));
  HRESULT hr = S_OK;
  seek(s.p, -100, STREAM_SEEK_CUR, &hr);
  EXPECT_EQ(hr, STG_E_INVALIDFUNCTION) << "a position before the start";
  seek(s.p, 0, 7, &hr);
  EXPECT_EQ(hr, STG_E_INVALIDFUNCTION) << "an unknown origin";
}

TEST(MemoryStream, SetSizeShrinksAndGrowsAndStatReportsIt) {
  StreamPtr s;
  ASSERT_EQ(CreateStreamOnHGlobal(nullptr, TRUE, &s.p), S_OK);
  ASSERT_EQ(s.p->Write("abcdef", 6, nullptr), S_OK);
  ULARGE_INTEGER size{};
  size.QuadPart = 3;
  ASSERT_EQ(s.p->SetSize(size), S_OK);
  EXPECT_EQ(read_all(s.p), "abc");
  size.QuadPart = 5;
  ASSERT_EQ(s.p->SetSize(size), S_OK);
  EXPECT_EQ(read_all(s.p), std::string("abc\0\0", 5));
  STATSTG stat{};
  ASSERT_EQ(s.p->Stat(&stat, STATFLAG_NONAME), S_OK);
  EXPECT_EQ(stat.type, static_cast<DWORD>(STGTY_STREAM));
  EXPECT_EQ(stat.cbSize.QuadPart, 5u);
  EXPECT_EQ(stat.pwcsName, nullptr);
}

TEST(MemoryStream, AClonesSharesTheBytesButKeepsItsOwnPosition) {
  StreamPtr s;
  ASSERT_EQ(CreateStreamOnHGlobal(nullptr, TRUE, &s.p), S_OK);
  ASSERT_EQ(s.p->Write("0123456789", 10, nullptr), S_OK);
  seek(s.p, 4, STREAM_SEEK_SET);
  StreamPtr clone;
  ASSERT_EQ(s.p->Clone(&clone.p), S_OK);
  EXPECT_EQ(seek(clone.p, 0, STREAM_SEEK_CUR), 4u) << "a clone starts where the original was";
  char c = 0;
  ASSERT_EQ(clone.p->Read(&c, 1, nullptr), S_OK);
  EXPECT_EQ(c, '4');
  EXPECT_EQ(seek(s.p, 0, STREAM_SEEK_CUR), 4u) << "reading the clone does not move the original";
  ASSERT_EQ(clone.p->Write("X", 1, nullptr), S_OK);
  EXPECT_EQ(read_all(s.p), "01234X6789") << "a write through the clone shows in the original";
}

TEST(MemoryStream, CopyToMovesBytesFromTheCurrentPosition) {
  StreamPtr from, to;
  ASSERT_EQ(CreateStreamOnHGlobal(nullptr, TRUE, &from.p), S_OK);
  ASSERT_EQ(CreateStreamOnHGlobal(nullptr, TRUE, &to.p), S_OK);
  ASSERT_EQ(from.p->Write("abcdefgh", 8, nullptr), S_OK);
  seek(from.p, 2, STREAM_SEEK_SET);
  ULARGE_INTEGER cb{}, read{}, written{};
  cb.QuadPart = 4;
  ASSERT_EQ(from.p->CopyTo(to.p, cb, &read, &written), S_OK);
  EXPECT_EQ(read.QuadPart, 4u);
  EXPECT_EQ(written.QuadPart, 4u);
  EXPECT_EQ(read_all(to.p), "cdef");
}

TEST(MemoryStream, WrapsAnExistingBlockAndHandsItBack) {
  HGLOBAL block = GlobalAlloc(GMEM_MOVEABLE, 4);
  ASSERT_NE(block, nullptr);
  std::memcpy(GlobalLock(block), "data", 4);
  GlobalUnlock(block);
  {
    StreamPtr s;
    ASSERT_EQ(CreateStreamOnHGlobal(block, FALSE, &s.p), S_OK);
    EXPECT_EQ(read_all(s.p), "data") << "the stream starts as the block's size and bytes";
    ASSERT_EQ(s.p->Write("++", 2, nullptr), S_OK);
    HGLOBAL under = nullptr;
    ASSERT_EQ(GetHGlobalFromStream(s.p, &under), S_OK);
    ASSERT_NE(under, nullptr);
    block = under;  // a growing stream may reallocate its block
  }
  EXPECT_GE(GlobalSize(block), 6u) << "fDeleteOnRelease FALSE: the block outlives the stream";
  EXPECT_EQ(std::memcmp(GlobalLock(block), "data++", 6), 0);
  GlobalUnlock(block);
  EXPECT_EQ(GlobalFree(block), nullptr);
}

TEST(MemoryStream, RefusesNullArguments) {
  EXPECT_EQ(CreateStreamOnHGlobal(nullptr, TRUE, nullptr), E_INVALIDARG);
  HGLOBAL block = nullptr;
  EXPECT_EQ(GetHGlobalFromStream(nullptr, &block), E_INVALIDARG);
  StreamPtr s;
  ASSERT_EQ(CreateStreamOnHGlobal(nullptr, TRUE, &s.p), S_OK);
  EXPECT_EQ(s.p->Read(nullptr, 4, nullptr), STG_E_INVALIDPOINTER);
  EXPECT_EQ(s.p->Write(nullptr, 4, nullptr), STG_E_INVALIDPOINTER);
  EXPECT_EQ(s.p->Stat(nullptr, 0), STG_E_INVALIDPOINTER);
}

TEST(GlobalMemory, AllocZeroInitReAllocSizeAndFree) {
  HGLOBAL h = GlobalAlloc(GHND, 16);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(GlobalSize(h), 16u);
  const auto* bytes = static_cast<const unsigned char*>(GlobalLock(h));
  for (int i = 0; i < 16; ++i) EXPECT_EQ(bytes[i], 0);
  h = GlobalReAlloc(h, 64, GMEM_ZEROINIT);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(GlobalSize(h), 64u);
  EXPECT_EQ(GlobalFree(h), nullptr);
  EXPECT_EQ(GlobalSize(nullptr), 0u);
  EXPECT_EQ(GlobalLock(nullptr), nullptr);
}

}  // namespace
