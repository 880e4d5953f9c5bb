#include "common/crypto/csr.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <cstring>
#include <functional>
#include <memory>

#include "common/crypto/csr_der.h"
#include "common/crypto/encoding.h"
#include "common/crypto/named_curve.h"
#include "common/crypto/pem.h"
#include "common/crypto/utf8.h"
#include "common/crypto/x509_internal.h"

namespace joinguard::crypto {
namespace internal {
namespace {

// encoding/asn1 isPrintable as used when *marshalling* (asterisk and ampersand rejected).
bool IsGoMarshalPrintable(unsigned char b) {
  return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
         (b >= '\'' && b <= ')') || (b >= '+' && b <= '/') || b == ' ' || b == ':' || b == '=' || b == '?';
}

// crypto/x509 isPrintable as used when *parsing* (tolerates '*' and '&').
bool IsGoParsePrintable(unsigned char b) { return IsGoMarshalPrintable(b) || b == '*' || b == '&'; }

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

std::string Asn1StringBytes(const ASN1_STRING* s) {
  if (s == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

// Formats an IP address from its SAN octets as Go's net.IP.String() does (IPv4-mapped IPv6
// addresses print as dotted IPv4).
StatusOr<std::string> FormatIp(std::string_view raw) {
  char buf[INET6_ADDRSTRLEN];
  if (raw.size() == 4) {
    inet_ntop(AF_INET, raw.data(), buf, sizeof(buf));
    return std::string(buf);
  }
  if (raw.size() == 16) {
    static const unsigned char kV4Prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(raw.data(), kV4Prefix, 12) == 0) {
      inet_ntop(AF_INET, raw.data() + 12, buf, sizeof(buf));
      return std::string(buf);
    }
    inet_ntop(AF_INET6, raw.data(), buf, sizeof(buf));
    return std::string(buf);
  }
  return InvalidArgumentError("x509: cannot parse IP address of length " + std::to_string(raw.size()));
}

// Go's net.ParseIP + To4(): IPv4 (and IPv4-mapped IPv6) → 4 bytes, other IPv6 → 16 bytes.
StatusOr<std::string> ParseIp(const std::string& text) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) {
    return std::string(reinterpret_cast<char*>(buf), 4);
  }
  if (text.find('%') == std::string::npos && inet_pton(AF_INET6, text.c_str(), buf) == 1) {
    static const unsigned char kV4Prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(buf, kV4Prefix, 12) == 0) {
      return std::string(reinterpret_cast<char*>(buf) + 12, 4);
    }
    return std::string(reinterpret_cast<char*>(buf), 16);
  }
  return InvalidArgumentError("invalid IP address " + GoQuote(text) +
                              " for a subjectAltName; use a textual IPv4 or IPv6 address");
}

Status AddName(GENERAL_NAMES* names, int type, std::string_view value) {
  GeneralNamePtr gen(GENERAL_NAME_new());
  if (!gen) return OpenSslError("allocating GENERAL_NAME");
  if (type == GEN_IPADD) {
    Asn1OctetStringPtr oct(ASN1_OCTET_STRING_new());
    if (!oct || ASN1_OCTET_STRING_set(oct.get(), reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size())) != 1) {
      return OpenSslError("encoding IP SAN");
    }
    GENERAL_NAME_set0_value(gen.get(), GEN_IPADD, oct.release());
  } else {
    ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
    if (ia5 == nullptr || ASN1_STRING_set(ia5, value.data(), static_cast<int>(value.size())) != 1) {
      ASN1_IA5STRING_free(ia5);
      return OpenSslError("encoding SAN");
    }
    GENERAL_NAME_set0_value(gen.get(), type, ia5);
  }
  if (sk_GENERAL_NAME_push(names, gen.get()) == 0) return OpenSslError("adding SAN");
  gen.release();
  return OkStatus();
}

