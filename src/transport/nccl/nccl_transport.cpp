#include "transport/nccl/nccl_transport.hpp"

#include <algorithm>
#include <cstring>

#include "common/units.hpp"
#include "control/node_ranks.hpp"
#include "transport/cuda/cuda_device.hpp"
#include "transport/cuda/device_buffer.hpp"
#include "transport/nccl/nccl_check.hpp"
#include "transport/nccl/nccl_comm.hpp"

namespace wxfer {
namespace {

void require_device(const MemorySpan& s, const char* what) {
  if (s.kind != MemoryKind::device)
    throw_system_error(std::string("NcclTransport::") + what, "the nccl transport moves CUDA device memory only");
}

std::string describe(const char* verb, size_t bytes, const char* preposition, int peer) {
  return std::string(verb) + " " + format_bytes(static_cast<double>(bytes)) + " " + preposition + " rank " +
         std::to_string(peer) + " (nccl)";
}

// One GPU per rank: NCCL refuses two ranks of a communicator on one device.
int pick_device(const Control& control) {
  const NodeRanks node = node_ranks(control.comm());
  const int count = cuda_device_count();
  int fits = node.local_size <= count ? 1 : 0;
  WXFER_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &fits, 1, MPI_INT, MPI_LAND, control.comm()));
  if (fits == 0)
    throw TransportUnavailable("nccl needs one GPU per rank, but up to " + std::to_string(node.max_local_size) +
                               " ranks share a host and this host has " + std::to_string(count) + " CUDA device(s)");
  return select_cuda_device(node.local_rank);
}

ncclComm_t init_world(const Control& control) {
  ncclUniqueId id{};
  std::vector<uint8_t> bytes(sizeof id);
  if (control.rank() == 0) {
    WXFER_CHECK_NCCL(ncclGetUniqueId(&id));
    std::memcpy(bytes.data(), &id, sizeof id);
  }
  bytes = control.broadcast(std::move(bytes), 0);
  std::memcpy(&id, bytes.data(), sizeof id);
  ncclComm_t comm = nullptr;
  WXFER_CHECK_NCCL(ncclCommInitRank(&comm, control.size(), id, control.rank()));
  return comm;
}

class NcclGroup final : public Group {
 public:
  NcclGroup(std::vector<int> members, ncclComm_t comm) : Group(std::move(members)), comm_(comm) {}
  NcclComm& comm() { return comm_; }
  void close(const Deadline& deadline) override { comm_.close(deadline); }
  int local_rank(int world_rank) const {
    const auto it = std::find(members().begin(), members().end(), world_rank);
    if (it == members().end())
      throw_system_error("NcclTransport::ibroadcast", "root rank " + std::to_string(world_rank) + " is not a member");
    return static_cast<int>(it - members().begin());
  }

 private:
  NcclComm comm_;
};

class NcclTransport;

// Completes when the launch that carries it has finished on the stream.
class NcclRequest final : public PendingOperation {
 public:
  NcclRequest(NcclTransport& transport, std::shared_ptr<NcclLaunch> launch, std::string what)
      : transport_(transport), launch_(std::move(launch)), what_(std::move(what)) {}
  bool test() override;
  std::string describe() const override { return what_; }

 private:
  NcclTransport& transport_;
  std::shared_ptr<NcclLaunch> launch_;
  std::string what_;
};

class NcclTransport final : public Transport {
 public:
  explicit NcclTransport(const Control& control)
      : rank_(control.rank()),
        size_(control.size()),
        device_(pick_device(control)),
        scratch_(sizeof(float)),
        world_(init_world(control)) {}

