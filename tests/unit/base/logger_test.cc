#include "common/runtime/logger.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace joinguard::runtime {
namespace {

std::string Capture(Logger::Format format, LogLevel min, LogLevel level, std::string_view msg,
                    const LogFields& fields) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  {
    Logger logger(min, format, f);
    logger.Log(level, msg, fields);
  }
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  return out;
}

TEST(LoggerTest, JsonLineIsEscaped) {
  std::string line = Capture(Logger::Format::kJson, LogLevel::kInfo, LogLevel::kWarning, "bad \"csr\"\n",
                             {{"csr", "csr-1"}, {"path", "a\\b"}});
  EXPECT_NE(line.find("\"level\":\"warning\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"msg\":\"bad \\\"csr\\\"\\n\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"csr\":\"csr-1\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"path\":\"a\\\\b\""), std::string::npos) << line;
  EXPECT_EQ(line.back(), '\n');
}

TEST(LoggerTest, TextQuotesValuesWithSpaces) {
  std::string line = Capture(Logger::Format::kText, LogLevel::kInfo, LogLevel::kInfo, "approved",
                             {{"csr", "csr-1"}, {"message", "a b"}});
  EXPECT_NE(line.find(" info approved csr=csr-1 message=\"a b\""), std::string::npos) << line;
}

TEST(LoggerTest, BelowMinimumLevelIsDropped) {
  EXPECT_EQ(Capture(Logger::Format::kText, LogLevel::kWarning, LogLevel::kInfo, "x", {}), "");
}

TEST(LoggerTest, ParseLevel) {
  LogLevel l;
  EXPECT_TRUE(Logger::ParseLevel("debug", &l));
  EXPECT_EQ(l, LogLevel::kDebug);
  EXPECT_FALSE(Logger::ParseLevel("loud", &l));
}

}  // namespace
}  // namespace joinguard::runtime
