#include "transport/verbs/verbs_endpoint.hpp"

#include <sched.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "transport/verbs/verbs_check.hpp"

namespace wxfer {
namespace {

// What a rank tells a peer about the queue pair that peer must connect to.
struct QpAddress {
  uint32_t qpn;
  uint32_t psn;
  uint16_t lid;
  uint8_t mtu;
  uint8_t pad;
  uint8_t gid[16];
};

// How long post_write may wait for send-queue room before calling the peer stuck.
constexpr double kQueueRoomSeconds = 60.0;

VerbsContext open_device(const VerbsOptions& options) {
  int n = 0;
  const VerbsDeviceList list(ibv_get_device_list(&n));
  if (!list || n == 0) throw_system_error("ibv_get_device_list", "no RDMA device (ibv_get_device_list returned none)");
  ibv_device* chosen = list.get()[0];
  if (!options.device.empty()) {
    chosen = nullptr;
    for (int i = 0; i < n; ++i)
      if (options.device == ibv_get_device_name(list.get()[i])) chosen = list.get()[i];
    if (chosen == nullptr) throw_usage("RDMA device '" + options.device + "' (WXFER_VERBS_DEVICE) not found");
  }
  return VerbsContext(WXFER_CHECK_VERBS_PTR(ibv_open_device(chosen)));
}

uint32_t initial_psn(int rank, int peer) {
  return static_cast<uint32_t>(rank * 7919 + peer * 104729 + 1) & 0xffffffu;  // 24-bit PSN
}

}  // namespace

VerbsEndpoint::VerbsEndpoint(const Control& control, const VerbsOptions& options)
    : options_(options), rank_(control.rank()), context_(open_device(options)) {
  WXFER_CHECK_VERBS(ibv_query_port(context_.get(), static_cast<uint8_t>(options_.port), &port_));
  if (port_.state != IBV_PORT_ACTIVE)
    throw_system_error("ibv_query_port", "port " + std::to_string(options_.port) + " of " +
                                             ibv_get_device_name(context_->device) + " is not active");
  ibv_device_attr device{};
  WXFER_CHECK_VERBS(ibv_query_device(context_.get(), &device));
  options_.queue_depth = std::min(options_.queue_depth, device.max_qp_wr);
  // Keep a signalled request in every half queue, so room is always reclaimed.
  options_.signal_every = std::clamp(options_.signal_every, 1, std::max(1, options_.queue_depth / 2));
  pd_.reset(WXFER_CHECK_VERBS_PTR(ibv_alloc_pd(context_.get())));
  const int cq_entries = std::min(device.max_cqe, options_.queue_depth * control.size());
  cq_.reset(WXFER_CHECK_VERBS_PTR(ibv_create_cq(context_.get(), cq_entries, nullptr, nullptr, 0)));
  connect(control);
}

bool VerbsEndpoint::global_addressing() const {
  return options_.gid_index >= 0 || port_.link_layer == IBV_LINK_LAYER_ETHERNET;  // RoCE has no LIDs
}

std::map<std::string, std::string> VerbsEndpoint::settings() const {
  return {{"device", ibv_get_device_name(context_->device)},
          {"port", std::to_string(options_.port)},
          {"link_layer", port_.link_layer == IBV_LINK_LAYER_ETHERNET ? "Ethernet (RoCE)" : "InfiniBand"},
          {"addressing", global_addressing() ? "GID index " + std::to_string(std::max(options_.gid_index, 0)) : "LID"},
          {"active_mtu_bytes", std::to_string(128 << static_cast<int>(port_.active_mtu))},
          {"queue_depth", std::to_string(options_.queue_depth)},
          {"signal_every", std::to_string(options_.signal_every)}};
}

void VerbsEndpoint::connect(const Control& control) {
  const auto n = static_cast<size_t>(control.size());
  const bool global = global_addressing();
  const int gid_index = std::max(options_.gid_index, 0);
  ibv_gid gid{};
  if (global) WXFER_CHECK_VERBS(ibv_query_gid(context_.get(), static_cast<uint8_t>(options_.port), gid_index, &gid));

  std::vector<QpAddress> mine(n);
  peers_.resize(n);
  for (size_t p = 0; p < n; ++p) {
    ibv_qp_init_attr init{};
    init.send_cq = cq_.get();
    init.recv_cq = cq_.get();
    init.qp_type = IBV_QPT_RC;
    init.cap.max_send_wr = static_cast<uint32_t>(options_.queue_depth);
    init.cap.max_recv_wr = 1;  // writes consume no receive: the queue stays empty
    init.cap.max_send_sge = 1;
    init.cap.max_recv_sge = 1;
    peers_[p].qp.reset(WXFER_CHECK_VERBS_PTR(ibv_create_qp(pd_.get(), &init)));
    mine[p] = QpAddress{
        peers_[p].qp->qp_num, initial_psn(rank_, static_cast<int>(p)), port_.lid, static_cast<uint8_t>(port_.active_mtu), 0, {}};
    std::memcpy(mine[p].gid, gid.raw, sizeof gid.raw);
  }
  std::vector<uint8_t> bytes(n * sizeof(QpAddress));
  std::memcpy(bytes.data(), mine.data(), bytes.size());
  const auto all = control.all_gather(bytes);

  for (size_t p = 0; p < n; ++p) {
    QpAddress remote{};  // peer p's queue pair meant for us
    std::memcpy(&remote, all[p].data() + static_cast<size_t>(rank_) * sizeof(QpAddress), sizeof remote);
    ibv_qp* qp = peers_[p].qp.get();

    ibv_qp_attr a{};
    a.qp_state = IBV_QPS_INIT;
    a.port_num = static_cast<uint8_t>(options_.port);
    a.qp_access_flags = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE;
    WXFER_CHECK_VERBS(ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS));

    a = ibv_qp_attr{};
    a.qp_state = IBV_QPS_RTR;
    a.path_mtu = static_cast<ibv_mtu>(std::min<int>(remote.mtu, port_.active_mtu));
    a.dest_qp_num = remote.qpn;
    a.rq_psn = remote.psn;
    a.max_dest_rd_atomic = 1;
    a.min_rnr_timer = 12;
    a.ah_attr.dlid = remote.lid;
    a.ah_attr.port_num = static_cast<uint8_t>(options_.port);
    if (global) {
      a.ah_attr.is_global = 1;
      std::memcpy(a.ah_attr.grh.dgid.raw, remote.gid, sizeof remote.gid);
      a.ah_attr.grh.sgid_index = static_cast<uint8_t>(gid_index);
      a.ah_attr.grh.hop_limit = 64;
    }
    WXFER_CHECK_VERBS(ibv_modify_qp(qp, &a,
                                    IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
                                        IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER));

    a = ibv_qp_attr{};
    a.qp_state = IBV_QPS_RTS;
    a.timeout = 14;  // 4.096 us * 2^14 = 67 ms per retry
    a.retry_cnt = 7;
    a.rnr_retry = 7;
    a.sq_psn = mine[p].psn;
    a.max_rd_atomic = 1;
    WXFER_CHECK_VERBS(ibv_modify_qp(
        qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC));
  }
  // No rank may write before every peer's queue pair is ready to receive.
  control.barrier();
}