Status ConvertRdnValue(const ASN1_STRING* data, std::string* out) {
  const std::string raw = Asn1StringBytes(data);
  switch (ASN1_STRING_type(data)) {
    case V_ASN1_PRINTABLESTRING:
      for (unsigned char c : raw) {
        if (!IsGoParsePrintable(c))
          return InvalidArgumentError("x509: invalid RDN value: invalid PrintableString");
      }
      *out = raw;
      return OkStatus();
    case V_ASN1_UTF8STRING:
      if (!IsValidUtf8(raw)) return InvalidArgumentError("x509: invalid RDN value: invalid UTF-8 string");
      *out = raw;
      return OkStatus();
    case V_ASN1_IA5STRING:
      if (!IsAscii(raw)) return InvalidArgumentError("x509: invalid RDN value: invalid IA5String");
      *out = raw;
      return OkStatus();
    case V_ASN1_NUMERICSTRING:
      for (unsigned char c : raw) {
        if (!((c >= '0' && c <= '9') || c == ' ')) {
          return InvalidArgumentError("x509: invalid RDN value: invalid NumericString");
        }
      }
      *out = raw;
      return OkStatus();
    case V_ASN1_T61STRING:  // Go treats T61String as Latin-1
    case V_ASN1_BMPSTRING: {
      if (ASN1_STRING_type(data) == V_ASN1_BMPSTRING && raw.size() % 2 != 0) {
        return InvalidArgumentError("x509: invalid RDN value: invalid BMPString");
      }
      unsigned char* utf8 = nullptr;
      int len = ASN1_STRING_to_UTF8(&utf8, data);
      if (len < 0) {
        ClearOpenSslErrors();
        return InvalidArgumentError("x509: invalid RDN value: cannot convert to UTF-8");
      }
      out->assign(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
      OPENSSL_free(utf8);
      return OkStatus();
    }
    default:
      return InvalidArgumentError("x509: invalid RDN value: unsupported string type " +
                                  std::to_string(ASN1_STRING_type(data)));
  }
}

}  // namespace

Status RequireNamedCurve(const X509_ALGOR* algor) {
  if (algor == nullptr) return OkStatus();
  const ASN1_OBJECT* alg = nullptr;
  int ptype = V_ASN1_UNDEF;
  X509_ALGOR_get0(&alg, &ptype, nullptr, algor);
  if (OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey) return OkStatus();
  if (ptype == V_ASN1_OBJECT) return OkStatus();
  // RFC 5480 §2.1.1: specifiedCurve and implicitCurve "MUST NOT" be used; Go refuses them.
  return InvalidArgumentError(
      "x509: ECDSA public key with explicit (or implicit) curve parameters; only named curves "
      "(P-256, P-384, P-521) are accepted; regenerate the key with a named curve");
}

std::string ObjectOid(const ASN1_OBJECT* obj) {
  char buf[128];
  int n = OBJ_obj2txt(buf, sizeof(buf), obj, 1);
  if (n <= 0) return {};
  if (static_cast<size_t>(n) < sizeof(buf)) return std::string(buf, static_cast<size_t>(n));
  std::string big(static_cast<size_t>(n) + 1, '\0');
  OBJ_obj2txt(big.data(), n + 1, obj, 1);
  big.resize(static_cast<size_t>(n));
  return big;
}

std::string ObjectName(const ASN1_OBJECT* obj) {
  int nid = OBJ_obj2nid(obj);
  if (nid != NID_undef) {
    const char* sn = OBJ_nid2sn(nid);
    if (sn != nullptr) return sn;
  }
  return ObjectOid(obj);
}

StatusOr<X509NamePtr> BuildName(const std::vector<NameAttribute>& attrs) {
  X509NamePtr name(X509_NAME_new());
  if (!name) return OpenSslError("allocating X509_NAME");
  JG_RETURN_IF_ERROR(AppendNameAttributes(attrs, name.get()));
  return name;
}

Status AppendNameAttributes(const std::vector<NameAttribute>& attrs, X509_NAME* name) {
  for (const NameAttribute& attr : attrs) {
    Asn1ObjectPtr obj(OBJ_txt2obj(attr.type.c_str(), 0));
    if (!obj) {
      ClearOpenSslErrors();
      return InvalidArgumentError("unknown subject attribute type " + GoQuote(attr.type) +
                                  "; use an OpenSSL short name (CN, O, OU, ...) or a dotted OID");
    }
    int type = V_ASN1_PRINTABLESTRING;
    for (unsigned char c : attr.value) {
      if (!IsGoMarshalPrintable(c)) {
        type = V_ASN1_UTF8STRING;
        break;
      }
    }
    if (type == V_ASN1_UTF8STRING && !IsValidUtf8(attr.value)) {
      return InvalidArgumentError("asn1: string not valid UTF-8 in subject attribute " + attr.type);
    }
    // set = 0 (with loc = -1): a new RDN SET for every attribute, as Go's pkix.Name.
    if (X509_NAME_add_entry_by_OBJ(name, obj.get(), type,
                                   reinterpret_cast<const unsigned char*>(attr.value.data()),
                                   static_cast<int>(attr.value.size()), -1, 0) != 1) {
      return OpenSslError("adding subject attribute " + attr.type, StatusCode::kInvalidArgument);
    }
  }
  return OkStatus();
}

