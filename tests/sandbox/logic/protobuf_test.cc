#include "tests/sandbox/logic/protobuf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto/encoding.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::sandbox::logic {
namespace {

using ::joinguard::testing::StatusIs;
using nlohmann::json;

// A tiny protobuf writer for the test only (proto3 wire format).
class Writer {
 public:
  Writer& Varint(int field, uint64_t v) {
    Key(field, 0);
    Raw(v);
    return *this;
  }
  Writer& Bytes(int field, std::string_view b) {
    Key(field, 2);
    Raw(b.size());
    out_.append(b);
    return *this;
  }
  Writer& Msg(int field, const Writer& w) { return Bytes(field, w.str()); }
  Writer& Fixed32(int field, uint32_t v) {
    Key(field, 5);
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return *this;
  }
  const std::string& str() const { return out_; }

 private:
  void Key(int field, int wire) { Raw((static_cast<uint64_t>(field) << 3) | wire); }
  void Raw(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  std::string out_;
};

Writer Time(int64_t seconds, int32_t nanos = 0) {
  Writer w;
  w.Varint(1, static_cast<uint64_t>(seconds));
  if (nanos) w.Varint(2, static_cast<uint64_t>(nanos));
  return w;
}

Writer MapEntry(std::string_view k, std::string_view v) {
  Writer w;
  w.Bytes(1, k).Bytes(2, v);
  return w;
}

std::string Envelope(const Writer& raw, std::string_view api_version = "certificates.k8s.io/v1",
                     std::string_view kind = "CertificateSigningRequest", std::string_view encoding = "") {
  Writer type_meta;
  type_meta.Bytes(1, api_version).Bytes(2, kind);
  Writer unknown;
  unknown.Msg(1, type_meta).Msg(2, raw).Bytes(3, encoding).Bytes(4, "");
  return std::string("k8s\0", 4) + unknown.str();
}

constexpr int64_t kT1 = 1795921200;  // 2026-11-29T03:00:00Z

Writer FullCsr() {
  Writer meta;
  meta.Bytes(1, "csr-abc")
      .Bytes(2, "csr-")
      .Bytes(3, "")
      .Bytes(4, "")
      .Bytes(5, "0b5c7c3e-uid")
      .Bytes(6, "1234")
      .Varint(7, 3)
      .Msg(8, Time(kT1))
      .Msg(11, MapEntry("app", "joinguard"))
      .Msg(11, MapEntry("tier", "node"))
      .Msg(12, MapEntry("note", "hi"))
      .Bytes(14, "example.com/finalizer")
      .Msg(17, Writer().Bytes(1, "kubectl"));  // managedFields: skipped
  Writer extra_value;
  extra_value.Bytes(1, "X509SHA256=ab").Bytes(1, "second");
  Writer extra_entry;
  extra_entry.Bytes(1, "authentication.kubernetes.io/credential-id").Msg(2, extra_value);
  Writer spec;
  spec.Bytes(1, std::string("-----BEGIN CERTIFICATE REQUEST-----\n\x01\x02", 38))
      .Bytes(2, "system:bootstrap:abcdef")
      .Bytes(3, "user-uid")
      .Bytes(4, "system:bootstrappers")
      .Bytes(4, "system:authenticated")
      .Bytes(5, "digital signature")
      .Bytes(5, "client auth")
      .Msg(6, extra_entry)
      .Bytes(7, "kubernetes.io/kube-apiserver-client-kubelet")
      .Varint(8, 3600)
      .Fixed32(99, 7);  // unknown field: skipped
  Writer approved;
  approved.Bytes(1, "Approved")
      .Bytes(2, "KubectlApprove")
      .Bytes(3, "This CSR was approved by kubectl certificate approve.")
      .Msg(4, Time(kT1 + 60, 500))
      .Msg(5, Time(0))  // zero time: omitted
      .Bytes(6, "True");
  Writer custom;
  custom.Bytes(1, "Custom").Bytes(6, "Unknown").Msg(5, Time(kT1 + 1));
  Writer status;
  status.Msg(1, approved).Msg(1, custom).Bytes(2, "-----BEGIN CERTIFICATE-----\n");
  Writer csr;
  csr.Msg(1, meta).Msg(2, spec).Msg(3, status);
  return csr;
}

TEST(DecodeCsrProtobufTest, DecodesEveryField) {
  auto decoded = DecodeCsrProtobuf(Envelope(FullCsr()));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const json& csr = *decoded;
  EXPECT_EQ(csr["apiVersion"], "certificates.k8s.io/v1");
  EXPECT_EQ(csr["kind"], "CertificateSigningRequest");
  const json expected_meta = {{"name", "csr-abc"},
                              {"generateName", "csr-"},
                              {"uid", "0b5c7c3e-uid"},
                              {"resourceVersion", "1234"},
                              {"generation", 3},
                              {"creationTimestamp", "2026-11-29T03:00:00Z"},
                              {"labels", {{"app", "joinguard"}, {"tier", "node"}}},
                              {"annotations", {{"note", "hi"}}},
                              {"finalizers", {"example.com/finalizer"}}};
  EXPECT_EQ(csr["metadata"], expected_meta) << csr["metadata"].dump();
  const json expected_spec = {
      {"request", crypto::Base64Encode(std::string("-----BEGIN CERTIFICATE REQUEST-----\n\x01\x02", 38))},
      {"username", "system:bootstrap:abcdef"},
      {"uid", "user-uid"},
      {"groups", {"system:bootstrappers", "system:authenticated"}},
      {"usages", {"digital signature", "client auth"}},
      {"extra", {{"authentication.kubernetes.io/credential-id", {"X509SHA256=ab", "second"}}}},
      {"signerName", "kubernetes.io/kube-apiserver-client-kubelet"},
      {"expirationSeconds", 3600}};
  EXPECT_EQ(csr["spec"], expected_spec) << csr["spec"].dump();
  const json expected_status = {
      {"conditions",
       {{{"type", "Approved"},
         {"status", "True"},
         {"reason", "KubectlApprove"},
         {"message", "This CSR was approved by kubectl certificate approve."},
         {"lastUpdateTime", "2026-11-29T03:01:00Z"}},
        {{"type", "Custom"}, {"status", "Unknown"}, {"lastTransitionTime", "2026-11-29T03:00:01Z"}}}},
      {"certificate", crypto::Base64Encode("-----BEGIN CERTIFICATE-----\n")}};
  EXPECT_EQ(csr["status"], expected_status) << csr["status"].dump();
}

TEST(DecodeCsrProtobufTest, MinimalObjectDefaults) {
  Writer meta;
  meta.Bytes(1, "x");
  Writer csr;
  csr.Msg(1, meta);
  auto decoded = DecodeCsrProtobuf(Envelope(csr, "", ""));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ((*decoded)["apiVersion"], "certificates.k8s.io/v1");
  EXPECT_EQ((*decoded)["metadata"]["name"], "x");
  EXPECT_EQ((*decoded)["spec"]["signerName"], "");
  EXPECT_EQ((*decoded)["status"], json::object());
}

TEST(DecodeCsrProtobufTest, RejectsMalformedInput) {
  const std::string good = Envelope(FullCsr());
  EXPECT_THAT(DecodeCsrProtobuf("{\"kind\":\"CertificateSigningRequest\"}"),
              StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr("magic")));
  EXPECT_THAT(DecodeCsrProtobuf(std::string("k8s\0", 4)), StatusIs(StatusCode::kInvalidArgument));
  for (size_t cut : {good.size() - 1, good.size() / 2, size_t{6}}) {
    EXPECT_THAT(DecodeCsrProtobuf(good.substr(0, cut)), StatusIs(StatusCode::kInvalidArgument)) << cut;
  }
  EXPECT_THAT(DecodeCsrProtobuf(Envelope(FullCsr(), "v1", "ConfigMap")),
              StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr("ConfigMap")));
  EXPECT_THAT(
      DecodeCsrProtobuf(Envelope(FullCsr(), "certificates.k8s.io/v1", "CertificateSigningRequest", "gzip")),
      StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr("contentEncoding")));
  // Wrong wire type for a known field (name as varint).
  Writer bad_meta;
  bad_meta.Varint(1, 5);
  Writer bad;
  bad.Msg(1, bad_meta);
  EXPECT_THAT(DecodeCsrProtobuf(Envelope(bad)), StatusIs(StatusCode::kInvalidArgument));
  // Wire type 3/4 (groups) are not supported.
  std::string groups = std::string("k8s\0", 4) + "\x0b";
  EXPECT_THAT(DecodeCsrProtobuf(groups), StatusIs(StatusCode::kInvalidArgument));
}

