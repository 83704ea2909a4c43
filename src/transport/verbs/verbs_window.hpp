// Memory this rank exposed to RDMA WRITEs from every rank, and the peers' (addr, rkey).
#pragma once

#include <mpi.h>

#include <cstdint>
#include <vector>

#include "transport/transport.hpp"
#include "transport/verbs/verbs_endpoint.hpp"
#include "transport/verbs/verbs_memory.hpp"

namespace wxfer {

class VerbsWindow final : public Window {
 public:
  // Collective over `control`: registers `local` and exchanges where it is and its key.
  VerbsWindow(MemorySpan local, const Control& control, VerbsEndpoint& endpoint, VerbsSourceRegions& sources, OpLog& ops);
  // Collective: every rank stops writing into this window before any deregisters it.
  void close(const Deadline& deadline) override;
  VerbsWindow(const VerbsWindow&) = delete;
  VerbsWindow& operator=(const VerbsWindow&) = delete;

  void put(int peer, uint64_t offset, const void* src, size_t bytes) override;
  void flush(const Deadline& deadline) override { endpoint_.flush(deadline); }
  MemorySpan local() const override { return local_; }

 private:
  struct Remote {
    uint64_t addr;
    uint64_t bytes;
    uint32_t rkey;
    uint32_t pad;
  };
  MemorySpan local_;
  MPI_Comm comm_;
  VerbsEndpoint& endpoint_;
  VerbsSourceRegions& sources_;
  OpLog& ops_;
  VerbsMemoryRegion region_;
  std::vector<Remote> remotes_;
  std::vector<uint64_t> remote_bytes_;
};

}  // namespace wxfer