StatusOr<GeneralNamesPtr> BuildSans(const std::vector<std::string>& dns,
                                    const std::vector<std::string>& emails,
                                    const std::vector<std::string>& ips,
                                    const std::vector<std::string>& uris) {
  if (dns.empty() && emails.empty() && ips.empty() && uris.empty()) return GeneralNamesPtr();
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return OpenSslError("allocating GENERAL_NAMES");
  for (const std::string& d : dns) {
    if (!IsAscii(d))
      return InvalidArgumentError("x509: " + GoQuote(d) + " cannot be encoded as an IA5String");
    JG_RETURN_IF_ERROR(AddName(names.get(), GEN_DNS, d));
  }
  for (const std::string& e : emails) {
    if (!IsAscii(e))
      return InvalidArgumentError("x509: " + GoQuote(e) + " cannot be encoded as an IA5String");
    JG_RETURN_IF_ERROR(AddName(names.get(), GEN_EMAIL, e));
  }
  for (const std::string& ip : ips) {
    JG_ASSIGN_OR_RETURN(std::string raw, ParseIp(ip));
    JG_RETURN_IF_ERROR(AddName(names.get(), GEN_IPADD, raw));
  }
  for (const std::string& u : uris) {
    if (!IsAscii(u))
      return InvalidArgumentError("x509: " + GoQuote(u) + " cannot be encoded as an IA5String");
    JG_RETURN_IF_ERROR(AddName(names.get(), GEN_URI, u));
  }
  return names;
}

const EVP_MD* CsrDigestFor(const EVP_PKEY* key) {
  const KeyInfo info = DescribeKey(key);
  switch (info.algorithm) {
    case KeyAlgorithm::kRsa:
      if (info.bits >= 4096) return EVP_sha512();
      if (info.bits >= 3072) return EVP_sha384();
      return EVP_sha256();
    case KeyAlgorithm::kEcdsa:
      if (info.bits > 384) return EVP_sha512();
      if (info.bits > 256) return EVP_sha384();
      return EVP_sha256();
    case KeyAlgorithm::kEd25519:
      return nullptr;
    case KeyAlgorithm::kOther:
      break;
  }
  return EVP_sha256();
}

const EVP_MD* CertDigestFor(const EVP_PKEY* key) {
  if (DescribeKey(key).algorithm == KeyAlgorithm::kRsa) return EVP_sha256();
  return CsrDigestFor(key);
}

StatusOr<EvpMdCtxPtr> NewSignContext(EVP_PKEY* key, const EVP_MD* md) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return OpenSslError("allocating EVP_MD_CTX");
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) != 1) {
    return OpenSslError("initialising signature with " + DescribeKey(key).ToString() + " key");
  }
  return ctx;
}

StatusOr<std::vector<std::vector<NameAttribute>>> NameToRdns(const X509_NAME* name) {
  std::vector<std::vector<NameAttribute>> rdns;
  if (name == nullptr) return rdns;
  int last_set = -1;
  const int count = X509_NAME_entry_count(name);
  for (int i = 0; i < count; ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    NameAttribute attr;
    attr.type = ObjectName(X509_NAME_ENTRY_get_object(entry));
    JG_RETURN_IF_ERROR(ConvertRdnValue(X509_NAME_ENTRY_get_data(entry), &attr.value));
    const int set = X509_NAME_ENTRY_set(entry);
    if (rdns.empty() || set != last_set) rdns.emplace_back();
    last_set = set;
    rdns.back().push_back(std::move(attr));
  }
  return rdns;
}

// The name of a GeneralName choice joinguard does not model (RFC 5280 section 4.2.1.6).
std::string OtherGeneralNameKind(int type) {
  switch (type) {
    case GEN_OTHERNAME:
      return "otherName";
    case GEN_X400:
      return "x400Address";
    case GEN_DIRNAME:
      return "directoryName";
    case GEN_EDIPARTY:
      return "ediPartyName";
    case GEN_RID:
      return "registeredID";
    default:
      return "unknown(" + std::to_string(type) + ")";
  }
}

