// Small measurement helpers shared by the controller benchmark's scenarios: /proc readings of
// another process, percentiles and Prometheus text sums.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status/status.h"

namespace joinguard::bench {

using Clock = std::chrono::steady_clock;

// A field of /proc/<pid>/status in kB ("VmHWM", "VmRSS"); nullopt when the process is gone.
std::optional<int64_t> ProcStatusKb(pid_t pid, const std::string& field);
// utime + stime of a process in seconds (/proc/<pid>/stat fields 14 and 15).
std::optional<double> ProcCpuSeconds(pid_t pid);
// CPU time of the calling thread, in seconds.
double ThreadCpuSeconds();
// utime + stime, in seconds, of this process's live threads named `comm` (/proc/self/task).
double NamedThreadsCpuSeconds(const std::string& comm);
// The name threads inherit from this process (/proc/self/comm).
std::string ProcessThreadName();

// Nearest-rank percentile (p in [0, 100]) of `v`; 0 when empty.
double Percentile(std::vector<double> v, double p);
double Seconds(Clock::duration d);
double Mib(int64_t kb);

// Sum of every sample of `metric` (all label sets) in a Prometheus text exposition.
double SumMetric(const std::string& exposition, const std::string& metric);

Status WriteFile(const std::string& path, const std::string& data);

}  // namespace joinguard::bench
