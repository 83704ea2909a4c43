#include "transport/mpi/mpi_transport.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/process.hpp"
#include "control/mpi_requests.hpp"
#include "control/node_ranks.hpp"

namespace wxfer {
namespace {

// The tag of a flat broadcast's messages on a group's own communicator (nothing else is sent there).
constexpr int kFlatBroadcastTag = 1;

class MpiGroup final : public Group {
 public:
  MpiGroup(std::vector<int> members, MPI_Comm comm, bool flat_broadcast)
      : Group(std::move(members)), comm_(comm), flat_broadcast_(flat_broadcast) {}
  void close(const Deadline& deadline) override { comm_.close(deadline); }
  MPI_Comm comm() const { return comm_.get(); }
  bool flat_broadcast() const { return flat_broadcast_; }
  int local_rank(int world_rank) const {
    const auto it = std::find(members().begin(), members().end(), world_rank);
    WXFER_ASSERT(it != members().end());
    return static_cast<int>(it - members().begin());
  }

 private:
  MpiComm comm_;
  bool flat_broadcast_;
};

uint8_t* bytes_of(const MemorySpan& s) { return static_cast<uint8_t*>(s.data); }

void require_host(const MemorySpan& s) {
  if (s.kind != MemoryKind::host) throw_system_error("MpiTransport", "the mpi transport moves host memory only");
}

}  // namespace

MpiTransport::MpiTransport(const Control& control) : broadcast_tree_(broadcast_tree_from_environment()) {
  MPI_Comm dup = MPI_COMM_NULL;
  WXFER_CHECK_MPI(MPI_Comm_dup(control.comm(), &dup));
  comm_ = MpiComm(dup);
  rank_ = control.rank();
  size_ = control.size();
  single_host_ = control.node().single_host;
}

std::map<std::string, std::string> MpiTransport::settings() const {
  switch (broadcast_tree_) {
    case MpiBroadcastTree::flat:
      return {{"broadcast", "flat"}};
    case MpiBroadcastTree::mpi:
      return {{"broadcast", "MPI_Ibcast"}};
    case MpiBroadcastTree::automatic:
      break;
  }
  return {{"broadcast", single_host_ ? "flat" : "flat where a group shares one host, MPI_Ibcast otherwise"}};
}

MpiBroadcastTree broadcast_tree_from_environment() {
  const std::string value = environment_choice("WXFER_MPI_BROADCAST", {"auto", "flat", "mpi"});
  return value == "flat" ? MpiBroadcastTree::flat : value == "mpi" ? MpiBroadcastTree::mpi : MpiBroadcastTree::automatic;
}

void MpiTransport::close(const Deadline& deadline) { comm_.close(deadline); }

TransportCapabilities MpiTransport::capabilities() const {
  TransportCapabilities c;
  c.two_sided = true;
  c.collectives = true;
  c.tag_matching = true;
  return c;
}

Request MpiTransport::isend(int peer, MemorySpan data, int tag) {
  require_host(data);
  auto op = std::make_unique<MpiRequests>(describe_bytes("send", data.bytes, "to", peer) + " (tag " + std::to_string(tag) + ")");
  for_each_piece(data.bytes, [&](size_t off, int n) {
    WXFER_CHECK_MPI(MPI_Isend(bytes_of(data) + off, n, MPI_BYTE, peer, tag, comm_.get(), &op->handles().emplace_back()));
    ops_.count(OpKind::send, static_cast<uint64_t>(n));
  });
  return Request(std::move(op));
}

Request MpiTransport::irecv(int peer, MemorySpan data, int tag) {
  require_host(data);
  auto op = std::make_unique<MpiRequests>(
      describe_bytes("receive", data.bytes, "from", peer) + " (tag " + std::to_string(tag) + ")", MpiRequests::OnAbandon::cancel);
  for_each_piece(data.bytes, [&](size_t off, int n) {
    WXFER_CHECK_MPI(MPI_Irecv(bytes_of(data) + off, n, MPI_BYTE, peer, tag, comm_.get(), &op->handles().emplace_back()));
    ops_.count(OpKind::recv, static_cast<uint64_t>(n));
  });
  return Request(std::move(op));
}

std::unique_ptr<Group> MpiTransport::make_group(const std::vector<int>& members) {
  const bool in = std::find(members.begin(), members.end(), rank_) != members.end();
  // Key by position in `members` so that group rank i is members[i].
  const int key = in ? static_cast<int>(std::find(members.begin(), members.end(), rank_) - members.begin()) : 0;
  MPI_Comm sub = MPI_COMM_NULL;
  WXFER_CHECK_MPI(MPI_Comm_split(comm_.get(), in ? 0 : MPI_UNDEFINED, key, &sub));
  if (!in) return nullptr;
  // Automatic: flat where the group shares one host (known without asking when the whole
  // job does; every member takes the same branch, as node_ranks is collective over `sub`).
  const bool flat = broadcast_tree_ == MpiBroadcastTree::flat ||
                    (broadcast_tree_ == MpiBroadcastTree::automatic && (single_host_ || node_ranks(sub).single_host));
  return std::make_unique<MpiGroup>(members, sub, flat);
}

bool MpiTransport::broadcasts_flat(const Group& group) const { return static_cast<const MpiGroup&>(group).flat_broadcast(); }

Request MpiTransport::ibroadcast(Group& group, int root, MemorySpan data) {
  require_host(data);
  auto& g = static_cast<MpiGroup&>(group);
  const int local_root = g.local_rank(root);
  if (g.flat_broadcast()) {
    // The root posts one send per member and each member receives straight from the root's
    // buffer (a single copy within a host): no member waits for another to forward.
    const int me = g.local_rank(rank_);
    auto op = std::make_unique<MpiRequests>(describe_bytes("broadcast", data.bytes, "from", root),
                                            me == local_root ? MpiRequests::OnAbandon::leave : MpiRequests::OnAbandon::cancel);
    const int members = static_cast<int>(g.members().size());
    for_each_piece(data.bytes, [&](size_t off, int n) {
      if (me != local_root) {
        WXFER_CHECK_MPI(
            MPI_Irecv(bytes_of(data) + off, n, MPI_BYTE, local_root, kFlatBroadcastTag, g.comm(), &op->handles().emplace_back()));
        ops_.count(OpKind::recv, static_cast<uint64_t>(n));
        return;
      }
      for (int peer = 0; peer < members; ++peer)
        if (peer != local_root) {
          WXFER_CHECK_MPI(
              MPI_Isend(bytes_of(data) + off, n, MPI_BYTE, peer, kFlatBroadcastTag, g.comm(), &op->handles().emplace_back()));
          ops_.count(OpKind::broadcast, static_cast<uint64_t>(n));
        }
    });
    return Request(std::move(op));
  }
  auto op = std::make_unique<MpiRequests>(describe_bytes("broadcast", data.bytes, "from", root));
  for_each_piece(data.bytes, [&](size_t off, int n) {
    WXFER_CHECK_MPI(MPI_Ibcast(bytes_of(data) + off, n, MPI_BYTE, local_root, g.comm(), &op->handles().emplace_back()));
    ops_.count(OpKind::broadcast, static_cast<uint64_t>(n));
  });
  return Request(std::move(op));
}

Request MpiTransport::ibarrier() {
  auto op = std::make_unique<MpiRequests>("a barrier of all " + std::to_string(size_) + " ranks");
  WXFER_CHECK_MPI(MPI_Ibarrier(comm_.get(), &op->handles().emplace_back()));
  return Request(std::move(op));
}

std::unique_ptr<Transport> make_mpi_transport(const Control& control) { return std::make_unique<MpiTransport>(control); }

}  // namespace wxfer