Status CollectSans(const GENERAL_NAMES* names, std::vector<std::string>* dns, std::vector<std::string>* ips,
                   std::vector<std::string>* emails, std::vector<std::string>* uris,
                   std::vector<std::string>* others) {
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gen = sk_GENERAL_NAME_value(names, i);
    int type = 0;
    const void* value = GENERAL_NAME_get0_value(gen, &type);
    switch (type) {
      case GEN_DNS:
      case GEN_EMAIL:
      case GEN_URI: {
        std::string s = Asn1StringBytes(static_cast<const ASN1_STRING*>(value));
        if (!IsAscii(s)) return InvalidArgumentError("x509: SAN is not a valid IA5String");
        (type == GEN_DNS ? dns : type == GEN_EMAIL ? emails : uris)->push_back(std::move(s));
        break;
      }
      case GEN_IPADD: {
        JG_ASSIGN_OR_RETURN(std::string ip,
                            FormatIp(Asn1StringBytes(static_cast<const ASN1_STRING*>(value))));
        ips->push_back(std::move(ip));
        break;
      }
      default:
        others->push_back(OtherGeneralNameKind(type));
        break;
    }
  }
  return OkStatus();
}

}  // namespace internal

// What CsrParser reads from a decoded request, whichever decoder produced it.
struct DecodedCsrFields {
  const X509_NAME* subject = nullptr;
  const X509_ALGOR* key_algorithm = nullptr;
  std::string spki_der;     // empty when it could not be encoded
  EVP_PKEY* key = nullptr;  // nullptr when OpenSSL cannot decode the public key
  int attribute_count = 0;  // -1 when the (OPTIONAL in OpenSSL) attribute set is absent
  std::vector<X509_ATTRIBUTE*> attributes;
  const X509_ALGOR* signature_algorithm = nullptr;
  std::function<int(EVP_PKEY*)> verify;  // X509_REQ_verify
};

// Builds ParsedCsr values; the only writer of ParsedCsr's fields.
class CsrParser {
 public:
  static StatusOr<ParsedCsr> Parse(std::string_view der, CsrParseOptions options);
  // d2i_X509_REQ only: every request the fast path does not take, and its reference in tests.
  static StatusOr<ParsedCsr> ParseWithX509Req(std::string_view der, CsrParseOptions options);

 private:
  static StatusOr<ParsedCsr> FromFields(std::string_view der, CsrParseOptions options,
                                        const DecodedCsrFields& fields);
  static Status AddExtensions(const STACK_OF(X509_EXTENSION) * exts, ParsedCsr* out);
};

Status CsrParser::AddExtensions(const STACK_OF(X509_EXTENSION) * exts, ParsedCsr* out) {
  for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
    const ASN1_OBJECT* obj = X509_EXTENSION_get_object(ext);
    CsrExtension info;
    info.oid = internal::ObjectOid(obj);
    if (int nid = OBJ_obj2nid(obj); nid != NID_undef) info.name = OBJ_nid2sn(nid);
    info.critical = X509_EXTENSION_get_critical(ext) > 0;
    out->extensions_.push_back(info);
    if (OBJ_obj2nid(obj) == NID_subject_alt_name) {
      GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext)));
      if (!names) {
        ClearOpenSslErrors();
        return InvalidArgumentError("x509: cannot parse the subjectAltName extension");
      }
      JG_RETURN_IF_ERROR(internal::CollectSans(names.get(), &out->dns_names_, &out->ip_addresses_,
                                               &out->emails_, &out->uris_, &out->other_san_types_));
    }
  }
  return OkStatus();
}

