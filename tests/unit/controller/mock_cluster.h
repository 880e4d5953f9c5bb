// gMock doubles of the controller's cluster interfaces (controller/cluster.h) and of
// kube::EventRecorder.
#pragma once

#include <gmock/gmock.h>

#include "common/kube/events.h"
#include "controller/cluster.h"

namespace joinguard::controller::testing {

class MockCsrLister : public CsrLister {
 public:
  MOCK_METHOD(bool, HasSynced, (), (const, override));
  MOCK_METHOD(std::optional<kube::CertificateSigningRequest>, Get, (const std::string&), (const, override));
  MOCK_METHOD(std::vector<kube::CertificateSigningRequest>, List, (), (const, override));
};

class MockNodeLister : public NodeLister {
 public:
  MOCK_METHOD(bool, HasSynced, (), (const, override));
  MOCK_METHOD(bool, Exists, (const std::string&), (const, override));
};

class MockCsrApi : public CsrApi {
 public:
  MOCK_METHOD(StatusOr<kube::CertificateSigningRequest>, Get, (const std::string&), (override));
  MOCK_METHOD(StatusOr<kube::CertificateSigningRequest>, UpdateApproval, (const kube::CertificateSigningRequest&),
              (override));
  MOCK_METHOD(StatusOr<bool>, NodeExists, (const std::string&), (override));
};

class MockEventRecorder : public kube::EventRecorder {
 public:
  MOCK_METHOD(void, Record, (const kube::ObjectReference&, std::string_view, std::string_view, std::string_view),
              (override));
};

}  // namespace joinguard::controller::testing
