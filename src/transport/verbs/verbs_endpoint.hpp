// This rank's RDMA endpoint: one device context, protection domain and completion queue,
// and a reliable-connected queue pair to every rank (itself included, through loopback).
// Posts RDMA WRITEs and tracks their completions.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "common/deadline.hpp"
#include "control/control.hpp"
#include "transport/verbs/verbs_handles.hpp"
#include "transport/verbs/verbs_options.hpp"

namespace wxfer {

class VerbsEndpoint {
 public:
  // Collective over the control: queue-pair addresses travel through it.
  VerbsEndpoint(const Control& control, const VerbsOptions& options);

  ibv_pd* protection_domain() const { return pd_.get(); }
  // The largest single RDMA WRITE the port accepts.
  size_t max_write_bytes() const;
  // Posts one RDMA WRITE of at most max_write_bytes(); waits for send-queue room first.
  void post_write(int peer, const void* src, uint32_t lkey, uint64_t remote_addr, uint32_t rkey, size_t bytes);
  // Returns once every posted write has completed at its target (RC acknowledged).
  void flush(const Deadline& deadline);
  // What this rank opened and how it posts (device, port, link layer, addressing, MTU,
  // queue depth, signalling), after the device's limits were applied.
  std::map<std::string, std::string> settings() const;

 private:
  struct Peer {
    VerbsQueuePair qp;
    uint64_t posted = 0;             // work requests posted
    uint64_t retired = 0;            // known complete: a signalled one completes all before it
    std::deque<uint64_t> signalled;  // `posted` count at each signalled request, in order
  };
  // Addresses peers by GID (a GID index was given, or the link is Ethernet) rather than LID.
  bool global_addressing() const;
  void post(int peer, ibv_send_wr& wr);
  void poll();  // retires what the completion queue reports; throws on a failed completion
  void connect(const Control& control);

  VerbsOptions options_;
  int rank_;
  // Creation order; destroyed in reverse, as verbs requires.
  VerbsContext context_;
  ibv_port_attr port_{};
  VerbsProtectionDomain pd_;
  VerbsCompletionQueue cq_;
  std::vector<Peer> peers_;
};

}  // namespace wxfer