StatusOr<ParsedCsr> CsrParser::Parse(std::string_view der, CsrParseOptions options) {
  // Fast path (csr_der.h, named_curve.h): a request with a named-curve P-256/P-384/P-521 key,
  // decoded without OpenSSL 3.0's per-call decoder chain. Anything else, including every
  // request that does not decode, takes d2i_X509_REQ below, so errors read as they always did.
  if (std::unique_ptr<internal::CsrDer> view = internal::CsrDer::Decode(der)) {
    EvpPkeyPtr key = internal::NamedCurvePublicKey(view->key_algorithm(), view->key_bits());
    StatusOr<std::string> spki = view->SpkiDer();
    if (key && spki.ok()) {
      DecodedCsrFields fields;
      fields.subject = view->subject();
      fields.key_algorithm = view->key_algorithm();
      fields.spki_der = std::move(spki).value();
      fields.key = key.get();
      fields.attribute_count = X509at_get_attr_count(view->attributes());
      for (int i = 0; i < fields.attribute_count; ++i) {
        fields.attributes.push_back(X509at_get_attr(view->attributes(), i));
      }
      fields.signature_algorithm = view->signature_algorithm();
      fields.verify = [&view](EVP_PKEY* k) { return view->Verify(k); };
      return FromFields(der, options, fields);
    }
  }
  return ParseWithX509Req(der, options);
}

StatusOr<ParsedCsr> CsrParser::ParseWithX509Req(std::string_view der, CsrParseOptions options) {
  const auto* begin = reinterpret_cast<const unsigned char*>(der.data());
  const auto* p = begin;
  X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req) {
    return OpenSslError("x509: malformed certificate request", StatusCode::kInvalidArgument);
  }
  if (p != begin + der.size()) {
    return InvalidArgumentError("x509: trailing data after the certificate request");
  }
  DecodedCsrFields fields;
  fields.subject = X509_REQ_get_subject_name(req.get());
  if (X509_PUBKEY* xpk = X509_REQ_get_X509_PUBKEY(req.get()); xpk != nullptr) {
    X509_ALGOR* algor = nullptr;
    X509_PUBKEY_get0_param(nullptr, nullptr, nullptr, &algor, xpk);
    fields.key_algorithm = algor;
    unsigned char* spki = nullptr;
    int len = i2d_X509_PUBKEY(xpk, &spki);
    if (len > 0) {
      fields.spki_der.assign(reinterpret_cast<char*>(spki), static_cast<size_t>(len));
      OPENSSL_free(spki);
    }
  }
  fields.key = X509_REQ_get0_pubkey(req.get());
  ClearOpenSslErrors();
  fields.attribute_count = X509_REQ_get_attr_count(req.get());
  for (int i = 0; i < fields.attribute_count; ++i)
    fields.attributes.push_back(X509_REQ_get_attr(req.get(), i));
  const ASN1_BIT_STRING* sig = nullptr;
  X509_REQ_get0_signature(req.get(), &sig, &fields.signature_algorithm);
  fields.verify = [&req](EVP_PKEY* k) { return X509_REQ_verify(req.get(), k); };
  return FromFields(der, options, fields);
}

StatusOr<ParsedCsr> CsrParser::FromFields(std::string_view der, CsrParseOptions options,
                                          const DecodedCsrFields& fields) {
  ParsedCsr out;
  if (options.keep_der) out.der_ = std::string(der);

  auto rdns = internal::NameToRdns(fields.subject);
  if (!rdns.ok()) return rdns.status().Annotate("parsing CSR subject");
  out.subject_rdns_ = std::move(rdns).value();

  // Public key: keep the exact SPKI bytes; an algorithm OpenSSL cannot decode is kOther.
  out.spki_der_ = fields.spki_der;
  JG_RETURN_IF_ERROR(internal::RequireNamedCurve(fields.key_algorithm));
  out.key_info_ = DescribeKey(fields.key);
  if (fields.key == nullptr && out.key_info_.type_name.empty() && fields.key_algorithm != nullptr) {
    const ASN1_OBJECT* alg = nullptr;
    X509_ALGOR_get0(&alg, nullptr, nullptr, fields.key_algorithm);
    if (alg != nullptr) out.key_info_.type_name = internal::ObjectName(alg);
  }

  // Attributes: every extensionRequest (PKCS#9 and the Microsoft variant), every value.
  out.attribute_count_ = fields.attribute_count;
  for (X509_ATTRIBUTE* attr : fields.attributes) {
    out.attribute_oids_.push_back(internal::ObjectOid(X509_ATTRIBUTE_get0_object(attr)));
    const int nid = OBJ_obj2nid(X509_ATTRIBUTE_get0_object(attr));
    if (nid != NID_ext_req && nid != NID_ms_ext_req) continue;
    for (int j = 0; j < X509_ATTRIBUTE_count(attr); ++j) {
      ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(attr, j);
      if (value == nullptr || value->type != V_ASN1_SEQUENCE) {
        return InvalidArgumentError("x509: extensionRequest attribute is not a SEQUENCE");
      }
      const auto* q = value->value.sequence->data;
      const auto* qend = q + value->value.sequence->length;
      X509ExtensionsPtr exts(d2i_X509_EXTENSIONS(nullptr, &q, value->value.sequence->length));
      if (!exts || q != qend) {
        ClearOpenSslErrors();
        return InvalidArgumentError("x509: malformed extensionRequest attribute");
      }
      JG_RETURN_IF_ERROR(AddExtensions(exts.get(), &out));
    }
  }

  if (const X509_ALGOR* alg = fields.signature_algorithm; alg != nullptr) {
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
    int nid = OBJ_obj2nid(obj);
    out.signature_algorithm_ = nid != NID_undef ? OBJ_nid2ln(nid) : internal::ObjectOid(obj);
  }
  out.signature_valid_ = fields.key != nullptr && fields.verify(fields.key) == 1;
  ClearOpenSslErrors();
  return out;
}