TEST(DecodeProtobufObjectTest, SelfSubjectAccessReviewFromKubectlAuthCanI) {
  Writer attrs;
  attrs.Bytes(1, "kube-system")
      .Bytes(2, "get")
      .Bytes(3, "")
      .Bytes(4, "")
      .Bytes(5, "secrets")
      .Bytes(6, "")
      .Bytes(7, "bootstrap-token-abcdef");
  Writer spec;
  spec.Msg(1, attrs);
  Writer ssar;
  ssar.Msg(1, Writer()).Msg(2, spec).Msg(3, Writer().Varint(1, 0));
  auto decoded = DecodeProtobufObject(Envelope(ssar, "authorization.k8s.io/v1", "SelfSubjectAccessReview"));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, json({{"apiVersion", "authorization.k8s.io/v1"},
                            {"kind", "SelfSubjectAccessReview"},
                            {"metadata", json::object()},
                            {"spec",
                             {{"resourceAttributes",
                               {{"namespace", "kube-system"},
                                {"verb", "get"},
                                {"resource", "secrets"},
                                {"name", "bootstrap-token-abcdef"}}}}}}));
  Writer nonres;
  nonres.Bytes(1, "/healthz").Bytes(2, "get");
  Writer extra_value;
  extra_value.Bytes(1, "a");
  Writer sar_spec;
  sar_spec.Msg(2, nonres)
      .Bytes(3, "alice")
      .Bytes(4, "g1")
      .Bytes(4, "g2")
      .Msg(5, Writer().Bytes(1, "k").Msg(2, extra_value))
      .Bytes(6, "uid-1");
  Writer sar;
  sar.Msg(2, sar_spec);
  decoded = DecodeProtobufObject(Envelope(sar, "authorization.k8s.io/v1", "SubjectAccessReview"));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ((*decoded)["spec"], json({{"nonResourceAttributes", {{"path", "/healthz"}, {"verb", "get"}}},
                                      {"user", "alice"},
                                      {"groups", {"g1", "g2"}},
                                      {"extra", {{"k", {"a"}}}},
                                      {"uid", "uid-1"}}));
  // CSRs go through the same entry point; other kinds are 415.
  decoded = DecodeProtobufObject(Envelope(FullCsr()));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ((*decoded)["metadata"]["name"], "csr-abc");
  Status unsupported = DecodeProtobufObject(Envelope(Writer(), "v1", "ConfigMap")).status();
  EXPECT_THAT(unsupported, StatusIs(StatusCode::kUnimplemented));
  EXPECT_EQ(unsupported.http_status(), 415);
}

}  // namespace
}  // namespace joinguard::sandbox::logic
