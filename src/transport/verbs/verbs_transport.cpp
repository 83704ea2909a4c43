#include "transport/verbs/verbs_transport.hpp"

#include "transport/verbs/verbs_endpoint.hpp"
#include "transport/verbs/verbs_memory.hpp"
#include "transport/verbs/verbs_window.hpp"

namespace wxfer {
namespace {

MpiComm duplicate(MPI_Comm comm) {
  MPI_Comm dup = MPI_COMM_NULL;
  WXFER_CHECK_MPI(MPI_Comm_dup(comm, &dup));
  return MpiComm(dup);
}

class VerbsTransport final : public Transport {
 public:
  explicit VerbsTransport(const Control& control)
      : comm_(duplicate(control.comm())),
        control_(comm_.get()),
        endpoint_(control_, verbs_options_from_environment()),
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
  int rank() const override { return control_.rank(); }
  int size() const override { return control_.size(); }
  std::unique_ptr<Window> expose(MemorySpan local) override {
    return std::make_unique<VerbsWindow>(local, control_, endpoint_, sources_, ops_);
  }
  std::map<std::string, std::string> settings() const override { return endpoint_.settings(); }
  void close(const Deadline& deadline) override { comm_.close(deadline); }

 private:
  MpiComm comm_;  // a private duplicate for the set-up exchanges
  Control control_;
  VerbsEndpoint endpoint_;
  VerbsSourceRegions sources_;
};

}  // namespace

std::unique_ptr<Transport> make_verbs_transport(const Control& control) { return std::make_unique<VerbsTransport>(control); }

}  // namespace wxfer