size_t VerbsEndpoint::max_write_bytes() const {
  // An SGE length is 32-bit; stay at 1 GiB so that it never reaches the sign bit.
  return std::min<size_t>(port_.max_msg_sz, size_t{1} << 30);
}

void VerbsEndpoint::post_write(int peer, const void* src, uint32_t lkey, uint64_t remote_addr, uint32_t rkey, size_t bytes) {
  WXFER_ASSERT(bytes <= max_write_bytes());
  ibv_sge sge{};
  sge.addr = reinterpret_cast<uintptr_t>(src);
  sge.length = static_cast<uint32_t>(bytes);
  sge.lkey = lkey;
  ibv_send_wr wr{};
  wr.opcode = IBV_WR_RDMA_WRITE;
  wr.sg_list = &sge;
  wr.num_sge = 1;
  wr.wr.rdma.remote_addr = remote_addr;
  wr.wr.rdma.rkey = rkey;
  post(peer, wr);
}

void VerbsEndpoint::post(int peer, ibv_send_wr& wr) {
  Peer& p = peers_.at(static_cast<size_t>(peer));
  const auto depth = static_cast<uint64_t>(options_.queue_depth);
  const Deadline room = Deadline::after(kQueueRoomSeconds);
  while (p.posted - p.retired >= depth) {
    poll();
    if (room.expired()) throw_timeout("send-queue room on the queue pair to rank " + std::to_string(peer), room);
  }
  const bool last_before_full = p.posted + 1 - p.retired == depth;
  const uint64_t since_signal = p.posted + 1 - (p.signalled.empty() ? p.retired : p.signalled.back());
  const bool signal = last_before_full || since_signal >= static_cast<uint64_t>(options_.signal_every) ||
                      (wr.send_flags & IBV_SEND_SIGNALED) != 0;
  wr.wr_id = static_cast<uint64_t>(peer);
  if (signal) wr.send_flags |= IBV_SEND_SIGNALED;
  ibv_send_wr* bad = nullptr;
  WXFER_CHECK_VERBS(ibv_post_send(p.qp.get(), &wr, &bad));
  ++p.posted;
  if (signal) p.signalled.push_back(p.posted);
}

void VerbsEndpoint::poll() {
  ibv_wc wc[32];
  const int n = ibv_poll_cq(cq_.get(), 32, wc);
  if (n < 0) throw_system_error("ibv_poll_cq", "failed to poll the completion queue");
  for (int i = 0; i < n; ++i) {
    const auto peer = static_cast<size_t>(wc[i].wr_id);
    if (wc[i].status != IBV_WC_SUCCESS)
      throw_system_error("ibv_poll_cq", std::string("RDMA WRITE to rank ") + std::to_string(peer) +
                                            " failed: " + ibv_wc_status_str(wc[i].status));
    Peer& p = peers_.at(peer);
    WXFER_ASSERT(!p.signalled.empty());
    p.retired = p.signalled.front();
    p.signalled.pop_front();
  }
}

void VerbsEndpoint::flush(const Deadline& deadline) {
  // Writes after the last signalled one have no completion of their own: a signalled
  // zero-length write behind them completes after them (RC executes in order).
  for (size_t r = 0; r < peers_.size(); ++r) {
    Peer& p = peers_[r];
    const uint64_t covered = p.signalled.empty() ? p.retired : p.signalled.back();
    if (p.posted == covered) continue;
    ibv_send_wr wr{};
    wr.opcode = IBV_WR_RDMA_WRITE;
    wr.num_sge = 0;
    wr.send_flags = IBV_SEND_SIGNALED;
    post(static_cast<int>(r), wr);
  }
  auto pending = [&] { return std::any_of(peers_.begin(), peers_.end(), [](const Peer& p) { return p.retired != p.posted; }); };
  while (pending()) {
    poll();
    if (deadline.expired() && pending()) throw_timeout("RDMA writes to complete (verbs flush)", deadline);
    sched_yield();
  }
}

}  // namespace wxfer
