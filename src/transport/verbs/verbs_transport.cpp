#include "transport/verbs/verbs_transport.hpp"

#include "transport/verbs/verbs_endpoint.hpp"
#include "transport/verbs/verbs_memory.hpp"
#include "transport/verbs/verbs_window.hpp"

namespace wxfer {
namespace {

MPI_Comm duplicate(MPI_Comm comm) {
  MPI_Comm dup = MPI_COMM_NULL;
  WXFER_CHECK_MPI(MPI_Comm_dup(comm, &dup));
  return dup;
}

class VerbsTransport final : public Transport {
 public:
  explicit VerbsTransport(const Bootstrap& bootstrap)
      : comm_(duplicate(bootstrap.comm())),
        bootstrap_(comm_),
        endpoint_(bootstrap_, verbs_options_from_environment()),
        sources_(endpoint_.protection_domain()) {}
  // Windows must be gone already; source regions go before the endpoint's protection domain.
  ~VerbsTransport() override = default;
  VerbsTransport(const VerbsTransport&) = delete;
  VerbsTransport& operator=(const VerbsTransport&) = delete;

  std::string_view name() const override { return "verbs"; }
  TransportCapabilities capabilities() const override {
    TransportCapabilities c;
    c.one_sided = true;
    c.host_memory = true;
    c.device_memory = true;
    return c;
  }
  int rank() const override { return bootstrap_.rank(); }
  int size() const override { return bootstrap_.size(); }
  std::unique_ptr<Window> expose(MemorySpan local) override {
    return std::make_unique<VerbsWindow>(local, bootstrap_, endpoint_, sources_);
  }
  std::map<std::string, std::string> settings() const override { return endpoint_.settings(); }

 private:
  // Frees the duplicate last, after everything that might still use it.
  struct CommOwner {
    MPI_Comm comm;
    ~CommOwner() { MPI_Comm_free(&comm); }
    operator MPI_Comm() const { return comm; }  // NOLINT: a thin owner
  };
  CommOwner comm_;
  Bootstrap bootstrap_;
  VerbsEndpoint endpoint_;
  VerbsSourceRegions sources_;
};

}  // namespace

std::unique_ptr<Transport> make_verbs_transport(const Bootstrap& bootstrap) {
  return std::make_unique<VerbsTransport>(bootstrap);
}

}  // namespace wxfer