  std::string_view name() const override { return "nccl"; }
  TransportCapabilities capabilities() const override {
    TransportCapabilities c;
    c.two_sided = true;
    c.collectives = true;
    c.host_memory = false;
    c.device_memory = true;
    return c;
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void close(const Deadline& deadline) override { world_.close(deadline); }
  // This rank's GPU and the NCCL library it runs (run files record rank 0's).
  std::map<std::string, std::string> settings() const override {
    int version = 0;
    WXFER_CHECK_NCCL(ncclGetVersion(&version));
    return {{"cuda_device", std::to_string(device_)}, {"nccl_version", std::to_string(version)}};
  }

  // Sends and receives wait in an open batch and are launched together, as one NCCL group,
  // when any request is first tested or another operation needs the stream: a rank can
  // then post a send before the matching receive without a deadlock.
  Request isend(int peer, MemorySpan data, int tag) override {
    require_device(data, "isend");
    (void)tag;  // NCCL has no tags: messages between two ranks match in posting order
    ops_.count(OpKind::send, data.bytes);
    return post(describe("send", data.bytes, "to", peer), data.bytes, [this, data, peer] {
      WXFER_CHECK_NCCL(ncclSend(data.data, data.bytes, ncclUint8, peer, world_.get(), stream_.get()));
    });
  }
  Request irecv(int peer, MemorySpan data, int tag) override {
    require_device(data, "irecv");
    (void)tag;
    ops_.count(OpKind::recv, data.bytes);
    return post(describe("receive", data.bytes, "from", peer), data.bytes, [this, data, peer] {
      WXFER_CHECK_NCCL(ncclRecv(data.data, data.bytes, ncclUint8, peer, world_.get(), stream_.get()));
    });
  }

  std::unique_ptr<Group> make_group(const std::vector<int>& members) override {
    launch_open();
    const auto it = std::find(members.begin(), members.end(), rank_);
    const bool in = it != members.end();
    // Key by position in `members` so that group rank i is members[i].
    const int key = in ? static_cast<int>(it - members.begin()) : 0;
    ncclComm_t sub = nullptr;
    WXFER_CHECK_NCCL(ncclCommSplit(world_.get(), in ? 0 : NCCL_SPLIT_NOCOLOR, key, &sub, nullptr));
    if (!in) return nullptr;
    return std::make_unique<NcclGroup>(members, sub);
  }

  Request ibroadcast(Group& group, int root, MemorySpan data) override {
    require_device(data, "ibroadcast");
    auto& g = static_cast<NcclGroup&>(group);
    const int local_root = g.local_rank(root);
    if (data.bytes == 0) return Request();
    ops_.count(OpKind::broadcast, data.bytes);
    launch_open();  // keep the stream in posting order
    auto launch = std::make_shared<NcclLaunch>();
    launch->calls.emplace_back([this, data, local_root, comm = g.comm().get()] {
      WXFER_CHECK_NCCL(ncclBroadcast(data.data, data.data, data.bytes, ncclUint8, local_root, comm, stream_.get()));
    });
    launch->launch(stream_.get());
    g.comm().launched(launch);
    return Request(std::make_unique<NcclRequest>(*this, launch, describe("broadcast", data.bytes, "from", root)));
  }

  // NCCL has no barrier: a one-element allreduce completes only once every rank joined.
  Request ibarrier() override {
    launch_open();
    auto launch = std::make_shared<NcclLaunch>();
    launch->calls.emplace_back([this] {
      WXFER_CHECK_NCCL(ncclAllReduce(scratch_.data(), scratch_.data(), 1, ncclFloat, ncclSum, world_.get(), stream_.get()));
    });
    launch->launch(stream_.get());
    world_.launched(launch);
    return Request(
        std::make_unique<NcclRequest>(*this, launch, "a barrier of all " + std::to_string(size_) + " ranks (nccl allreduce)"));
  }

  void launch_open() {
    if (!open_) return;
    auto launch = std::move(open_);
    launch->launch(stream_.get());
    world_.launched(launch);
  }

 private:
  template <class Call>
  Request post(std::string what, size_t bytes, Call call) {
    if (bytes == 0) return Request();  // both sides know the size: nothing to match
    if (!open_) open_ = std::make_shared<NcclLaunch>();
    open_->calls.emplace_back(std::move(call));
    return Request(std::make_unique<NcclRequest>(*this, open_, std::move(what)));
  }

  int rank_;
  int size_;
  int device_;
  // Destroyed in reverse: the communicator (aborted if stuck) before the memory and the
  // stream its kernels use.
  CudaStream stream_;
  DeviceBuffer scratch_;
  NcclComm world_;
  std::shared_ptr<NcclLaunch> open_;
};

bool NcclRequest::test() {
  if (!launch_->launched) transport_.launch_open();
  return launch_->done.query();
}

}  // namespace

std::optional<std::string> nccl_unavailable() { return cuda_unavailable(); }

std::unique_ptr<Transport> make_nccl_transport(const Control& control) { return std::make_unique<NcclTransport>(control); }

}  // namespace wxfer
