// Every blocking wait in wxfer has a deadline: a stuck peer becomes an error, not a hang.
#pragma once

#include <chrono>
#include <string>

namespace wxfer {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;
  static Deadline after(double seconds) {
    return Deadline(Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)), seconds);
  }
  bool expired() const { return Clock::now() >= at_; }
  double budget_seconds() const { return budget_; }
  Clock::time_point at() const { return at_; }

 private:
  Deadline(Clock::time_point at, double budget) : at_(at), budget_(budget) {}
  Clock::time_point at_;
  double budget_;
};

// Thrown when a deadline passes; carries what was being waited for.
[[noreturn]] void throw_timeout(const std::string& waiting_for, const Deadline& deadline);

}  // namespace wxfer