namespace internal {
StatusOr<ParsedCsr> ParseCsrWithX509Req(std::string_view der, CsrParseOptions options) {
  return CsrParser::ParseWithX509Req(der, options);
}
}  // namespace internal

StatusOr<ParsedCsr> ParsedCsr::FromDer(std::string_view der, CsrParseOptions options) {
  return CsrParser::Parse(der, options);
}

StatusOr<ParsedCsr> ParsedCsr::FromPem(std::string_view pem, CsrParseOptions options) {
  // Exactly one block and nothing else but whitespace. Go's pem.Decode (and so the API server)
  // would skip leading text and malformed blocks; a policy engine should not.
  std::string_view trimmed = pem;
  while (!trimmed.empty() && IsPemWhitespace(trimmed.substr(0, 1))) trimmed.remove_prefix(1);
  std::string_view rest;
  auto block = PemDecode(trimmed, &rest);
  if (!block || (block->type != "CERTIFICATE REQUEST" && block->type != "NEW CERTIFICATE REQUEST")) {
    // The API server's text (k8s.io/kubernetes/pkg/apis/certificates ParseCSR).
    return InvalidArgumentError("PEM block type must be CERTIFICATE REQUEST");
  }
  const std::string_view consumed = trimmed.substr(0, trimmed.size() - rest.size());
  if (consumed.rfind("-----BEGIN ", 0) != 0 || consumed.find("-----BEGIN ", 1) != std::string_view::npos) {
    return InvalidArgumentError("unexpected data before the CERTIFICATE REQUEST PEM block");
  }
  if (!block->headers.empty()) {
    return InvalidArgumentError("the CERTIFICATE REQUEST PEM block must not have headers");
  }
  if (!IsPemWhitespace(rest)) {
    return InvalidArgumentError(
        "unexpected data after the CERTIFICATE REQUEST PEM block; exactly one block is allowed");
  }
  return CsrParser::Parse(block->bytes, options);
}

std::vector<std::string> ParsedCsr::SubjectValues(std::string_view type) const {
  std::vector<std::string> out;
  for (const auto& rdn : subject_rdns_) {
    for (const auto& attr : rdn) {
      if (attr.type == type) out.push_back(attr.value);
    }
  }
  return out;
}

std::string ParsedCsr::CommonName() const {
  auto cns = SubjectValues("CN");
  return cns.empty() ? std::string() : cns.front();
}

bool ParsedCsr::HasAnySan() const {
  return !dns_names_.empty() || !ip_addresses_.empty() || !emails_.empty() || !uris_.empty() ||
         !other_san_types_.empty();
}

bool ParsedCsr::HasSanExtension() const {
  for (const CsrExtension& ext : extensions_) {
    if (ext.oid == "2.5.29.17") return true;
  }
  return false;
}

Status ParsedCsr::VerifySignature() const {
  if (signature_valid_) return OkStatus();
  if (key_info_.algorithm == KeyAlgorithm::kOther && spki_der_.empty()) {
    return InvalidArgumentError("x509: cannot verify the CSR signature: unreadable public key");
  }
  return InvalidArgumentError("x509: the CSR signature does not verify with the CSR's own public key (" +
                              key_info_.ToString() + ", " + signature_algorithm_ + ")");
}

}  // namespace joinguard::crypto
